"""The monthly bulletin (月通报) and ranking (月排名): figures per county, unit and inspector as of the month's end.

Every case figure comes from the append-only case events with `at` before the month's end (CST), ratings and reward
ledger entries by their own timestamps: recomputing a past month after later events gives the same bulletin.
"""
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import (
    Date,
    DateTime,
    Interval,
    String,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union,
    union_all,
)

from reporter.accounts.models import User, UserRole
from reporter.cases import workflow
from reporter.cases.models import Case, CaseEvent
from reporter.common.bulk import among, no_gc_pauses
from reporter.common.timeutil import CST, cst_date
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.geo.models import County, Grid
from reporter.org.models import Unit
from reporter.patrols.models import Observation, Patrol
from reporter.patrols.services import monthly_figures
from reporter.reports.models import ReportFeedback
from reporter.rewards.models import LedgerEntry, Reward
from reporter.rewards.money import yuan
from reporter.stats import replay as replay_module
from reporter.stats import stored
from reporter.stats.ranking import rank
from reporter.stats.replay import Calendar, CaseFacts, cst_day, replay
from reporter.workdays import services as workdays

DEFAULT_MIN_SAMPLE = 5  # fewer closed cases than this: small_sample, listed after the ranked rows, not ranked
CONFIRMED = ("true", "partly_true")  # 属实 / 部分属实
RECURRENCE_FIGURES = ("recurrences_raised", "recurrences_reopened", "recurrences_new_case", "recurrences_rejected")


@dataclass(frozen=True)
class Month:
    """A calendar month in CST: its label, days and UTC instants [start, end)."""

    label: str
    first: date
    following: date
    start: datetime
    end: datetime


def month_of(label: str) -> Month:
    """`YYYY-MM` as a Month (422 on anything else)."""
    try:
        first = date.fromisoformat(f"{label}-01")
    except (TypeError, ValueError):
        raise ValidationFailed(errors={"query": {"month": ["Use YYYY-MM"]}}) from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = datetime.combine(first, datetime.min.time(), CST)
    end = datetime.combine(following, datetime.min.time(), CST)
    return Month(label, first, following, start, end)


def min_sample() -> int:
    """Closed cases a county or unit needs to be ranked (STATS_MIN_SAMPLE)."""
    return int(current_app.config.get("STATS_MIN_SAMPLE", DEFAULT_MIN_SAMPLE))


# ---- loading ------------------------------------------------------------------------------------------------------

@dataclass
class MonthFacts:
    """The month's cases as of its end.

    `cases`: every case replayed from its events, and the cases open and idle all month that need a row of their own
    (督办, rated or rewarded in the month, or a patrol's problem found in it). `idle`: the other open-and-idle cases,
    counted in the database per (county, unit handling it): how many, and how many of them overdue."""

    cases: dict[int, CaseFacts]
    idle: list[tuple[str | None, int | None, int, int]] = field(default_factory=list)


def _core(stmt):
    """Run a select of plain columns as Core on the session's connection: thousands of rows without the ORM's
    per-row bookkeeping."""
    return db.session.connection().execute(stmt)


def _rated_or_rewarded_parts(month: Month):
    """The cases rated during the month, and those with a reward approved or paid during it (two selects)."""
    rated = select(ReportFeedback.case_id).where(ReportFeedback.created_at >= month.start,
                                                 ReportFeedback.created_at < month.end,
                                                 ReportFeedback.case_id.is_not(None))
    rewarded = (select(Reward.case_id).join(LedgerEntry, LedgerEntry.reward_id == Reward.id)
                .where(LedgerEntry.kind.in_(("approved", "paid")), LedgerEntry.at >= month.start,
                       LedgerEntry.at < month.end, Reward.case_id.is_not(None)))
    return rated, rewarded


