"""What the service writes to its logs: request ids, user ids and timings, never secrets or reporters' identities."""
import io
import json
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from reporter.accounts.models import User
from reporter.observability import JsonFormatter, RequestContextFilter
from tests.conftest import app_ctx, consent_over_http
from tests.reports.conftest import town  # noqa: F401  (residents, staff and report helpers)


@pytest.fixture()
def log_lines(app, monkeypatch):
    """Every log line the app writes at the production level (INFO), as the JSON the operator reads."""
    monkeypatch.setitem(app.config, "ACCESS_LOG", True)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_sign_in_and_a_named_report_leave_no_secret_in_the_logs(town, log_lines, users, app):  # noqa: F811
    town.wechat.login_code("wx-code-secret-4711", "openid-zhao-secret")
    signed_in = town.client.post("/api/v1/auth/wechat", json={"code": "wx-code-secret-4711"}).get_json()
    town.ids["zhao"] = signed_in["user"]["id"]
    town._headers["zhao"] = {"Authorization": f"Bearer {signed_in['access_token']}"}
    consent_over_http(town.client, town.h("zhao"))
    refreshed = town.client.post("/api/v1/auth/refresh", headers={
        "Authorization": f"Bearer {signed_in['refresh_token']}"}).get_json()
    created = town.submit("zhao", contact={"name": "赵秦岭", "phone": "13912345678"},
                          description="赵秦岭在河边看到有人采砂")
    assert created.status_code == 201
    anonymous = town.submit("zhao", anonymous=True, contact=None, claim_pin="864213").get_json()
    town.client.get("/api/v1/reports/track", query_string={"code": anonymous["tracking_code"], "pin": "864213"})
    town.client.get("/api/v1/me", headers={"X-Request-ID": "req-log-check-1", **town.h("zhao")})

    users.make("officer", unit_code="610923.forestry", username="staff-log", password="staff pass phrase 9981")
    login = town.client.post("/api/v1/auth/login", json={"username": "staff-log", "password": "staff pass phrase 9981"})
    wrong = town.client.post("/api/v1/auth/login", json={"username": "staff-log", "password": "wrong phrase 1234"})
    assert login.status_code == 200 and wrong.status_code == 401

    lines = log_lines()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    secrets = ["wx-code-secret-4711", "openid-zhao-secret", "sk-openid-zhao-secret", signed_in["access_token"],
               signed_in["refresh_token"], refreshed["access_token"], refreshed["refresh_token"],
               login.get_json()["access_token"], "staff pass phrase 9981", "wrong phrase 1234", "赵秦岭",
               "13912345678", "864213", anonymous["tracking_code"], app.config["WECHAT_SECRET"],
               app.config["JWT_SECRET_KEY"], app.config["CONTACT_ENCRYPTION_KEYS"]]
    assert [s for s in secrets if s in text] == []

    # What the operator does get: one access line per request, with request id, user id and timing.
    me = [line for line in lines if line.get("path") == "/api/v1/me"]
    assert me and me[0]["request_id"] == "req-log-check-1" and me[0]["user_id"] == town.ids["zhao"]
    assert me[0]["status"] == 200 and me[0]["duration_ms"] >= 0
    reports = [line for line in lines if line.get("path") == "/api/v1/reports" and line.get("method") == "POST"]
    assert len(reports) == 2 and all(line["user_id"] == town.ids["zhao"] and line["request_id"] for line in reports)


def test_database_errors_do_not_carry_the_values(app):
    """An unhandled database error is logged with its traceback: the statement shows, the bound values do not.

    (PostgreSQL's own DETAIL line still names a duplicated unique key; SECURITY.md says which keys those are.)"""
    with app_ctx(app) as session:
        session.add(User(wechat_openid="openid-dup-secret"))
        session.commit()
        session.add(User(wechat_openid="openid-dup-secret"))
        with pytest.raises(IntegrityError) as caught:
            session.commit()
        session.rollback()
    message = str(caught.value)
    assert "[parameters:" not in message and "hide_parameters=True" in message
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "openid-dup-secret" not in message
