"""Request bodies parsed with orjson: the same values and errors as the standard library, sooner.

A batch of 500 patrol points is ~75 KB of JSON; the standard library takes about four times as long as orjson to
read it. orjson reads strict RFC 8259 JSON only, the standard library a little more (NaN and Infinity, lone surrogate
escapes): whatever orjson refuses is read again by the standard library. orjson reads an integer past 64 bits as a
float, the standard library exactly: a body with a run of 19 digits or more goes to the standard library at once. So
every body gives exactly what it gave before, or the same error (tests/unit/test_jsonbody.py).
"""
import re

import orjson
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

_LONG_NUMBER = re.compile(rb"[0-9]{19}")  # an integer orjson might not hold exactly


def loads(data: bytes):
    """`json.loads` (as webargs calls it, bytes decoded as UTF-8) through orjson where orjson gives the same."""
    if _LONG_NUMBER.search(data):
        return core.parse_json(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return core.parse_json(data)


class JSONParser(FlaskParser):
    """webargs' Flask parser with JSON bodies read by `loads`."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))


def install() -> None:
    """Make `JSONParser` every flask-smorest Blueprint's argument parser. Called when the package is imported,
    before any blueprint's `@blp.arguments` binds its parser."""
    from flask_smorest import Blueprint

    if not isinstance(Blueprint.ARGUMENTS_PARSER, JSONParser):
        Blueprint.ARGUMENTS_PARSER = JSONParser()
