"""A case's history replayed up to an instant: its state, handling unit, stage deadlines and what happened in a month.

The replay reads the stage clocks from the workflow table itself (the `start_<stage>` / `end_<stage>` effects of
each transition), so the bulletin judges deadlines exactly as the case workflow did when the events happened.
"""
import bisect
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from reporter.cases import workflow
from reporter.cases.effects import DEFAULT_DEADLINE_DAYS
from reporter.workdays.services import add_working_days, is_working_day, working_days_between


class Calendar:
    """Working days over a span of dates, each asked of the workdays feature once (outside it, asked again).

    Answers are kept per distinct question: a month's cases start their stages on a few hundred distinct days."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.days = [first + timedelta(days=i) for i in range((last - first).days + 1)
                     if is_working_day(first + timedelta(days=i))]
        self._added: dict[tuple[date, int], date] = {}
        self._between: dict[tuple[date, date], int] = {}

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (as `add_working_days`)."""
        found = self._added.get((start, n))
        if found is None:
            found = self._added[start, n] = self._add(start, n)
        return found

    def _add(self, start: date, n: int) -> date:
        if n <= 0:
            return start
        i = bisect.bisect_right(self.days, start) + n - 1
        if start >= self.first and i < len(self.days):
            return self.days[i]
        return add_working_days(start, n)

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (as `working_days_between`)."""
        found = self._between.get((start, end))
        if found is None:
            found = self._between[start, end] = self._count(start, end)
        return found

    def _count(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        if start >= self.first and end <= self.last:
            return bisect.bisect_right(self.days, end) - bisect.bisect_right(self.days, start)
        return working_days_between(start, end)


@cache
def _clock(from_state: str | None, action: str, to_state: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stages an event started and ended, read from the workflow table's effects."""
    rows = [t for t in workflow.transitions_for(from_state or "", action)
            if (from_state if t.to is workflow.SAME else t.to) == to_state]
    names = [effect.__name__ for row in rows[:1] for effect in row.effects]
    return (tuple(n.removeprefix("start_") for n in names if n.startswith("start_")),
            tuple(n.removeprefix("end_") for n in names if n.startswith("end_")))


@cache
def _deadline_days(text: str | None) -> dict[str, int]:
    """Working days per stage from the routing snapshot's `deadline_days` (JSON text; the same few texts recur)."""
    given = json.loads(text) if text else None
    return {**DEFAULT_DEADLINE_DAYS, **{k: int(v) for k, v in (given or {}).items() if v}}


@dataclass
class CaseFacts:
    """One case as of the month's end, with what happened to it during the month."""

    id: int
    county: str | None
    source: str
    category: str
    unit_id: int | None  # the unit handling it at the month's end (else the routed unit)
    state: str | None = None  # at the month's end
    open_at_start: bool = False
    received: bool = False
    accepted: bool = False
    rejected: bool = False
    closed: bool = False  # closed during the month (its last closing counts)
    closed_on_time: bool = False
    days_to_close: int | None = None
    overdue: bool = False  # open at the month's end with the current stage's deadline missed
    reworks: int = 0
    reopenings: int = 0
    recurrences_raised: int = 0    # 疑似反弹回潮: reports that came after the case was closed
    recurrences_reopened: int = 0  # decided 整改不到位: the case reopened
    recurrences_new_case: int = 0  # decided a new violation at the closed place: a new case opened
    recurrences_rejected: int = 0  # decided the same problem already closed
    returned_by: list = field(default_factory=list)  # units that returned it during the month
    supervision_level: str | None = None
    supervision_due: date | None = None
    finding: str | None = None

    @property
    def is_open(self) -> bool:
        """Open at the month's end."""
        return self.state in workflow.OPEN_STATES

    @property
    def active(self) -> bool:
        """Open at some time during the month."""
        return self.open_at_start or self.received or self.is_open or self.closed or self.rejected


DATA_ACTIONS = ("dispatch", "decide_extension", "submit_result", "supervise", "return", "recurrence",
                "decide_recurrence")  # whose data the replay reads
