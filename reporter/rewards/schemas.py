"""What comes in and goes out of the reward endpoints, per audience (the desk, finance, the resident)."""
import marshmallow as ma
from marshmallow import ValidationError, validate, validates, validates_schema

from reporter.accounts.roles import STAFF_ROLES
from reporter.common.schemas import Fen, Id, PageArgs, StrictSchema, page_schema
from reporter.common.timeutil import FIRST_YEAR, LAST_YEAR
from reporter.org.schemas import UnitCode
from reporter.reports.pseudonym import REPORTER as REPORTER_NAME
from reporter.rewards.idnumber import ID_NUMBER_PATTERN, id_number_problem
from reporter.rewards.models import REWARD_STATES
from reporter.rewards.money import yuan


def Reporter() -> ma.fields.Constant:  # noqa: N802 (used like a field class)
    """Staff views name the reporter "举报人" beside the report id, never by account (issue 14 §1)."""
    return ma.fields.Constant(REPORTER_NAME, metadata={"description": "举报人: the reporter, never an account id"})


# The state a resident sees: no amount or names before the decision is told.
PUBLIC_STATUS = {"eligible": "under_review", "proposed": "under_review", "approved": "under_review",
                 "rejected": "rejected", "notified": "awaiting_claim", "claimed": "claimed", "paid": "paid",
                 "expired": "expired"}
TOLD = {"notified", "claimed", "paid", "expired"}


def Yuan(fen_attribute: str, **kwargs) -> ma.fields.Function:  # noqa: N802 (used like a field class)
    """An amount in fen shown as yuan text ("1,000.00"), beside the integer `*_fen` field."""

    def text(obj):
        return yuan(obj.get(fen_attribute) if isinstance(obj, dict) else getattr(obj, fen_attribute))

    return ma.fields.Function(text, metadata={"description": f"{fen_attribute} as yuan text"}, **kwargs)


class RewardListArgs(PageArgs):
    state = ma.fields.String(validate=validate.OneOf(REWARD_STATES))
    case_id = Id()


class ProposeIn(StrictSchema):
    tier = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    amount_fen = Fen(1, required=True)
    reason = ma.fields.String(required=True, validate=validate.Length(min=2, max=2000))


class ApproveIn(StrictSchema):
    comment = ma.fields.String(validate=validate.Length(max=2000))


class RejectIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=2, max=2000))


class PayIn(StrictSchema):
    payment_reference = ma.fields.String(required=True, validate=validate.Length(min=4, max=64))


class ClaimIn(StrictSchema):
    real_name = ma.fields.String(required=True, validate=validate.Length(min=2, max=64))
    id_number = ma.fields.String(required=True, validate=validate.Regexp(
        ID_NUMBER_PATTERN, error="An ID number has 17 digits and a final digit or X"),
        metadata={"description": "18 characters (GB 11643): the birth date must exist and the check digit match"})
    payout_account = ma.fields.String(required=True, validate=validate.Regexp(
        r"^[0-9A-Za-z@._\- ]{6,64}$", error="A bank card number or payout account of 6 to 64 characters"))
    tracking_code = ma.fields.String(validate=validate.Length(max=32))
    pin = ma.fields.String(validate=validate.Regexp(r"^\d{6}$", error="6 digits"))

    @validates("id_number")
    def _id_number(self, value, **_kwargs):
        problem = id_number_problem(value)
        if problem:
            raise ValidationError(problem)


class IdNumber(ma.fields.String):
    """An 18-character ID number (GB 11643): the shape, a birth date that exists and the check digit."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(ID_NUMBER_PATTERN,
                                                  error="An ID number has 17 digits and a final digit or X"),
                         metadata={"description": "18 characters (GB 11643): the birth date must exist and the "
                                                  "check digit match"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        problem = id_number_problem(number)
        if problem:
            raise ValidationError(problem)
        return number


class StaffIdNumberIn(StrictSchema):
    """A staff member's own ID number, so that no reward is ever paid to it."""

    id_number = IdNumber(required=True)


class StaffIdNumberOut(ma.Schema):
    user_id = ma.fields.Integer()
    id_number = ma.fields.String(metadata={"description": "masked: first 3 and last 4 characters"})
    registered_at = ma.fields.DateTime()


class FlagOut(ma.Schema):
    """A flag for the desk: its kind, a count and a sentence; never who or which other report."""

    kind = ma.fields.String(metadata={"description": "id_number_several_accounts | payee_changed | "
                                                     "reports_cluster_on_place"})
    count = ma.fields.Integer()
    text = ma.fields.String()


