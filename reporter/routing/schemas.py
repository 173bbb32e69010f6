"""Categories, responsibility-list versions and rules, and the routing preview."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import PageArgs, StrictSchema, page_schema
from reporter.geo.models import ZONE_LEVELS
from reporter.geo.schemas import LocationIn
from reporter.org.schemas import CountyAdcode, UnitKindCode
from reporter.routing.reference import CATEGORIES
from reporter.routing.versions import MAX_DAYS

CATEGORY_CODES = tuple(code for code, _name, _lead, _cooperating in CATEGORIES)


def CategoryCode(**kwargs) -> ma.fields.String:
    """A category of the responsibility list (reference data: `GET /categories`)."""
    return ma.fields.String(validate=validate.OneOf(CATEGORY_CODES, error="Unknown category."), **kwargs)


class CategoryOut(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "illegal_logging"})
    name = ma.fields.String(required=True, metadata={"example": "乱砍滥伐、毁林"})
    is_active = ma.fields.Boolean(required=True)


def _days():
    return ma.fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_DAYS))


class RuleIn(StrictSchema):
    """A rule: category, optional zone and county, unit KINDS (resolved per county), deadlines in working days."""

    category = CategoryCode(required=True)
    zone = ma.fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ZONE_LEVELS))
    county_adcode = CountyAdcode(load_default=None, allow_none=True)
    lead_kinds = ma.fields.List(UnitKindCode(), required=True, validate=validate.Length(min=1))
    cooperating_kinds = ma.fields.List(UnitKindCode(), load_default=list)
    accept_days = _days()
    sign_days = _days()
    handle_days = _days()
    verify_days = _days()
    note = ma.fields.String(load_default="", validate=validate.Length(max=500))


class RuleRowOut(ma.Schema):
    """A rule's fields (as `versions.rule_rows` gives them)."""

    category = ma.fields.String(required=True)
    zone = ma.fields.String(allow_none=True)
    county_adcode = ma.fields.String(allow_none=True)
    lead_kinds = ma.fields.List(ma.fields.String())
    cooperating_kinds = ma.fields.List(ma.fields.String())
    accept_days = ma.fields.Integer()
    sign_days = ma.fields.Integer()
    handle_days = ma.fields.Integer()
    verify_days = ma.fields.Integer()
    note = ma.fields.String()


class RuleOut(RuleRowOut):
    id = ma.fields.Integer(required=True)
    position = ma.fields.Integer()


class VersionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.Integer(required=True)
    title = ma.fields.String()
    status = ma.fields.String(required=True, metadata={"description": "draft | active | retired"})
    based_on_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    activated_at = ma.fields.AwareDateTime(allow_none=True)
    retired_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer(required=True, metadata={"description": "concurrency counter (ETag)"})
    rule_count = ma.fields.Function(lambda v: len(v.rules))


class VersionDetailOut(VersionOut):
    rules = ma.fields.List(ma.fields.Nested(RuleOut))


VersionPage = page_schema(VersionOut, "ResponsibilityVersionPage")


class DraftIn(StrictSchema):
    title = ma.fields.String(load_default="", validate=validate.Length(max=200))


class ActivateIn(StrictSchema):
    force = ma.fields.Boolean(load_default=False, metadata={"description": "activate despite gaps"})
    reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class GapOut(ma.Schema):
    category = ma.fields.String(required=True)
    category_name = ma.fields.String()
    county_adcode = ma.fields.String(required=True)
    county_name = ma.fields.String()
    zones = ma.fields.List(ma.fields.String(), metadata={"description": "zones with no rule"})


class ValidationOut(ma.Schema):
    valid = ma.fields.Boolean(required=True)
    errors = ma.fields.Dict(metadata={"description": "field errors by rule id"})
    gaps = ma.fields.List(ma.fields.Nested(GapOut))


class DiffArgs(StrictSchema):
    against = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1), metadata={
        "description": "the version to compare with (default: the active version)"})


class ChangedRuleOut(RuleRowOut):
    changes = ma.fields.Dict(metadata={"description": "field → {before, after}"})


class DiffOut(ma.Schema):
    """Rules matched by scope (category, county, zone): added, removed, and changed field by field."""

    base = ma.fields.Dict(allow_none=True, metadata={"description": "{id, number} of the version compared with"})
    added = ma.fields.List(ma.fields.Nested(RuleRowOut))
    removed = ma.fields.List(ma.fields.Nested(RuleRowOut))
    changed = ma.fields.List(ma.fields.Nested(ChangedRuleOut))


class ImportFileIn(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ExportArgs(StrictSchema):
    format = ma.fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "json"]))


class VersionListArgs(PageArgs):
    status = ma.fields.String(validate=validate.OneOf(["draft", "active", "retired"]))


class PreviewIn(StrictSchema):
    category = CategoryCode(required=True)
    location = ma.fields.Nested(LocationIn, required=True)
    at = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                 metadata={"description": "when the case would be submitted (default now)"})


class StageDeadlineOut(ma.Schema):
    stage = ma.fields.String(required=True)
    days = ma.fields.Integer(required=True, metadata={"description": "working days of the stage"})
    due = ma.fields.String(required=True, metadata={"format": "date"})


class PreviewOut(ma.Schema):
    """Exactly what a case would record (Route.snapshot), with the location in the caller's coordinate system."""

    category = ma.fields.String(required=True)
    category_name = ma.fields.String()
    location = ma.fields.Dict(required=True)
    county = ma.fields.Dict(allow_none=True)
    in_qinling = ma.fields.Boolean()
    zone = ma.fields.String(allow_none=True)
    grid = ma.fields.Dict(allow_none=True)
    version = ma.fields.Dict(allow_none=True)
    rule_id = ma.fields.Integer(allow_none=True)
    lead_units = ma.fields.List(ma.fields.Dict())
    cooperating_units = ma.fields.List(ma.fields.Dict())
    supervising_units = ma.fields.List(ma.fields.Dict())
    government_unit = ma.fields.Dict(allow_none=True)
    deadline_days = ma.fields.Dict()
    deadlines = ma.fields.Dict()
    stage_deadlines = ma.fields.List(ma.fields.Nested(StageDeadlineOut), metadata={
        "description": "the stage deadlines in workflow order: accept, sign, handle, verify"})
    explanation = ma.fields.String()
