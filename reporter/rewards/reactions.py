"""Rewards react to cases: when a case closes, eligibility is decided in the closing's own unit of work."""
from reporter.cases.services import subscribe
from reporter.extensions import db
from reporter.reports.models import Report
from reporter.rewards.services import record_case_closed, record_repeats
from reporter.rewards.sources import case_facts, report_facts


def decide_rewards(case, _event) -> None:
    """'case.closed' → an eligibility decision for each report of the case (none when no citizen reported it)."""
    facts = case_facts(case)
    if facts.reports:
        record_case_closed(facts)


def refuse_repeats(case, event) -> None:
    """'case.recurrence_rejected' → each report that only repeated the closed case is decided: not rewarded, why."""
    reports = [db.session.get(Report, i) for i in (event.data or {}).get("report_ids") or []]
    record_repeats(case.id, case.reopen_count, case.number, [report_facts(r) for r in reports if r is not None])


def wire() -> None:
    """Subscribe to the case events (idempotent)."""
    subscribe("case.closed", decide_rewards)
    subscribe("case.recurrence_rejected", refuse_repeats)
