"""What comes in from the mini-program and what goes out, per audience: the reporter, an anonymous follower,
units handling the case (no identity), supervisors and the reward desk."""
from datetime import timedelta

import marshmallow as ma
from marshmallow import validate, validates_schema

from reporter.common.schemas import Id, PageArgs, StrictSchema, page_schema
from reporter.common.timeutil import utcnow
from reporter.geo.schemas import CoordSystemArgs, CountyBrief, LocationIn
from reporter.routing.schemas import CategoryCode

MAX_PHOTOS = 9
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not "in the future"


Instant = ma.fields.AwareDateTime  # RFC 3339 with an offset (API.md)


def _photo_ids(min_count: int) -> ma.fields.List:
    extra = {"required": True} if min_count else {"load_default": list}
    return ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)),
                          validate=validate.Length(min=min_count, max=MAX_PHOTOS), **extra)


class ContactIn(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    phone = ma.fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9][0-9 -]{4,19}$",
                                                                     error="Not a phone number."))


class ReportIn(StrictSchema):
    """POST /reports (API.md)."""

    category = CategoryCode(required=True)
    description = ma.fields.String(required=True, validate=validate.Length(min=5, max=2000))
    location = ma.fields.Nested(LocationIn, required=True)
    occurred_at = ma.fields.AwareDateTime(allow_none=True)
    photo_ids = _photo_ids(1)
    anonymous = ma.fields.Boolean(load_default=False)
    wants_reward = ma.fields.Boolean(load_default=False)
    contact = ma.fields.Nested(ContactIn, allow_none=True)
    claim_pin = ma.fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9]{6}$", error="Six digits."))

    @validates_schema
    def _consistent(self, data, **_kwargs):
        errors = {}
        if data.get("occurred_at") and data["occurred_at"] > utcnow() + CLOCK_SKEW:
            errors["occurred_at"] = ["Cannot be in the future."]
        if data.get("claim_pin") and not data.get("anonymous"):
            errors["claim_pin"] = ["A claim PIN is only for anonymous reports."]
        if data.get("contact") and data.get("anonymous"):
            errors["contact"] = ["An anonymous report carries no contact details."]
        if errors:
            raise ma.ValidationError(errors)


class ReportCreatedOut(ma.Schema):
    """The 201 answer of API.md, exactly."""

    id = ma.fields.String(required=True)
    tracking_code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    county = ma.fields.Nested(CountyBrief, allow_none=True)
    zone = ma.fields.String(allow_none=True)
    created_at = Instant(required=True)
    case_id = ma.fields.Integer(required=True)


class TimelineEntry(ma.Schema):
    at = Instant(required=True)
    status = ma.fields.String(required=True)
    public_comment = ma.fields.String(allow_none=True)


class ContactOut(ma.Schema):
    name = ma.fields.String()
    phone = ma.fields.String()


class SupplementOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    text = ma.fields.String(allow_none=True)
    photo_ids = ma.fields.List(ma.fields.String())
    created_at = Instant(required=True)


SupplementPage = page_schema(SupplementOut, "SupplementPage")


class SupplementArgs(PageArgs):
    """`?page=&page_size=` over a report's supplements."""


class FeedbackOut(ma.Schema):
    rating = ma.fields.Integer(required=True)
    comment = ma.fields.String(allow_none=True)
    created_at = Instant(required=True)


class ReportBrief(ReportCreatedOut):
    """A line of GET /reports/mine."""

    description = ma.fields.String()
    anonymous = ma.fields.Boolean()
    wants_reward = ma.fields.Boolean()


ReportPage = page_schema(ReportBrief, "ReportPage")


