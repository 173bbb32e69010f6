"""A holiday year in and out."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import StrictSchema
from reporter.workdays.services import ESTIMATE, LIBRARY, LOADED, WEEKDAYS


class DayIn(StrictSchema):
    date = ma.fields.Date(required=True)
    name = ma.fields.String(load_default="", validate=validate.Length(max=64))


class HolidayYearIn(StrictSchema):
    """The year's statutory holidays (休) and adjusted working days (调休上班), as published."""

    holidays = ma.fields.List(ma.fields.Nested(DayIn), required=True)
    workdays = ma.fields.List(ma.fields.Nested(DayIn), load_default=list)
    source = ma.fields.String(load_default="", validate=validate.Length(max=255),
                              metadata={"example": "国务院办公厅关于2027年部分节假日安排的通知"})


class DayOut(ma.Schema):
    date = ma.fields.Date(required=True)
    name = ma.fields.String()


class HolidayYearOut(ma.Schema):
    year = ma.fields.Integer(required=True)
    source = ma.fields.String()
    loaded_at = ma.fields.AwareDateTime()
    holidays = ma.fields.List(ma.fields.Nested(DayOut))
    workdays = ma.fields.List(ma.fields.Nested(DayOut))


class CheckArgs(StrictSchema):
    date = ma.fields.Date(required=True)
    add = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=365))


SOURCES = (LOADED, LIBRARY, ESTIMATE, WEEKDAYS)
SOURCE_TEXT = ("loaded (an admin's table) | library (chinese-calendar's published table) | statutory-estimate (no "
               "table yet: the statutory holidays only, no swapped rest days or make-up working days) | weekdays "
               "(Monday–Friday, years the lunar calendar cannot compute)")


class YearSource(ma.Schema):
    year = ma.fields.Integer(required=True)
    source = ma.fields.String(required=True, validate=validate.OneOf(SOURCES), metadata={"description": SOURCE_TEXT})


class CheckOut(ma.Schema):
    date = ma.fields.Date(required=True)
    is_working_day = ma.fields.Boolean(required=True)
    source = ma.fields.String(required=True, validate=validate.OneOf(SOURCES), metadata={
        "description": "where `date`'s year comes from: " + SOURCE_TEXT})
    add = ma.fields.Integer()
    deadline = ma.fields.Date(metadata={"description": "the `add`-th working day after `date`"})
    years = ma.fields.List(ma.fields.Nested(YearSource), metadata={
        "description": "the source of every year from `date` to `deadline`, in order"})
