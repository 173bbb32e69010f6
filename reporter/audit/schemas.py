"""What auditors see of the audit log."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import Id, PageArgs, page_schema


class AuditArgs(PageArgs):
    action = ma.fields.String(validate=validate.Length(max=64))
    target_type = ma.fields.String(validate=validate.Length(max=64))
    target_id = ma.fields.String(validate=validate.Length(max=64))
    actor_id = Id()
    since = ma.fields.AwareDateTime(data_key="from")
    until = ma.fields.AwareDateTime(data_key="to")


class AuditEventOut(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True, metadata={"description": "staff only; null for a resident's act"})
    actor = ma.fields.Function(lambda e: "举报人" if e.actor_pseudonym else None, allow_none=True,
                               metadata={"description": "举报人 for a resident's act (see details.report_id)"})
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    request_id = ma.fields.String(allow_none=True)


AuditPage = page_schema(AuditEventOut, "AuditEventPage")
