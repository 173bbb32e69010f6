"""Schemas shared by every feature: strict input, paginated output."""
import numbers

import marshmallow as ma
from marshmallow import RAISE, validate


class StrictSchema(ma.Schema):
    """Input schema that rejects unknown fields."""

    class Meta:
        unknown = RAISE


MAX_PAGE = 1_000_000  # keeps OFFSET within a 64-bit integer on every database
MAX_DB_INTEGER = 2**31 - 1  # the largest id a database INTEGER column holds (PostgreSQL `integer`)
MAX_FEN = 10**13  # 1,000 亿 yuan: any sum of money the reward desk can mean, far inside a BIGINT


MONTH = validate.Regexp(r"^20[2-9][0-9]-(0[1-9]|1[0-2])$", error="Use YYYY-MM (2020 or later)")
"""A calendar month `YYYY-MM` the service can have figures for (it started in 2022)."""


def Id(**kwargs) -> ma.fields.Integer:
    """An id given in a body or query: 1 … MAX_DB_INTEGER, so a larger number is a 422, not a driver overflow."""
    return ma.fields.Integer(validate=validate.Range(min=1, max=MAX_DB_INTEGER), **kwargs)


def Counter(**kwargs) -> ma.fields.Integer:
    """A version counter as the client saw it (0 … MAX_DB_INTEGER)."""
    return ma.fields.Integer(validate=validate.Range(min=0, max=MAX_DB_INTEGER), **kwargs)


class WholeNumber(ma.fields.Integer):
    """A JSON integer: `12` or `12.0` (JSON Schema counts both as integers), never `12.5`, `"12"` or `true`."""

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def Fen(minimum: int = 0, **kwargs) -> ma.fields.Integer:
    """An amount of money in fen (分), a whole number."""
    return WholeNumber(validate=validate.Range(min=minimum, max=MAX_FEN), **kwargs)


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


def lean_dumper(schema: ma.Schema):
    """`schema.dump` for dicts, compiled once: each field's own `_serialize` in the schema's order, without the
    per-value machinery of `Schema.dump` (accessors, hooks, error collection) that makes a page of 20 items cost
    more than its query. Same output: missing keys are left out (or given the field's `dump_default`), nested
    schemas and lists of them are compiled alike. Only for plain output schemas: no hooks, no dotted attributes."""
    if isinstance(schema, type):
        schema = schema()
    if any(schema._hooks.values()):
        raise TypeError(f"{type(schema).__name__} has hooks; dump it with marshmallow")
    steps = []
    for name, field in schema.dump_fields.items():
        attr = field.attribute or name
        if "." in attr:
            raise TypeError(f"{type(schema).__name__}.{name}: dotted attributes are not supported")
        key = field.data_key if field.data_key is not None else name
        steps.append((key, name, attr if field._CHECK_ATTRIBUTE else None, _converter(field), field.dump_default))

    def dump(obj: dict) -> dict:
        out = {}
        for key, name, attr, convert, default in steps:
            value = None if attr is None else obj.get(attr, ma.missing)
            if value is ma.missing:
                if default is ma.missing:
                    continue
                value = default() if callable(default) else default
            out[key] = convert(value, name, obj)
        return out

    return dump


def _converter(field: ma.fields.Field):
    """How one field turns a value into JSON-ready data (value, attr, obj) -> data."""
    if isinstance(field, ma.fields.Nested):
        nested = lean_dumper(field.schema)
        if field.many or field.schema.many:
            return lambda value, _attr, _obj: None if value is None else [nested(item) for item in value]
        return lambda value, _attr, _obj: None if value is None else nested(value)
    if isinstance(field, ma.fields.List):
        inner = _converter(field.inner)
        return lambda value, attr, obj: None if value is None else [inner(item, attr, obj) for item in value]
    serialize = field._serialize
    ready = _ALREADY_JSON.get(type(field))  # a value of this exact type is what the field would return
    if ready is not None and not getattr(field, "as_string", False):
        return lambda value, attr, obj: value if value is None or type(value) is ready else serialize(value, attr, obj)
    return serialize


# Plain fields whose `_serialize` returns a value of this exact type unchanged (bool is not an int here: `type() is`).
_ALREADY_JSON = {ma.fields.String: str, ma.fields.Integer: int, ma.fields.Float: float, ma.fields.Boolean: bool}
