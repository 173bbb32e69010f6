"""Supervisors regroup reports: merge a case into another of the same problem, or split a report off into its own
case. Each move is kept (ReportMove), audited, and leaves case events (the merged case is rejected as a duplicate;
a split report opens a new case)."""
from reporter.accounts.models import User
from reporter.audit.services import record
from reporter.cases.scope import supervises
from reporter.cases.services import get_case, open_case, perform
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, Forbidden, ValidationFailed
from reporter.extensions import db
from reporter.reports.models import ReportMove
from reporter.reports.services import reports_of_case, staff_report


def _supervised_case(actor: User, case_id: int, field: str):
    case = get_case(case_id, actor)
    if not supervises(actor, case):
        raise Forbidden(f"You do not supervise case {case_id}", errors={"json": {field: ["Not in your area."]}})
    return case


def merge_cases(actor: User, from_case_id: int, into_case_id: int, reason: str) -> dict:
    """并案: every report of `from` joins `into`; `from` is rejected as its duplicate. One commit."""
    if from_case_id == into_case_id:
        raise ValidationFailed(errors={"json": {"into_case_id": ["A case cannot be merged into itself."]}})
    source = _supervised_case(actor, from_case_id, "from_case_id")
    target = _supervised_case(actor, into_case_id, "into_case_id")
    if target.state == "rejected":
        raise Conflict("A rejected case cannot take reports", error="case_rejected")
    if source.category != target.category:
        raise ValidationFailed(errors={"json": {"into_case_id": ["The cases are of different categories."]}})
    moved = reports_of_case(source.id)
    now = utcnow()
    for report in moved:
        report.case_id, report.joined_existing = target.id, True
        db.session.add(ReportMove(report_id=report.id, kind="merge", from_case_id=source.id, to_case_id=target.id,
                                  actor_id=actor.id, reason=reason, at=now))
    record(actor.id, "case.merge", "case", source.id, reason=reason,
           details={"into_case_id": target.id, "report_ids": [r.id for r in moved]})
    # perform() commits the moves with the rejection (or rolls everything back).
    perform(source.id, "reject", actor, {"reason_code": "duplicate", "duplicate_of": target.id,
                                         "internal_comment": reason,
                                         "public_comment": f"已并入案件 {target.number} 一并办理"},
            expected_version=None, at=now)
    return {"case_id": target.id, "rejected_case_id": source.id, "moved_report_ids": [r.id for r in moved]}


def split_report(actor: User, report_id: str, reason: str) -> dict:
    """拆分: a report that is a different problem gets its own case, opened as its reporter's. One commit."""
    report = staff_report(actor, report_id)
    old = _supervised_case(actor, report.case_id, "report_id")
    if len(reports_of_case(old.id)) < 2:
        raise Conflict("The report is already its case's only report", error="nothing_to_split")
    try:
        reporter = db.session.get(User, report.reporter_id)
        case = open_case(source="citizen_report", category=report.category, lat=report.lat, lng=report.lng,
                         description=report.description, actor=reporter, address=report.address,
                         occurred_at=report.occurred_at, public_comment="举报已单独立案办理")
        report.case, report.joined_existing = case, False
        db.session.add(ReportMove(report_id=report.id, kind="split", from_case_id=old.id, to_case_id=case.id,
                                  actor_id=actor.id, reason=reason, at=utcnow()))
        record(actor.id, "report.split", "report", report.id, reason=reason,
               details={"from_case_id": old.id, "case_id": case.id})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {"report_id": report.id, "from_case_id": old.id, "case_id": case.id}

