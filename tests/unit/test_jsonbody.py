"""Request bodies read through orjson give exactly what the standard library gave (webargs' `parse_json`), values
and errors alike, for every kind of body: the strict JSON orjson reads, and what only the standard library reads."""
import json

import pytest
from webargs import core

from reporter.common.jsonbody import loads

BODIES = [
    b'{"points": [{"t": "2026-11-30T08:00:00+08:00", "lat": 33.3125, "lng": 108.314, "accuracy_m": 5}]}',
    b'{"a": 0.1, "b": 1e-7, "c": 123456789012345678, "d": -0.0, "e": 1.7976931348623157e308, "f": [true, null]}',
    '{"name": "网格员 张三", "note": "砍伐\\u6811\\u6728", "e": "\\ud83c\\udf32"}'.encode(),
    b'{"a": 1, "a": 2}',  # a repeated name: the last one
    b'{"big": 123456789012345678901234567890}',  # past 64 bits: only the standard library
    b'{"edge": [9223372036854775807, -9223372036854775808, -9223372036854775809, 18446744073709551616]}',
    b'{"huge": 1e400, "tiny": 1e-400, "zero": -0, "long": 0.1234567890123456789012345}',
    b'{"x": NaN, "y": Infinity, "z": -Infinity}',  # not JSON: the standard library reads it all the same
    b'{"lone": "\\ud800"}',  # a lone surrogate escape
    b"[" * 50 + b"]" * 50,
    b'  {"spaced": [1, 2, 3]}  \n',
]
BAD = [b"", b"{", b'{"a": }', b"\xef\xbb\xbf{}", b'{"a": "\xff"}', b"[1, 2,]", b"{'a': 1}", b"01"]


@pytest.mark.parametrize("body", BODIES)
def test_every_body_gives_what_the_standard_library_gives(body):
    ours, theirs = loads(body), core.parse_json(body)
    assert repr(ours) == repr(theirs)  # the same values, types (int or float) and key order


@pytest.mark.parametrize("body", BAD)
def test_a_body_the_standard_library_refuses_is_refused_with_its_error(body):
    with pytest.raises(json.JSONDecodeError) as theirs:
        core.parse_json(body)
    with pytest.raises(json.JSONDecodeError) as ours:
        loads(body)
    assert str(ours.value) == str(theirs.value)


def test_every_blueprint_reads_json_bodies_this_way(app):
    from flask_smorest import Blueprint

    from reporter.common.jsonbody import JSONParser
    from reporter.media.api import UploadsBlueprint

    assert isinstance(Blueprint.ARGUMENTS_PARSER, JSONParser)
    assert isinstance(UploadsBlueprint.ARGUMENTS_PARSER, JSONParser)
