"""Fixtures: one app and one private database per run (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
import itertools
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete

from reporter import create_app
from reporter.extensions import db, limiter
from reporter.reference import load_all, reference_tables
from tests.support import redis_server
from tests.support.database import WriteTracker, private_database
from tests.support.wechat_stub import WeChatStub


@pytest.fixture(scope="session")
def wechat():
    stub = WeChatStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="session")
def _database(tmp_path_factory):
    with private_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    """A Redis of this run's own (a private redis-server on a free port): never a shared server, never flushed."""
    if not redis_server.available():
        pytest.skip("needs redis-server on PATH")
    with redis_server.private_redis() as url:
        yield url


@pytest.fixture(scope="session")
def tracker():
    return WriteTracker()


@pytest.fixture(scope="session")
def app_config(_database, wechat, tmp_path_factory):
    """The settings every test app gets."""
    instance = tmp_path_factory.mktemp("instance")
    return {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _database,
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        "JWT_SECRET_KEY": "test-jwt-secret-0123456789abcdef0123456789",
        "CONTACT_ENCRYPTION_KEYS": "test-contact-key-0123456789abcdef",
        "PAYEE_INDEX_KEYS": "test-payee-index-key-0123456789abcdef",
        "UPLOAD_ROOT": str(tmp_path_factory.mktemp("uploads")),
        "WECHAT_API_BASE": wechat.base_url,
        "WECHAT_APPID": "wx-test-app",
        "WECHAT_SECRET": "wx-test-secret",
        "WECHAT_TIMEOUT_S": 1.0,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        "ACCESS_LOG": False,
        "TESTING": True,
    }


@pytest.fixture(scope="session")
def app(app_config, tracker):
    app = create_app(dict(app_config))
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        db.session.remove()
    tracker.take()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _reset(app, tracker):
    """Empty the tables this test wrote; reload reference data if it was touched."""
    written = tracker.take()
    if not written:
        return
    ref = reference_tables()
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with app.app_context():
        db.session.remove()
        if written & ref:
            for table in tables:
                db.session.execute(delete(table))
            db.session.commit()
            load_all()
        else:
            for table in tables:
                if table.name in written:
                    db.session.execute(delete(table))
            db.session.commit()
        db.session.remove()
    tracker.take()


@pytest.fixture(autouse=True)
def _isolation(request, tracker, wechat):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        _reset(app, tracker)
        limiter.reset()
    wechat.reset()


@pytest.fixture()
def make_app(app, app_config):
    """Another app on the same database (for routes or settings a test adds)."""
    return lambda **extra: create_app({**app_config, **extra})


@pytest.fixture()
def client(app):
    return app.test_client()


@contextmanager
def app_ctx(app):
    """An app context whose session is cleaned up afterwards."""
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


_seq = itertools.count(1)


def accept_current_notice(user) -> None:
    """The resident accepts the privacy notice in force, as the mini-program's first screen has them do."""
    from reporter.privacy.consent import accept, current_notice

    accept(user, current_notice().version)


def consent_over_http(client, headers: dict) -> None:
    """A signed-in resident reads the current notice and accepts it, through the API."""
    version = client.get("/api/v1/privacy-notice").get_json()["current"]["version"]
    resp = client.post("/api/v1/me/consents", json={"version": version}, headers=headers)
    assert resp.status_code == 201, resp.get_json()


class Users:
    """Makes users of any role and bearer headers for them."""

    # The unit a unit-scoped role gets when a test names none: the city office; for officers a city bureau no
    # default rule leads to, so their scope stays empty unless a test dispatches there.
    DEFAULT_UNITS = {"supervisor": "city.qinling_office", "officer": "city.statistics"}

    def __init__(self, app):
        self.app = app

    def make(self, *roles: str, unit_code: str | None = None, username: str | None = None,
             password: str = "correct horse battery staple", consent: bool = True) -> int:
        """A user of these roles; a resident has accepted the current privacy notice unless `consent` is False."""
        from reporter.accounts.services import create_user

        if unit_code is None:  # unit-scoped roles need a unit (reporter/accounts/scope.py)
            unit_code = next((unit for role, unit in self.DEFAULT_UNITS.items() if role in roles), None)
        with app_ctx(self.app):
            user = create_user(username or f"user{next(_seq)}", password, list(roles or ("resident",)),
                               unit_code=unit_code)
            if user.has_role("resident") and consent:
                accept_current_notice(user)
            return user.id

    def tokens(self, user_id: int, *, fresh: bool = True) -> dict:
        from reporter.accounts.models import AuthSession, User
        from reporter.accounts.tokens import issue_tokens

        with app_ctx(self.app) as session:
            user = session.get(User, user_id)
            auth = AuthSession(user_id=user_id, method="password")
            session.add(auth)
            session.flush()
            tokens = issue_tokens(user, auth, fresh=fresh)
            session.commit()
            return tokens

    def headers(self, user_id: int, *, fresh: bool = True) -> dict:
        return {"Authorization": f"Bearer {self.tokens(user_id, fresh=fresh)['access_token']}"}


@pytest.fixture()
def users(app):
    return Users(app)
