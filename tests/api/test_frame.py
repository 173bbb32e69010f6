"""The API frame: health, readiness, docs offline, request ids, and the one error shape everywhere."""
import json

import pytest

ERROR_KEYS = {"code", "status", "error", "message"}


def assert_error(resp, status: int, error: str | None = None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert ERROR_KEYS <= set(body), body
    assert body["code"] == status
    if error:
        assert body["error"] == error, body
    assert "msg" not in body
    return body


def test_health_does_not_need_the_database(client):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_ready_answers_when_the_database_does(client):
    resp = client.get("/api/v1/ready")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_ready_is_503_when_the_database_is_gone(make_app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    resp = broken.test_client().get("/api/v1/ready")
    assert_error(resp, 503, "database_unavailable")
    assert broken.test_client().get("/api/v1/health").status_code == 200


def test_openapi_document_and_offline_docs(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/wechat" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    # The document is OpenAPI 3.1, which Swagger UI renders from version 5 on.
    assert spec["openapi"].startswith("3.1")
    assert int(client.get("/api/docs/assets/VERSION").get_data(as_text=True).strip().lstrip("v").split(".")[0]) >= 5


def test_request_id_is_honoured_or_made(client):
    assert client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/api/v1/health").headers["X-Request-ID"]
    assert len(made) == 32
    hostile = client.get("/api/v1/health", headers={"X-Request-ID": "<script>" + "a" * 300}).headers["X-Request-ID"]
    assert "<" not in hostile and len(hostile) == 32


def test_unknown_path_is_404_in_shape(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_in_shape(client):
    body = assert_error(client.delete("/api/v1/health"), 405, "method_not_allowed")
    assert body["message"]


def test_malformed_json_is_400_in_shape(client):
    resp = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_error(resp, 400)


def test_wrong_types_are_field_errors(client):
    resp = client.post("/api/v1/auth/login", json={"username": 5, "password": ["x"]})
    body = assert_error(resp, 422, "validation_failed")
    assert set(body["errors"]["json"]) == {"username", "password"}


def test_unknown_fields_are_rejected(client):
    resp = client.post("/api/v1/auth/login", json={"username": "a", "password": "b", "admin": True})
    body = assert_error(resp, 422, "validation_failed")
    assert "admin" in body["errors"]["json"]


def test_errors_of_list_items_and_of_the_whole_list_together(app):
    """marshmallow keys a list item's errors by position and the list's own by `_schema`; one answer holds both
    (found by fuzzing: the mix used to crash the JSON encoder with a 500)."""
    from reporter.errors import error_response

    with app.test_request_context():
        resp = error_response(422, "validation_failed", errors={"json": {"tiers": {0: ["bad"], "_schema": ["x"]}}})
        body = json.loads(resp.get_data())
    assert body["errors"]["json"]["tiers"] == {"0": ["bad"], "_schema": ["x"]}


def test_body_over_the_limit_is_413(client, app):
    big = "x" * (app.config["MAX_JSON_BYTES"] + 10)
    resp = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert_error(resp, 413, "payload_too_large")


def test_unexpected_exception_is_500_without_stack_and_rolls_back(make_app, caplog):
    from reporter.extensions import db

    app = make_app()

    @app.get("/api/v1/_boom_for_test")
    def boom():
        from reporter.org.models import Unit

        db.session.add(Unit(code="half", name="half-written", kind="x", level="city"))
        db.session.flush()
        raise RuntimeError("secret internals")

    resp = app.test_client().get("/api/v1/_boom_for_test", headers={"X-Request-ID": "req-500"})
    body = assert_error(resp, 500, "internal_error")
    assert "secret internals" not in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True)
    assert any(getattr(r, "request_id", None) == "req-500" for r in caplog.records)
    with app.app_context():
        from sqlalchemy import select

        from reporter.org.models import Unit

        assert db.session.execute(select(Unit).where(Unit.code == "half")).first() is None
    assert body["message"] == "Internal server error"


@pytest.mark.parametrize("path", ["/api/v1/me"])
def test_missing_token_is_401(client, path):
    assert_error(client.get(path), 401, "unauthorized")


class _CountingStream:
    """A request body that counts how much of it the app reads."""

    def __init__(self, data: bytes):
        import io

        self._stream, self.read_bytes = io.BytesIO(data), 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        line = self._stream.readline(size)
        self.read_bytes += len(line)
        return line


@pytest.mark.parametrize("path", ["/api/v1/auth/wechat", "/api/v1/auth/login"])
def test_a_chunked_body_over_the_json_limit_is_413_and_not_read_whole(app, path):
    """Transfer-Encoding: chunked carries no Content-Length: the JSON limit must hold on what is read."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    body = json.dumps({"code": "x" * (14 * 1024 * 1024)}).encode()
    environ = EnvironBuilder(path=path, method="POST", content_type="application/json").get_environ()
    stream = _CountingStream(body)
    environ.pop("CONTENT_LENGTH", None)
    # What gunicorn hands the app for a chunked request: no length, a stream it terminates itself.
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream, "wsgi.input_terminated": True})
    resp = app.response_class(*run_wsgi_app(app, environ, buffered=True))
    assert_error(resp, 413, "payload_too_large")
    assert stream.read_bytes <= app.config["MAX_JSON_BYTES"] + 64 * 1024


def test_a_small_chunked_body_is_read_as_usual(app):
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/api/v1/auth/wechat", method="POST", content_type="application/json").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": _CountingStream(b'{"code": "unknown-code"}'),
                    "wsgi.input_terminated": True})
    resp = app.response_class(*run_wsgi_app(app, environ, buffered=True))
    assert_error(resp, 401, "wechat_login_failed")  # parsed and sent to WeChat, which refused the code
