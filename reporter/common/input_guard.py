"""Hostile input stops here, before any view runs (issue 14 §4): text no database or export can hold, JSON nested
without end, numbers no field can hold.

Every text a client sends — JSON strings and names, query and form values, path segments, header values — is
checked once, here, so a field added tomorrow is covered without its schema saying so. PostgreSQL refuses a NUL in
text (SQLite stores it), the XLSX exports refuse C0 controls, and an unpaired surrogate has no UTF-8 encoding at
all: each used to surface as a 500 deep inside a service. The answer is a 422 `validation_failed` naming the place
as marshmallow names its own (`errors.json.contact.name`, `errors.query.q`, `errors.path.upload_id`,
`errors.headers.If-Match`); the value is never echoed.
"""
import json
import math
import re

from flask import Flask, request

from reporter.errors import ValidationFailed

MAX_JSON_DEPTH = 32  # arrays and objects inside each other; the deepest body the API takes needs 5
MAX_JSON_INTEGER = 2**53 - 1  # I-JSON (RFC 7493): the whole numbers every JSON client holds exactly

# Refused in any text (JSON strings and field names, query and form values and names, path segments): C0 controls
# but tab, line feed and carriage return; DEL and the C1 controls (the OpenAPI document states these as the
# `pattern` of every free text, TEXT_PATTERN, and the `propertyNames` of open objects); and unpaired surrogates,
# which are no Unicode text at all (I-JSON) — regex engines of other languages cannot even name them in a pattern.
_CONTROLS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
TEXT_PATTERN = f"^[^{_CONTROLS}]*$"
_TEXT = re.compile(f"[{_CONTROLS}\\ud800-\\udfff]")
# Header values arrive as latin-1 (bytes 0x80–0x9f there are pieces of UTF-8): C0 controls but tab, and DEL.
_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f]")

TEXT_MESSAGE = "Text may not contain control characters (other than tab and line breaks) or unpaired surrogates."
HEADER_MESSAGE = "A header value may not contain control characters."
NAME_MESSAGE = "A field name contains a control character (other than tab and line breaks) or an unpaired surrogate."
NUMBER_MESSAGE = f"Not a usable number: it must be finite, and whole numbers within ±{MAX_JSON_INTEGER}."
DEPTH_MESSAGE = f"The body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels."


def printable(text: str) -> str:
    """The text without the characters no input may carry (for text that comes from files, such as EXIF)."""
    return _TEXT.sub("", text)


class _Unusable:
    """Stands in, while parsing, for a number no field can hold (the walk names where it was)."""


UNUSABLE = _Unusable()


def _parse_int(text: str):
    # A length check first: int() of thousands of digits is slow, and past 4,300 digits a ValueError.
    if len(text) > 20:
        return UNUSABLE
    number = int(text)
    return number if abs(number) <= MAX_JSON_INTEGER else UNUSABLE


def _parse_float(text: str):
    number = float(text)
    return number if math.isfinite(number) else UNUSABLE


def _parse_constant(_text: str):  # NaN, Infinity, -Infinity: not JSON, though Python's parser takes them
    return UNUSABLE


class _Errors:
    """Field errors by location and path, nested as marshmallow nests them."""

    def __init__(self):
        self.tree: dict = {}

    def add(self, location: str, path: tuple, message: str) -> None:
        node = self.tree.setdefault(location, {})
        *parents, key = path or ("_schema",)
        for step in parents:
            node = node.setdefault(step, {})
        node.setdefault(key, []).append(message)


def _walk_json(body, errors: _Errors) -> None:
    """Every string, name and number of a parsed body, without recursion (a deep body is refused, not followed)."""
    stack = [(body, (), 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, (dict, list)) and depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(node, dict):
            for name, item in node.items():
                if _TEXT.search(name):
                    errors.add("json", path + ("_schema",), NAME_MESSAGE)
                else:
                    stack.append((item, path + (name,), depth + 1))
        elif isinstance(node, list):
            stack.extend((item, path + (index,), depth + 1) for index, item in enumerate(node))
        elif isinstance(node, str):
            if _TEXT.search(node):
                errors.add("json", path, TEXT_MESSAGE)
        elif node is UNUSABLE:
            errors.add("json", path, NUMBER_MESSAGE)


def _too_deep() -> ValidationFailed:
    return ValidationFailed(errors={"json": {"_schema": [DEPTH_MESSAGE]}})


def _check_json(errors: _Errors) -> None:
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        body = json.loads(data.decode("utf-8"), parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_parse_constant)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # not JSON at all (UnicodeDecodeError is one too): the argument parser answers 400
        return
    _walk_json(body, errors)


def _check_pairs(location: str, pairs, errors: _Errors) -> None:
    for name, value in pairs:
        if not isinstance(name, str) or _TEXT.search(name):
            errors.add(location, (), NAME_MESSAGE)
        elif isinstance(value, str) and _TEXT.search(value):
            errors.add(location, (name,), TEXT_MESSAGE)


def check_request() -> None:
    """Refuse the request (422) when any text it carries holds what no field may, or its JSON cannot be used."""
    errors = _Errors()
    _check_pairs("path", (request.view_args or {}).items(), errors)
    _check_pairs("query", request.args.items(multi=True), errors)
    for name, value in request.headers.items():
        if _HEADER.search(value):
            errors.add("headers", (name,), HEADER_MESSAGE)
    if request.is_json:
        _check_json(errors)
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check_pairs("form", request.form.items(multi=True), errors)
        _check_pairs("files", ((name, "") for name in request.files), errors)
    if errors.tree:
        raise ValidationFailed(errors=errors.tree)


def register_input_guard(app: Flask) -> None:
    """Run `check_request` before every view (after the body size limit)."""
    app.before_request(check_request)
