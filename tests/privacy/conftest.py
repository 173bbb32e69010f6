"""The report tests' small town (residents through the WeChat stand-in, 宁陕 staff, real photos) and the reward
desk, for the privacy rules."""
import pytest

from reporter.privacy.consent import current_notice
from tests.conftest import app_ctx
from tests.reports.conftest import town  # noqa: F401  (fixture)
from tests.rewards.support import Desk


@pytest.fixture()
def desk(client, users):
    return Desk(client, users)


def publish(client, admin_headers: dict, title: str = "隐私政策（修订）") -> int:
    """An admin publishes a new version of the notice; its number."""
    resp = client.post("/api/v1/privacy-notice", headers=admin_headers,
                       json={"title": title, "body": "我们修订了保存期限一节。", "summary_of_changes": "保存期限"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["version"]


def current_version(app) -> int:
    with app_ctx(app):
        return current_notice().version
