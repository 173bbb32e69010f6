"""The append-only audit log of administrative changes and identity reveals."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db


class AuditEvent(db.Model):
    """One audited act: actor, action, target and details (never updated or deleted)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # staff only, never a resident
    # A resident's act: HMAC of (report, user) that only reporter.reports.pseudonym resolves; never serialised.
    actor_pseudonym: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(128))
