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
from itertools import accumulate

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


# The shortcut for plain bodies (_plainly_fine) reads ASCII text through two translation tables (C speed, no
# regular expression over the whole body). _PLAIN_TABLE: every digit becomes 9, E becomes e, signs go, and what the
# walk would refuse in a text (a C0 control but tab and line breaks, DEL) or cannot judge from the raw text (an
# escape) becomes NUL. _SHAPE_TABLE keeps only brackets, braces and quotes.
_PLAIN_TABLE = {**{ord(d): "9" for d in "0123456789"}, ord("E"): "e", ord("+"): None, ord("-"): None,
                ord("\\"): "\0", **{ord(c): "\0" for c in map(chr, range(0x80)) if _TEXT.match(c)}}
_SHAPE_TABLE = {code: None for code in range(0x80) if chr(code) not in '[]{}"'}
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _plainly_fine(text: str) -> bool:
    """True when the raw body can hold nothing the walk refuses, told from its text alone (a batch of 500 patrol
    points in a fraction of the walk's time); False sends it down the walk. Only ASCII text without escapes is
    judged: then every string and name is a piece of the raw text, so a text with no forbidden character has none
    in any of them. A run of 16 digits (a whole number past 2**53 - 1 needs 16; a finite double never needs more
    than 15 and a 2-digit exponent), a 3-digit exponent, NaN or Infinity anywhere goes to the walk, and so does
    nesting deeper than allowed, counted with the strings cut out (a string holding a bracket goes to the walk)."""
    if not text.isascii():
        return False
    plain = text.translate(_PLAIN_TABLE)
    if "\0" in plain or "9" * 16 in plain or "e999" in plain or "NaN" in plain or "Infinity" in plain:
        return False
    shape = text.translate(_SHAPE_TABLE).replace('""', "")
    if '"' in shape:
        return False
    return max(accumulate(map(_STEP.__getitem__, shape)), default=0) <= MAX_JSON_DEPTH


def _check_json(errors: _Errors) -> None:
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        text = data.decode("utf-8")
    except ValueError:  # not UTF-8: the argument parser answers 400
        return
    if _plainly_fine(text):
        return
    try:
        body = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
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