class ReportOut(ReportBrief):
    """The reporter's own report with the case's public timeline."""

    location = ma.fields.Dict(metadata={"description": "API.md location, in the coord_system asked for"})
    occurred_at = Instant(allow_none=True)
    contact = ma.fields.Nested(ContactOut, allow_none=True)
    photos = ma.fields.List(ma.fields.Dict())
    supplements = ma.fields.List(ma.fields.Nested(SupplementOut), metadata={
        "description": "the first supplements, oldest first; all of them: GET /reports/{report_id}/supplements"})
    supplements_total = ma.fields.Integer()
    feedback = ma.fields.Nested(FeedbackOut, allow_none=True)
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntry), required=True)


class ReportArgs(CoordSystemArgs):
    """`?coord_system=` for the report's location and photo positions."""


class MineArgs(PageArgs):
    pass


class TrackArgs(StrictSchema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    pin = ma.fields.String(required=True, validate=validate.Length(min=1, max=16))


class TrackOut(ma.Schema):
    """What the tracking code and PIN show: status and public progress, nothing about the reporter."""

    tracking_code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    county = ma.fields.Nested(CountyBrief, allow_none=True)
    created_at = Instant(required=True)
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntry), required=True)


class SupplementIn(StrictSchema):
    text = ma.fields.String(validate=validate.Length(min=1, max=2000))
    photo_ids = _photo_ids(0)

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data.get("text") and not data.get("photo_ids"):
            raise ma.ValidationError("Add text or at least one photo.", field_name="text")


class FeedbackIn(StrictSchema):
    rating = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = ma.fields.String(validate=validate.Length(max=500))


class RevealIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=5, max=500))


class RevealOut(ma.Schema):
    report_id = ma.fields.String(required=True)
    anonymous = ma.fields.Boolean(required=True)
    contact = ma.fields.Nested(ContactOut, allow_none=True)
    reporter_user_id = ma.fields.Integer(allow_none=True)


class MergeIn(StrictSchema):
    """Merge a case still waiting for acceptance into another case of the same problem."""

    from_case_id = Id(required=True)
    into_case_id = Id(required=True)
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class MergeOut(ma.Schema):
    case_id = ma.fields.Integer(required=True)
    rejected_case_id = ma.fields.Integer(required=True)
    moved_report_ids = ma.fields.List(ma.fields.String(), required=True)


class SplitIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class SplitOut(ma.Schema):
    report_id = ma.fields.String(required=True)
    from_case_id = ma.fields.Integer(required=True)
    case_id = ma.fields.Integer(required=True)


class UnitReportOut(ma.Schema):
    """A report as the units handling its case see it: "举报人", never who."""

    id = ma.fields.String(required=True)
    reporter = ma.fields.Constant("举报人")
    created_at = Instant(required=True)
    description = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    location = ma.fields.Dict()
    photos = ma.fields.List(ma.fields.Dict())
    supplements = ma.fields.List(ma.fields.Nested(SupplementOut), metadata={
        "description": "the first supplements, oldest first; all of them: GET /reports/{report_id}/supplements"})
    supplements_total = ma.fields.Integer()


class DeskReportOut(UnitReportOut):
    """Supervisors and the reward desk also see the flags, the primary reporter and the reward wish (not identity)."""

    anonymous = ma.fields.Boolean()
    wants_reward = ma.fields.Boolean()
    joined_existing = ma.fields.Boolean()
    primary = ma.fields.Boolean()
    flags = ma.fields.List(ma.fields.Dict())


class RecurrenceOut(ma.Schema):
    """A possible recurrence (疑似反弹回潮) as supervisors see it: the new photos beside the closing evidence."""

    report_id = ma.fields.String(required=True)
    raised_at = Instant(required=True)
    state = ma.fields.String(required=True, metadata={"description": "pending | reopened | new_case | rejected"})
    due = ma.fields.Date(allow_none=True, metadata={"description": "the decision's deadline while pending"})
    decided_at = Instant(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    new_case_id = ma.fields.Integer(allow_none=True)
    description = ma.fields.String()
    location = ma.fields.Dict()
    photos = ma.fields.List(ma.fields.Dict())
    closing_evidence = ma.fields.List(ma.fields.Dict())