_CST_OFFSET = timedelta(hours=8)  # China Standard Time has had no daylight saving since 1991
_NO_OFFSET = timedelta(0)
_NO_DATA: dict = {}  # read, never written


def cst_day(at: datetime) -> date:
    """The CST date of an instant, aware or naive UTC (as `cst_date`, without a zone look-up per event)."""
    return (at + (_CST_OFFSET - (at.utcoffset() or _NO_OFFSET))).date()


def replay(case: dict, events: list, *, opened_on: date, following: date, calendar: Calendar) -> CaseFacts:
    """Walk one case's events (seq order, all before the month's end) and return its facts for the month.

    `opened_on` is the CST date the case was opened, `following` the first day of the next month. Each event is
    `(action, in_month, day, from_state, to_state, data)`: whether it happened in the month, its CST date, its
    states, and its data (only for DATA_ACTIONS, else None)."""
    facts = CaseFacts(id=case["id"], county=case["county"], source=case["source"], category=case["category"],
                      unit_id=case["routed_unit_id"])
    days = _deadline_days(case["deadline_days"])
    due: dict[str, date | None] = {}
    met: dict[str, bool] = {}
    add = calendar.add
    for action, in_month, today, from_state, to_state, data in events:
        data = data or _NO_DATA
        if not in_month:
            facts.open_at_start = to_state in workflow.OPEN_STATES
        starts, ends = _clock(from_state, action, to_state)
        for stage in ends:
            met[stage] = due.get(stage) is None or today <= due[stage]
        for stage in starts:
            due[stage] = add(today, days[stage])
        if action == "open":
            due["accept"] = add(today, days["accept"])
            facts.received = in_month
            facts.accepted = in_month and to_state == "accepted"
        elif action == "dispatch":
            facts.unit_id = data.get("unit_id", facts.unit_id)
        elif action == "return":  # back at the intake desk: it counts for its routed unit again
            facts.unit_id = case["routed_unit_id"]
        elif action == "decide_extension" and data.get("approve"):
            due["handle"] = add(due.get("handle") or today, int(data.get("days") or 0))
        elif action == "submit_result":
            facts.finding = data.get("finding")
        elif action == "supervise":
            facts.supervision_level = data.get("level")
            facts.supervision_due = date.fromisoformat(data["due"]) if data.get("due") else None
        elif action == "reopen" or (action == "decide_recurrence" and data.get("decision") == "reopen"):
            met, due["verify"] = {}, None  # a new round: verification starts over
        if action == "recurrence":  # the decision's deadline, as the case recorded it
            due["recurrence"] = date.fromisoformat(data["due"]) if data.get("due") else due.get("recurrence")
        elif action == "decide_recurrence":
            due["recurrence"] = None
        if in_month:
            _count(facts, action, to_state, data, met, today, opened_on, calendar)
        facts.state = to_state
    stage = workflow.STAGE_OF_STATE.get(facts.state)
    facts.overdue = stage is not None and due.get(stage) is not None and due[stage] < following
    return facts


def _count(facts: CaseFacts, action: str, to_state: str, data: dict, met: dict, today: date, opened_on: date,
           calendar: Calendar) -> None:
    """What an event of the month adds to the case's month figures."""
    if action == "accept":
        facts.accepted = True
    elif action == "reject":
        facts.rejected = True
    elif action == "return":
        facts.returned_by.append(data.get("unit_id"))
    elif action == "verify" and to_state == "in_progress":
        facts.reworks += 1
    elif action == "reopen":
        facts.reopenings += 1
        facts.closed = False
    elif action == "recurrence":
        facts.recurrences_raised += 1
    elif action == "decide_recurrence":
        decision = {"reopen": "reopened", "new_case": "new_case", "reject": "rejected"}[data["decision"]]
        setattr(facts, f"recurrences_{decision}", getattr(facts, f"recurrences_{decision}") + 1)
        if decision == "reopened":  # 整改不到位: a reopening too
            facts.reopenings += 1
            facts.closed = False
    elif action == "close":
        facts.closed = True
        facts.closed_on_time = all(met.values())
        facts.days_to_close = calendar.between(opened_on, today)
