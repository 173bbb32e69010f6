"""Time: the server stores UTC; days, months and deadlines are reckoned in China Standard Time."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the calendar years the service keeps figures for (workdays, budgets)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; naive values (as SQLite returns them) are taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def cst_date(value: datetime) -> date:
    """The calendar date in China of an instant."""
    return as_utc(value).astimezone(CST).date()
