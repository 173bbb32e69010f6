"""What comes in and goes out of the case endpoints, per audience (staff lists and detail, inspectors' tasks).

The case itself carries no reporter identity, so every staff audience gets the same case fields.
"""
from datetime import date

import marshmallow as ma
from marshmallow import INCLUDE, validate

from reporter.cases.effects import STAGES
from reporter.cases.models import SOURCES, STAFF_SOURCES, SUPERVISION_LEVELS, Case, CaseEvent
from reporter.cases.payloads import ActionBase
from reporter.cases.workflow import ACTIONS, STATES, TRANSITIONS
from reporter.common.concurrency import etag_of
from reporter.common.schemas import PageArgs, StrictSchema, page_schema
from reporter.geo.schemas import CoordSystemArgs, LocationIn, LocationOut, location_out
from reporter.routing.schemas import CategoryCode

SORTS = ("newest", "age", "deadline")


class CommaList(ma.fields.List):
    """`?status=a,b` as well as `?status=a&status=b`."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list) else [value]
        items = [part for item in items for part in str(item).split(",") if part]
        return super()._deserialize(items, attr, data, **kwargs)


class CaseListArgs(PageArgs, CoordSystemArgs):
    """Filters of API.md "Officials", the order, and the page."""

    status = CommaList(ma.fields.String(validate=validate.OneOf(STATES)))
    county = ma.fields.String(validate=validate.Length(equal=6), metadata={"description": "county adcode"})
    unit = ma.fields.String(validate=validate.Length(min=1, max=64),
                            metadata={"description": "id or code of the unit currently handling the case"})
    category = ma.fields.String(validate=validate.Length(min=1, max=64))
    source = ma.fields.String(validate=validate.OneOf(SOURCES))
    overdue = ma.fields.Boolean()
    supervised = ma.fields.String(validate=validate.OneOf(("true", "false", *SUPERVISION_LEVELS)),
                                  metadata={"description": "true | false | city | county (督办)"})
    q = ma.fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "a case number, or words of the description or address"})
    recurrence = ma.fields.String(validate=validate.OneOf(("pending",)),
                                  metadata={"description": "pending: closed cases with a possible recurrence "
                                                           "(疑似反弹回潮) waiting for a decision"})
    returned = ma.fields.Boolean(metadata={"description": "true: returned by a unit at least once (退回待重派 when "
                                                          "combined with status=accepted)"})
    reworked = ma.fields.Boolean(metadata={"description": "true: sent back by verification at least once (被核查退回)"})
    extension = ma.fields.String(validate=validate.OneOf(("pending",)),
                                 metadata={"description": "pending: an extension request waits for a decision"})
    sort = ma.fields.String(load_default="newest", validate=validate.OneOf(SORTS),
                            metadata={"description": "newest (default), age (oldest first), deadline"})


class TaskArgs(PageArgs, CoordSystemArgs):
    """`?page&page_size&coord_system`."""


class ActionIn(ActionBase):
    """`{"action": ..., ...the action's fields}`; each action's fields are checked against the workflow table."""

    class Meta:
        unknown = INCLUDE

    action = ma.fields.String(required=True, validate=validate.OneOf(ACTIONS),
                              metadata={"description": "the action and its own fields: " + "; ".join(
                                  f"{t.action} ({', '.join(sorted(set(t.schema().fields) - set(ActionBase().fields)))})"
                                  for t in {t.action: t for t in TRANSITIONS}.values())})


class StaffCaseIn(StrictSchema):
    """A case entered by staff: video surveillance, undercover inspection or a superior's referral."""

    source = ma.fields.String(required=True, validate=validate.OneOf(STAFF_SOURCES), metadata={
        "description": "video, undercover, superior; or central_inspection, provincial_inspection, audit "
                       "(中央/省级反馈问题, 审计查出问题), which need `external_ref`"})
    external_ref = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "the feedback item's own reference (反馈编号), e.g. its number in the inspectors' list",
        "example": "中央第二轮督察反馈-12"})
    category = CategoryCode(required=True)
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=4000))
    location = ma.fields.Nested(LocationIn, required=True)
    occurred_at = ma.fields.AwareDateTime()
    photo_ids = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)),
                               validate=validate.Length(max=9), load_default=list)
    public_comment = ma.fields.String(validate=validate.Length(min=1, max=500))


class StageDeadline(ma.Schema):
    due = ma.fields.Date(allow_none=True)
    met = ma.fields.Boolean(allow_none=True)


