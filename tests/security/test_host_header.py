"""Issue 14 §5: image links never come from the request's Host header — from PUBLIC_BASE_URL, or relative."""
import pytest

from reporter.config import ConfigError, load_config
from tests.media.conftest import post_photo
from tests.media.images import jpeg

EVIL = {"Host": "evil.example.com", "X-Forwarded-Host": "evil.example.com"}


def upload(app, users):
    client = app.test_client()
    resp = post_photo(client, {**users.headers(users.make("resident")), **EVIL}, jpeg((400, 300)))
    assert resp.status_code == 201, resp.get_json()
    return client, resp.get_json()


def test_links_use_the_configured_public_base_url(make_app, users):
    app = make_app(PUBLIC_BASE_URL="https://reporter.example.gov.cn/")
    client, body = upload(app, users)
    for link in (body["url"], body["thumbnail_url"]):
        assert link.startswith("https://reporter.example.gov.cn/api/v1/uploads/"), link
        assert "evil" not in link
    path = body["url"].removeprefix("https://reporter.example.gov.cn")
    assert client.get(path).status_code == 200


def test_without_the_setting_links_are_relative(app, users):
    client, body = upload(app, users)
    for link in (body["url"], body["thumbnail_url"]):
        assert link.startswith("/api/v1/uploads/") and "evil" not in link, link
    assert client.get(body["url"]).status_code == 200


@pytest.mark.parametrize("value", ["reporter.example.gov.cn", "ftp://reporter.example.gov.cn",
                                   "https://reporter.example.gov.cn/?x=1", "https://", "https://a b"])
def test_a_malformed_public_base_url_is_refused(tmp_path, monkeypatch, value):
    monkeypatch.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(str(tmp_path))
