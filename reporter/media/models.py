"""An uploaded photo: the facts kept about it and where it is attached."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime, new_uuid
from reporter.common.timeutil import utcnow
from reporter.extensions import db

PURPOSES = ("report", "patrol", "evidence")
STATES = ("pending", "attached")


class Upload(db.Model):
    """One photo: pending until attached, once, to a report, an observation or a case result."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(f"purpose IN ({', '.join(repr(p) for p in PURPOSES)})", name="known_purpose"),
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in STATES)})", name="known_state"),
        CheckConstraint("(state = 'pending') = (attached_id IS NULL)", name="attached_has_target"),
        Index("ix_uploads_attached", "attached_type", "attached_id"),
        Index("ix_uploads_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), default="report")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attached_type: Mapped[str | None] = mapped_column(String(32))
    attached_id: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the stored (display) image: its file name
    phash: Mapped[str] = mapped_column(String(16), index=True)  # perceptual hash, hex
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32), default="image/jpeg")
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gps_lat: Mapped[float | None] = mapped_column(Float)  # WGS-84, as EXIF has it
    gps_lng: Mapped[float | None] = mapped_column(Float)
    camera_make: Mapped[str | None] = mapped_column(String(64))
    camera_model: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
