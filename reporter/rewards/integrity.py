"""Reward integrity: one person behind several accounts, without limit, or a staff member behind a claim.

The payee's ID number is kept as a blind index beside its ciphertext (reporter.reports.crypto), so claims are matched
without decrypting anything. Staff register their own ID number's index (or an admin does); a claim to a registered
ID number is refused, for the desk's eyes only. Flags inform the reward desk's two-person approval; they decide
nothing. A flag carries its kind, a count and a sentence — never an account, a report or a reward of anyone else, so
an anonymous report stays unlinked (issue 14 §1): the evidence stays on the server.
"""
import math
from datetime import datetime

from flask import current_app
from sqlalchemy import distinct, func, select

from reporter.accounts.models import User
from reporter.accounts.roles import STAFF_ROLES
from reporter.audit.services import record
from reporter.common.timeutil import CST, utcnow
from reporter.errors import NotFound
from reporter.extensions import db
from reporter.geo.coords import distance_m
from reporter.reports.crypto import (
    blind_index,
    blind_indexes,
    encrypt_contact,
    register_blind_index,
    register_ciphertexts,
)
from reporter.reports.models import Report
from reporter.rewards.idnumber import mask
from reporter.rewards.models import Reward, RewardPolicy, StaffIdNumber
from reporter.rewards.money import yuan

CLAIMED = ("claimed", "paid")
DEFAULT_CLUSTER_RADIUS_M = 500
DEFAULT_CLUSTER_REPORTS = 3


def exclude_cancelled_accounts(stmt):
    """Leave out accounts cancelled under the personal-information rules (个人信息保护法: a `cancelled_at` on users,
    added by the privacy feature); a no-op until that column exists. `stmt` must join User."""
    cancelled = getattr(User, "cancelled_at", None)
    return stmt if cancelled is None else stmt.where(cancelled.is_(None))


# ---- staff exclusion by ID number ---------------------------------------------------------------------------------

def register_staff_id_number(actor: User, user_id: int, id_number: str) -> dict:
    """A staff member's ID number, registered by themself or an admin: rewards are never paid to it (audited)."""
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(*STAFF_ROLES):
        raise NotFound("No such staff member")
    number = id_number.strip().upper()
    row = db.session.execute(select(StaffIdNumber).where(StaffIdNumber.user_id == user_id)).scalar_one_or_none()
    if row is None:
        row = StaffIdNumber(user_id=user_id)
        db.session.add(row)
    row.id_number_ciphertext = encrypt_contact({"id_number": number})
    row.id_index, row.registered_by, row.registered_at = blind_index(number), actor.id, utcnow()
    record(actor.id, "reward.staff_id_number_registered", "user", user_id)
    db.session.commit()
    return {"user_id": user_id, "id_number": mask(number), "registered_at": row.registered_at}


def staff_id_number_registered_at(user_id: int) -> datetime | None:
    """When the staff member's ID number was registered (None: not yet); the number itself stays encrypted."""
    return db.session.execute(select(StaffIdNumber.registered_at).where(StaffIdNumber.user_id == user_id)).scalar()


def is_staff_id_number(indexes: list[str]) -> bool:
    """Whether a registered staff ID number has one of these indexes."""
    return db.session.execute(select(StaffIdNumber.id).where(StaffIdNumber.id_index.in_(indexes)).limit(1)) \
        .first() is not None


# ---- the yearly cap per payee -------------------------------------------------------------------------------------

def claimed_in_year(indexes: list[str], at: datetime) -> int:
    """Fen claimed (or paid) to this ID number in the CST year of `at`, over every account."""
    year = at.astimezone(CST).year
    start = datetime(year, 1, 1, tzinfo=CST)
    end = datetime(year + 1, 1, 1, tzinfo=CST)
    total = db.session.execute(select(func.sum(Reward.amount_fen)).where(
        Reward.payee_index.in_(indexes), Reward.state.in_(CLAIMED), Reward.claimed_at >= start,
        Reward.claimed_at < end)).scalar()
    return int(total or 0)


def refusal(kind: str, text: str) -> dict:
    """A claim refused, as the desk sees it (no person named)."""
    return {"kind": kind, "text": text, "at": utcnow().isoformat()}


def check_claim(reward: Reward, policy: RewardPolicy, id_number: str) -> tuple[str, dict | None]:
    """The stored index of the payee's ID number, and the refusal the claim meets (None: none)."""
    indexes = blind_indexes(id_number)
    if policy.exclude_staff_id_numbers and is_staff_id_number(indexes):
        return indexes[0], refusal("staff_id_number", "The payee's ID number is registered by a staff member (staff "
                                   "exclusion by ID number): the claim was refused and the claimant told only to "
                                   "contact the reward desk")
    cap = policy.yearly_cap_fen
    if cap is not None and claimed_in_year(indexes, utcnow()) + (reward.amount_fen or 0) > cap:
        return indexes[0], refusal("yearly_cap", f"The payee's ID number would exceed the policy's yearly cap of "
                                   f"{yuan(cap)} yuan per payee: the claim was refused")
    return indexes[0], None


# ---- flags for the desk -------------------------------------------------------------------------------------------

