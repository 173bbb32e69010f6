"""Units as the API shows them, and the filters of the unit list."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import PageArgs, page_schema
from reporter.org.reference import COUNTIES, KINDS, reference_units

# The reference data is the only source of units, kinds and counties (no API creates them), so the document can
# name every valid code and a client — or a fuzzer — knows what it may send.
UNIT_CODES = tuple(row["code"] for row in reference_units())
KIND_CODES = tuple(code for code, _name, _city in KINDS)
COUNTY_ADCODES = tuple(adcode for adcode, _name, _qinling in COUNTIES)


def UnitCode(**kwargs) -> ma.fields.String:
    """A unit's code (`city.forestry`, `610923.forestry`, …)."""
    return ma.fields.String(validate=validate.OneOf(UNIT_CODES, error="Unknown unit."), **kwargs)


def UnitKindCode(**kwargs) -> ma.fields.String:
    """A kind of unit (`forestry`, `water`, …): a rule names kinds, resolved per county."""
    return ma.fields.String(validate=validate.OneOf(KIND_CODES, error="Unknown kind of unit."), **kwargs)


def CountyAdcode(**kwargs) -> ma.fields.String:
    """One of Ankang's ten county adcodes."""
    return ma.fields.String(validate=validate.OneOf(COUNTY_ADCODES, error="Not a county of Ankang."), **kwargs)


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
