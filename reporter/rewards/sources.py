"""The facts of a real closed case for the eligibility rules: its history, reports, grid inspectors, handling units."""
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.cases.models import Case, CaseEvent, CaseUnit, Recurrence
from reporter.extensions import db
from reporter.geo.services import inspector_ids_of_grid
from reporter.org.models import Unit
from reporter.reports.services import reports_of_case
from reporter.rewards.eligibility import CaseFacts, ReportFacts


def _handling_unit_ids(case: Case) -> set[int]:
    """Every unit that touched the case: routed, current, involved (lead, cooperating, 属地, handling), and the unit
    of every staff member who acted on it."""
    ids = {case.routed_unit_id, case.current_unit_id}
    ids.update(db.session.execute(select(CaseUnit.unit_id).where(CaseUnit.case_id == case.id)).scalars())
    ids.update(db.session.execute(select(CaseEvent.actor_unit_id).where(CaseEvent.case_id == case.id)).scalars())
    return {i for i in ids if i is not None}


def _report_facts(report) -> ReportFacts:
    staff = db.session.execute(select(User.unit_id, Unit.code).outerjoin(Unit, Unit.id == User.unit_id)
                               .where(User.id == report.reporter_id)).first()
    return ReportFacts(report_id=report.id, reporter_id=report.reporter_id, created_at=report.created_at,
                       wants_reward=report.wants_reward, anonymous=report.anonymous,
                       tracking_code=report.tracking_code, claim_pin_hash=report.claim_pin_hash,
                       reporter_unit_id=staff.unit_id if staff else None,
                       reporter_unit_code=staff.code if staff else None)


def report_facts(report) -> ReportFacts:
    """What the rules need of one report."""
    return _report_facts(report)


def case_facts(case: Case) -> CaseFacts:
    """What the eligibility rules need to know of a closed case."""
    first_event_at = db.session.execute(select(func.min(CaseEvent.at)).where(CaseEvent.case_id == case.id)).scalar()
    reports = reports_of_case(case.id)
    raised = {r.report_id: r for r in db.session.execute(
        select(Recurrence).where(Recurrence.report_id.in_([r.id for r in reports]))).scalars()}
    # A report that repeated the closed case (rejected) or still waits for a decision is no valid report of it.
    valid = [r for r in reports if r.id not in raised or raised[r.id].state in ("reopened", "new_case")]
    return CaseFacts(case_id=case.id, source=case.source, finding=case.finding, closing=case.reopen_count,
                     first_event_at=first_event_at or case.created_at,
                     reports=[_report_facts(r) for r in valid],
                     grid_inspector_ids=set(inspector_ids_of_grid(case.grid_id)) if case.grid_id else set(),
                     handling_unit_ids=_handling_unit_ids(case),
                     recurrence_report_ids=frozenset(i for i, r in raised.items()
                                                     if r.state == "reopened" and r.closing == case.reopen_count),
                     new_place_report_ids=frozenset(i for i, r in raised.items() if r.state == "new_case"))
