"""A finished month's bulletin, stored once computed (`stats_month_results`), and the one rule that drops it.

Every figure of a month is as of its end, so a finished month's figures can only change through a row written later
with a date inside the month: a patrol synced late by an offline inspector (its points, its finish, an observation),
or a working-day calendar loaded or unloaded (deadlines move). Case events, ratings and reward ledger entries are
stamped when written, so they never fall inside a finished month; they are listed all the same, so the rule needs no
such argument. Any flush that adds, changes or removes one of these rows drops the stored rows of the months its
dates fall in (every month for the calendar, and for an UPDATE or DELETE statement on one of the tables, which names
no rows); the next read computes the month again and stores it.
"""
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reporter.cases.models import CaseEvent
from reporter.common.timeutil import CST, utcnow
from reporter.extensions import db
from reporter.org.models import DataStamp
from reporter.patrols.models import Observation, Patrol
from reporter.reports.models import ReportFeedback
from reporter.rewards.models import LedgerEntry
from reporter.stats.models import MonthResult
from reporter.workdays.services import CALENDAR

CITY = "city"
# A month is stored this long after its end: a request stamped before the end may still be committing.
SETTLE = timedelta(minutes=5)
# What a month's figures are read from, and the columns that place a row in a month.
INPUTS: dict[type, tuple[str, ...]] = {
    Patrol: ("day", "started_at", "ended_at"),
    Observation: ("t",),
    CaseEvent: ("at",),
    ReportFeedback: ("created_at",),
    LedgerEntry: ("at",),
}
EVERY_MONTH = "*"


def finished(month) -> bool:
    """Over (and settled): its figures can be stored."""
    return month.end + SETTLE <= utcnow()


def _frozen(value):
    """JSON-ready, dates tagged so they come back as dates."""
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_frozen(v) for v in value]
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _thawed(value):
    if isinstance(value, dict):
        if len(value) == 1 and "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if len(value) == 1 and "$date" in value:
            return date.fromisoformat(value["$date"])
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thawed(v) for v in value]
    return value


def stored_or_computed(month, county: str | None, compute: Callable[[], dict],
                       usable: Callable[[dict], bool] = lambda _figures: True) -> dict:
    """The month's figures for the scope: stored ones when the month is finished (computed and stored on the first
    read, or when the stored ones are not `usable`, e.g. ranked under another setting), else computed now."""
    if not finished(month):
        return compute()
    key = (month.label, county or CITY)
    row = db.session.get(MonthResult, key)
    if row is not None:
        figures = _thawed(row.figures)
        if usable(figures):
            return figures
    figures = compute()
    try:
        with db.session.begin_nested():
            db.session.merge(MonthResult(month=key[0], scope=key[1], figures=_frozen(figures), computed_at=utcnow()))
        db.session.commit()
    except IntegrityError:  # stored by a concurrent request meanwhile: the same figures
        db.session.rollback()
    return figures


def _label(value) -> str | None:
    if isinstance(value, datetime):
        value = value.astimezone(CST).date() if value.tzinfo else value.date()
    return f"{value.year:04d}-{value.month:02d}" if isinstance(value, date) else None


def _months_written(session: Session) -> set[str]:
    """The months the rows of this flush fall in (EVERY_MONTH for a new working-day calendar)."""
    months: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, DataStamp):
            if obj.name == CALENDAR:
                months.add(EVERY_MONTH)
            continue
        columns = INPUTS.get(type(obj))
        if not columns:
            continue
        state = inspect(obj)
        for name in columns:
            history = state.attrs[name].history
            for value in (*history.added, *history.unchanged, *history.deleted):
                if (label := _label(value)) is not None:
                    months.add(label)
    return months


@event.listens_for(Session, "after_flush")
def _drop_changed_months(session: Session, _context) -> None:
    """The one invalidation rule: a write inside a finished month drops its stored figures (the months not over have
    none)."""
    if not (session.new or session.dirty or session.deleted):
        return
    current = _label(utcnow())
    months = {m for m in _months_written(session) if m == EVERY_MONTH or m < current}
    if not months:
        return
    table = MonthResult.__table__
    stmt = delete(table) if EVERY_MONTH in months else delete(table).where(table.c.month.in_(sorted(months)))
    session.connection().execute(stmt)


@event.listens_for(Session, "do_orm_execute")
def _drop_on_bulk_write(state) -> None:
    """An UPDATE or DELETE statement on an input table names no months: it drops every stored month."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in INPUTS:
        state.session.connection().execute(delete(MonthResult.__table__))


def stored_months() -> list[str]:
    """The months with stored figures (any scope), oldest first."""
    return sorted(set(db.session.execute(db.select(MonthResult.month)).scalars()))