def _idle_open(month: Month, county: str | None) -> MonthFacts:
    """Cases open now without any event since the month began: open all month, exactly as they are now.

    Only an action changes a case's state, unit, deadlines or flags, and every action appends an event; with none
    since the month began (`last_event_at` before it: the column is the latest event's instant), the case's columns
    are what they were at its start and at its end. Those that need a row of their own come back one by one; the
    others only add to their county's and unit's counts of overdue open cases, so they are counted in the database.
    """
    unit = func.coalesce(Case.current_unit_id, Case.routed_unit_id)
    scope = [Case.state.in_(workflow.OPEN_STATES), Case.last_event_at < month.start, Case.created_at < month.start]
    if county:
        scope.append(Case.county_adcode == county)
    observed = select(Observation.case_id).where(Observation.problem.is_(True), Observation.case_id.is_not(None),
                                                 Observation.t >= month.start, Observation.t < month.end)
    marked = union(*_rated_or_rewarded_parts(month), observed).subquery()
    columns = (Case.id, Case.county_adcode, Case.source, Case.category, unit, Case.state, Case.due_on,
               Case.supervision_level, Case.supervision_due, Case.finding)
    # those with a row of their own: 督办 (its own index), or among the few rated, rewarded or found by a patrol
    own = union(select(*columns).where(*scope, Case.supervision_level.is_not(None)),
                select(*columns).join(marked, marked.c[0] == Case.id).where(*scope))
    cases = {row[0]: CaseFacts(id=row[0], county=row[1], source=row[2], category=row[3], unit_id=row[4],
                               state=row[5], open_at_start=True,
                               overdue=row[6] is not None and row[6] < month.following,
                               supervision_level=row[7], supervision_due=row[8], finding=row[9])
             for row in _core(own)}
    # the others, counted per (county, unit): from the partial index of open cases alone on PostgreSQL
    overdue = func.count(case((Case.due_on < month.following, 1)))
    idle = [(county_adcode, unit_id, n, n_overdue) for county_adcode, unit_id, n, n_overdue in _core(
        select(Case.county_adcode, unit, func.count(), overdue)
        .where(*scope, Case.supervision_level.is_(None), Case.id.not_in(select(marked.c[0])))
        .group_by(Case.county_adcode, unit)) if n]
    return MonthFacts(cases, idle)