class StageDeadlineItem(StageDeadline):
    stage = ma.fields.String(required=True)


class CaseItemOut(ma.Schema):
    """A case in a list."""

    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True, metadata={"description": "e.g. QL2026-000123"})
    source = ma.fields.String(required=True)
    external_ref = ma.fields.String(allow_none=True, metadata={"description": "反馈编号 of a feedback item"})
    category = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    location = ma.fields.Nested(LocationOut, required=True)
    county_adcode = ma.fields.String(allow_none=True)
    zone = ma.fields.String(allow_none=True)
    grid_id = ma.fields.Integer(allow_none=True)
    routed_unit_id = ma.fields.Integer(allow_none=True)
    current_unit_id = ma.fields.Integer(allow_none=True)
    finding = ma.fields.String(allow_none=True)
    supervision_level = ma.fields.String(allow_none=True)
    supervision_due = ma.fields.Date(allow_none=True)
    handed_over_to = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(allow_none=True, metadata={"description": "deadline of the current stage"})
    overdue = ma.fields.Boolean(required=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class EventOut(ma.Schema):
    """One entry of the case's history."""

    seq = ma.fields.Integer(required=True)
    action = ma.fields.String(required=True)
    at = ma.fields.AwareDateTime(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(required=True)
    actor_unit_id = ma.fields.Integer(allow_none=True)
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String(required=True)
    internal_comment = ma.fields.String(allow_none=True)
    public_comment = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()


class CaseDetailOut(CaseItemOut):
    """A case with its routing explanation, deadlines, photos, history and the sections other features add."""

    description = ma.fields.String(required=True)
    address = ma.fields.String(allow_none=True)
    occurred_at = ma.fields.AwareDateTime(allow_none=True)
    measures = ma.fields.String(allow_none=True)
    routing = ma.fields.Dict(required=True, metadata={"description": "the routing snapshot: version, rule, units, "
                                                                     "deadlines and explanation"})
    deadlines = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(StageDeadline))
    stage_deadlines = ma.fields.List(ma.fields.Nested(StageDeadlineItem), metadata={
        "description": "the stage deadlines in workflow order: accept, sign, handle, verify"})
    extension = ma.fields.Dict()
    rework_count = ma.fields.Integer()
    return_count = ma.fields.Integer()
    reopen_count = ma.fields.Integer()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    allowed_actions = ma.fields.List(ma.fields.String())
    photos = ma.fields.List(ma.fields.Dict())
    events = ma.fields.List(ma.fields.Nested(EventOut))
    sections = ma.fields.Dict(metadata={"description": "added by other features, e.g. reports"})


class TaskOut(CaseItemOut):
    """A case for an inspector to verify on site (the patrol app carries these offline)."""

    description = ma.fields.String(required=True)
    address = ma.fields.String(allow_none=True)
    measures = ma.fields.String(allow_none=True)
    verify_due = ma.fields.Date(allow_none=True)
    etag = ma.fields.String(required=True, metadata={"description": "send as If-Match with the verify action"})


CasePage = page_schema(CaseItemOut, "CasePage")
TaskPage = page_schema(TaskOut, "TaskPage")


_COLUMN_KEYS = tuple(column.key for column in Case.__table__.columns)


def case_item(case: Case, coord_system: str, today: date) -> dict:
    """The list view of a case as a dict the schemas dump."""
    loaded = case.__dict__  # the row's loaded values; anything not loaded goes through the attribute
    data = {key: loaded[key] if key in loaded else getattr(case, key) for key in _COLUMN_KEYS}
    data.update(number=case.number, overdue=case.due_on is not None and case.due_on < today,
                location=location_out(case.lat, case.lng, coord_system),
                etag=etag_of("case", case.id, case.version))
    return data


def case_detail(case: Case, coord_system: str, today: date, *, events: list[CaseEvent], photos: list[dict],
                sections: dict, allowed_actions: list[str]) -> dict:
    """The detail view of a case as a dict the schemas dump."""
    data = case_item(case, coord_system, today)
    stages = [{"stage": stage, "due": getattr(case, f"{stage}_due"), "met": getattr(case, f"{stage}_met")}
              for stage in STAGES]
    data.update(
        deadlines={d["stage"]: {"due": d["due"], "met": d["met"]} for d in stages}, stage_deadlines=stages,
        extension={"used": case.extension_used, "requested_days": case.extension_requested_days,
                   "reason": case.extension_reason},
        events=events, photos=photos, sections=sections, allowed_actions=allowed_actions)
    return data
