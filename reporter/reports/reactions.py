"""Reporters are told what happens to their case (accepted, rejected with the reason, closed with the result) and
when a reward is decided: outbox messages written in the same transaction as the case event, wired in one table.

The case detail gains a "reports" section (without identity for units) and photos attached to reports are shown to
the staff who may read the case.
"""
from reporter.accounts.models import User
from reporter.cases.models import Case
from reporter.cases.services import register_detail_section, subscribe
from reporter.common.timeutil import CST, utcnow
from reporter.extensions import db
from reporter.media.services import register_visibility
from reporter.notify.services import enqueue
from reporter.reports import services, views
from reporter.reports.models import Report

REJECT_REASONS = {"out_of_scope": "不属于受理范围", "insufficient": "举报信息不足", "duplicate": "重复举报"}
FINDINGS = {"true": "经查属实", "partly_true": "经查部分属实", "false": "经查不属实"}
STATUS_WORDS = {"report_accepted": "已受理", "report_rejected": "不予受理", "case_closed": "已办结"}


def _message(report: Report, kind: str, status_word: str, note: str, at) -> None:
    """One subscribe message: tracking code, status, a note of up to 20 characters, and when (CST)."""
    enqueue(report.reporter_id, kind, {
        "report_id": report.id,
        "fields": {"character_string1": report.tracking_code, "phrase2": status_word, "thing3": note or status_word,
                   "time4": at.astimezone(CST).strftime("%Y-%m-%d %H:%M")},
    })


def _tell_reporters(kind: str, note_of):
    def handler(case: Case, event) -> None:
        note = note_of(case, event)
        for report in services.reports_of_case(case.id):
            _message(report, kind, STATUS_WORDS[kind], note, event.at)

    handler.__name__ = f"tell_{kind}"
    return handler


def _accepted_note(_case, event) -> str:
    return event.public_comment or "您的举报已受理，正在办理"


def _rejected_note(_case, event) -> str:
    reason = REJECT_REASONS.get((event.data or {}).get("reason_code"), "")
    return "：".join(part for part in (reason, event.public_comment) if part) or "不予受理"


def _closed_note(case: Case, event) -> str:
    return event.public_comment or FINDINGS.get(case.finding or "", "已办结")


def _tell_recurrence_reporters(kind: str):
    """Tell the reporters whose possible recurrence was decided (and only them): the decision's public comment."""
    def handler(case: Case, event) -> None:
        for report_id in (event.data or {}).get("report_ids") or []:
            report = db.session.get(Report, report_id)
            if report is not None:
                _message(report, kind, STATUS_WORDS[kind], event.public_comment or "", event.at)

    handler.__name__ = f"tell_recurrence_{kind}"
    return handler


def open_case_from_recurrence(case: Case, event) -> None:
    """同址新问题: the decided reports leave the closed case for a new one, routed as usual and opened as the first
    report's (the others join it); each move is kept like a split."""
    from reporter.cases.services import open_case
    from reporter.reports.models import ReportMove

    reports = [r for r in (db.session.get(Report, i) for i in (event.data or {}).get("report_ids") or []) if r]
    if not reports:
        return
    first = reports[0]
    new = open_case(source="citizen_report", category=first.category, lat=first.lat, lng=first.lng,
                    description=first.description, actor=db.session.get(User, first.reporter_id),
                    address=first.address, occurred_at=first.occurred_at, at=event.at,
                    public_comment=f"已办结案件 {case.number} 所在地点的新问题，另行立案办理")
    for report in reports:
        report.case, report.joined_existing = new, report is not first
        db.session.add(ReportMove(report_id=report.id, kind="split", from_case_id=case.id, to_case_id=new.id,
                                  actor_id=event.actor_id, reason=(event.data or {}).get("reason") or "",
                                  at=event.at))
        report.recurrence.new_case_id = new.id


REACTIONS = {
    "case.accepted": [_tell_reporters("report_accepted", _accepted_note)],
    "case.rejected": [_tell_reporters("report_rejected", _rejected_note)],
    "case.closed": [_tell_reporters("case_closed", _closed_note)],
    "case.recurrence_reopened": [_tell_recurrence_reporters("report_accepted")],
    "case.recurrence_new_case": [open_case_from_recurrence, _tell_recurrence_reporters("report_accepted")],
    "case.recurrence_rejected": [_tell_recurrence_reporters("report_rejected")],
}


def notify_reward_decided(report: Report, *, approved: bool, amount_fen: int | None = None,
                          reason: str | None = None, at=None) -> None:
    """Tell the reporter about a reward decision, in the caller's transaction (rewards call this)."""
    word = "奖励已核定" if approved else "不予奖励"
    note = f"奖励金额{amount_fen / 100:.2f}元" if approved and amount_fen is not None else (reason or word)
    _message(report, "reward_decided", word, note, at or utcnow())


def _may_see_report_photos(user: User, report_id: str) -> bool:
    report = db.session.get(Report, report_id)
    return report is not None and (report.reporter_id == user.id or services.can_read_case(user, report.case_id))


def wire() -> None:
    """Subscribe the reactions and register the case section and photo visibility (idempotent)."""
    for event_name, handlers in REACTIONS.items():
        for handler in handlers:
            subscribe(event_name, handler)
    register_detail_section("reports", views.case_section)
    register_detail_section("recurrences", views.recurrence_section)
    # Units get a reporter's photo and the reported place; the EXIF time and position are the desk's (issue 14 §1).
    register_visibility(services.REPORT_TARGET, _may_see_report_photos,
                        exif_readers=lambda user: user.has_role(*services.STAFF_READERS))
