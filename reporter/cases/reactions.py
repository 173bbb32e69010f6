"""Reactions to case events, wired in one table (cosmicpython's HANDLERS), run inside the action's unit of work.

Other features add their handlers with `subscribe` (e.g. reports: 'case.accepted', 'case.rejected', 'case.closed' →
an outbox message to the reporter; rewards: 'case.closed' → reward eligibility). A handler that raises aborts the
whole action: nothing of it is committed.
"""
from collections.abc import Callable

from reporter.cases.workflow import EVENT_NAMES

Handler = Callable[..., None]  # handler(case, event)

HANDLERS: dict[str, list[Handler]] = {name: [] for name in EVENT_NAMES}


def subscribe(event_name: str, handler: Handler) -> None:
    """Run `handler(case, event)` whenever `event_name` happens (subscribing twice is harmless)."""
    if event_name not in HANDLERS:
        raise ValueError(f"Unknown case event {event_name!r}; known: {', '.join(HANDLERS)}")
    if handler not in HANDLERS[event_name]:
        HANDLERS[event_name].append(handler)


def publish(event_name: str, case, event) -> None:
    """Call the handlers of an event, in subscription order, in the caller's transaction."""
    for handler in HANDLERS[event_name]:
        handler(case, event)


DetailSection = Callable[..., object]  # fn(case, user) -> JSON-able

DETAIL_SECTIONS: dict[str, DetailSection] = {}


def register_detail_section(name: str, fn: DetailSection) -> None:
    """Add a named section to GET /cases/{id} (e.g. the reports feature's "reports", without identity for units)."""
    DETAIL_SECTIONS[name] = fn
