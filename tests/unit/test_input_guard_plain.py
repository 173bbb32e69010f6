"""The input guard's shortcut for plain bodies (a batch of 500 patrol points is told fine from its text): whatever it
lets through, the full walk lets through too; whatever the walk refuses goes down the walk."""
import json

import pytest

from reporter.common.input_guard import MAX_JSON_DEPTH, MAX_JSON_INTEGER, _Errors, _plainly_fine, _walk_json


def _walk_finds(text: str) -> bool:
    from reporter.common.input_guard import _parse_constant, _parse_float, _parse_int

    errors = _Errors()
    try:
        _walk_json(json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant),
                   errors)
    except Exception:  # noqa: BLE001 — too deep: refused
        return True
    return bool(errors.tree)


BATCH = json.dumps({"points": [{"t": "2026-11-28T08:00:05+08:00", "lat": 33.3125 + i * 1e-6, "lng": 108.314,
                                "accuracy_m": 7.5, "altitude_m": 1250.0, "speed_mps": 1.2, "heading": 90.0,
                                "provider": "gps", "mock": False} for i in range(500)]})


def test_a_batch_of_points_takes_the_shortcut():
    assert _plainly_fine(BATCH) and not _walk_finds(BATCH)


@pytest.mark.parametrize("text", [
    '{"a": "x\\u0000y"}', '{"a\\u0007": 1}', '{"a": "\\ud800"}', '{"a": "x\u0001y"}', '{"a\u007f": 1}',
    '{"a": 1e400}', '{"a": -1E+999}', f'{{"a": {MAX_JSON_INTEGER + 1}}}', '{"a": ' + "9" * 30 + "}",
    '{"a": NaN}', '{"a": -Infinity}', "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
    '{"a": ' + "{" * 40 + "}" * 40 + "}", "[" * 50_000,
])
def test_what_the_walk_refuses_never_takes_the_shortcut(text):
    assert _walk_finds(text)
    assert not _plainly_fine(text)


@pytest.mark.parametrize("text", [
    "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, '{"a": 999999999999999, "b": -1.5e99, "c": "text"}',
])
def test_plain_bodies_within_the_limits_take_the_shortcut(text):
    assert not _walk_finds(text) and _plainly_fine(text)


@pytest.mark.parametrize("text", [
    f'{{"a": {MAX_JSON_INTEGER}}}', '{"a": "tab\\t"}', '{"c": "中文"}',
    '{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',  # brackets in a string: no nesting
])
def test_fine_bodies_the_shortcut_cannot_tell_go_down_the_walk(text):
    assert not _walk_finds(text) and not _plainly_fine(text)
