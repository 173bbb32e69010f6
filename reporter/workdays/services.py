"""Working days in China: admin-loaded years first, then the chinese-calendar library, then a statutory estimate.

A year neither knows (the State Council publishes each year's holidays late in the year before) counts the holidays
the law itself fixes (全国年节及纪念日放假办法 as amended for 2025: 元旦; 春节 from 除夕 to 初三; 清明; 劳动节 1–2 May;
端午; 中秋; 国庆 1–3 October) as days off, the lunar ones from `lunardate`, 清明 from chinese-calendar's solar terms,
with no make-up working days: source `statutory-estimate`, with a logged warning, never an error. Only a year the
lunar calendar cannot compute (2100 on) falls back to Monday–Friday (`weekdays`).
"""
import logging
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar
from lunardate import LunarDate
from sqlalchemy import delete, select

from reporter.audit.services import record
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.org.stamps import StampedCache, bump
from reporter.workdays.models import HolidayYear, SpecialDay

log = logging.getLogger(__name__)

CALENDAR = "calendar"
LOADED, LIBRARY, ESTIMATE, WEEKDAYS = "loaded", "library", "statutory-estimate", "weekdays"
_MAX_STEP_DAYS = 3660  # add_working_days never walks further than ten years
_warned_years: set[int] = set()


def _build_overrides() -> dict[int, dict[date, bool]]:
    """Per loaded year: day → is it a working day (only the days that differ from Monday–Friday)."""
    years = {year: {} for year in db.session.execute(select(HolidayYear.year)).scalars()}
    for day in db.session.execute(select(SpecialDay)).scalars():
        years.setdefault(day.year, {})[day.day] = day.kind == "workday"
    return years


_overrides = StampedCache((CALENDAR,), _build_overrides)


@cache
def _library_years() -> frozenset[int]:
    """The years whose holidays the chinese-calendar release knows."""
    return frozenset(day.year for day in chinese_calendar.holidays)


def _library_knows(year: int) -> bool:
    return year in _library_years()


@lru_cache(maxsize=16384)
def _library_workday(d: date) -> bool:
    """chinese-calendar's answer (its tables are fixed for the installed version; each call validates the date
    against them, so the answers are kept)."""
    return chinese_calendar.is_workday(d)


@cache
def statutory_holidays(year: int) -> dict[date, str] | None:
    """The days off the law fixes for `year`, day → holiday, in calendar order; None when the lunar calendar
    cannot compute the year."""
    try:
        spring = LunarDate(year, 1, 1).to_solar_date()  # 初一
        dragon_boat = LunarDate(year, 5, 5).to_solar_date()
        mid_autumn = LunarDate(year, 8, 15).to_solar_date()
        qingming = next(day for day, term in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
                        if term == "清明")
    except (ValueError, NotImplementedError, StopIteration):  # lunardate's and chinese-calendar's "beyond my tables"
        return None
    days = {date(year, 1, 1): "元旦",
            **{spring + timedelta(days=n): "春节" for n in range(-1, 3)},  # 除夕, 初一, 初二, 初三
            qingming: "清明", date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节", dragon_boat: "端午",
            mid_autumn: "中秋", **{date(year, 10, n): "国庆" for n in (1, 2, 3)}}
    return dict(sorted(days.items()))


def estimated_is_working_day(d: date) -> bool:
    """Monday–Friday except the statutory holidays (no swapped rest days, no make-up working days)."""
    return d.weekday() < 5 and d not in (statutory_holidays(d.year) or {})


def calendar_source(year: int) -> str:
    """Where a year's working days come from: 'loaded', 'library', 'statutory-estimate' or 'weekdays' (fallback)."""
    if year in _overrides.get():
        return LOADED
    if _library_knows(year):
        return LIBRARY
    return ESTIMATE if statutory_holidays(year) is not None else WEEKDAYS


