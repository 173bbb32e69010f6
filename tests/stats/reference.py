"""The bulletin's case figures as first written, kept to check the faster path against: every open case idle all
month read one by one, and every touched case replayed from its events read as ORM-typed rows with all their data
(not only the actions the faster path reads data of), day by day in Python."""
import bisect
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, String, cast, func, select, type_coerce

from reporter.cases import workflow
from reporter.cases.models import Case, CaseEvent
from reporter.common.timeutil import cst_date
from reporter.extensions import db
from reporter.reports.models import ReportFeedback
from reporter.rewards.models import LedgerEntry, Reward
from reporter.stats.replay import CaseFacts, _clock, _count, _deadline_days
from reporter.workdays.services import add_working_days, is_working_day, working_days_between


class Calendar:
    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.days = [first + timedelta(days=i) for i in range((last - first).days + 1)
                     if is_working_day(first + timedelta(days=i))]

    def add(self, start: date, n: int) -> date:
        if n <= 0:
            return start
        i = bisect.bisect_right(self.days, start) + n - 1
        if start >= self.first and i < len(self.days):
            return self.days[i]
        return add_working_days(start, n)

    def between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        if start >= self.first and end <= self.last:
            return bisect.bisect_right(self.days, end) - bisect.bisect_right(self.days, start)
        return working_days_between(start, end)


def _cst_day(at: datetime) -> date:
    return (at + (timedelta(hours=8) - at.utcoffset())).date()


def replay(case_row: dict, events: list, *, start: datetime, end: datetime, calendar: Calendar) -> CaseFacts:
    facts = CaseFacts(id=case_row["id"], county=case_row["county"], source=case_row["source"],
                      category=case_row["category"], unit_id=case_row["routed_unit_id"])
    days = _deadline_days(case_row["deadline_days"])
    due: dict = {}
    met: dict = {}
    opened_on = cst_date(case_row["created_at"])
    for ev in events:
        action, at, from_state, to_state, data = ev
        data = data or {}
        in_month = at >= start
        if not in_month:
            facts.open_at_start = to_state in workflow.OPEN_STATES
        today = _cst_day(at)
        starts, ends = _clock(from_state, action, to_state)
        for stage in ends:
            met[stage] = due.get(stage) is None or today <= due[stage]
        for stage in starts:
            due[stage] = calendar.add(today, days[stage])
        if action == "open":
            due["accept"] = calendar.add(today, days["accept"])
            facts.received = in_month
            facts.accepted = in_month and to_state == "accepted"
        elif action == "dispatch":
            facts.unit_id = data.get("unit_id", facts.unit_id)
        elif action == "return":
            facts.unit_id = case_row["routed_unit_id"]
        elif action == "decide_extension" and data.get("approve"):
            due["handle"] = calendar.add(due.get("handle") or today, int(data.get("days") or 0))
        elif action == "submit_result":
            facts.finding = data.get("finding")
        elif action == "supervise":
            facts.supervision_level = data.get("level")
            facts.supervision_due = date.fromisoformat(data["due"]) if data.get("due") else None
        elif action == "reopen" or (action == "decide_recurrence" and data.get("decision") == "reopen"):
            met, due["verify"] = {}, None
        if action == "recurrence":
            due["recurrence"] = date.fromisoformat(data["due"]) if data.get("due") else due.get("recurrence")
        elif action == "decide_recurrence":
            due["recurrence"] = None
        if in_month:
            _count(facts, action, to_state, data, met, today, opened_on, calendar)
        facts.state = to_state
    stage = workflow.STAGE_OF_STATE.get(facts.state)
    following = cst_date(end)
    facts.overdue = stage is not None and due.get(stage) is not None and due[stage] < following
    return facts


