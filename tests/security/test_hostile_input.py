"""Hostile input never reaches a 500 (issue 14 §4): control characters and unpaired surrogates in any text, bodies
nested without end, numbers no field can hold, and signed tokens whose claims are not ours.

PostgreSQL refuses a NUL in any text value and answered those requests with a 500; SQLite stored them. The rule is
the same on both: every text a client sends — JSON strings and keys, query and form values, path segments, header
values — is refused with a 422 naming where it was, before any view runs. The class is proven by walking every
operation of the OpenAPI document and putting each hostile value into each of its text inputs in turn.
"""
import io
import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from PIL import Image

from reporter.common.input_guard import MAX_JSON_DEPTH, MAX_JSON_INTEGER
from tests.api.test_frame import assert_error
from tests.conftest import consent_over_http

ALL_ROLES = ("resident", "inspector", "officer", "supervisor", "reward_officer", "reward_approver", "auditor", "admin")
# One of each kind a body may not carry: NUL (PostgreSQL refuses it), another C0 control, a C1 control, and an
# unpaired surrogate (no UTF-8 encoding exists for it: the database driver and the JSON encoder both fail on it).
BODY_HOSTILE = {"nul": "a\x00b", "escape": "a\x1bb", "c1": "a\x85b", "surrogate": "a\ud800b"}
# Query values, path segments and header values travel in a URL or a header: no unpaired surrogate can be sent.
LINE_HOSTILE = {"nul": "a\x00b", "escape": "a\x1bb", "c1": "a\x85b"}


