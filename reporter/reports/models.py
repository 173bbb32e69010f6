"""A resident's report, its later supplements and feedback, and the moves between cases that merges and splits leave."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.cases.models import Case, Recurrence
from reporter.common.db import UTCDateTime, new_uuid
from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.geo.models import County


class Report(db.Model):
    """What one resident submitted; it belongs to one case (as its first report or as a duplicate)."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("NOT anonymous OR contact_ciphertext IS NULL", name="anonymous_has_no_contact"),
        CheckConstraint("claim_pin_hash IS NULL OR anonymous", name="pin_only_anonymous"),
        Index("ix_reports_case_created", "case_id", "created_at"),
        Index("ix_reports_reporter_created", "reporter_id", "created_at"),
        Index("ix_reports_category_created", "category", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # never shown to units
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    joined_existing: Mapped[bool] = mapped_column(Boolean, default=False)  # a duplicate of an earlier case
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lng: Mapped[float] = mapped_column(Float)
    coord_system: Mapped[str] = mapped_column(String(8))  # as the phone sent it
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(255))
    county_adcode: Mapped[str | None] = mapped_column(ForeignKey("counties.adcode"))
    zone: Mapped[str | None] = mapped_column(String(16))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_reward: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_ciphertext: Mapped[str | None] = mapped_column(Text)  # Fernet token of {"name","phone"}
    claim_pin_hash: Mapped[str | None] = mapped_column(String(255))
    flags: Mapped[list] = mapped_column(JSON, default=list)  # for the supervisor; never a refusal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")
    county: Mapped[County | None] = relationship(lazy="joined")
    recurrence: Mapped[Recurrence | None] = relationship(viewonly=True, lazy="select")  # 疑似反弹回潮 it raised

    @property
    def status(self) -> str:
        """What the reporter sees as the report's status: the state of the case it belongs to (a possible recurrence
        it raised is under review, or rejected, whatever the closed case's state)."""
        state = self.recurrence.state if self.recurrence is not None else None
        return {"pending": "under_review", "rejected": "rejected"}.get(state, self.case.state)


class ReportSupplement(db.Model):
    """More text or photos a reporter added while the case was open (补充材料)."""

    __tablename__ = "report_supplements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportFeedback(db.Model):
    """The reporter's rating of a closed case (满意度), once per report."""

    __tablename__ = "report_feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ReportMove(db.Model):
    """A report moved from one case to another by a supervisor (merge of two cases, or split into its own)."""

    __tablename__ = "report_moves"
    __table_args__ = (CheckConstraint("kind IN ('merge', 'split')", name="known_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    from_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    to_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
