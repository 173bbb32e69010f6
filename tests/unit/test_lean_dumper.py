"""`lean_dumper(schema)` gives what `schema.dump` gives, for every kind of field and value the output schemas use."""
from datetime import UTC, date, datetime
from decimal import Decimal

import marshmallow as ma
import pytest

from reporter.common.schemas import lean_dumper, page_schema


class Point(ma.Schema):
    lat = ma.fields.Float(required=True)
    label = ma.fields.String(allow_none=True)


class Item(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String()
    flag = ma.fields.Boolean()
    when = ma.fields.AwareDateTime(allow_none=True)
    day = ma.fields.Date(allow_none=True)
    amount = ma.fields.Float()
    count_text = ma.fields.Integer(as_string=True)
    renamed = ma.fields.String(data_key="shown_as")
    from_attr = ma.fields.String(attribute="source_key")
    defaulted = ma.fields.String(dump_default="none given")
    point = ma.fields.Nested(Point, allow_none=True)
    points = ma.fields.List(ma.fields.Nested(Point))
    tags = ma.fields.List(ma.fields.String())
    extra = ma.fields.Dict()
    constant = ma.fields.Constant("always")


ITEMS = [
    {"id": 1, "name": "林区", "flag": True, "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "day": date(2026, 1, 2),
     "amount": 1.5, "count_text": 7, "renamed": "x", "source_key": "from elsewhere", "point": {"lat": 32.7},
     "points": [{"lat": 1, "label": None}, {"lat": Decimal("2.25"), "label": 5}], "tags": ["a", 3], "extra": {"k": 1}},
    {"id": "2", "name": 5, "flag": 0, "when": None, "day": None, "amount": 3, "point": None, "points": None,
     "tags": None, "defaulted": "given"},
    {"id": True, "flag": "yes", "amount": Decimal("0.1")},  # what marshmallow coerces, the lean dump coerces alike
    {},
]


@pytest.mark.parametrize("obj", ITEMS)
def test_the_lean_dump_is_the_schemas_dump(obj):
    expected = Item().dump(obj)
    got = lean_dumper(Item)(obj)
    assert got == expected and list(got) == list(expected)
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


def test_a_page_of_items_is_dumped_alike_and_schemas_with_hooks_are_refused():
    page = {"items": ITEMS[:2], "total": 2, "page": 1, "page_size": 20}
    schema = page_schema(Item, "ItemPage")
    assert lean_dumper(schema)(page) == schema().dump(page)

    class Hooked(Item):
        @ma.post_dump
        def shout(self, data, **kwargs):
            return data

    with pytest.raises(TypeError):
        lean_dumper(Hooked)