def is_working_day(d: date) -> bool:
    """Whether a CST calendar date is a working day (statutory holidays off, adjusted weekend days on)."""
    loaded = _overrides.get().get(d.year)
    if loaded is not None:
        return loaded.get(d, d.weekday() < 5)
    if _library_knows(d.year):
        return _library_workday(d)
    estimate = statutory_holidays(d.year)
    if d.year not in _warned_years:
        _warned_years.add(d.year)
        log.warning("no published holidays for %s: %s; load the year with `flask workdays load-year` once the State "
                    "Council publishes it", d.year, "counting the statutory holidays only, without swapped rest days "
                    "or make-up working days" if estimate is not None else "counting Monday–Friday")
    return d.weekday() < 5 and d not in (estimate or {})


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted); `start` when n is 0."""
    day, left = start, n
    for _ in range(_MAX_STEP_DAYS):
        if left <= 0:
            return day
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    raise ValidationFailed(f"{n} working days is too far ahead")


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def _parse_days(values, field: str, year: int, errors: dict) -> dict[date, str]:
    days = {}
    for number, value in enumerate(values or []):
        text, name = (value, "") if isinstance(value, str) else (value.get("date"), value.get("name") or "")
        try:
            day = date.fromisoformat(text)
        except (TypeError, ValueError):
            errors.setdefault(field, {})[number] = ["not an ISO date"]
            continue
        if day.year != year:
            errors.setdefault(field, {})[number] = [f"not in {year}"]
        elif day in days:
            errors.setdefault(field, {})[number] = ["listed twice"]
        days[day] = name
    return days


def load_year(year: int, holidays: list, workdays: list, *, source: str = "", actor_id: int | None = None) -> dict:
    """Load (or replace) a year's statutory holidays and adjusted working days; audited, one commit."""
    errors: dict = {}
    off = _parse_days(holidays, "holidays", year, errors)
    on = _parse_days(workdays, "workdays", year, errors)
    if set(off) & set(on):
        errors["workdays"] = {"_schema": [f"also listed as holidays: {sorted(map(str, set(off) & set(on)))}"]}
    if errors:
        raise ValidationFailed("The holiday year is not valid", errors={"json": errors})
    db.session.execute(delete(SpecialDay).where(SpecialDay.year == year))
    loaded = db.session.get(HolidayYear, year) or HolidayYear(year=year)
    loaded.source, loaded.loaded_by = source, actor_id
    db.session.add(loaded)
    db.session.flush()
    db.session.add_all([SpecialDay(day=d, year=year, kind="holiday", name=n) for d, n in sorted(off.items())]
                       + [SpecialDay(day=d, year=year, kind="workday", name=n) for d, n in sorted(on.items())])
    bump(CALENDAR)
    summary = {"year": year, "holidays": len(off), "workdays": len(on), "source": source}
    record(actor_id, "workdays.load_year", "holiday_year", year, details=summary)
    db.session.commit()
    return summary


def unload_year(year: int, *, actor_id: int | None = None) -> None:
    """Forget a loaded year (the library or Monday–Friday applies again); audited, one commit."""
    db.session.execute(delete(SpecialDay).where(SpecialDay.year == year))
    db.session.execute(delete(HolidayYear).where(HolidayYear.year == year))
    bump(CALENDAR)
    record(actor_id, "workdays.unload_year", "holiday_year", year)
    db.session.commit()


def loaded_years() -> list[dict]:
    """The admin-loaded years with their special days."""
    days: dict[int, list[SpecialDay]] = {}
    for day in db.session.execute(select(SpecialDay).order_by(SpecialDay.day)).scalars():
        days.setdefault(day.year, []).append(day)
    return [{"year": y.year, "source": y.source, "loaded_at": y.loaded_at,
             "holidays": [{"date": d.day, "name": d.name} for d in days.get(y.year, []) if d.kind == "holiday"],
             "workdays": [{"date": d.day, "name": d.name} for d in days.get(y.year, []) if d.kind == "workday"]}
            for y in db.session.execute(select(HolidayYear).order_by(HolidayYear.year)).scalars()]


def library_year(year: int) -> dict:
    """A year's holidays and adjusted working days as the chinese-calendar library has them (to start a file)."""
    if not _library_knows(year):
        raise ValidationFailed(f"The library has no data for {year}", errors={"json": {"year": ["unknown"]}})
    holidays = chinese_calendar.get_holidays(date(year, 1, 1), date(year, 12, 31), include_weekends=False)
    workdays = [d for d in chinese_calendar.get_workdays(date(year, 1, 1), date(year, 12, 31)) if d.weekday() >= 5]
    return {"year": year, "holidays": [d.isoformat() for d in holidays],
            "workdays": [d.isoformat() for d in workdays]}
