"""Hostile values in every input of every operation never reach a 500 (issue 14 §4).

schemathesis draws values from the document's types: its strings seldom hold a NUL and never an unpaired surrogate,
its numbers stay small, its bodies stay shallow. This suite adds those generators. For each operation, signed in as
the first role it names (public operations as a resident), it draws a schema-valid request taught the stored facts
(``Teacher`` of test_openapi.py) and then hostile changes, chosen by Hypothesis — in half the examples one character
into every text the request carries at once, in the others one change anywhere:

- a character inserted into any text input (JSON string or field name, query value, path segment, form field,
  header): C0 and C1 controls, DEL, unpaired surrogates (JSON only), and the characters that are allowed but
  unusual — tab, line breaks, noncharacters, bidi overrides, zero-width joiners, 4-byte emoji;
- any number replaced by one no field can hold (beyond ±2⁵³, up to 4,000 digits) or by an edge that every field
  must handle (±1e308, 2⁵³−1, −0.0, 5e-324);
- a date or time replaced by the edges of the calendar with extreme offsets (years 1 and 9999, ±14:00);
- any value, or the whole body, wrapped in arrays and objects up to 400 levels deep.

The request is sent exactly so, and the answer must be no 5xx, a documented status, content type and schema, and
for every refusal the one error shape. The requests the deterministic tests cannot make through this client
(an unclosed body of 50,000 brackets, a 5,000-digit number) are in tests/security/test_hostile_input.py.
"""
import os
from datetime import datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from reporter.common.input_guard import MAX_JSON_INTEGER
from tests.fuzz.test_openapi import FUZZ, PUBLIC_ROLE, ROLES, Signer, Teacher, _operations

EXAMPLES = int(os.environ.get("REPORTER_FUZZ_HOSTILE", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ERROR_KEYS = {"code", "status", "error", "message"}

REFUSED = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x80, 0x85, 0x9F)]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
UNUSUAL = ["\t", "\n", "\r", "\r\n", "\ufffe", "\uffff", "\u202e", "\u200d", "\ufeff", "🌲", "'", '"', "\\", "%",
           "_", "*", "<", "&"]
NUMBERS = st.one_of(
    st.integers(MAX_JSON_INTEGER + 1, 10**4000), st.integers(-(10**4000), -MAX_JSON_INTEGER - 1),
    st.sampled_from([1e308, -1e308, MAX_JSON_INTEGER, -MAX_JSON_INTEGER, -0.0, 2**31, 2**63, 5e-324]))
# (±infinity and NaN have no JSON form the client could send: tests/security/test_hostile_input.py sends them raw.)
MOMENTS = ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59-14:00",
           "9999-12-31T23:59:59+14:00", "0001-01-01", "9999-12-31", "1970-01-01T00:00:00Z", "2038-01-19T03:14:08Z"]
SKIPPED_HEADERS = {"authorization", "content-type", "content-length"}


def _chars(location: str):
    """The characters worth trying in a text of this location: surrogates travel only in JSON, and a header
    carries latin-1 without line breaks."""
    if location == "headers":
        return st.sampled_from([c for c in REFUSED + UNUSUAL if len(c) == 1 and ord(c) < 256 and c not in "\r\n"])
    # NUL (what PostgreSQL refuses) and the surrogates (what no encoder takes) as often as all the rest together
    return st.one_of(st.just("\x00"), st.sampled_from(REFUSED), st.sampled_from(UNUSUAL),
                     *([st.sampled_from(SURROGATES)] if location == "body" else []))  # a form carries bytes


