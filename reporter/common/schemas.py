"""Schemas shared by every feature: strict input, paginated output."""
import marshmallow as ma
from marshmallow import RAISE, validate


class StrictSchema(ma.Schema):
    """Input schema that rejects unknown fields."""

    class Meta:
        unknown = RAISE


MAX_PAGE = 1_000_000  # keeps OFFSET within a 64-bit integer on every database


class PageArgs(StrictSchema):
    """`?page=1&page_size=20` (max 100)."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """`{"items": [...], "total", "page", "page_size"}` around an item schema."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "total": ma.fields.Integer(required=True),
        "page": ma.fields.Integer(required=True),
        "page_size": ma.fields.Integer(required=True),
    }, name=name)
