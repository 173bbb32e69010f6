"""Recording audit events inside the caller's unit of work."""
from flask import g, has_request_context

from reporter.audit.models import AuditEvent
from reporter.extensions import db


def record(actor_id: int | None, action: str, target_type: str, target_id=None, *, reason: str | None = None,
           details: dict | None = None) -> AuditEvent:
    """Add an audit event to the current session (the caller commits)."""
    event = AuditEvent(
        actor_id=actor_id, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), reason=reason, details=details or {},
        request_id=g.get("request_id") if has_request_context() else None,
    )
    db.session.add(event)
    return event