def _event_day():
    """The CST date of an event: computed by PostgreSQL; elsewhere the instant itself (the caller takes its date)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", CaseEvent.at) + literal(timedelta(hours=8), Interval()), Date)
    return CaseEvent.at


def case_facts(month: Month, county: str | None = None, *, reuse: bool = True) -> MonthFacts:
    """Every case with a figure in the month, as of its end: replayed from its events, or open and idle all month.

    Replayed: cases with an event since the month began, or rated or rewarded during it. A case closed or rejected
    now with no event since the month began was closed before it: it has no figure. `reuse`: a case's replay kept
    from an earlier request is taken again while what it was computed from is unchanged (see `Replays`); False:
    every case replayed now."""
    with no_gc_pauses():
        return _case_facts(month, county, reuse)


class Replays:
    """Per-case replay results kept in the process (per app) and reused only while provably valid.

    A case's facts for a month are a function of the month, the working-day calendar, the case's own columns the
    replay reads (county, source, category, routed unit, opening instant, deadline days) and its events before the
    month's end. The case's `version` moves with every UPDATE of its row (SQLAlchemy's version counter: the columns)
    and every event is written with one such UPDATE (`seq` = the version it made; the unique (case, seq) refuses an
    event written beside the case's row); events are append-only (never updated or deleted:
    `_events_are_immutable`). The key of a kept result is the version and the latest event's instant (which also
    tells apart a case of the same id and version in a database restored or emptied under the running process), read
    again on every request from the index that finds the month's moved cases; a result whose key differs is replayed
    afresh (its columns and events read then). The working-day data keys the whole store of a month. Nothing expires
    by time (a month's replay is as of its end, not of today): a result is either what a replay would give now, or
    not used."""

    MONTHS = 3  # months kept (the live one, the one before, one more for a request at the turn)

    def __init__(self):
        self._lock = threading.Lock()
        self._months: dict[tuple, dict[int, tuple[tuple, CaseFacts]]] = {}
        self._inspectors: dict[str, dict] = {}
        self._rows: dict[str, dict] = {}
        self._pairs: dict[str, dict] = {}
        self._calendars: dict[tuple, object] = {}

    def month(self, label: str, calendar: object) -> dict[int, tuple[tuple, CaseFacts]]:
        """The month's kept replays, for the working-day data `calendar` (the very object the workdays feature
        answers from: a change of the calendar builds a new one)."""
        key = (label, id(calendar))
        with self._lock:
            kept = self._months.get(key)
            if kept is None:
                for old in [k for k in self._months if k[0] == label or len(self._months) >= self.MONTHS]:
                    self._months.pop(old, None)
                    self._calendars.pop(old, None)
                kept = self._months[key] = {}
                self._calendars[key] = calendar  # kept alive with its replays: its id names no other object
            return kept

    def pairs(self, label: str) -> dict:
        """The month's sums per (county, unit) pair kept (see `area_tables`)."""
        return self._of_month(self._pairs, label)

    def inspector_rows(self, label: str) -> dict:
        """The month's bulletin rows per inspector kept (inspector id → (the figures object, (name, confirmed), the
        row)): reused while made from the very same kept figures, name and count."""
        return self._of_month(self._rows, label)

    def inspectors(self, label: str) -> dict:
        """The month's inspector figures kept (inspector id → (the inputs, the figures): see
        `patrols.services.monthly_figures`, which checks the inputs)."""
        return self._of_month(self._inspectors, label)

    def _of_month(self, store: dict[str, dict], label: str) -> dict:
        """The month's entry of one store (made empty when new; the store emptied once it holds MONTHS months)."""
        with self._lock:
            kept = store.get(label)
            if kept is None:
                if len(store) >= self.MONTHS:
                    store.clear()
                kept = store[label] = {}
            return kept


def _replays() -> Replays:
    return current_app.extensions.setdefault("reporter.stats.replays", Replays())


def _case_facts(month: Month, county: str | None, reuse: bool) -> MonthFacts:
    facts = _idle_open(month, county)
    # the cases with an event since the month began (`last_event_at` is their latest), or rated or rewarded in it,
    # with their version and latest event's instant: the key of a kept replay
    rated, rewarded = _rated_or_rewarded_parts(month)
    scope = [Case.created_at < month.end] + ([Case.county_adcode == county] if county else [])
    latest = type_coerce(Case.last_event_at, DateTime(timezone=True))  # as the driver gives it: only compared
    moved = select(Case.id, Case.version, latest).where(Case.last_event_at >= month.start, *scope)
    marked_ids = union(rated, rewarded).subquery()
    marked = select(Case.id, Case.version, latest).join(marked_ids, marked_ids.c[0] == Case.id).where(*scope)
    rows = {row[0]: row[1:] for row in _core(union_all(moved, marked)).tuples().all()}.items()  # in both: once
    if not rows:
        return facts
    # keyed on the loaded working-day years `is_working_day` answers from (rebuilt as a new object on a change)
    kept = _replays().month(month.label, workdays._overrides.get()) if reuse else {}
    stale = {}
    for case_id, key in rows:
        found = kept.get(case_id)
        if found is not None and found[0] == key:
            facts.cases[case_id] = found[1]
        else:
            stale[case_id] = key
    if not stale:
        return facts
    keys = ("id", "county", "source", "category", "routed_unit_id", "created_at", "deadline_days")
    cases = {row[0]: dict(zip(keys, row, strict=True)) for row in _core(
        select(Case.id, Case.county_adcode, Case.source, Case.category, Case.routed_unit_id, Case.created_at,
               cast(Case.routing["deadline_days"], String)).where(among(Case.id, list(stale)))).tuples()}
    events: dict[int, list] = {case_id: [] for case_id in cases}
    data = case((CaseEvent.action.in_(replay_module.DATA_ACTIONS), cast(CaseEvent.data, String)), else_=None)
    rows = _core(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at >= month.start, _event_day(), CaseEvent.from_state,
               CaseEvent.to_state, data)
        .where(among(CaseEvent.case_id, list(cases)), CaseEvent.at < month.end)
        .order_by(CaseEvent.case_id, CaseEvent.seq)).tuples().all()
    if db.session.get_bind().dialect.name != "postgresql":  # the instant came back: take its CST date here
        rows = [(case_id, action, in_month, cst_day(at), *rest) for case_id, action, in_month, at, *rest in rows]
    parsed: dict[str, dict | None] = {}  # the same few data texts recur (a unit, a finding): each decoded once
    for case_id, action, in_month, day, from_state, to_state, text in rows:
        if text is not None:
            if text not in parsed:
                parsed[text] = json.loads(text)
            text = parsed[text]
        events[case_id].append((action, in_month, day, from_state, to_state, text))
    opened = {case_id: cst_date(c["created_at"]) for case_id, c in cases.items()}
    calendar = Calendar(min(opened.values()), month.following + timedelta(days=400))
    for case_id, c in cases.items():
        if events[case_id]:
            replayed = facts.cases[case_id] = replay(c, events[case_id], opened_on=opened[case_id],
                                                     following=month.following, calendar=calendar)
            kept[case_id] = (stale[case_id], replayed)
    return facts


