"""Idempotency-Key: replay the first response, refuse another body, 409 while running, take over dead claims."""
import threading
from datetime import timedelta

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select, update

from reporter.accounts.security import roles_required
from reporter.audit.models import AuditEvent
from reporter.audit.services import record
from reporter.common.timeutil import utcnow
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.idempotency import services
from reporter.idempotency.http import current_claim, idempotent
from reporter.idempotency.models import IdempotencyKey
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx

gate = threading.Event()


def _make_app(make_app):
    """An app with a small idempotent endpoint that writes one audit row per real execution."""
    blp = Blueprint("idem_test", __name__, url_prefix="/idem-test")

    @blp.route("")
    class Thing(MethodView):
        @roles_required()
        @blp.response(201)
        @idempotent
        def post(self):
            from flask import request

            body = request.get_json()
            if body.get("wait"):
                gate.wait(5)
            if body.get("fail"):
                raise RuntimeError("boom")
            if body.get("invalid"):
                raise ValidationFailed("not valid", errors={"json": {"invalid": ["not valid"]}})
            event = record(None, "test.thing", "thing", details=body)
            db.session.flush()
            response = {"id": event.id, "echo": body}
            claim = current_claim()
            if claim:
                claim.complete(201, response)
            db.session.commit()
            return response

    app = make_app()
    from reporter.extensions import api

    api.register_blueprint(blp, url_prefix="/api/v1/idem-test")
    return app


def executions(app) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "test.thing")).scalar_one()


@pytest.fixture()
def idem_app(make_app):
    return _make_app(make_app)


def test_repeat_returns_the_first_response(idem_app, users):
    client = idem_app.test_client()
    headers = {**users.headers(users.make("resident")), "Idempotency-Key": "k1"}
    first = client.post("/api/v1/idem-test", json={"a": 1}, headers=headers)
    again = client.post("/api/v1/idem-test", json={"a": 1}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert executions(idem_app) == 1


def test_same_key_other_body_is_422(idem_app, users):
    client = idem_app.test_client()
    headers = {**users.headers(users.make("resident")), "Idempotency-Key": "k2"}
    client.post("/api/v1/idem-test", json={"a": 1}, headers=headers)
    assert_error(client.post("/api/v1/idem-test", json={"a": 2}, headers=headers), 422, "idempotency_mismatch")
    assert executions(idem_app) == 1


def test_keys_belong_to_their_user(idem_app, users):
    client = idem_app.test_client()
    one = {**users.headers(users.make("resident")), "Idempotency-Key": "shared"}
    two = {**users.headers(users.make("resident")), "Idempotency-Key": "shared"}
    assert client.post("/api/v1/idem-test", json={"a": 1}, headers=one).status_code == 201
    assert client.post("/api/v1/idem-test", json={"a": 1}, headers=two).status_code == 201
    assert executions(idem_app) == 2


def test_key_length_is_validated(idem_app, users):
    headers = {**users.headers(users.make("resident")), "Idempotency-Key": "x" * 256}
    body = assert_error(idem_app.test_client().post("/api/v1/idem-test", json={}, headers=headers), 422)
    assert "Idempotency-Key" in body["errors"]["headers"]


def test_a_failure_releases_the_key_and_writes_nothing(idem_app, users):
    client = idem_app.test_client()
    headers = {**users.headers(users.make("resident")), "Idempotency-Key": "k3"}
    assert_error(client.post("/api/v1/idem-test", json={"fail": True}, headers=headers), 500)
    assert executions(idem_app) == 0
    with app_ctx(idem_app) as session:
        assert session.execute(select(func.count()).select_from(IdempotencyKey)).scalar_one() == 0


def test_concurrent_repeat_is_409(idem_app, users):
    uid = users.make("resident")
    headers = {**users.headers(uid), "Idempotency-Key": "k4"}
    gate.clear()
    results = {}

    def first():
        results["first"] = idem_app.test_client().post("/api/v1/idem-test", json={"wait": True}, headers=headers)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        for _ in range(100):  # wait until the first request has claimed the key
            with app_ctx(idem_app) as session:
                if session.execute(select(IdempotencyKey)).first():
                    break
            threading.Event().wait(0.02)
        second = idem_app.test_client().post("/api/v1/idem-test", json={"wait": True}, headers=headers)
        assert_error(second, 409, "request_in_progress")
    finally:
        gate.set()
        thread.join()
    assert results["first"].status_code == 201
    assert executions(idem_app) == 1


def test_a_dead_claim_is_taken_over_after_its_lease(idem_app, users):
    uid = users.make("resident")
    body = {"a": 5}
    with idem_app.test_request_context():
        digest = services.fingerprint("POST", "/api/v1/idem-test", body)
        claim = services.begin(uid, "k5", digest)  # the worker died here: nothing of the work was committed
        assert isinstance(claim, services.Claim)
        db.session.execute(update(IdempotencyKey).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    resp = idem_app.test_client().post("/api/v1/idem-test", json=body,
                                       headers={**users.headers(uid), "Idempotency-Key": "k5"})
    assert resp.status_code == 201
    assert executions(idem_app) == 1


def test_purge_keeps_keys_for_at_least_a_day(idem_app, users):
    client = idem_app.test_client()
    headers = {**users.headers(users.make("resident")), "Idempotency-Key": "k6"}
    client.post("/api/v1/idem-test", json={}, headers=headers)
    with idem_app.app_context():
        assert services.purge(timedelta(hours=1)) == 0
        db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
        assert services.purge(timedelta(hours=1)) == 1
        db.session.remove()


@pytest.mark.postgres
def test_two_requests_with_one_key_that_both_fail_never_answer_500(idem_app, users):
    """The first releases the key between the second's failed insert and its lookup: the second claims the key
    again (and fails validation itself) or answers 409 — never NoResultFound's 500. Real threads on PostgreSQL."""
    if not idem_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("real concurrent transactions: PostgreSQL (SQLite serialises writers)")
    headers = users.headers(users.make("resident"))
    statuses: list[int] = []

    def post(key: str, start: threading.Barrier) -> None:
        client = idem_app.test_client()
        start.wait()
        resp = client.post("/api/v1/idem-test", json={"invalid": True}, headers={**headers, "Idempotency-Key": key})
        statuses.append(resp.status_code)

    for round_ in range(150):
        start = threading.Barrier(3)
        threads = [threading.Thread(target=post, args=(f"race-{round_}", start)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert set(statuses) <= {409, 422}, sorted(set(statuses))
    assert statuses.count(422) >= 150  # every round, at least one request ran (and failed validation)
    with app_ctx(idem_app) as session:
        assert session.execute(select(func.count()).select_from(IdempotencyKey)).scalar_one() == 0
