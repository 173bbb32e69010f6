"""Business gauges read from the database at scrape time."""
from reporter.metrics.registry import register_gauge


def outbox_backlog() -> dict[str, float]:
    """Outbox messages by state."""
    from reporter.notify.services import backlog

    counts = backlog()
    return {state: counts.get(state, 0) for state in ("pending", "sent", "failed")}


def overdue_cases() -> dict[str, float]:
    """Open cases past the deadline of their current stage, by stage (accept, sign, handle, verify)."""
    from reporter.cases.services import overdue_counts

    return overdue_counts()


def register_defaults() -> None:
    """Gauges every deployment has (features may register more with register_gauge)."""
    register_gauge("reporter_outbox_messages", "Outbox messages by state", outbox_backlog)
    register_gauge("reporter_cases_overdue", "Open cases past their current deadline, by stage", overdue_cases)
