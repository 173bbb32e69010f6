"""The console's tests reuse the case world (people of one county and the city) and sign in through the page."""
import re

import pytest

from tests.cases.conftest import World, drive, world  # noqa: F401  (fixtures and helpers of the case tests)

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return TOKEN.search(html).group(1)


class Desk:
    """A browser-less console user (Flask's test client keeps the cookie): signs in with the form and its token."""

    def __init__(self, app, username):
        self.client = app.test_client()
        self.username = username

    def token(self, path="/console/login") -> str:
        return csrf_of(self.client.get(path).get_data(as_text=True))

    def sign_in(self, password=PASSWORD):
        return self.client.post("/console/login", data={"username": self.username, "password": password,
                                                        "csrf_token": self.token()})

    def post(self, path, data, page="/console/"):
        return self.client.post(path, data={**data, "csrf_token": self.token(page)})


@pytest.fixture()
def desk(app, world):  # noqa: F811
    from reporter.accounts.models import User
    from tests.conftest import app_ctx

    def make(who: str) -> Desk:
        with app_ctx(app) as session:
            username = session.get(User, world.ids[who]).username
        d = Desk(app, username)
        assert d.sign_in().status_code == 302
        return d

    return make


@pytest.fixture(scope="session")
def live_server(app):
    from tests.console.browser import LiveServer

    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _chromium(live_server):
    from tests.console.browser import Browser

    b = Browser(live_server.url)
    yield b
    b.close()


@pytest.fixture()
def browser(_chromium):
    """The session's chromium; after the test, no JavaScript error and no serious accessibility violation."""
    yield _chromium
    problems = _chromium.end_test()
    assert not problems, "\n".join(problems)


@pytest.fixture()
def staff(app, world):  # noqa: F811
    """username of each person of the world."""
    from reporter.accounts.models import User
    from tests.conftest import app_ctx

    with app_ctx(app) as session:
        return {name: session.get(User, uid).username for name, uid in world.ids.items()
                if isinstance(uid, int) and name not in ("grid_id",)}
