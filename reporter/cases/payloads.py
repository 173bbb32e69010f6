"""What each case action takes (the "required fields" column of the workflow table)."""
import marshmallow as ma
from marshmallow import validate, validates_schema

from reporter.cases.models import FINDINGS, HANDOVER_BODIES, SUPERVISION_LEVELS
from reporter.common.schemas import StrictSchema

REJECT_REASONS = ("out_of_scope", "insufficient", "duplicate")  # 不属于受理范围 / 信息不足 / 重复举报
RECURRENCE_DECISIONS = ("reopen", "new_case", "reject")  # 整改不到位 / 同址新问题 / 同一问题已办结
MAX_PHOTOS = 9


def _text(max_len: int, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(min=1, max=max_len), **kwargs)


def _photos() -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)),
                          validate=validate.Length(max=MAX_PHOTOS), load_default=list)


class ActionBase(StrictSchema):
    """Every action may carry an internal note (staff only) and a public comment (shown to the reporter)."""

    internal_comment = _text(2000)
    public_comment = _text(500)


class AcceptIn(ActionBase):
    """立案."""


class RejectIn(ActionBase):
    """不予受理, with a reason code."""

    reason_code = ma.fields.String(required=True, validate=validate.OneOf(REJECT_REASONS))
    duplicate_of = ma.fields.Integer(validate=validate.Range(min=1))


class DispatchIn(ActionBase):
    """派遣 to the routed unit, or to another unit with a reason."""

    unit_id = ma.fields.Integer(validate=validate.Range(min=1))
    override_reason = _text(500)


class SignIn(ActionBase):
    """签收."""


class ReturnIn(ActionBase):
    """退回: "not ours", with a reason."""

    reason = _text(500, required=True)


class SubmitResultIn(ActionBase):
    """处置反馈: finding, measures and evidence photos (none only for 不属实 with a reason)."""

    finding = ma.fields.String(required=True, validate=validate.OneOf(FINDINGS))
    measures = _text(4000, required=True)
    photo_ids = _photos()
    reason = _text(500)

    @validates_schema
    def _evidence(self, data, **_kwargs):
        if not data.get("photo_ids") and not (data.get("finding") == "false" and data.get("reason")):
            raise ma.ValidationError("At least one evidence photo is needed, unless the finding is 'false' "
                                     "and a reason is given", field_name="photo_ids")


class RequestExtensionIn(ActionBase):
    """延期: how many more working days, and why (told to the reporter once approved)."""

    days = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    reason = _text(500, required=True)


class DecideExtensionIn(ActionBase):
    """Approve (possibly fewer days) or deny the pending extension request."""

    approve = ma.fields.Boolean(required=True)
    days = ma.fields.Integer(validate=validate.Range(min=1))


class VerifyIn(ActionBase):
    """核查 on site: pass, or fail with a reason (back to rework)."""

    result = ma.fields.String(required=True, validate=validate.OneOf(("pass", "fail")))
    reason = _text(500)
    photo_ids = _photos()

    @validates_schema
    def _reason_on_fail(self, data, **_kwargs):
        if data.get("result") == "fail" and not data.get("reason"):
            raise ma.ValidationError("A failed verification needs a reason", field_name="reason")


class CloseIn(ActionBase):
    """结案."""


class ReopenIn(ActionBase):
    """Reopen after a 回头看 or a reporter's complaint."""

    reason = _text(500, required=True)


class DecideRecurrenceIn(ActionBase):
    """疑似反弹回潮: reopen the case, open a new case from the report(s), or reject them as the same problem; with a
    reason (a rejection's reason is what the reporter is told, unless a public comment says it otherwise)."""

    decision = ma.fields.String(required=True, validate=validate.OneOf(RECURRENCE_DECISIONS))
    reason = _text(500, required=True)


class SuperviseIn(ActionBase):
    """挂牌督办 at city or county level, with a due date."""

    level = ma.fields.String(required=True, validate=validate.OneOf(SUPERVISION_LEVELS))
    due = ma.fields.Date(required=True)
    reason = _text(500, required=True)


class HandOverIn(ActionBase):
    """Hand over to 纪委监委 / 检察院 / 公安 (item 21)."""

    to = ma.fields.String(required=True, validate=validate.OneOf(HANDOVER_BODIES))
    reason = _text(500, required=True)