# -- the OpenAPI document: every text and number input of every operation --------------------------------------
def _document(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _leaves(spec, schema: dict, path: tuple = (), depth: int = 0):
    """(path, type) of every string, integer and number a schema holds; list items by index 0."""
    schema = _resolve(spec, schema)
    if depth > 6:
        return
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _leaves(spec, alternative, path, depth + 1)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "object" in types:
        for name, sub in schema.get("properties", {}).items():
            yield from _leaves(spec, sub, path + (name,), depth + 1)
    if "array" in types and "items" in schema:
        yield from _leaves(spec, schema["items"], path + (0,), depth + 1)
    for kind in ("string", "integer", "number"):
        if kind in types and schema.get("format") != "binary":
            yield path, kind


def _inputs(spec):
    """(method, path template, location, field path, type) for every input of every operation, once each."""
    seen = set()
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for param in item.get("parameters", []) + op.get("parameters", []):
                for field, kind in _leaves(spec, param["schema"], (param["name"],)):
                    seen.add((method, template, param["in"], field, kind))
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                location = "json" if media == "application/json" else "form"
                for field, kind in _leaves(spec, content["schema"]):
                    seen.add((method, template, location, field, kind))
    return sorted(seen, key=str)


def _nest(field: tuple, value):
    """`{"contact": {"name": value}}` for ("contact", "name"), `{"photo_ids": [value]}` for ("photo_ids", 0)."""
    for step in reversed(field):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def _send(client, headers, method, template, location, field, value):
    """The operation with `value` at `field` of `location` and nothing else (other path ids are 1)."""
    path_args = {name: 1 for name in _path_names(template)}
    query, extra = {}, {}
    if location == "path":
        path_args[field[0]] = value
    elif location == "query":
        query[field[0]] = value
    elif location == "header":
        extra[field[0]] = value
    path = template.format(**{k: _quote(v) for k, v in path_args.items()})
    if location == "json":
        data = json.dumps(_nest(field, value), ensure_ascii=True)  # \ud800 travels escaped, as JSON allows
        return client.open(path, method=method.upper(), data=data, content_type="application/json",
                           query_string=query, headers={**headers, **extra})
    if location == "form":
        return client.open(path, method=method.upper(), data={field[0]: value},
                           content_type="multipart/form-data", headers={**headers, **extra})
    return client.open(path, method=method.upper(), query_string=query, headers={**headers, **extra})


def _path_names(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


def _quote(value) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _named(errors: dict, location: str, field: tuple) -> bool:
    """Whether the error body's `errors` names the field at its place (marshmallow's nesting, list items by
    position)."""
    found = (errors or {}).get({"header": "headers"}.get(location, location))
    if location in ("query", "path", "header"):
        field = field[:1]  # a parameter is named as a whole, whatever its items
    for step in field:
        if not isinstance(found, dict) or str(step) not in found:
            return False
        found = found[str(step)]
    return bool(found)


@pytest.fixture()
def everyone(users):
    """Bearer headers of a user holding every role (so no operation is refused for the role before its input)."""
    return users.headers(users.make(*ALL_ROLES, unit_code="city.qinling_office"))


def test_the_walk_covers_the_inputs_of_the_issue(client):
    """The walk below reaches the fields the attack used: a login name, `q`, `kind`, a description, a display
    name, a path segment and a header (Idempotency-Key, undocumented, has its own test below)."""
    inputs = {(m, t, loc, f) for m, t, loc, f, _ in _inputs(_document(client))}
    for expected in [("post", "/api/v1/auth/login", "json", ("username",)),
                     ("get", "/api/v1/cases", "query", ("q",)),
                     ("get", "/api/v1/units", "query", ("kind",)),
                     ("post", "/api/v1/reports", "json", ("description",)),
                     ("post", "/api/v1/admin/users", "json", ("display_name",)),
                     ("get", "/api/v1/uploads/{upload_id}", "path", ("upload_id",)),
                     ("post", "/api/v1/cases/{case_id}/actions", "header", ("If-Match",))]:
        assert expected in inputs, expected


@pytest.mark.parametrize("hostile", sorted(BODY_HOSTILE))
def test_a_control_character_in_any_body_text_is_a_422_naming_the_field(client, everyone, hostile):
    spec = _document(client)
    wrong = []
    for method, template, location, field, kind in _inputs(spec):
        if kind != "string" or location not in ("json", "form"):
            continue
        if location == "form" and hostile == "surrogate":
            continue  # a multipart form carries bytes: an unpaired surrogate cannot be sent in one
        resp = _send(client, everyone, method, template, location, field, BODY_HOSTILE[hostile])
        body = resp.get_json(silent=True) or {}
        if resp.status_code != 422 or body.get("error") != "validation_failed" or not _named(
                body.get("errors"), location, field):
            wrong.append((method, template, location, field, resp.status_code, body))
    assert not wrong, wrong[:5]


def test_the_document_states_the_rule_for_every_free_text(client):
    """Every text input without an enum, format or pattern of its own carries the text rule as its pattern, so
    clients (and schemathesis) know what is refused; the pattern refuses exactly what the server refuses."""
    from reporter.common.input_guard import TEXT_PATTERN

    spec = _document(client)
    free = []
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            schemas = [(p["name"], p["schema"]) for p in item.get("parameters", []) + op.get("parameters", [])
                       if p["in"] in ("query", "path")]
            schemas += [("body", c["schema"]) for c in op.get("requestBody", {}).get("content", {}).values()]
            for name, schema in schemas:
                free += [(method, template, name, s) for s in _strings(spec, schema)
                         if not {"enum", "format", "pattern", "const"} & set(s)]
    assert not free, free[:5]
    rule = re.compile(TEXT_PATTERN)
    # (an unpaired surrogate is no Unicode text at all, so no pattern needs to name it: I-JSON, RFC 7493)
    assert all(not rule.search(value) for kind, value in BODY_HOSTILE.items() if kind != "surrogate")
    assert rule.search("林小雨\t说：\r\n山上有人砍树 🌲")
    actions = _resolve(spec, {"$ref": "#/components/schemas/ActionIn"})
    assert actions["propertyNames"] == {"pattern": TEXT_PATTERN}


def _strings(spec, schema, depth=0):
    schema = _resolve(spec, schema)
    if depth > 6:
        return
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _strings(spec, alternative, depth + 1)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    for sub in schema.get("properties", {}).values():
        yield from _strings(spec, sub, depth + 1)
    if "items" in schema:
        yield from _strings(spec, schema["items"], depth + 1)
    if "string" in types:
        yield schema


@pytest.mark.parametrize("hostile", sorted(LINE_HOSTILE))
def test_a_control_character_in_any_query_path_or_header_is_a_422_naming_it(client, everyone, hostile):
    spec = _document(client)
    wrong, sent = [], 0
    for method, template, location, field, kind in _inputs(spec):
        if location not in ("query", "path", "header") or kind != "string":
            continue
        if location == "header" and hostile == "c1":
            continue  # header values are latin-1 on the wire: 0x85 is a piece of a UTF-8 character there
        sent += 1
        resp = _send(client, everyone, method, template, location, field, LINE_HOSTILE[hostile])
        body = resp.get_json(silent=True) or {}
        if location == "path" and resp.status_code == 404 and body.get("error") == "not_found":
            continue  # a segment its route's converter does not match (a UUID, say): no such path
        if resp.status_code != 422 or body.get("error") != "validation_failed" or not _named(
                body.get("errors"), location, field):
            wrong.append((method, template, location, field, resp.status_code, body))
    assert sent > 20 and not wrong, wrong[:5]


def test_text_with_tabs_line_breaks_and_chinese_still_goes_through(client, users):
    """What a resident writes — line breaks, tabs, Chinese, emoji — is not hostile."""
    admin = users.make("admin")
    resp = client.post("/api/v1/admin/users", headers=users.headers(admin), json={
        "username": "lin_xiaoyu", "password": "correct horse battery staple", "roles": ["auditor"],
        "display_name": "林小雨\t🌲"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["display_name"] == "林小雨\t🌲"


# -- the requests of the issue, complete and otherwise valid, on every database ----------------------------------
def test_a_nul_in_a_login_name_is_a_422_and_counts_as_no_attempt(client, users):
    users.make("admin", username="admin_nul")
    resp = client.post("/api/v1/auth/login", json={"username": "admin_nul\x00", "password": "wrong password"})
    body = assert_error(resp, 422, "validation_failed")
    assert body["errors"]["json"]["username"]
    ok = client.post("/api/v1/auth/login", json={"username": "admin_nul", "password": "correct horse battery staple"})
    assert ok.status_code == 200


@pytest.mark.parametrize("path, role, unit", [
    ("/api/v1/cases?q=%E7%A0%8D%00", "supervisor", "city.qinling_office"),
    ("/api/v1/admin/users?q=lin%00", "admin", None),
    ("/api/v1/units?kind=forestry%00", "admin", None),
    ("/api/v1/uploads/abc%00def", "resident", None),
])
def test_a_nul_in_a_search_a_filter_or_a_path_is_a_422(client, users, path, role, unit):
    resp = client.get(path, headers=users.headers(users.make(role, unit_code=unit)))
    assert_error(resp, 422, "validation_failed")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_nul_in_a_report_description_or_idempotency_key_is_a_422_and_writes_nothing(client, users, wechat, app):
    wechat.login_code("code-nul", "openid-nul")
    signed = client.post("/api/v1/auth/wechat", json={"code": "code-nul"}).get_json()
    headers = {"Authorization": f"Bearer {signed['access_token']}"}
    consent_over_http(client, headers)
    upload = client.post("/api/v1/uploads", headers=headers, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(_photo()), "p.jpg"), "purpose": "report"})
    assert upload.status_code == 201, upload.get_json()
    body = {"category": "illegal_logging", "description": "山上有人在砍伐树木\x00已经砍倒好几棵",
            "location": {"lat": 33.3125, "lng": 108.3140}, "photo_ids": [upload.get_json()["id"]]}
    assert_error(client.post("/api/v1/reports", json=body, headers=headers), 422, "validation_failed")
    body["description"] = "山上有人在砍伐树木，已经砍倒好几棵"
    keyed = {**headers, "Idempotency-Key": "key\x00one"}
    answer = assert_error(client.post("/api/v1/reports", json=body, headers=keyed), 422, "validation_failed")
    assert answer["errors"]["headers"]["Idempotency-Key"]
    mine = client.get("/api/v1/reports/mine", headers=headers).get_json()
    assert mine["total"] == 0
    assert client.post("/api/v1/reports", json=body, headers=headers).status_code == 201


# -- nesting and numbers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    "[" * 50_000,                                   # never closed: the parser itself runs out of stack
    '{"a":' * 50_000,
    "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),   # closed, parses, one level too deep
    '{"code": ' + "[" * 900 + "]" * 900 + ', "pin": "123456"}',
], ids=["brackets", "objects", "one-too-deep", "deep-field"])
def test_a_body_nested_without_end_is_refused_without_a_token(client, body):
    resp = client.post("/api/v1/reports/track", data=body, content_type="application/json")
    answer = assert_error(resp, 422, "validation_failed")
    assert "nest" in json.dumps(answer["errors"]["json"])


