"""Sign-in, tokens, rotation, logout and /me (API.md "Auth")."""
import time
from datetime import timedelta

import jwt as pyjwt
from sqlalchemy import func, select

from reporter.accounts.models import AuthSession, User
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx


def count(app, model) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def login(client, username, password="correct horse battery staple"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


# WeChat sign-in ---------------------------------------------------------------------------------------------------

def test_wechat_code_creates_a_resident_once_and_hides_the_openid(client, wechat, app):
    wechat.login_code("code-1", "openid-secret-1")
    resp = client.post("/api/v1/auth/wechat", json={"code": "code-1"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["user"]["roles"] == ["resident"]
    assert "openid-secret-1" not in resp.get_data(as_text=True)
    sent = wechat.requests[-1]
    assert sent["path"] == "/sns/jscode2session"
    assert sent["query"] == {"appid": "wx-test-app", "secret": "wx-test-secret", "js_code": "code-1",
                             "grant_type": "authorization_code"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == body["user"]["id"]
    wechat.login_code("code-2", "openid-secret-1")
    again = client.post("/api/v1/auth/wechat", json={"code": "code-2"}).get_json()
    assert again["user"]["id"] == body["user"]["id"]
    assert count(app, User) == 1


def test_wechat_errcode_is_401_and_writes_nothing(client, app):
    resp = client.post("/api/v1/auth/wechat", json={"code": "bad-code"})  # the stub answers errcode 40029
    assert_error(resp, 401, "wechat_login_failed")
    assert count(app, User) == 0 and count(app, AuthSession) == 0


def test_wechat_not_answering_is_503_and_writes_nothing(client, wechat, app):
    wechat.login_code("slow", "openid-slow")
    wechat.delay_s = 2.5  # the app waits at most WECHAT_TIMEOUT_S = 1 s
    started = time.monotonic()
    resp = client.post("/api/v1/auth/wechat", json={"code": "slow"})
    assert time.monotonic() - started < 2.4
    assert_error(resp, 503, "wechat_unavailable")
    assert count(app, User) == 0


def test_wechat_unreachable_is_503(make_app):
    app = make_app(WECHAT_API_BASE="http://127.0.0.1:9")
    assert_error(app.test_client().post("/api/v1/auth/wechat", json={"code": "x"}), 503, "wechat_unavailable")


def test_wechat_code_is_validated(client):
    body = assert_error(client.post("/api/v1/auth/wechat", json={"code": ""}), 422, "validation_failed")
    assert "code" in body["errors"]["json"]


# Staff sign-in -----------------------------------------------------------------------------------------------------

def test_staff_login_gives_tokens_and_me(client, users):
    uid = users.make("supervisor", "auditor", username="zhang")
    resp = login(client, "zhang")
    assert resp.status_code == 200
    body = resp.get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}).get_json()
    assert me["id"] == uid and me["roles"] == ["auditor", "supervisor"]
    assert me["grids"] == [] and me["unit"]["code"] == "city.qinling_office"


def test_me_shows_the_unit(client, users, app):
    from reporter.extensions import db
    from reporter.org.models import Unit

    with app_ctx(app):
        db.session.add(Unit(code="test.forestry", name="测试林业局", kind="forestry", level="city"))
        db.session.commit()
    uid = users.make("officer", unit_code="test.forestry")
    me = client.get("/api/v1/me", headers=users.headers(uid)).get_json()
    assert me["unit"]["name"] == "测试林业局"


def test_wrong_password_is_401_and_repeated_failures_throttle_with_retry_after(client, users, app):
    users.make("officer", username="li")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert_error(login(client, "li", "wrong"), 401, "invalid_credentials")
    throttled = login(client, "li")  # even the right password is refused from this address for a while
    assert_error(throttled, 429, "login_throttled")
    assert int(throttled.headers["Retry-After"]) > 0


def test_unknown_user_is_the_same_401(client):
    assert_error(login(client, "nobody"), 401, "invalid_credentials")


def test_login_is_rate_limited_per_client(make_app, users):
    app = make_app(RATELIMIT_LOGIN="3/minute")
    client = app.test_client()
    for _ in range(3):
        login(client, "nobody")
    resp = login(client, "nobody")
    assert_error(resp, 429, "rate_limited")
    assert "Retry-After" in resp.headers


# Tokens ------------------------------------------------------------------------------------------------------------

def test_token_signed_with_another_key_is_401(client, users):
    uid = users.make("officer")
    forged = pyjwt.encode({"sub": str(uid), "type": "access", "sid": "x", "jti": "j", "fresh": True,
                           "exp": int(time.time()) + 600}, "another-key-another-key-another-key!", algorithm="HS256")
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401, "invalid_token")


def test_alg_none_is_401(client, users, app):
    uid = users.make("admin")
    sid = users.tokens(uid)  # a real session exists, so only the algorithm is wrong
    claims = pyjwt.decode(sid["access_token"], options={"verify_signature": False})
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {unsigned}"}), 401, "invalid_token")


def test_expired_token_is_401(client, users, app):
    from flask_jwt_extended import create_access_token

    uid = users.make("officer")
    session_id = pyjwt.decode(users.tokens(uid)["access_token"], options={"verify_signature": False})["sid"]
    with app.app_context():
        token = create_access_token(str(uid), additional_claims={"sid": session_id},
                                    expires_delta=timedelta(seconds=-5))
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "token_expired")


def test_refresh_token_is_not_an_access_token(client, users):
    uid = users.make("officer")
    refresh = users.tokens(uid)["refresh_token"]
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {refresh}"}), 401, "invalid_token")


def test_access_token_is_not_a_refresh_token(client, users):
    uid = users.make("officer")
    access = users.tokens(uid)["access_token"]
    assert_error(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {access}"}), 401)


def test_token_in_the_url_is_ignored(client, users):
    uid = users.make("officer")
    access = users.tokens(uid)["access_token"]
    assert_error(client.get(f"/api/v1/me?access_token={access}&jwt={access}"), 401, "unauthorized")


def test_refresh_rotates_and_reuse_revokes_the_family(client, users):
    uid = users.make("officer")
    first = users.tokens(uid)
    rotated = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first['refresh_token']}"})
    assert rotated.status_code == 200
    second = rotated.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    # the spent token again: the whole family is revoked, even the newest tokens
    reuse = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first['refresh_token']}"})
    assert_error(reuse, 401, "token_reused")
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}), 401,
                 "token_revoked")
    assert_error(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {second['refresh_token']}"}),
                 401, "token_revoked")


def test_logout_revokes_both_tokens(client, users):
    uid = users.make("officer")
    tokens = users.tokens(uid)
    other = users.tokens(uid)  # another device stays signed in
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    assert_error(client.get("/api/v1/me", headers=auth), 401, "token_revoked")
    assert_error(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}),
                 401, "token_revoked")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other['access_token']}"}).status_code == 200


def test_disabled_user_is_401(client, users, app):
    from reporter.extensions import db

    uid = users.make("officer")
    headers = users.headers(uid)
    with app_ctx(app):
        db.session.get(User, uid).is_active = False
        db.session.commit()
    assert_error(client.get("/api/v1/me", headers=headers), 401)


def test_passwords_are_argon2id(app, users):
    uid = users.make("officer")
    with app_ctx(app) as session:
        assert session.get(User, uid).password_hash.startswith("$argon2id$")