def _account_indexes(reward: Reward) -> set[str]:
    """The ID numbers (indexes) behind the reward: its payee's, or before its claim those of the account's claims."""
    if reward.payee_index:
        return {reward.payee_index}
    return set(db.session.execute(select(Reward.payee_index).where(
        Reward.reporter_id == reward.reporter_id, Reward.payee_index.is_not(None))).scalars())


def _several_accounts(reward: Reward, indexes: set[str]) -> dict | None:
    stmt = exclude_cancelled_accounts(
        select(func.count(distinct(Reward.reporter_id))).join(User, User.id == Reward.reporter_id)
        .where(Reward.payee_index.in_(indexes), Reward.reporter_id != reward.reporter_id))
    others = db.session.execute(stmt).scalar() or 0
    if not others:
        return None
    return {"kind": "id_number_several_accounts", "count": others + 1,
            "text": f"The payee's ID number is behind {others + 1} accounts"}


def _payee_changed(reward: Reward) -> dict | None:
    if not reward.payee_index:
        return None
    differing = db.session.execute(select(func.count()).where(
        Reward.reporter_id == reward.reporter_id, Reward.id != reward.id, Reward.payee_index.is_not(None),
        Reward.payee_index != reward.payee_index)).scalar() or 0
    if not differing:
        return None
    return {"kind": "payee_changed", "count": differing,
            "text": f"The payee differs from {differing} earlier claim(s) of the same account"}


def same_place(report: Report, other: Report, radius_m: float) -> bool:
    """Whether two reports are at one place: within the radius (a registered site or operator, once the registers
    exist, is the better key: replace this test then)."""
    return distance_m(report.lat, report.lng, other.lat, other.lng) <= radius_m


def _cluster(reward: Reward, indexes: set[str]) -> dict | None:
    report = db.session.get(Report, reward.report_id)
    if report is None:
        return None
    radius = float(current_app.config.get("REWARD_FLAG_CLUSTER_RADIUS_M", DEFAULT_CLUSTER_RADIUS_M))
    least = int(current_app.config.get("REWARD_FLAG_CLUSTER_REPORTS", DEFAULT_CLUSTER_REPORTS))
    dlat = radius / 111_320
    dlng = radius / (111_320 * max(math.cos(math.radians(report.lat)), 0.01))
    same_person = Report.reporter_id == reward.reporter_id
    if indexes:
        same_person = same_person | Report.id.in_(select(Reward.report_id).where(Reward.payee_index.in_(indexes)))
    nearby = db.session.execute(select(Report).where(
        same_person, Report.id != report.id, Report.lat.between(report.lat - dlat, report.lat + dlat),
        Report.lng.between(report.lng - dlng, report.lng + dlng))).scalars()
    count = 1 + sum(1 for other in nearby if same_place(report, other, radius))
    if count < least:
        return None
    return {"kind": "reports_cluster_on_place", "count": count,
            "text": f"{count} reports of this account or ID number concern one place (within {radius:.0f} m)"}


def _cluster_on_register(reward: Reward, indexes: set[str]) -> list[dict]:
    """Reports of this account or ID number whose cases belong to one registered site, or to sites of one operator
    (issue 18): a kind and a count, never which site, operator or reports."""
    from reporter.registers.sites import sites_of_cases

    report = db.session.get(Report, reward.report_id)
    if report is None:
        return []
    here = sites_of_cases([report.case_id]).get(report.case_id)
    if here is None:
        return []
    least = int(current_app.config.get("REWARD_FLAG_CLUSTER_REPORTS", DEFAULT_CLUSTER_REPORTS))
    same_person = Report.reporter_id == reward.reporter_id
    if indexes:
        same_person = same_person | Report.id.in_(select(Reward.report_id).where(Reward.payee_index.in_(indexes)))
    cases = list(db.session.execute(select(Report.case_id).where(same_person)).scalars())
    found = sites_of_cases(sorted(set(cases))) if cases else {}
    sites = [found[case_id] for case_id in cases if case_id in found]  # one per report (reports may share a case)
    on_site = sum(1 for s in sites if s["site_id"] == here["site_id"])
    by_operator = sum(1 for s in sites if here["operator"] and s["operator"] == here["operator"])
    flags = []
    if on_site >= least:
        flags.append({"kind": "reports_cluster_on_site", "count": on_site,
                      "text": f"{on_site} reports of this account or ID number concern one registered site"})
    if by_operator >= least and by_operator > on_site:
        flags.append({"kind": "reports_cluster_on_operator", "count": by_operator,
                      "text": f"{by_operator} reports of this account or ID number concern sites of one operator"})
    return flags


def flags_for(reward: Reward) -> list[dict]:
    """The desk's flags on a reward: kind, count and a sentence each (they inform the approval, never decide it)."""
    indexes = _account_indexes(reward)
    found = [_several_accounts(reward, indexes) if indexes else None, _payee_changed(reward),
             _cluster(reward, indexes), *_cluster_on_register(reward, indexes)]
    return [flag for flag in found if flag is not None]


register_ciphertexts("staff ID numbers", StaffIdNumber, "id_number_ciphertext")
register_blind_index("staff ID number indexes", StaffIdNumber, "id_number_ciphertext", "id_index", "id_number")
register_blind_index("reward payee indexes", Reward, "payee_ciphertext", "payee_index", "id_number")
