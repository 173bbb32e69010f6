"""Typical cases (典型案例) published for exposure, and the indexes the monthly bulletin reads other tables by."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.rewards.models import LedgerEntry


class PublishedCase(db.Model):
    """A sanitised copy of a closed case, made once at publication: nothing personal is ever read back from the case."""

    __tablename__ = "published_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)  # the public view, frozen at publication
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)  # uploads the supervisor picked for the public
    published_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The bulletin sums rewards approved and paid in a month: ledger entries by kind and time.
Index("ix_reward_ledger_kind_at", LedgerEntry.__table__.c.kind, LedgerEntry.__table__.c.at)


class MonthFigures(db.Model):
    """A finished month's closed and on-time counts per county, kept once computed: the document's twelve-month
    trend and change from last month read them instead of replaying eleven months again. A finished month's
    figures never change (every figure is as of its end), so the row is written once and never updated."""

    __tablename__ = "stats_month_figures"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    counties: Mapped[dict] = mapped_column(JSON)  # adcode → [closed, closed_on_time]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
