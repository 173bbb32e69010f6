"""A gunicorn worker killed with SIGKILL in the middle of uploads and report submissions loses nothing.

Real gunicorn (two workers) on PostgreSQL; three residents upload photos and submit reports with an Idempotency-Key
while workers are killed again and again. A client retries a report with the same key until it gets a 2xx (as the
mini-program does) and uploads a photo again when an upload got no answer.
"""
import hashlib
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import create_engine, text

from tests.faults.servers import Gunicorn, flask_cli, fresh_database, photo, sign_in, upload
from tests.reports.conftest import report_body
from tests.support.wechat_stub import WeChatStub

CLIENTS, REPORTS_EACH, PHOTOS_EACH = 3, 4, 2
MAX_KILLS, BOOT_S = 4, 1.0


class Resident(threading.Thread):
    """One phone: uploads, then submits with a key, retrying through every failure until a 2xx."""

    def __init__(self, server: Gunicorn, headers: dict, index: int, stop_at: float):
        super().__init__(daemon=True)
        self.server, self.headers, self.index, self.stop_at = server, headers, index, stop_at
        self.acked_uploads: dict[str, str] = {}   # upload id -> sha256 the server answered
        self.reports: dict[str, dict] = {}        # Idempotency-Key -> the 201 body finally received
        self.interrupted = 0                      # requests that got no answer or a 5xx
        self.error: BaseException | None = None

    def _upload(self, seed: int) -> str:
        while time.monotonic() < self.stop_at:
            try:
                resp = upload(self.server.url, self.headers, photo(seed))
            except requests.RequestException:
                self.interrupted += 1
                continue
            if resp.status_code == 201:
                self.acked_uploads[resp.json()["id"]] = resp.json()["sha256"]
                return resp.json()["id"]
            assert resp.status_code >= 500, resp.text
            self.interrupted += 1
        raise TimeoutError("upload never succeeded")

    def _submit(self, key: str, body: dict) -> dict:
        headers = {**self.headers, "Idempotency-Key": key}
        while time.monotonic() < self.stop_at:
            try:
                resp = requests.post(f"{self.server.url}/api/v1/reports", json=body, headers=headers, timeout=20)
            except requests.RequestException:
                self.interrupted += 1
                continue
            if resp.status_code == 201:
                return resp.json()
            if resp.status_code == 409:  # the killed first attempt still holds the key until its lease ends
                time.sleep(0.3)
                continue
            assert resp.status_code >= 500, resp.text
            self.interrupted += 1
        raise TimeoutError(f"report {key} never succeeded")

    def run(self):
        try:
            for n in range(REPORTS_EACH):
                ids = [self._upload(self.index * 1000 + n * 10 + p) for p in range(PHOTOS_EACH)]
                key = f"resident{self.index}-report{n}"
                self.reports[key] = self._submit(key, report_body(ids))
        except BaseException as exc:  # reported by the test
            self.error = exc


def _killer(server: Gunicorn, done: threading.Event, kills: list[int], residents: list[Resident]):
    """SIGKILL a worker (busy: three clients share two) a few times, each once the master has replaced the last;
    more times (up to a bound) until at least one request was cut off."""
    rng = random.Random(7)
    while not done.wait(rng.uniform(0.2, 0.6)):
        if len(kills) >= 3 * MAX_KILLS or (len(kills) >= MAX_KILLS and any(r.interrupted for r in residents)):
            return
        workers = server.workers()
        if len(workers) < 2:
            continue
        victim = rng.choice(workers)
        try:
            os.kill(victim, signal.SIGKILL)
            kills.append(victim)
        except ProcessLookupError:
            continue
        while not done.is_set() and (len(server.workers()) < 2 or victim in server.workers()):
            time.sleep(0.05)
        done.wait(BOOT_S)  # the new worker imports the app before it serves


def _stored_files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


@pytest.mark.postgres
def test_killed_workers_lose_no_acknowledged_report_or_photo(tmp_path):
    with fresh_database() as url:
        wechat = WeChatStub().start()
        try:
            with Gunicorn(tmp_path, url, workers=2, wechat_base=wechat.base_url,
                          env={"RATELIMIT_ENABLED": "false"}) as server:
                residents_headers = [sign_in(server.url, wechat, f"r{i}") for i in range(CLIENTS)]
                stop_at = time.monotonic() + 90
                residents = [Resident(server, h, i, stop_at) for i, h in enumerate(residents_headers)]
                done, kills = threading.Event(), []
                killer = threading.Thread(target=_killer, args=(server, done, kills, residents), daemon=True)
                started = time.monotonic()
                for r in residents:
                    r.start()
                killer.start()
                for r in residents:
                    r.join()
                done.set()
                killer.join()
                elapsed = time.monotonic() - started
                for r in residents:
                    assert r.error is None, repr(r.error)
            out = flask_cli(url, server.uploads, "media", "purge-orphans", "--older-than", "0s")
        finally:
            wechat.stop()
        engine = create_engine(url)
        with engine.connect() as conn:
            reports = {row.id: row.case_id for row in conn.execute(text("SELECT id, case_id FROM reports"))}
            keys = conn.execute(text("SELECT key, state, response FROM idempotency_keys")).all()
            uploads = conn.execute(text("SELECT id, sha256, state, attached_type, attached_id FROM uploads")).all()
            cases = {row[0] for row in conn.execute(text("SELECT id FROM cases"))}
        engine.dispose()

    interrupted = sum(r.interrupted for r in residents)
    print(f"\nload {elapsed:.1f} s; {len(kills)} workers killed; {interrupted} requests interrupted; {out}")
    assert len(kills) >= 3 and interrupted >= 1  # the fault really hit requests
    answered = {key: body for r in residents for key, body in r.reports.items()}
    assert len(answered) == CLIENTS * REPORTS_EACH
    # every retried key converged to one report: one key row each, done, holding the very body the phone got
    assert {k.key: k.state for k in keys} == dict.fromkeys(answered, "done")
    assert {k.key: k.response["id"] for k in keys} == {key: body["id"] for key, body in answered.items()}
    assert set(reports) == {body["id"] for body in answered.values()}
    # no half-written rows: each report has its case and exactly its photos, attached to it
    assert all(case_id in cases for case_id in reports.values())
    attached = {u.id: u for u in uploads if u.state == "attached"}
    assert {u.attached_id for u in attached.values()} == set(reports)
    assert len(attached) == len(reports) * PHOTOS_EACH
    acked = {uid: sha for r in residents for uid, sha in r.acked_uploads.items()}
    assert set(attached) <= set(acked) and all(attached[uid].sha256 == acked[uid] for uid in attached)
    # after the daily purge: only attached uploads remain, each with both whole files, and no other file on disk
    assert {u.id for u in uploads} == set(attached)
    files = _stored_files(server.uploads)
    expected = {f"{variant}/{sha[:2]}/{sha[2:4]}/{sha}.jpg" for sha in {u.sha256 for u in uploads}
                for variant in ("display", "thumbnail")}
    assert set(files) == expected
    for path in files.values():
        with Image.open(path) as im:
            im.load()  # a truncated file would raise here
    for u in uploads:  # the display copy is byte for byte what was recorded
        display = files[f"display/{u.sha256[:2]}/{u.sha256[2:4]}/{u.sha256}.jpg"].read_bytes()
        assert hashlib.sha256(display).hexdigest() == u.sha256