# ---- figures per county and unit ----------------------------------------------------------------------------------

def _blank() -> dict:
    return {"received": 0, "received_by_source": Counter(), "received_by_category": Counter(), "accepted": 0,
            "rejected": 0, "closed": 0, "closed_on_time": 0, "overdue_open": 0, "days_to_close": [], "returns": 0,
            "reworks": 0, "reopenings": 0, "recurrences_raised": 0, "recurrences_reopened": 0,
            "recurrences_new_case": 0, "recurrences_rejected": 0, "supervised": 0, "supervised_open": 0,
            "supervised_closed": 0,
            "supervised_overdue": 0, "ratings": [], "rewards_approved": 0, "rewards_approved_fen": 0,
            "rewards_paid": 0, "rewards_paid_fen": 0}


def _add_case(row: dict, facts: CaseFacts, following: date) -> None:
    if facts.received:
        row["received"] += 1
        row["received_by_source"][facts.source] += 1
        row["received_by_category"][facts.category] += 1
    row["accepted"] += facts.accepted
    row["rejected"] += facts.rejected
    row["reworks"] += facts.reworks
    row["reopenings"] += facts.reopenings
    for name in RECURRENCE_FIGURES:
        row[name] += getattr(facts, name)
    row["overdue_open"] += facts.is_open and facts.overdue
    if facts.closed:
        row["closed"] += 1
        row["closed_on_time"] += facts.closed_on_time
        row["days_to_close"].append(facts.days_to_close)
    if facts.supervision_level and facts.active:
        row["supervised"] += 1
        row["supervised_open"] += facts.is_open
        row["supervised_closed"] += facts.state == "closed"
        row["supervised_overdue"] += facts.is_open and facts.supervision_due is not None \
            and facts.supervision_due < following


def _pair_sums(cases: list[CaseFacts], following: date, kept: dict | None, pair: tuple) -> dict:
    """The sums of the cases of one (county, unit) pair; from `kept` when they are the very objects summed before
    (kept replays are never changed, and are kept alive by the list stored beside their sums)."""
    same = frozenset(map(id, cases))
    found = kept.get(pair) if kept is not None else None
    if found is not None and found[0] == same:
        return found[2]
    row = _blank()
    for f in cases:
        _add_case(row, f, following)
    if kept is not None:
        kept[pair] = (same, cases, row)
    return row


def _merge(into: dict, row: dict) -> None:
    """Add one row's sums (counts, counters, lists of days and ratings) to another's."""
    for name, value in row.items():
        if isinstance(value, Counter):
            counter = into[name]
            for key, n in value.items():
                counter[key] += n
        elif isinstance(value, list):
            into[name].extend(value)
        else:
            into[name] += value


