"""Rewards react to cases: when a case closes, eligibility is decided in the closing's own unit of work."""
from reporter.cases.services import subscribe
from reporter.rewards.services import record_case_closed
from reporter.rewards.sources import case_facts


def decide_rewards(case, _event) -> None:
    """'case.closed' → an eligibility decision for each report of the case (none when no citizen reported it)."""
    facts = case_facts(case)
    if facts.reports:
        record_case_closed(facts)


def wire() -> None:
    """Subscribe to the case events (idempotent)."""
    subscribe("case.closed", decide_rewards)
