"""Holiday years loaded by an admin; they override the chinese-calendar library for that year."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db


class HolidayYear(db.Model):
    """A year whose holidays an admin loaded (from the State Council's notice)."""

    __tablename__ = "holiday_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(255), default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SpecialDay(db.Model):
    """A day of a loaded year that differs from Monday–Friday: a holiday (休) or an adjusted working day (班)."""

    __tablename__ = "special_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="known_special_day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("holiday_years.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(64), default="")
