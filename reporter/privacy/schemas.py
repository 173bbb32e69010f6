"""What comes in and goes out of the privacy endpoints."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import MAX_DB_INTEGER, StrictSchema
from reporter.reports.schemas import Instant, ReportOut
from reporter.rewards.schemas import MyRewardOut


class NoticeOut(ma.Schema):
    """One version of the privacy notice."""

    version = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    body = ma.fields.String(required=True)
    summary_of_changes = ma.fields.String()
    published_at = Instant(required=True)


class NoticesOut(ma.Schema):
    """The version in force and every version published (newest first)."""

    current = ma.fields.Nested(NoticeOut, allow_none=True, required=True)
    versions = ma.fields.List(ma.fields.Nested(NoticeOut), required=True)


class NoticeIn(StrictSchema):
    """A new version of the notice (admins)."""

    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=50_000))
    summary_of_changes = ma.fields.String(validate=validate.Length(max=1000))


class ConsentIn(StrictSchema):
    """The version the resident read and accepts (it must be the current one)."""

    version = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_DB_INTEGER))


class ConsentOut(ma.Schema):
    notice_version = ma.fields.Integer(required=True)
    accepted_at = Instant(required=True)


class ConsentsOut(ma.Schema):
    """What the resident accepted, and whether the version in force is among it."""

    current_version = ma.fields.Integer(allow_none=True, required=True)
    accepted_current = ma.fields.Boolean(required=True)
    consents = ma.fields.List(ma.fields.Nested(ConsentOut), required=True)


class MyDataArgs(StrictSchema):
    """`?format=json` (default) or `zip` (the same document as data.json, with the photos)."""

    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "zip")))


class AccountOut(ma.Schema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    created_at = Instant()


class PayeeOut(ma.Schema):
    """The payee details the resident gave with a claim."""

    name = ma.fields.String()
    id_number = ma.fields.String()
    payout_account = ma.fields.String()


class MyDataRewardOut(MyRewardOut):
    payee = ma.fields.Nested(PayeeOut, allow_none=True)


class NotificationOut(ma.Schema):
    """A message the system sent (or is sending) to the resident."""

    kind = ma.fields.String()
    data = ma.fields.Dict()
    state = ma.fields.String()
    created_at = Instant()
    sent_at = Instant(allow_none=True)


class MyDataOut(ma.Schema):
    """Everything the system holds about the signed-in resident (nothing about anyone else, nothing staff-internal)."""

    generated_at = Instant(required=True)
    account = ma.fields.Nested(AccountOut, required=True)
    consents = ma.fields.List(ma.fields.Nested(ConsentOut), required=True)
    reports = ma.fields.List(ma.fields.Nested(ReportOut), required=True)
    rewards = ma.fields.List(ma.fields.Nested(MyDataRewardOut), required=True)
    photos = ma.fields.List(ma.fields.Dict(), required=True,
                            metadata={"description": "every photo the resident uploaded, with signed links"})
    notifications = ma.fields.List(ma.fields.Nested(NotificationOut), required=True)


class CancellationIn(StrictSchema):
    """What the resident decides about open rewards before their account is cancelled."""

    forfeit_unclaimed = ma.fields.Boolean(load_default=False, metadata={
        "description": "true: rewards not yet claimed are given up (required when there are any)"})
    claimed_rewards = ma.fields.String(validate=validate.OneOf(("pay", "forfeit")), metadata={
        "description": "claimed rewards not yet paid: `pay` (paid later; the payee record is kept) or `forfeit` "
                       "(required when there are any)"})


class KeptOut(ma.Schema):
    what = ma.fields.String(required=True)
    why = ma.fields.String(required=True)
    count = ma.fields.Integer()
    reward_ids = ma.fields.List(ma.fields.Integer())


class RewardsSettledOut(ma.Schema):
    forfeited = ma.fields.List(ma.fields.Integer(), required=True)
    to_be_paid = ma.fields.List(ma.fields.Integer(), required=True)
    payee_records_kept = ma.fields.List(ma.fields.Integer(), required=True)


class CancellationOut(ma.Schema):
    """What was erased, what stays and why."""

    cancelled_at = Instant(required=True)
    already_cancelled = ma.fields.Boolean(required=True)
    erased = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), required=True)
    kept = ma.fields.List(ma.fields.Nested(KeptOut), required=True)
    rewards = ma.fields.Nested(RewardsSettledOut, required=True)
