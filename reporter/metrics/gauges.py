"""Business gauges read from the database at scrape time."""
from reporter.metrics.registry import register_gauge


def outbox_backlog() -> dict[str, float]:
    """Outbox messages by state."""
    from reporter.notify.services import backlog

    counts = backlog()
    return {state: counts.get(state, 0) for state in ("pending", "sent", "failed")}


def register_defaults() -> None:
    """Gauges every deployment has (features may register more with register_gauge)."""
    register_gauge("reporter_outbox_messages", "Outbox messages by state", outbox_backlog)