def test_bodies_as_deep_as_the_limit_still_parse(client):
    body = {"code": "x", "pin": "123456", "extra": _nest((0,) * (MAX_JSON_DEPTH - 2), 1)}
    answer = assert_error(client.post("/api/v1/reports/track", json=body), 422, "validation_failed")
    assert set(answer["errors"]["json"]) == {"extra"}  # only the unknown field, not the depth


@pytest.mark.parametrize("number", [
    "1" * 5_000,                 # beyond Python's int conversion limit (ValueError inside the JSON parser)
    "-" + "9" * 5_000,
    str(MAX_JSON_INTEGER + 1),   # beyond what a JavaScript client can hold exactly (I-JSON, RFC 7493)
    "1e400",                     # a float literal that overflows to infinity
    "NaN",                       # not JSON, but Python's parser takes it
    "-Infinity",
])
def test_a_number_no_field_can_hold_is_a_422_naming_it_without_a_token(client, number):
    body = '{"username": "admin", "password": ' + number + "}"
    resp = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    answer = assert_error(resp, 422, "validation_failed")
    assert list(answer["errors"]["json"]) == ["password"]


def test_numbers_within_the_interoperable_range_reach_the_schema(client):
    resp = client.post("/api/v1/auth/login", data='{"username": "a", "password": ' + str(MAX_JSON_INTEGER) + "}",
                       content_type="application/json")
    answer = assert_error(resp, 422, "validation_failed")
    assert answer["errors"]["json"]["password"] == ["Not a valid string."]


