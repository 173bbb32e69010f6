"""Operators tune limits and thresholds with the environment variables the README names."""
from reporter.config import load_config


def test_feature_settings_come_from_the_environment_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("RATELIMIT_REPORT_SUBMIT", "5/hour")
    monkeypatch.setenv("REPORT_DUPLICATE_RADIUS_M", "400")
    monkeypatch.setenv("PATROL_DAY_MIN_KM", "2.5")
    monkeypatch.setenv("CASE_EXTENSION_MAX_DAYS", "10")
    monkeypatch.setenv("PRIVACY_CONTACT_DAYS", "90")
    cfg = load_config(str(tmp_path))
    assert cfg["PRIVACY_CONTACT_DAYS"] == 90
    assert cfg["RATELIMIT_REPORT_SUBMIT"] == "5/hour"
    assert cfg["REPORT_DUPLICATE_RADIUS_M"] == 400
    assert cfg["PATROL_DAY_MIN_KM"] == 2.5
    assert cfg["CASE_EXTENSION_MAX_DAYS"] == 10


def test_settings_given_to_the_factory_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RATELIMIT_REPORT_TRACK", "100/minute")
    assert load_config(str(tmp_path), {"RATELIMIT_REPORT_TRACK": "1/minute"})["RATELIMIT_REPORT_TRACK"] == "1/minute"


def test_an_environment_limit_applies_over_http(make_app, monkeypatch):
    monkeypatch.setenv("RATELIMIT_REPORT_TRACK", "2/minute")
    client = make_app().test_client()
    statuses = [client.get("/api/v1/reports/track?code=QL-NOPE&pin=123456").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    assert client.get("/api/v1/reports/track?code=QL-NOPE&pin=123456").get_json()["error"] == "rate_limited"


def test_wechat_message_templates_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WECHAT_TEMPLATES", '{"report_accepted": "tmpl-1"}')
    monkeypatch.setenv("WECHAT_PAGES", '{"report_accepted": "pages/report/detail"}')
    cfg = load_config(str(tmp_path))
    assert cfg["WECHAT_TEMPLATES"] == '{"report_accepted": "tmpl-1"}'
    assert cfg["WECHAT_PAGES"] == '{"report_accepted": "pages/report/detail"}'
