"""Jinja filters shared by every console page: China time, working-day countdowns, money in yuan, labels."""
from datetime import date, datetime, timedelta, timezone

from flask import g

from reporter.common.timeutil import cst_date, utcnow
from reporter.console import labels
from reporter.workdays.services import is_working_day

CST = timezone(timedelta(hours=8))


def cst(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in China time (a datetime, or the ISO text a dumped section carries)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(CST).strftime(fmt) if value else ""


def countdown(due: date | None) -> dict | None:
    """剩 N 个工作日 / 今日到期 / 超期 N 天 (calendar days, as the overdue sweep's `days_late`), with whether it is
    late (red)."""
    if due is None:
        return None
    today = cst_date(utcnow())
    if due < today:
        return {"text": f"超期 {(today - due).days} 天", "late": True}
    left = _working_days_until(today, due)
    return {"text": "今日到期" if left == 0 else f"剩 {left} 个工作日", "late": False}


def _working_days_until(today: date, due: date) -> int:
    """working_days_between(today, due) from a running count kept for the request (a list page shows many
    deadlines: each day is looked at once per request, not once per case)."""
    memo = g.get("console_workdays")
    if memo is None or memo[0] != today:
        memo = g.console_workdays = (today, [0])  # counts[i]: working days after today up to today + i
    counts = memo[1]
    offset = (due - today).days
    while len(counts) <= offset:
        counts.append(counts[-1] + is_working_day(today + timedelta(days=len(counts))))
    return counts[offset]


def yuan(cents_or_amount, *, cents: bool = False) -> str:
    """Money in yuan: ¥1,234.50."""
    if cents_or_amount is None:
        return ""
    amount = cents_or_amount / 100 if cents else cents_or_amount
    return f"¥{amount:,.2f}"


def label(code, kind: str) -> str:
    """The Chinese word for a code (the code itself when it has none)."""
    if code is None:
        return ""
    return labels.ALL[kind].get(str(code), str(code))


def register(app) -> None:
    app.jinja_env.filters.update(cst=cst, countdown=countdown, yuan=yuan, label=label)
