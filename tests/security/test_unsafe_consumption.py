"""OWASP API10: what WeChat answers is checked before it is used; nonsense is a clean 503 that writes nothing."""
import pytest
from sqlalchemy import func, select

from reporter.accounts.models import User
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx


def users_count(app) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one()


@pytest.mark.parametrize("answer", [
    ["openid-in-a-list"],                      # JSON, but not an object
    {"openid": 12345, "session_key": "sk"},    # not text
    {"openid": "o" * 5000, "session_key": "sk"},  # longer than any openid (28 characters in practice)
    {"openid": "", "session_key": "sk"},       # empty
])
def test_wechat_answering_nonsense_is_503_and_creates_nobody(client, app, wechat, answer):
    wechat.codes["code-nonsense"] = answer
    before = users_count(app)
    resp = client.post("/api/v1/auth/wechat", json={"code": "code-nonsense"})
    assert_error(resp, 503 if answer != {"openid": "", "session_key": "sk"} else 401)
    assert users_count(app) == before


def test_a_code_cannot_steer_the_request_to_wechat(client, wechat):
    """The code travels as one encoded query value: it cannot add parameters or change the path."""
    tricky = "abc&grant_type=client_credential#/../cgi-bin/token"
    wechat.login_code(tricky, "openid-tricky")
    resp = client.post("/api/v1/auth/wechat", json={"code": tricky})
    seen = [r for r in wechat.requests if r["path"] == "/sns/jscode2session"]
    if resp.status_code == 422:  # refused by the code's format: nothing was sent at all
        assert seen == []
    else:
        assert resp.status_code == 200
        assert seen[-1]["query"]["js_code"] == tricky and seen[-1]["query"]["grant_type"] == "authorization_code"
    assert not [r for r in wechat.requests if r["path"] == "/cgi-bin/token"]


@pytest.mark.parametrize("status", [500, 403, 302, 204])
def test_wechat_answering_a_status_other_than_200_is_503_and_creates_nobody(client, app, wechat, status):
    """An error page carrying an openid is still an error page."""
    wechat.answer_raw("/sns/jscode2session", status, b'{"openid": "oAbCdEfGhIjKlMnOpQrStUvWxYz1", "session_key": "s"}')
    before = users_count(app)
    resp = client.post("/api/v1/auth/wechat", json={"code": "code-status"})
    assert_error(resp, 503, "wechat_unavailable")
    assert users_count(app) == before


@pytest.mark.parametrize("openid", [" ", "   ", "a b", "openid\n", "o\u0000penid-xyz", "<script>", "оpenid-cyrillic",
                                    "o" * 65, "o/../x", "abc"])
def test_an_openid_not_shaped_like_wechats_is_503_and_creates_nobody(client, app, wechat, openid):
    wechat.codes["code-shape"] = {"openid": openid, "session_key": "sk"}
    before = users_count(app)
    resp = client.post("/api/v1/auth/wechat", json={"code": "code-shape"})
    assert_error(resp, 503, "wechat_unavailable")
    assert users_count(app) == before


def test_a_huge_wechat_answer_is_not_read_whole_and_creates_nobody(client, app, wechat):
    """50 MiB of valid JSON (whitespace, then an openid): the client stops reading at a small cap."""
    body = b" " * (50 * 1024 * 1024) + b'{"openid": "oAbCdEfGhIjKlMnOpQrStUvWxYz1", "session_key": "s"}'
    wechat.answer_raw("/sns/jscode2session", 200, body)
    before = users_count(app)
    resp = client.post("/api/v1/auth/wechat", json={"code": "code-huge"})
    assert_error(resp, 503, "wechat_unavailable")
    assert users_count(app) == before
    assert wechat.raw_bytes_written < 16 * 1024 * 1024  # what the kernel buffers, not the 50 MiB


def test_a_wechat_shaped_openid_signs_in(client, wechat):
    wechat.login_code("code-real", "oAbCdEfGhIjKlMnOpQrStUv-_xYz")  # 28 characters, as WeChat's are
    assert client.post("/api/v1/auth/wechat", json={"code": "code-real"}).status_code == 200