def _is_moment(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return len(value) >= 10


def _targets(case) -> list[tuple]:
    """(location, path) of every input the case carries: query and path parameters, headers, body values."""
    found = [("query", (name,)) for name in sorted(case.query or {})]
    found += [("path", (name,)) for name, value in sorted((case.path_parameters or {}).items())
              if isinstance(value, str)]
    found += [("headers", (name,)) for name in sorted(case.headers or {}) if name.lower() not in SKIPPED_HEADERS]
    if isinstance(case.body, dict) and "json" not in (case.media_type or "json"):  # a form: its text fields
        found += [("form", (name,)) for name, value in sorted(case.body.items()) if isinstance(value, str)]
    elif isinstance(case.body, (dict, list)):
        stack = [((), case.body)]
        while stack:
            path, node = stack.pop()
            found.append(("body", path))
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            stack.extend((path + (key,), value) for key, value in items if not isinstance(value, bytes))
    return found


def _get(root, path):
    for step in path:
        root = root[step]
    return root


def _set(case, location: str, path: tuple, value) -> None:
    if location in ("body", "form"):
        if not path:
            case.body = value
            return
        _get(case.body, path[:-1])[path[-1]] = value
        return
    holder = {"query": case.query, "path": case.path_parameters, "headers": case.headers}[location]
    holder[path[0]] = value


def _wrap(value, levels: int, in_objects: bool):
    for _ in range(levels):
        value = {"x": value} if in_objects else [value]
    return value


def _current(case, location: str, path: tuple):
    if location == "body" and not path:
        return case.body
    if location in ("body", "form"):
        return _get(case.body, path)
    return {"query": case.query, "path": case.path_parameters, "headers": case.headers}[location][path[0]]


def _insert(draw, text: str, location: str) -> str:
    """`text` with one character of `_chars(location)` put somewhere in it."""
    if location == "headers":
        text = text or "x"  # a header value starting with whitespace or a control is not sent at all
    at = draw(st.integers(1 if location == "headers" else 0, len(text)))
    return text[:at] + draw(_chars(location)) + text[at:]


@st.composite
def _hostile(draw, case):
    """Hostile changes to a schema-valid case — in every text at once, or one change anywhere — and a word saying
    what they were."""
    targets = _targets(case)
    if not targets:
        case.headers = {**(case.headers or {}), "X-Hostile": _insert(draw, "ab", "headers")}
        return case, "a header of its own"
    texts = [(location, path) for location, path in targets
             if path and isinstance(_current(case, location, path), str)]
    if texts and draw(st.booleans()):
        for location, path in texts:
            _set(case, location, path, _insert(draw, _current(case, location, path), location))
        return case, "every text"
    location, path = draw(st.sampled_from(targets))
    current = _current(case, location, path)
    kinds = ["text"] if location != "body" else ["text", "name", "number", "nesting"] if path else ["nesting"]
    kind = draw(st.sampled_from(kinds))
    if kind == "nesting":
        value = _wrap(current, draw(st.integers(2, 400)), draw(st.booleans()))
    elif kind == "number" or (isinstance(current, (int, float)) and not isinstance(current, bool)):
        value = draw(NUMBERS)
    elif kind == "name" and isinstance(path[-1], str):
        parent = _get(case.body, path[:-1])
        parent[path[-1] + draw(_chars("body"))] = parent.pop(path[-1])
        return case, f"the name of body field {path}"
    elif isinstance(current, str) and _is_moment(current) and draw(st.booleans()):
        value = draw(st.sampled_from(MOMENTS))
    else:
        value = _insert(draw, current if isinstance(current, str) else str(
            current if current is not None else ""), location)
    _set(case, location, path, value)
    return case, f"{kind} at {location} {path}"


def _primary_role(operation) -> str:
    raw = operation.definition.raw
    if not raw.get("security"):
        return PUBLIC_ROLE
    return raw.get("x-roles", [PUBLIC_ROLE])[0]


@FUZZ
@pytest.mark.slow
@pytest.mark.parametrize("role", sorted(ROLES))
def test_hostile_values_in_every_input_never_reach_a_500(app, client, users, subtests, role):
    signer = Signer(users, role)
    teacher = Teacher(app, client, signer, users)
    only = os.environ.get("REPORTER_FUZZ_ONLY")
    for operation in _operations(app):
        if _primary_role(operation) != role or (only and only not in operation.label):
            continue
        positive = teacher.strategy(operation, GenerationMode.POSITIVE)

        # No shrinking: a failure is reported as found (with its curl line), so a run stays within its time.
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(data=st.data())
        def run(data):
            case, what = data.draw(positive.flatmap(_hostile), label="hostile case")
            response = case.call(headers=signer.headers(case))
            case.validate_response(response, checks=CHECKS, headers=signer.headers(case))
            if response.status_code >= 400:
                json_answer = response.headers.get("content-type", [""])[0].startswith("application/json")
                body = response.json() if json_answer else None
                assert isinstance(body, dict) and ERROR_KEYS <= set(body), (what, response.status_code, body)
                assert body["code"] == response.status_code, (what, body)

        with subtests.test(msg=operation.label):
            try:
                run()
            except Unsatisfiable:
                pass  # an operation whose valid requests this database cannot make (none today)
