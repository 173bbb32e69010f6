"""Two gunicorn instances on two ports sharing PostgreSQL and Redis behave as one service: the sign-in rate limit is
counted across both, an Idempotency-Key used on A replays on B, a session ended on A is refused on B, and a
responsibility-list activation made through A reaches routing on B within the cache check interval.

Redis is the run's own (the `redis_url` fixture: a private redis-server on a free port), so parallel runs never see
or flush each other's keys; each test still uses a client address of its own (X-Forwarded-For through a trusted
proxy hop) so the tests of one run never count each other's attempts.
"""
import random
import tempfile
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.faults.servers import (
    SECRETS,
    Gunicorn,
    assert_error_shape,
    fresh_database,
    photo,
    postgres_base,
    sign_in,
    upload,
)
from tests.reports.conftest import NINGSHAN, report_body
from tests.support.wechat_stub import WeChatStub

CHECK_S = 1.0                            # REFERENCE_CACHE_CHECK_SECONDS of both instances
ADMIN = ("scaleout-admin", "correct horse battery staple")


def _client_ip() -> dict:
    return {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"}


def _make_admin(url: str) -> None:
    from reporter import create_app
    from reporter.accounts.services import create_user
    from reporter.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tempfile.mkdtemp(), **SECRETS,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        create_user(ADMIN[0], ADMIN[1], ["admin"])
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def pair(tmp_path_factory, redis_url):
    """(A, B, database url, WeChat stand-in): two instances of one service."""
    postgres_base()
    with fresh_database() as url:
        _make_admin(url)
        wechat = WeChatStub().start()
        workdir = tmp_path_factory.mktemp("scaleout")
        env = {"REDIS_URL": redis_url, "PROXY_COUNT": "1", "RATELIMIT_LOGIN": "5/minute"}
        config = {"REFERENCE_CACHE_CHECK_SECONDS": CHECK_S}
        a = Gunicorn(workdir, url, workers=1, wechat_base=wechat.base_url, env=env, config=config)
        b = Gunicorn(workdir, url, workers=1, wechat_base=wechat.base_url, env=env, config=config)
        try:
            a.start(), b.start()
            yield a, b, url, wechat
        finally:
            a.stop(), b.stop()
            wechat.stop()


@pytest.mark.postgres
def test_the_sign_in_rate_limit_is_counted_across_instances(pair):
    a, b, _, _ = pair
    ip = _client_ip()
    answers = []
    for n in range(7):
        server = (a, b)[n % 2]
        resp = requests.post(f"{server.url}/api/v1/auth/login", headers=ip, timeout=10,
                             json={"username": f"nobody{n}", "password": "wrong password"})
        answers.append(resp.status_code)
    assert answers[:5] == [401] * 5                     # five attempts in all, alternating A and B ...
    assert answers[5:] == [429, 429]                    # ... and both instances refuse the sixth and seventh
    refused = requests.post(f"{b.url}/api/v1/auth/login", headers=ip, timeout=10,
                            json={"username": ADMIN[0], "password": ADMIN[1]})
    assert assert_error_shape(refused, 429)["error"] == "rate_limited"
    other = requests.post(f"{b.url}/api/v1/auth/login", headers=_client_ip(), timeout=10,
                          json={"username": ADMIN[0], "password": ADMIN[1]})
    assert other.status_code == 200  # another address is not limited


@pytest.mark.postgres
def test_an_idempotency_key_used_on_a_replays_on_b(pair):
    a, b, url, wechat = pair
    headers = sign_in(a.url, wechat, "scaleout-idem")
    photo_id = upload(a.url, headers, photo(77, (400, 300))).json()["id"]
    body = report_body([photo_id])
    keyed = {**headers, "Idempotency-Key": "scaleout-report-1"}
    first = requests.post(f"{a.url}/api/v1/reports", json=body, headers=keyed, timeout=20)
    again = requests.post(f"{b.url}/api/v1/reports", json=body, headers=keyed, timeout=20)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    changed = requests.post(f"{b.url}/api/v1/reports", json={**body, "description": "换了一个描述内容，不一样"},
                            headers=keyed, timeout=20)
    assert assert_error_shape(changed, 422)["error"] == "idempotency_mismatch"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar_one() == 1
    engine.dispose()


@pytest.mark.postgres
def test_a_session_ended_on_a_is_refused_on_b(pair):
    a, b, _, wechat = pair
    code = "scaleout-logout-code"
    wechat.login_code(code, "scaleout-logout")
    tokens = requests.post(f"{a.url}/api/v1/auth/wechat", json={"code": code}, timeout=10).json()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert requests.get(f"{b.url}/api/v1/me", headers=access, timeout=10).status_code == 200
    assert requests.post(f"{a.url}/api/v1/auth/logout", headers=access, timeout=10).status_code == 204
    me = requests.get(f"{b.url}/api/v1/me", headers=access, timeout=10)
    assert assert_error_shape(me, 401)["error"] == "token_revoked"
    again = requests.post(f"{b.url}/api/v1/auth/refresh", headers=refresh, timeout=10)
    assert assert_error_shape(again, 401)["error"] == "token_revoked"


def _preview(server: Gunicorn, headers: dict) -> dict:
    resp = requests.post(f"{server.url}/api/v1/routing/preview", headers=headers, timeout=10, json={
        "category": "illegal_logging", "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}})
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.postgres
def test_a_responsibility_list_activated_through_a_routes_on_b_within_the_check_interval(pair):
    a, b, _, _ = pair
    login = requests.post(f"{a.url}/api/v1/auth/login", headers=_client_ip(), timeout=10,
                          json={"username": ADMIN[0], "password": ADMIN[1]})
    admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert _preview(b, admin)["version"]["number"] == 1  # B has built its routing tables from version 1
    assert _preview(a, admin)["version"]["number"] == 1
    base = "/api/v1/responsibility/versions"
    draft = requests.post(f"{a.url}{base}", json={"title": "扩容测试"}, headers=admin, timeout=10)
    assert draft.status_code == 201, draft.text
    activated = requests.post(f"{a.url}{base}/{draft.json()['id']}/activate", json={}, timeout=10,
                              headers={**admin, "If-Match": draft.headers["ETag"]})
    assert activated.status_code == 200, activated.text
    changed_at = time.monotonic()
    assert _preview(a, admin)["version"]["number"] == 2  # the instance that made the change, at once
    while _preview(b, admin)["version"]["number"] != 2:
        assert time.monotonic() - changed_at < CHECK_S + 2, "B still routes with the old list"
        time.sleep(0.05)
    print(f"\nB routed with the new list {time.monotonic() - changed_at:.2f} s after the activation on A")
