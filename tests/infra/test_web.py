"""Security headers, CORS for configured origins only, and /metrics for the monitoring network only."""
from reporter.extensions import db
from reporter.notify import services as notify
from tests.conftest import app_ctx


def test_security_headers_on_api_answers(client):
    resp = client.get("/api/v1/health")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP in development


def test_docs_page_may_run_its_own_scripts(client):
    csp = client.get("/api/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "http" not in csp


def test_hsts_over_https(client):
    resp = client.get("/api/v1/health", base_url="https://reporter.example")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_cors_unless_configured(client):
    resp = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_only_for_configured_origins(make_app):
    client = make_app(CORS_ORIGINS=["https://console.ankang.example"]).test_client()
    ok = client.options("/api/v1/me", headers={"Origin": "https://console.ankang.example",
                                               "Access-Control-Request-Method": "GET",
                                               "Access-Control-Request-Headers": "Authorization"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://console.ankang.example"
    other = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_metrics_for_the_monitoring_network(client, app, users):
    client.get("/api/v1/health")
    client.get("/api/v1/me")
    with app_ctx(app):
        notify.enqueue(users.make("resident"), "report_accepted", {})
        db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)  # the test client comes from 127.0.0.1
    assert 'reporter_http_requests_total{endpoint="/api/v1/health",method="GET",status="200"}' in text
    assert 'endpoint="/api/v1/me",method="GET",status="401"' in text
    assert "reporter_http_request_duration_seconds_bucket" in text
    assert 'reporter_outbox_messages{key="pending"} 1.0' in text


def test_metrics_hidden_from_other_addresses(client):
    resp = client.get("/metrics", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"


def test_metrics_with_the_token_from_anywhere(make_app):
    client = make_app(METRICS_TOKEN="scrape-secret").test_client()
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_overrides=far,
                      headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    assert client.get("/metrics", environ_overrides=far, headers={"Authorization": "Bearer wrong"}).status_code == 404