def test_a_nul_or_surrogate_in_a_field_name_is_a_422(client):
    for name in ("user\x00name", "user\ud800"):
        data = json.dumps({name: "admin", "password": "x"})
        answer = assert_error(client.post("/api/v1/auth/login", data=data, content_type="application/json"),
                              422, "validation_failed")
        assert answer["errors"]["json"]["_schema"]


# -- signed tokens whose claims are not ours --------------------------------------------------------------------
_tokens = itertools.count(1)


def _resigned(app, users, **claims) -> str:
    """A token signed with the server's own key (as only a holder of the leaked secret could make), with claims
    changed."""
    uid = users.make("admin")
    payload = pyjwt.decode(users.tokens(uid)["access_token"], options={"verify_signature": False})
    payload.update(claims, jti=f"hostile-{next(_tokens)}")
    return pyjwt.encode(payload, app.config["JWT_SECRET_KEY"], algorithm="HS256")


@pytest.mark.parametrize("claims", [
    {"sub": "abc"}, {"sub": "9" * 30}, {"sub": str(2**31)}, {"sub": "-1"}, {"sub": "1.0"}, {"sub": " 1"},
    {"sub": "١"}, {"sub": "1\x00"}, {"sid": "x\x00"}, {"sid": ["a"]}, {"sid": 12}, {"sid": "s" * 5_000},
], ids=lambda claims: repr(claims)[:24])
def test_a_signed_token_whose_subject_or_session_is_malformed_is_a_401(client, app, users, claims):
    token = _resigned(app, users, **claims)
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "invalid_token")
    for path in ("/api/v1/auth/logout", "/api/v1/auth/refresh"):
        resp = client.post(path, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, (path, resp.get_json())


def test_a_resigned_token_with_our_claims_still_works(client, app, users):
    """The check refuses only shapes we never issue: a token as we issue it keeps working."""
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {_resigned(app, users)}"}).status_code == 200


def test_a_signed_refresh_token_with_a_malformed_id_is_a_401(client, app, users):
    uid = users.make("admin")
    payload = pyjwt.decode(users.tokens(uid)["refresh_token"], options={"verify_signature": False})
    payload["jti"] = "j\x00" + "x" * 10
    token = pyjwt.encode(payload, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert_error(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {token}"}), 401)


def test_an_expired_token_is_still_told_apart(client, app, users):
    token = _resigned(app, users, exp=int((datetime.now(UTC) - timedelta(minutes=1)).timestamp()))
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "token_expired")


# -- text that arrives inside a file ----------------------------------------------------------------------------
def test_text_read_from_a_photo_loses_the_characters_no_input_may_carry():
    """EXIF make and model are stored and shown to staff: a photo's text is as hostile as a request's."""
    from reporter.media.pipeline import process
    from tests.media.images import jpeg

    result = process(jpeg(make="Xia\x01omi\x7f", model="Redmi\x1b K70\x08"), 50_000_000)
    assert (result.facts.camera_make, result.facts.camera_model) == ("Xiaomi", "Redmi K70")
