"""Units as the API shows them, and the filters of the unit list."""
import marshmallow as ma

from reporter.common.schemas import PageArgs, page_schema


class UnitOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"example": "610923.forestry"})
    name = ma.fields.String(required=True, metadata={"example": "宁陕县林业局"})
    kind = ma.fields.String(required=True, metadata={"example": "forestry"})
    level = ma.fields.String(required=True, metadata={"description": "city | county"})
    county_adcode = ma.fields.String(allow_none=True)
    parent_id = ma.fields.Integer(allow_none=True)
    is_active = ma.fields.Boolean()


class UnitKindOut(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class UnitArgs(PageArgs):
    """`?kind=forestry&county=610923&level=county&page=…`."""

    kind = ma.fields.String()
    county = ma.fields.String(metadata={"description": "county adcode"})
    level = ma.fields.String(validate=ma.validate.OneOf(["city", "county"]))


UnitPage = page_schema(UnitOut, "UnitPage")
