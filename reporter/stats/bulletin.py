"""The monthly bulletin (月通报) and ranking (月排名): figures per county, unit and inspector as of the month's end.

Every case figure comes from the append-only case events with `at` before the month's end (CST), ratings and reward
ledger entries by their own timestamps: recomputing a past month after later events gives the same bulletin.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, DateTime, String, case, cast, func, select, type_coerce

from reporter.accounts.models import User, UserRole
from reporter.cases import workflow
from reporter.cases.models import Case, CaseEvent
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
from reporter.stats.ranking import rank
from reporter.stats.replay import Calendar, CaseFacts, replay

DEFAULT_MIN_SAMPLE = 5  # fewer closed cases than this: small_sample, listed after the ranked rows, not ranked
CONFIRMED = ("true", "partly_true")  # 属实 / 部分属实


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

def _touched(month: Month):
    """Cases with an event since the month began, or rated or rewarded during it: these are replayed."""
    touched = select(CaseEvent.case_id).where(CaseEvent.at >= month.start)
    rated = select(ReportFeedback.case_id).where(ReportFeedback.created_at >= month.start,
                                                 ReportFeedback.created_at < month.end)
    rewarded = (select(Reward.case_id).join(LedgerEntry, LedgerEntry.reward_id == Reward.id)
                .where(LedgerEntry.kind.in_(("approved", "paid")), LedgerEntry.at >= month.start,
                       LedgerEntry.at < month.end))
    return touched.union(rated, rewarded)


def _idle_open(month: Month, county: str | None) -> dict[int, CaseFacts]:
    """Cases open now without any event since the month began: open all month, exactly as they are now.

    Only an action changes a case's state, unit, deadlines or flags, and every action appends an event; with none
    since the month began, the case's columns are what they were at its start and at its end.
    """
    stmt = select(Case.id, Case.county_adcode, Case.source, Case.category,
                  func.coalesce(Case.current_unit_id, Case.routed_unit_id), Case.state, Case.due_on,
                  Case.supervision_level, Case.supervision_due, Case.finding).where(
        Case.state.in_(workflow.OPEN_STATES), Case.created_at < month.start,
        ~select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.at >= month.start).exists())
    if county:
        stmt = stmt.where(Case.county_adcode == county)
    return {row[0]: CaseFacts(id=row[0], county=row[1], source=row[2], category=row[3], unit_id=row[4],
                              state=row[5], open_at_start=True, overdue=row[6] is not None and row[6] < month.following,
                              supervision_level=row[7], supervision_due=row[8], finding=row[9])
            for row in db.session.execute(stmt)}


def case_facts(month: Month, county: str | None = None) -> dict[int, CaseFacts]:
    """Every case with a figure in the month, as of its end: replayed from its events, or open and idle all month.

    A case closed or rejected now with no event since the month began was closed before it: it has no figure.
    """
    facts = _idle_open(month, county)
    ids = select(_touched(month).subquery().c[0])
    scope = [Case.id.in_(ids), Case.created_at < month.end] + ([Case.county_adcode == county] if county else [])
    cases = db.session.execute(
        select(Case.id, Case.county_adcode.label("county"), Case.source, Case.category, Case.routed_unit_id,
               Case.created_at, cast(Case.routing["deadline_days"], String).label("deadline_days")).where(*scope)
    ).mappings().all()
    if not cases:
        return facts
    events = defaultdict(list)
    needs_data = case((CaseEvent.action.in_(replay_module.DATA_ACTIONS), CaseEvent.data), else_=None)
    # PostgreSQL hands back aware instants already: skip UTCDateTime's per-row conversion (the replay reads offsets).
    at = CaseEvent.at if db.engine.dialect.name == "sqlite" else type_coerce(CaseEvent.at, DateTime(timezone=True))
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.action, at, CaseEvent.from_state, CaseEvent.to_state,
               type_coerce(needs_data, JSON)).join(Case, Case.id == CaseEvent.case_id)
        .where(*scope, CaseEvent.at < month.end)
        .order_by(CaseEvent.case_id, CaseEvent.seq))
    for row in rows:
        events[row[0]].append(row[1:])
    earliest = min(cst_date(c["created_at"]) for c in cases)
    calendar = Calendar(earliest, month.following + timedelta(days=400))
    facts.update({c["id"]: replay(c, events[c["id"]], start=month.start, end=month.end, calendar=calendar)
                  for c in cases if events[c["id"]]})
    return facts


# ---- figures per county and unit ----------------------------------------------------------------------------------

def _blank() -> dict:
    return {"received": 0, "received_by_source": Counter(), "received_by_category": Counter(), "accepted": 0,
            "rejected": 0, "closed": 0, "closed_on_time": 0, "overdue_open": 0, "days_to_close": [], "returns": 0,
            "reworks": 0, "reopenings": 0, "supervised": 0, "supervised_open": 0, "supervised_closed": 0,
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


def area_tables(month: Month, facts: dict[int, CaseFacts]) -> tuple[list[dict], list[dict]]:
    """The per-county rows (every county) and per-unit rows (every unit with a figure)."""
    counties = defaultdict(_blank)
    units = defaultdict(_blank)
    for f in facts.values():
        _add_case(counties[f.county], f, month.following)
        _add_case(units[f.unit_id], f, month.following)
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


def inspector_table(month: Month, facts: dict[int, CaseFacts], county: str | None = None) -> list[dict]:
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
    figures = {row["inspector_id"]: row for row in monthly_figures(month.first, [p.id for p in people])}
    confirmed = _confirmed(month, facts)
    rows = []
    for person in people:
        fig = figures[person.id]
        flags = Counter(code for day in fig["days"] for code in day["flags"])
        rows.append({"inspector_id": person.id, "name": person.display_name or person.username or str(person.id),
                     "valid_days": fig["valid_days"], "target_days": fig["target_days"],
                     "met_target": fig["met_target"], "patrols": fig["patrols"],
                     "km": round(fig["distance_m"] / 1000, 2), "in_grid_hours": round(fig["in_grid_s"] / 3600, 2),
                     "coverage_pct": fig["coverage_pct"], "problems_found": fig["problems_found"],
                     "problems_confirmed": confirmed.get(person.id, 0), "flags_raised": sum(flags.values()),
                     "flags": dict(sorted(flags.items()))})
    return rows


# ---- the bulletin -------------------------------------------------------------------------------------------------

def bulletin(label: str, *, county: str | None = None) -> dict:
    """The monthly bulletin and ranking for `YYYY-MM` (one county's, or the whole city's)."""
    month = month_of(label)
    facts = case_facts(month, county)
    county_rows, unit_rows = area_tables(month, facts)
    if county:
        county_rows = [row for row in county_rows if row["adcode"] == county]
        unit_rows = [row for row in unit_rows if row["county_adcode"] == county]
    inspectors = inspector_table(month, facts, county)
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
