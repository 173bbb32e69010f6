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