def case_facts(month, county: str | None = None) -> dict[int, CaseFacts]:
    """Every case with a figure in the month, one CaseFacts each (idle open ones included)."""
    stmt = select(Case.id, Case.county_adcode, Case.source, Case.category,
                  func.coalesce(Case.current_unit_id, Case.routed_unit_id), Case.state, Case.due_on,
                  Case.supervision_level, Case.supervision_due, Case.finding).where(
        Case.state.in_(workflow.OPEN_STATES), Case.created_at < month.start,
        ~select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.at >= month.start).exists())
    if county:
        stmt = stmt.where(Case.county_adcode == county)
    facts = {row[0]: CaseFacts(id=row[0], county=row[1], source=row[2], category=row[3], unit_id=row[4],
                               state=row[5], open_at_start=True,
                               overdue=row[6] is not None and row[6] < month.following,
                               supervision_level=row[7], supervision_due=row[8], finding=row[9])
             for row in db.session.execute(stmt)}
    touched = select(CaseEvent.case_id).where(CaseEvent.at >= month.start)
    rated = select(ReportFeedback.case_id).where(ReportFeedback.created_at >= month.start,
                                                 ReportFeedback.created_at < month.end)
    rewarded = (select(Reward.case_id).join(LedgerEntry, LedgerEntry.reward_id == Reward.id)
                .where(LedgerEntry.kind.in_(("approved", "paid")), LedgerEntry.at >= month.start,
                       LedgerEntry.at < month.end))
    ids = select(touched.union(rated, rewarded).subquery().c[0])
    scope = [Case.id.in_(ids), Case.created_at < month.end] + ([Case.county_adcode == county] if county else [])
    cases = db.session.execute(
        select(Case.id, Case.county_adcode.label("county"), Case.source, Case.category, Case.routed_unit_id,
               Case.created_at, cast(Case.routing["deadline_days"], String).label("deadline_days")).where(*scope)
    ).mappings().all()
    if not cases:
        return facts
    events = defaultdict(list)
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at, CaseEvent.from_state, CaseEvent.to_state,
               type_coerce(CaseEvent.data, JSON)).join(Case, Case.id == CaseEvent.case_id)
        .where(*scope, CaseEvent.at < month.end).order_by(CaseEvent.case_id, CaseEvent.seq))
    for row in rows:
        events[row[0]].append(row[1:])
    earliest = min(cst_date(c["created_at"]) for c in cases)
    calendar = Calendar(earliest, month.following + timedelta(days=400))
    facts.update({c["id"]: replay(c, events[c["id"]], start=month.start, end=month.end, calendar=calendar)
                  for c in cases if events[c["id"]]})
    return facts


def monthly_figures(month: str, inspector_ids: list[int] | None = None) -> list[dict]:
    """Patrol month figures as first written: every finished patrol of the month loaded as an ORM object."""
    from reporter.patrols.effort import judge_day
    from reporter.patrols.models import Patrol
    from reporter.patrols.services import _month_bounds, _problems_found, _setting, effort_rule

    first, following = _month_bounds(month)
    stmt = (select(Patrol).where(Patrol.finished.is_(True), Patrol.day >= first, Patrol.day < following)
            .order_by(Patrol.inspector_id, Patrol.day, Patrol.started_at))
    if inspector_ids is not None:
        stmt = stmt.where(Patrol.inspector_id.in_(inspector_ids))
    by_inspector: dict[int, list] = {i: [] for i in inspector_ids or []}
    for patrol in db.session.execute(stmt).scalars():
        by_inspector.setdefault(patrol.inspector_id, []).append(patrol)
    problems = _problems_found(first, following, list(by_inspector))
    rule = effort_rule()
    out = []
    for inspector_id, patrols in by_inspector.items():
        days: dict = {}
        for patrol in patrols:
            days.setdefault(patrol.day, []).append(patrol)
        day_rows = []
        for day, group in sorted(days.items()):
            in_grid_m = sum(p.in_grid_distance_m or 0.0 for p in group)
            in_grid_s = sum(p.in_grid_s or 0.0 for p in group)
            counts, reasons = judge_day(in_grid_m, in_grid_s, rule)
            day_rows.append({"day": day, "patrols": len(group),
                             "distance_m": round(sum(p.distance_m or 0 for p in group), 1),
                             "in_grid_distance_m": round(in_grid_m, 1), "in_grid_s": round(in_grid_s),
                             "moving_s": round(sum(p.moving_s or 0 for p in group)), "counts": counts,
                             "reasons": reasons, "flags": sorted({f["code"] for p in group for f in p.flags})})
        visited: dict = {}
        cells: dict = {}
        for patrol in patrols:
            visited.setdefault(patrol.grid_id, set()).update(patrol.visited_cells or [])
            cells[patrol.grid_id] = patrol.cell_count or 0
        total_cells = sum(cells.values())
        valid = sum(1 for row in day_rows if row["counts"])
        target = int(_setting("PATROL_MONTHLY_TARGET_DAYS"))
        out.append({
            "inspector_id": inspector_id, "month": first.strftime("%Y-%m"), "days": day_rows, "valid_days": valid,
            "target_days": target, "met_target": valid >= target, "patrols": len(patrols),
            "distance_m": round(sum(r["distance_m"] for r in day_rows), 1),
            "in_grid_distance_m": round(sum(r["in_grid_distance_m"] for r in day_rows), 1),
            "in_grid_s": sum(r["in_grid_s"] for r in day_rows), "moving_s": sum(r["moving_s"] for r in day_rows),
            "coverage_pct": round(100.0 * sum(len(v) for v in visited.values()) / total_cells, 1)
            if total_cells else 0.0,
            "problems_found": problems.get(inspector_id, 0),
        })
    return out
