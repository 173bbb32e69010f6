"""Enqueue messages with the business change; deliver them at least once with retries and backoff."""
import logging
from datetime import timedelta

from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.audit.services import record
from reporter.common.db import new_uuid
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict
from reporter.extensions import db
from reporter.notify.models import OutboxMessage
from reporter.notify.senders import Sender, SendError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def enqueue(recipient_id: int, kind: str, data: dict) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction (the caller commits); nothing for a cancelled
    account (注销: there is no one to tell, and the payload would be personal data kept for no one)."""
    recipient = db.session.get(User, recipient_id)
    if recipient is not None and recipient.cancelled_at is not None:
        return None
    message = OutboxMessage(id=new_uuid(), recipient_id=recipient_id, kind=kind, data=data, next_attempt_at=utcnow())
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """Seconds to wait before attempt n+1: 30 s doubling, capped at 6 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _claim_next() -> OutboxMessage | None:
    """The next due message, locked until its outcome is committed (several workers never share one)."""
    stmt = (select(OutboxMessage).where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= utcnow())
            .order_by(OutboxMessage.next_attempt_at).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.execute(stmt).scalar_one_or_none()


def deliver_due(sender: Sender, limit: int = 100) -> dict:
    """Send up to `limit` due messages, committing each outcome on its own. Returns counts."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        message = _claim_next()
        if message is None:
            break
        openid = db.session.execute(select(User.wechat_openid).where(User.id == message.recipient_id)).scalar()
        message.attempts += 1
        try:
            sender.send(message, openid)
        except SendError as exc:
            message.last_error = str(exc)[:500]
            if exc.permanent or message.attempts >= MAX_ATTEMPTS:
                message.state = "failed"
                counts["failed"] += 1
            else:
                message.next_attempt_at = utcnow() + backoff(message.attempts)
                counts["retry"] += 1
            log.warning("outbox message %s not delivered: %s", message.id, exc)
        else:
            message.state, message.sent_at, message.last_error = "sent", utcnow(), None
            counts["sent"] += 1
        db.session.commit()
    db.session.rollback()
    return counts


def messages_query(state: str | None = None):
    """Outbox messages, newest first, optionally of one state."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc())
    return stmt if state is None else stmt.where(OutboxMessage.state == state)


def backlog() -> dict:
    """Messages by state (for admins and metrics)."""
    rows = db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    return {state: n for state, n in rows}


def retry_failed(message_id: str, *, actor_id: int | None = None) -> OutboxMessage | None:
    """Put a failed message back in the queue (admin; audited). Only a failed one: a sent or pending message queued
    again would reach the resident twice (409 `not_failed`)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return None
    if message.state != "failed":
        raise Conflict("Only a failed message can be retried", error="not_failed",
                       errors={"json": {"state": [f"The message is {message.state}."]}})
    message.state, message.next_attempt_at = "pending", utcnow()
    record(actor_id, "outbox.retry", "outbox_message", message.id,
           details={"kind": message.kind, "attempts": message.attempts, "last_error": message.last_error})
    db.session.commit()
    return message