_MERGED = ("merged",)  # in the kept pair sums: the county and unit sums they were merged into


def _merged(sums: dict[tuple, dict], kept: dict | None) -> tuple[defaultdict, defaultdict]:
    """The pairs' sums merged per county and per unit, as fresh rows the caller may add to. Taken from `kept` when
    every pair's sums are the very rows merged before (held there, so no row of theirs can be freed and another take
    its place)."""
    found = kept.get(_MERGED) if kept is not None else None
    if found is None or len(found[0]) != len(sums) or any(found[0].get(pair) is not row
                                                          for pair, row in sums.items()):
        counties, units = defaultdict(_blank), defaultdict(_blank)
        for (county, unit_id), row in sums.items():
            _merge(counties[county], row)
            _merge(units[unit_id], row)
        found = (dict(sums), dict(counties), dict(units))
        if kept is not None:
            kept[_MERGED] = found
    return (defaultdict(_blank, {k: _copied(row) for k, row in found[1].items()}),
            defaultdict(_blank, {k: _copied(row) for k, row in found[2].items()}))


def _copied(row: dict) -> dict:
    """A row of sums the caller may change without touching the original (counters and lists copied)."""
    return {name: Counter(value) if isinstance(value, Counter) else list(value) if isinstance(value, list) else value
            for name, value in row.items()}


def _finish(row: dict) -> dict:
    """Rates, means and money text from the sums."""
    closed, days, ratings = row["closed"], row.pop("days_to_close"), row.pop("ratings")
    row["received_by_source"] = dict(sorted(row["received_by_source"].items()))
    row["received_by_category"] = dict(sorted(row["received_by_category"].items()))
    row["on_time_pct"] = round(100.0 * row["closed_on_time"] / closed, 1) if closed else None
    row["avg_working_days_to_close"] = round(sum(days) / len(days), 1) if days else None
    row["satisfaction_count"] = len(ratings)
    row["satisfaction_mean"] = round(sum(ratings) / len(ratings), 2) if ratings else None
    row["rewards_approved_yuan"] = yuan(row["rewards_approved_fen"])
    row["rewards_paid_yuan"] = yuan(row["rewards_paid_fen"])
    return row


def _month_money_and_ratings(month: Month):
    """(case_id, rating) rated in the month and (case_id, kind, fen) reward entries approved or paid in it."""
    ratings = db.session.execute(select(ReportFeedback.case_id, ReportFeedback.rating).where(
        ReportFeedback.created_at >= month.start, ReportFeedback.created_at < month.end))
    money = db.session.execute(
        select(Reward.case_id, LedgerEntry.kind, LedgerEntry.amount_fen)
        .join(LedgerEntry, LedgerEntry.reward_id == Reward.id)
        .where(LedgerEntry.kind.in_(("approved", "paid")), LedgerEntry.at >= month.start, LedgerEntry.at < month.end))
    return ratings.all(), money.all()


