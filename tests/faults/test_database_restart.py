"""PostgreSQL stopped, hung and started again under load: answers stay quick and in the error shape, and the service
comes back by itself.

The database is a private PostgreSQL cluster started for the test (never the shared server others test on), served
by real gunicorn; a resident keeps reading `/me` (which checks the token against the database) and `/ready`.
"""
import os
import socket
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.faults.servers import Gunicorn, migrate, private_cluster, sign_in
from tests.support.wechat_stub import WeChatStub

CONNECT_TIMEOUT_S = 2  # DATABASE_CONNECT_TIMEOUT_S given to the service
QUICK_S = CONNECT_TIMEOUT_S * 2 + 2  # no answer may take longer than this while the database is away


class Load(threading.Thread):
    """Keeps asking `/me` and `/ready`, noting each answer's status, body and time."""

    def __init__(self, url: str, headers: dict):
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.answers: list[tuple[float, str, int, dict, float]] = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for path, headers in (("/api/v1/me", self.headers), ("/api/v1/ready", {})):
                started = time.monotonic()
                try:
                    resp = requests.get(self.url + path, headers=headers, timeout=30)
                    status, body = resp.status_code, resp.json()
                except requests.RequestException as exc:  # recorded, and refused by the assertions
                    status, body = 0, {"error": type(exc).__name__}
                self.answers.append((started, path, status, body, time.monotonic() - started))
            time.sleep(0.05)

    def since(self, instant: float) -> list[tuple]:
        return [a for a in self.answers if a[0] >= instant]


def _wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _black_hole(port: int) -> socket.socket:
    """A listener that takes connections and never answers: a database host that hangs."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    return sock


@pytest.mark.postgres
def test_database_stopped_hung_and_restarted_under_load(tmp_path):
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("runs in the PostgreSQL pass only (it starts a private PostgreSQL cluster of its own)")
    with private_cluster() as (admin_url, start, stop):
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "reporter"'))
        admin.dispose()
        url = make_url(admin_url).set(database="reporter").render_as_string(hide_password=False)
        migrate(url, reference=False)
        wechat = WeChatStub().start()
        try:
            with Gunicorn(tmp_path, url, workers=2, wechat_base=wechat.base_url,
                          env={"DATABASE_CONNECT_TIMEOUT_S": str(CONNECT_TIMEOUT_S)}) as server:
                load = Load(server.url, sign_in(server.url, wechat, "restart"))
                load.start()
                _wait_for(lambda: len(load.answers) >= 10, 20)
                assert {a[2] for a in load.answers} == {200}

                stop()  # pg_ctl -w: returns once the server has shut down; answers to requests started during
                stopped = time.monotonic()  # the shutdown may still be 200, so only those started after it count
                _wait_for(lambda: len([a for a in load.since(stopped) if a[1] == "/api/v1/me"]) >= 6, 30)
                down = load.since(stopped)

                hung = time.monotonic()
                hole = _black_hole(make_url(url).port)
                _wait_for(lambda: len(load.since(hung)) >= 4, 60)
                hole.close()
                during_hang = load.since(hung)

                restarted = time.monotonic()
                start()
                recovered_in = _wait_for(lambda: any(a[2] == 200 and a[1] == "/api/v1/ready"
                                                     for a in load.since(restarted)), 30)
                back = time.monotonic()
                _wait_for(lambda: len(load.since(back)) >= 10, 20)
                load.done.set()
                load.join()
                after = load.since(back)
        finally:
            wechat.stop()

    print(f"\ndown: {len(down)} answers, slowest {max(a[4] for a in down):.2f} s; hung: {len(during_hang)} answers, "
          f"slowest {max(a[4] for a in during_hang):.2f} s; ready again {recovered_in:.1f} s after the start")
    for answers in (down, during_hang):
        for _, path, status, body, elapsed in answers:
            assert status == 503 and body["error"] == "database_unavailable", (path, body)
            assert {"code", "status", "error", "message"} <= set(body) and body["code"] == 503
            assert elapsed < QUICK_S, (path, elapsed)
    assert {a[2] for a in after} == {200}  # every worker recovered without a restart
    assert recovered_in < 10
