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


class MonthResult(db.Model):
    """A finished month's bulletin figures for one scope (the city, or one county), stored once computed and served
    from here: every figure is as of the month's end, so only a row written later with a date inside the month
    (a late patrol point, an offline patrol or observation) or a new working-day calendar can still change them,
    and each such write drops the month's rows (`reporter.stats.stored`). The document's twelve-month trend reads
    the city's rows too."""

    __tablename__ = "stats_month_results"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)  # a county's adcode, or "city"
    figures: Mapped[dict] = mapped_column(JSON)  # the bulletin without the other features' sections
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