def area_tables(month: Month, month_facts: MonthFacts, kept: dict | None = None) -> tuple[list[dict], list[dict]]:
    """The per-county rows (every county) and per-unit rows (every unit with a figure). `kept`: the sums per (county,
    unit) pair of an earlier call for the month, reused for a pair whose cases are the very same kept replays."""
    facts = month_facts.cases
    members = defaultdict(list)  # each case added once, to its (county, unit) pair; the pairs summed into both
    for f in facts.values():
        members[f.county, f.unit_id].append(f)
    sums = {pair: _pair_sums(cases, month.following, kept, pair) for pair, cases in members.items()}
    counties, units = _merged(sums, kept)
    for county, unit_id, _, overdue in month_facts.idle:  # open all month, idle, no row of their own
        counties[county]["overdue_open"] += overdue
        units[unit_id]["overdue_open"] += overdue
    for f in facts.values():
        for unit_id in f.returned_by:
            units[unit_id]["returns"] += 1
            counties[f.county]["returns"] += 1
    ratings, money = _month_money_and_ratings(month)
    for case_id, rating in ratings:
        if case_id in facts:
            counties[facts[case_id].county]["ratings"].append(rating)
            units[facts[case_id].unit_id]["ratings"].append(rating)
    for case_id, kind, fen in money:
        if case_id in facts:
            for row in (counties[facts[case_id].county], units[facts[case_id].unit_id]):
                row[f"rewards_{kind}"] += 1
                row[f"rewards_{kind}_fen"] += int(fen or 0)
    county_rows = [{"adcode": c.adcode, "name": c.name, **_finish(counties.get(c.adcode) or _blank())}
                   for c in db.session.execute(select(County).order_by(County.adcode)).scalars()]
    known = {u.id: u for u in db.session.execute(select(Unit).where(Unit.id.in_(
        [i for i in units if i is not None])))
        .scalars()}
    unit_rows = [{"unit_id": unit_id, "code": known[unit_id].code, "name": known[unit_id].name,
                  "county_adcode": known[unit_id].county_adcode, **_finish(units[unit_id])}
                 for unit_id in sorted(known, key=lambda i: known[i].code)]
    return county_rows, unit_rows


def supervised_cases(month: Month, facts: dict[int, CaseFacts]) -> list[dict]:
    """督办 cases open at some time in the month, with their level, due date and status at the month's end."""
    names = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    rows = []
    for f in sorted(facts.values(), key=lambda f: f.id):
        if f.supervision_level and f.active:
            rows.append({"case_id": f.id, "county_adcode": f.county, "unit": names.get(f.unit_id),
                         "level": f.supervision_level, "due": f.supervision_due, "state": f.state,
                         "overdue": f.is_open and f.supervision_due is not None
                         and f.supervision_due < month.following})
    return rows


# ---- inspectors ---------------------------------------------------------------------------------------------------

def _confirmed(month: Month, facts: dict[int, CaseFacts]) -> dict[int, int]:
    """Problems each inspector found in the month whose case was found 属实 or 部分属实 by the month's end."""
    rows = db.session.execute(
        select(Patrol.inspector_id, Observation.case_id).join(Observation, Observation.patrol_id == Patrol.id)
        .where(Observation.problem.is_(True), Observation.case_id.is_not(None), Observation.t >= month.start,
               Observation.t < month.end)).all()
    confirmed = Counter()
    for inspector_id, case_id in rows:
        f = facts.get(case_id)
        confirmed[inspector_id] += bool(f and f.finding in CONFIRMED)
    return confirmed


def inspector_table(month: Month, facts: dict[int, CaseFacts], county: str | None = None, *,
                    reuse: bool = False) -> list[dict]:
    """Per inspector: valid patrol days against the target, km, hours in grid, coverage, problems, flags."""
    stmt = (select(User.id, User.display_name, User.username, Unit.county_adcode)
            .join(UserRole, UserRole.user_id == User.id).outerjoin(Unit, Unit.id == User.unit_id)
            .where(UserRole.role == "inspector", User.is_active.is_(True)).order_by(User.id))
    people = db.session.execute(stmt).all()
    if county:
        in_county = set(db.session.execute(
            select(Patrol.inspector_id).join(Grid, Grid.id == Patrol.grid_id)
            .where(Patrol.day >= month.first, Patrol.day < month.following, Grid.county_adcode == county)).scalars())
        people = [p for p in people if p.id in in_county or p.county_adcode == county]
    if not people:
        return []
    kept = _replays().inspectors(month.label) if reuse else None
    figures = {row["inspector_id"]: row for row in monthly_figures(month.first, [p.id for p in people], kept)}
    confirmed = _confirmed(month, facts)
    made = _replays().inspector_rows(month.label) if reuse else {}
    rows = []
    for person in people:
        fig = figures[person.id]
        inputs = (person.display_name or person.username or str(person.id), confirmed.get(person.id, 0))
        found = made.get(person.id)  # the row made before from the very same figures, name and confirmed count
        if found is not None and found[0] is fig and found[1] == inputs:
            rows.append(found[2])
            continue
        row = _inspector_row(person.id, *inputs, fig)
        if reuse:
            made[person.id] = (fig, inputs, row)  # the figures held: no freed object's id is reused
        rows.append(row)
    return rows


