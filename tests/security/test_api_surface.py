"""OWASP API5 and API9: every operation is documented, and all but a short deliberate list need a token."""
import re

import pytest

from tests.api.test_frame import assert_error

# Public on purpose: probes, sign-in, signed image links, reference lists, anonymous tracking, typical cases, the
# privacy notice (shown before anyone signs in).
PUBLIC = {
    ("GET", "/api/v1/health"), ("GET", "/api/v1/ready"),
    ("POST", "/api/v1/auth/wechat"), ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/uploads/{upload_id}/{variant}"),
    ("GET", "/api/v1/regions"), ("GET", "/api/v1/categories"),
    ("GET", "/api/v1/reports/track"), ("POST", "/api/v1/reports/track"),
    ("GET", "/api/v1/public/cases"), ("GET", "/api/v1/public/cases/{published_id}"),
    ("GET", "/api/v1/privacy-notice"), ("GET", "/api/v1/privacy-notice/{version}"),
}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method.upper(), path, op


def example_path(path: str, op: dict, item: dict) -> str:
    """The path with each parameter filled by a value of its documented type."""
    params = {p["name"]: p.get("schema", {}) for p in [*item.get("parameters", []), *op.get("parameters", [])]
              if p.get("in") == "path"}

    def value(match):
        schema = params.get(match.group(1), {})
        if schema.get("enum"):
            return str(schema["enum"][0])
        if schema.get("type") == "integer":
            return str(max(1, schema.get("minimum", 1)))
        return "00000000-0000-4000-8000-000000000001" if schema.get("format") == "uuid" else "x"

    return re.sub(r"\{(\w+)\}", value, path)


def test_only_the_deliberately_public_operations_go_without_a_token(document):
    public = {(method, path) for method, path, op in operations(document) if not op.get("security")}
    assert public == PUBLIC


def test_every_other_operation_refuses_a_request_without_a_token(client, document):
    for method, path, op in operations(document):
        if (method, path) in PUBLIC:
            continue
        url = example_path(path, op, document["paths"][path])
        resp = client.open(url, method=method, json={} if method != "GET" else None)
        assert_error(resp, 401)


def test_every_api_route_is_in_the_openapi_document(app, document):
    documented = {(method, path) for method, path, _ in operations(document)}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, f"{method} {path} is served but not documented"


def test_pages_are_capped_at_100(client, users):
    headers = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    assert client.get("/api/v1/cases?page_size=100", headers=headers).status_code == 200
    body = assert_error(client.get("/api/v1/cases?page_size=101", headers=headers), 422, "validation_failed")
    assert "page_size" in body["errors"]["query"]
