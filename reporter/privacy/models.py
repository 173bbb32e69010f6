"""The versioned privacy notice, what each resident accepted, and the record of each retention sweep."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db


class PrivacyNotice(db.Model):
    """One published version of the privacy notice (隐私政策); the highest version is the current one, never edited."""

    __tablename__ = "privacy_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    summary_of_changes: Mapped[str] = mapped_column(String(1000), default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consent(db.Model):
    """A resident's acceptance of one version of the notice (同意), kept with its time."""

    __tablename__ = "privacy_consents"
    __table_args__ = (UniqueConstraint("user_id", "notice_version", name="uq_privacy_consents_user_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notice_version: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SweepRun(db.Model):
    """One run of `flask privacy sweep`: when, and how many rows of each kind it erased."""

    __tablename__ = "privacy_sweeps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