def _inspector_row(inspector_id: int, name: str, confirmed: int, fig: dict) -> dict:
    """An inspector's bulletin row from their month figures."""
    flags = Counter(code for day in fig["days"] for code in day["flags"])
    return {"inspector_id": inspector_id, "name": name, "valid_days": fig["valid_days"],
            "target_days": fig["target_days"], "met_target": fig["met_target"], "patrols": fig["patrols"],
            "km": round(fig["distance_m"] / 1000, 2), "in_grid_hours": round(fig["in_grid_s"] / 3600, 2),
            "coverage_pct": fig["coverage_pct"], "problems_found": fig["problems_found"],
            "problems_confirmed": confirmed, "flags_raised": sum(flags.values()), "flags": dict(sorted(flags.items()))}


# ---- the bulletin -------------------------------------------------------------------------------------------------

# Tables other features add to the bulletin (registers: campaigns, undercover coverage): name → rows(month, county).
SECTIONS: dict[str, Callable[[Month, str | None], list[dict]]] = {}


def register_section(name: str, rows: Callable[[Month, str | None], list[dict]]) -> None:
    """Add a table to every bulletin, computed as of the month's end (and for one county when it is asked)."""
    SECTIONS[name] = rows


def bulletin(label: str, *, county: str | None = None, fresh: bool = False) -> dict:
    """The monthly bulletin and ranking for `YYYY-MM` (one county's, or the whole city's): a finished month's figures
    stored once computed (`fresh`: computed now all the same, nothing stored), the other features' sections as of
    the month's end from those features."""
    month = month_of(label)
    with no_gc_pauses():
        if fresh:
            figures = figures_of(month, county, reuse=False)
        else:
            figures = stored.stored_or_computed(month, county, lambda: figures_of(month, county),
                                                lambda kept: kept["min_sample"] == min_sample())
        return {**figures, **{name: rows(month, county) for name, rows in SECTIONS.items()}}


def figures_of(month: Month, county: str | None, *, reuse: bool = True) -> dict:
    """The bulletin's own figures computed now, from the events (what the stored ones must equal); `reuse`: with the
    per-case replays and inspector figures kept while valid (False: everything computed from scratch)."""
    month_facts = case_facts(month, county, reuse=reuse)
    facts = month_facts.cases
    county_rows, unit_rows = area_tables(month, month_facts, _replays().pairs(month.label) if reuse else None)
    if county:
        county_rows = [row for row in county_rows if row["adcode"] == county]
        unit_rows = [row for row in unit_rows if row["county_adcode"] == county]
    inspectors = inspector_table(month, facts, county, reuse=reuse)
    smallest = min_sample()
    return {
        "month": month.label, "as_of": month.end, "county": county, "min_sample": smallest,
        "counties": county_rows, "units": unit_rows, "inspectors": inspectors,
        "supervised_cases": [c for c in supervised_cases(month, facts) if not county or c["county_adcode"] == county],
        "rankings": {
            "counties": rank(county_rows, "on_time_pct", sample="closed", minimum=smallest, key=("adcode", "name")),
            "units": rank(unit_rows, "on_time_pct", sample="closed", minimum=smallest, key=("unit_id", "name")),
            "inspectors": rank(inspectors, "valid_days", key=("inspector_id", "name")),
        },
    }


def case_counts_baseline(label: str) -> list[tuple]:
    """One SQL aggregate: cases opened in the month per county and state (the benchmark's yardstick)."""
    month = month_of(label)
    return db.session.execute(
        select(Case.county_adcode, Case.state, func.count()).where(Case.created_at >= month.start,
                                                                   Case.created_at < month.end)
        .group_by(Case.county_adcode, Case.state)).all()
