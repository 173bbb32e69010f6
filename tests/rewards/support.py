"""Rewards made through the rewards service itself (the case-closing reaction's entry point), and the flow's steps."""
import itertools
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from reporter.accounts.passwords import hash_password
from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.rewards.eligibility import CaseFacts, ReportFacts
from reporter.rewards.idnumber import check_digit
from reporter.rewards.models import Reward, RewardPolicy
from reporter.rewards.services import record_case_closed
from tests.conftest import app_ctx

_case_ids = itertools.count(700_001)


def valid_id_number(first17: str = "61090219900307123") -> str:
    """An ID number with the right GB 11643 check digit."""
    return first17 + check_digit(first17)


def report_facts(reporter_id: int, *, at=None, wants_reward=True, anonymous=False, pin=None, unit_id=None,
                 unit_code=None) -> ReportFacts:
    """A citizen report's facts (anonymous ones get a tracking code and, when given, a hashed claim PIN)."""
    return ReportFacts(report_id=str(uuid.uuid4()), reporter_id=reporter_id, created_at=at or utcnow(),
                       wants_reward=wants_reward, anonymous=anonymous,
                       tracking_code=f"QL{uuid.uuid4().hex[:8].upper()}" if anonymous else None,
                       claim_pin_hash=hash_password(pin) if pin else None, reporter_unit_id=unit_id,
                       reporter_unit_code=unit_code)


def case_facts(*reports: ReportFacts, finding="true", source="citizen_report", first_event_at=None, case_id=None,
               closing=0, inspectors=(), units=()) -> CaseFacts:
    """A closed case's facts around its reports."""
    return CaseFacts(case_id=case_id or next(_case_ids), source=source, finding=finding, closing=closing,
                     first_event_at=first_event_at or (reports[0].created_at if reports else utcnow()),
                     reports=list(reports), grid_inspector_ids=set(inspectors), handling_unit_ids=set(units))


def close_case(app, facts: CaseFacts) -> list[dict]:
    """Run the case-closed decision and commit, as the closing's unit of work does; the decisions as dicts."""
    with app_ctx(app):
        decisions = record_case_closed(facts)
        db.session.commit()
        return [{"eligible": d.eligible, "reward_id": d.reward_id, "reasons": d.reasons} for d in decisions]


def make_reward(app, reporter_id: int, **report_kwargs) -> int:
    """One eligible reward for a fresh case; its id."""
    finding = report_kwargs.pop("finding", "true")
    with app.app_context():
        report = report_facts(reporter_id, **report_kwargs)
    [decision] = close_case(app, case_facts(report, finding=finding))
    assert decision["eligible"], decision["reasons"]
    return decision["reward_id"]


def set_policy(app, **values) -> None:
    """Change the active policy in place (tests only; the API drafts and activates new versions)."""
    with app_ctx(app):
        db.session.execute(update(RewardPolicy).where(RewardPolicy.state == "active").values(**values))
        db.session.commit()


def reward_row(app, reward_id: int) -> dict:
    """The stored reward's columns."""
    with app_ctx(app):
        reward = db.session.execute(select(Reward).where(Reward.id == reward_id)).scalar_one()
        return {c.name: getattr(reward, c.name) for c in Reward.__table__.columns}


def backdate_deadline(app, reward_id: int, days: int) -> None:
    """Move a notified reward's claim deadline into the past."""
    with app_ctx(app):
        db.session.execute(update(Reward).where(Reward.id == reward_id)
                           .values(claim_deadline=utcnow() - timedelta(days=days)))
        db.session.commit()


class Desk:
    """The reward desk over HTTP: an officer who proposes, an approver who approves, and finance (another holder of
    the approver role) who records the payment — three people (proposer ≠ approver ≠ payer)."""

    def __init__(self, client, users):
        self.client, self.users = client, users
        self.officer = users.make("reward_officer")
        self.approver = users.make("reward_approver")
        self.finance = users.make("reward_approver")
        self.officer_h = users.headers(self.officer)
        self.approver_h = users.headers(self.approver)
        self.finance_h = users.headers(self.finance)

    def etag(self, reward_id: int) -> str:
        return self.client.get(f"/api/v1/rewards/{reward_id}", headers=self.approver_h).headers["ETag"]

    def act(self, reward_id: int, action: str, headers: dict, body: dict | None = None):
        return self.client.post(f"/api/v1/rewards/{reward_id}/{action}", json=body or {},
                                headers={**headers, "If-Match": self.etag(reward_id)})

    def propose(self, reward_id: int, amount_fen=50_000, tier="general", reason="清理河道垃圾，证据确凿"):
        return self.act(reward_id, "propose", self.officer_h, {"tier": tier, "amount_fen": amount_fen,
                                                               "reason": reason})

    def approve(self, reward_id: int, headers=None):
        return self.act(reward_id, "approve", headers or self.approver_h)

    def notify(self, reward_id: int):
        return self.act(reward_id, "notify", self.officer_h)

    def pay(self, reward_id: int, reference="BANK-20260101-0001"):
        return self.act(reward_id, "pay", self.finance_h, {"payment_reference": reference})

    def to_notified(self, reward_id: int, amount_fen=50_000):
        for response in (self.propose(reward_id, amount_fen), self.approve(reward_id), self.notify(reward_id)):
            assert response.status_code == 200, response.get_json()


def claim_body(**extra) -> dict:
    """A valid claim: real name, checksummed ID number, bank card."""
    return {"real_name": "张秦岭", "id_number": valid_id_number(), "payout_account": "6222021234567890123", **extra}
