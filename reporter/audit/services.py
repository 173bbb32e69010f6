"""Recording audit events inside the caller's unit of work."""
from flask import g, has_request_context
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.accounts.roles import RESIDENT
from reporter.audit.models import AuditEvent
from reporter.extensions import db


def record(actor_id: int | None, action: str, target_type: str, target_id=None, *, reason: str | None = None,
           details: dict | None = None, actor_pseudonym: str | None = None) -> AuditEvent:
    """Add an audit event to the current session (the caller commits).

    A resident's act is recorded with `actor_id=None` and a keyed pseudonym (`reporter.reports.pseudonym`), never
    their account id: auditors read this log, and an account that is only a resident's is refused here."""
    if actor_id is not None and _only_resident(actor_id):
        raise ValueError("A resident's act is audited under a pseudonym "
                         "(reporter.reports.pseudonym.record_resident_act), never their account id")
    event = AuditEvent(
        actor_id=actor_id, actor_pseudonym=actor_pseudonym, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), reason=reason, details=details or {},
        request_id=g.get("request_id") if has_request_context() else None,
    )
    db.session.add(event)
    return event


def _only_resident(user_id: int) -> bool:
    user = db.session.get(User, user_id)  # usually already in the session: the actor of the request
    return user is not None and user.roles == [RESIDENT]


def events_query(filters: dict):
    """Audit events matching the filters, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    for field in ("action", "target_type", "target_id", "actor_id"):
        if filters.get(field) is not None:
            stmt = stmt.where(getattr(AuditEvent, field) == filters[field])
    if filters.get("since"):
        stmt = stmt.where(AuditEvent.at >= filters["since"])
    if filters.get("until"):
        stmt = stmt.where(AuditEvent.at < filters["until"])
    return stmt