class RefusalOut(ma.Schema):
    kind = ma.fields.String(metadata={"description": "staff_id_number | yearly_cap"})
    text = ma.fields.String()
    at = ma.fields.String(metadata={"description": "the latest refused attempt"})
    attempts = ma.fields.Integer()


class PayeeOut(ma.Schema):
    name = ma.fields.String()
    id_number = ma.fields.String()
    account = ma.fields.String()


class RewardOut(ma.Schema):
    """What the reward desk sees."""

    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    report_id = ma.fields.String()
    reporter = Reporter()
    anonymous = ma.fields.Boolean()
    state = ma.fields.String()
    finding = ma.fields.String()
    share_count = ma.fields.Integer()
    policy_id = ma.fields.Integer()
    tier_code = ma.fields.String(allow_none=True)
    amount_fen = ma.fields.Integer(allow_none=True)
    amount_yuan = Yuan("amount_fen", allow_none=True)
    proposal_reason = ma.fields.String(allow_none=True)
    proposed_by = ma.fields.Integer(allow_none=True)
    proposed_at = ma.fields.DateTime(allow_none=True)
    approved_by = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    rejection_reason = ma.fields.String(allow_none=True)
    paying_unit_id = ma.fields.Integer(allow_none=True)
    notified_at = ma.fields.DateTime(allow_none=True)
    claim_deadline = ma.fields.DateTime(allow_none=True)
    claimed_at = ma.fields.DateTime(allow_none=True)
    payee = ma.fields.Method("_payee")
    paid_by = ma.fields.Integer(allow_none=True)
    paid_at = ma.fields.DateTime(allow_none=True)
    payment_reference = ma.fields.String(allow_none=True)
    expired_at = ma.fields.DateTime(allow_none=True)
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    actions = ma.fields.Method("_actions")
    flags = ma.fields.Method("_flags", metadata={"description": "integrity flags: they inform the approval, they do "
                                                               "not decide it"})
    claim_refusals = ma.fields.Function(lambda r: RefusalOut(many=True).dump(r.claim_refusals or []),
                                        metadata={"description": "claims refused (staff ID number, yearly cap)"})

    def _flags(self, reward):
        from reporter.rewards.integrity import flags_for

        return FlagOut(many=True).dump(flags_for(reward))

    def _payee(self, reward):
        from reporter.rewards.services import masked_payee

        return masked_payee(reward)

    def _actions(self, reward):
        from reporter.rewards.services import allowed_actions

        return allowed_actions(reward)


RewardPage = page_schema(RewardOut, "RewardPage")


class MyRewardOut(ma.Schema):
    """What the resident sees of their own reward: no staff names, no amount before they are told."""

    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    report_id = ma.fields.String()
    status = ma.fields.Function(lambda r: PUBLIC_STATUS[r.state])
    amount_fen = ma.fields.Function(lambda r: r.amount_fen if r.state in TOLD else None)
    amount_yuan = ma.fields.Function(lambda r: yuan(r.amount_fen) if r.state in TOLD else None)
    claim_deadline = ma.fields.DateTime(allow_none=True)
    needs_tracking_code = ma.fields.Boolean(attribute="anonymous")
    reason = ma.fields.Function(lambda r: r.rejection_reason if r.state == "rejected" else None)
    claimed_at = ma.fields.DateTime(allow_none=True)
    paid_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


MyRewardPage = page_schema(MyRewardOut, "MyRewardPage")


class LedgerEntryOut(ma.Schema):
    id = ma.fields.Integer()
    reward_id = ma.fields.Integer(allow_none=True)
    budget_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True, metadata={"description": "the staff member; null for the system "
                                                                          "and for the reporter's claim"})
    actor = ma.fields.Function(lambda e: REPORTER_NAME if e.kind == "claimed" else None, allow_none=True,
                               metadata={"description": "举报人 on the claim (the reward's report_id says which)"})
    at = ma.fields.DateTime()
    amount_fen = ma.fields.Integer()
    amount_yuan = Yuan("amount_fen")
    budget_before_fen = ma.fields.Integer(allow_none=True)
    budget_after_fen = ma.fields.Integer(allow_none=True)
    note = ma.fields.String()


LedgerPage = page_schema(LedgerEntryOut, "LedgerPage")


class DecisionArgs(PageArgs):
    case_id = Id()


class ReasonOut(ma.Schema):
    check = ma.fields.String()
    passed = ma.fields.Boolean()
    text = ma.fields.String()


class DecisionOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    report_id = ma.fields.String()
    reporter = Reporter()
    closing = ma.fields.Integer()
    policy_id = ma.fields.Integer()
    eligible = ma.fields.Boolean()
    reasons = ma.fields.List(ma.fields.Nested(ReasonOut))
    reward_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime()


DecisionPage = page_schema(DecisionOut, "DecisionPage")


class PayeeDetailsOut(ma.Schema):
    reward_id = ma.fields.Integer()
    name = ma.fields.String()
    id_number = ma.fields.String()
    payout_account = ma.fields.String()
    amount_fen = ma.fields.Integer()
    amount_yuan = ma.fields.String()


class BudgetArgs(StrictSchema):
    year = ma.fields.Integer(validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR))


class BudgetOut(ma.Schema):
    unit_code = ma.fields.String()
    unit_name = ma.fields.String()
    year = ma.fields.Integer()
    allotted_fen = ma.fields.Integer()
    allotted_yuan = Yuan("allotted_fen")
    committed_fen = ma.fields.Integer()
    committed_yuan = Yuan("committed_fen")
    paid_fen = ma.fields.Integer()
    paid_yuan = Yuan("paid_fen")
    available_fen = ma.fields.Integer()
    available_yuan = Yuan("available_fen")
    consistent = ma.fields.Boolean(metadata={"description": "the budget row agrees with the ledger"})


class BudgetRaiseIn(StrictSchema):
    total_fen = Fen(required=True)
    reason = ma.fields.String(required=True, validate=[validate.Length(max=500),
                                                       validate.Regexp(r"\S", error="A reason is required.")],
                              metadata={"description": "why the budget grows (e.g. the allocating document)"})


class TierIn(StrictSchema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    min_fen = Fen(1, required=True)
    max_fen = Fen(1, required=True)

    @validates_schema
    def _range(self, data, **_kwargs):
        if "min_fen" in data and "max_fen" in data and data["max_fen"] < data["min_fen"]:
            raise ValidationError("A tier's max_fen must be at least its min_fen", field_name="max_fen")


class TierOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    min_fen = ma.fields.Integer()
    min_yuan = Yuan("min_fen")
    max_fen = ma.fields.Integer()
    max_yuan = Yuan("max_fen")


class PolicyIn(StrictSchema):
    note = ma.fields.String(load_default="", validate=validate.Length(max=500))
    tiers = ma.fields.List(ma.fields.Nested(TierIn), required=True, validate=validate.Length(min=1, max=10))
    partly_true_percent = ma.fields.Integer(load_default=50, validate=validate.Range(min=0, max=100))
    same_day_sharing = ma.fields.Boolean(load_default=False)
    claim_window_days = ma.fields.Integer(load_default=60, validate=validate.Range(min=1, max=3650))
    paying_unit_code = UnitCode(load_default="city.qinling_office")
    yearly_budget_fen = Fen(required=True)
    finance_roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(STAFF_ROLES)),
                                   load_default=lambda: ["reward_approver"], validate=validate.Length(min=1))
    excluded_user_ids = ma.fields.List(Id(), load_default=list)
    excluded_unit_codes = ma.fields.List(UnitCode(), load_default=list)
    yearly_cap_fen = Fen(1, load_default=None, allow_none=True,
                         metadata={"description": "at most this much per payee ID number and calendar year (optional)"})
    exclude_staff_id_numbers = ma.fields.Boolean(load_default=True, metadata={
        "description": "refuse claims to an ID number a staff member registered"})


class PolicyOut(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    state = ma.fields.String()
    note = ma.fields.String()
    tiers = ma.fields.List(ma.fields.Nested(TierOut))
    partly_true_percent = ma.fields.Integer()
    same_day_sharing = ma.fields.Boolean()
    claim_window_days = ma.fields.Integer()
    paying_unit_code = ma.fields.String()
    yearly_budget_fen = ma.fields.Integer()
    yearly_budget_yuan = Yuan("yearly_budget_fen")
    finance_roles = ma.fields.List(ma.fields.String())
    excluded_user_ids = ma.fields.List(ma.fields.Integer())
    excluded_unit_codes = ma.fields.List(ma.fields.String())
    yearly_cap_fen = ma.fields.Integer(allow_none=True)
    yearly_cap_yuan = Yuan("yearly_cap_fen", allow_none=True)
    exclude_staff_id_numbers = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    activated_at = ma.fields.DateTime(allow_none=True)


PolicyPage = page_schema(PolicyOut, "RewardPolicyPage")
