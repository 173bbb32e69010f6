"""What admins see of the outbox."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import PageArgs, page_schema


class OutboxArgs(PageArgs):
    state = ma.fields.String(validate=validate.OneOf(["pending", "sent", "failed"]))


class OutboxMessageOut(ma.Schema):
    id = ma.fields.String()
    # Every message goes to a reporter: admins see "举报人", never the account (issue 14 §1).
    recipient = ma.fields.Constant("举报人", metadata={"description": "举报人: the reporter, never an account id"})
    kind = ma.fields.String()
    state = ma.fields.String()
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.DateTime()
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)


OutboxPage = page_schema(OutboxMessageOut, "OutboxPage")
