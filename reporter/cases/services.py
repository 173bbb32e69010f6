"""The case rules: opening a case, the single entry point for actions, lists, timelines and the overdue sweep."""
import math
import re
from datetime import datetime, timedelta

import marshmallow as ma
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from reporter.accounts.models import User, UserRole
from reporter.cases import workflow
from reporter.cases.effects import Step, attach_photos, deadline_days, involve_units
from reporter.cases.models import FEEDBACK_SOURCES, SOURCES, STAFF_SOURCES, Case, CaseEvent, Recurrence
from reporter.cases.reactions import DETAIL_SECTIONS, publish, register_detail_section, subscribe
from reporter.cases.scope import sees_all_handled_by, supervises, visible_cases_query
from reporter.common.search import contains
from reporter.common.timeutil import cst_date, utcnow
from reporter.errors import Conflict, Forbidden, InvalidTransition, NotFound, PreconditionFailed, ValidationFailed
from reporter.extensions import db
from reporter.geo.coords import distance_m
from reporter.geo.models import GridInspector
from reporter.org.models import Unit
from reporter.routing.services import route
from reporter.workdays.services import add_working_days

__all__ = ["open_case", "perform", "visible_cases_query", "public_timeline", "subscribe", "register_detail_section",
           "find_nearby_open_case", "get_case", "list_cases", "case_events", "detail_sections", "sweep_overdue",
           "verification_tasks", "enter_case", "overdue_counts", "raise_recurrence", "recurrences_of",
           "recurrence_of_report"]

OPENING_ROLE = {"citizen_report": "resident", "patrol": "inspector"}
_NUMBER = re.compile(r"^\s*(?:QL\d{4}-)?0*(\d{1,9})\s*$", re.IGNORECASE)


def _append_event(case: Case, action: str, actor: User | None, role: str, from_state: str | None, *, at: datetime,
                  seq: int, internal_comment=None, public_comment=None, data=None) -> CaseEvent:
    """Add the event of an action (never updated or deleted afterwards) and move the case's `last_event_at` to it
    (the one writer of case events: the column is the latest of their instants)."""
    if case.last_event_at is None or at > case.last_event_at:
        case.last_event_at = at
    # A resident's identity never travels with the case: the report that opened it knows who reported.
    anonymous = role == "resident"
    event = CaseEvent(case_id=case.id, seq=seq, action=action, actor_role=role, at=at,
                      actor_id=None if anonymous or actor is None else actor.id,
                      actor_unit_id=None if anonymous or actor is None else actor.unit_id,
                      from_state=from_state, to_state=case.state, internal_comment=internal_comment,
                      public_comment=public_comment, data=data or {})
    db.session.add(event)
    return event


def open_case(*, source: str, category: str, lat: float, lng: float, description: str, actor: User,
              state: str = "submitted", photo_ids=(), address: str | None = None, occurred_at=None, at=None,
              public_comment: str | None = None, external_ref: str | None = None) -> Case:
    """Route and create a case with its first event, in the caller's transaction (flushed, not committed)."""
    if source not in SOURCES:
        raise ValidationFailed(errors={"json": {"source": [f"Must be one of {', '.join(SOURCES)}"]}})
    if source in FEEDBACK_SOURCES and not external_ref:
        raise ValidationFailed(errors={"json": {"external_ref": ["The feedback's reference (反馈编号) is needed"]}})
    if state not in workflow.INITIAL_STATES:
        raise ValidationFailed(errors={"json": {"state": [f"A case starts {' or '.join(workflow.INITIAL_STATES)}"]}})
    at = at or utcnow()
    routed = route(category, lat, lng, at=at)
    lead = list(routed.lead_unit_ids)
    case = Case(source=source, category=category, description=description, external_ref=external_ref or None,
                lat=lat, lng=lng, address=address,
                occurred_at=occurred_at, county_adcode=routed.place.county_adcode, zone=routed.place.zone,
                grid_id=routed.place.grid_id, routing=routed.snapshot(), routed_unit_id=lead[0] if lead else None,
                state=state, created_at=at, updated_at=at, last_event_at=at, accept_due=routed.deadlines["accept"],
                sign_due=routed.deadlines["sign"], handle_due=routed.deadlines["handle"])
    case.due_on = workflow.due_on(case)
    db.session.add(case)
    db.session.flush()
    involve_units(case, [(unit_id, relation) for relation, unit_ids in (
        ("lead", lead), ("cooperating", routed.cooperating_unit_ids), ("supervising", routed.supervising_unit_ids),
        ("government", [routed.government_unit_id] if routed.government_unit_id else [])) for unit_id in unit_ids])
    step = Step(case=case, actor=actor, payload={"photo_ids": list(photo_ids)}, at=at, today=cst_date(at))
    attach_photos(step)
    role = OPENING_ROLE.get(source) or next((r for r in ("supervisor", "inspector", "officer") if actor.has_role(r)),
                                            actor.roles[0] if actor.roles else "system")
    event = _append_event(case, "open", actor, role, None, at=at, seq=1, public_comment=public_comment,
                          data={"source": source, "routing_version": routed.version_number, **step.data,
                                **({"external_ref": external_ref} if external_ref else {})})
    publish(workflow.SYSTEM_EVENTS["open"], case, event)
    return case


def raise_recurrence(case: Case, report_id: str, at: datetime) -> Recurrence:
    """疑似反弹回潮: a report near a recently closed case of its category waits for a supervisor's decision (with a
    deadline), in the caller's transaction; the case stays closed and its event tells its history."""
    recurrence = Recurrence(case_id=case.id, report_id=report_id, raised_at=at, state="pending")
    db.session.add(recurrence)
    if case.recurrence_due is None:  # the first report of a round starts the decision's clock
        case.recurrence_due = add_working_days(cst_date(at), deadline_days(case, "recurrence"))
        case.recurrence_met = None
        case.due_on = workflow.due_on(case)
    case.updated_at = at
    event = _append_event(case, "recurrence", None, "resident", case.state, at=at, seq=case.version + 1,
                          data={"report_id": report_id, "due": case.recurrence_due.isoformat()})
    db.session.flush()
    publish(workflow.SYSTEM_EVENTS["recurrence"], case, event)
    return recurrence


def recurrence_of_report(report_id: str) -> Recurrence | None:
    """The recurrence a report raised, if it raised one."""
    return db.session.execute(select(Recurrence).where(Recurrence.report_id == report_id)).scalar_one_or_none()


def recurrences_of(case_ids) -> dict[int, list[dict]]:
    """The recurrences raised on each of these cases, oldest first (for registers: a site shows its recurrences)."""
    ids = list(case_ids)
    found: dict[int, list[dict]] = {case_id: [] for case_id in ids}
    if not ids:
        return found
    rows = db.session.execute(select(Recurrence).where(Recurrence.case_id.in_(ids))
                              .order_by(Recurrence.raised_at, Recurrence.id)).scalars()
    for r in rows:
        found[r.case_id].append({"case_id": r.case_id, "report_id": r.report_id, "raised_at": r.raised_at,
                                 "state": r.state, "decided_at": r.decided_at, "reason": r.reason,
                                 "new_case_id": r.new_case_id})
    return found


def get_case(case_id: int, actor: User) -> Case:
    """A case the actor may read; 404 otherwise (its existence is not revealed)."""
    case = db.session.execute(visible_cases_query(actor).where(Case.id == case_id)).scalar_one_or_none()
    if case is None:
        raise NotFound("No such case")
    return case


def perform(case_id: int, action: str, actor: User, payload: dict, *, expected_version: int | None,
            at: datetime | None = None) -> Case:
    """Apply one action of the workflow table to a case, append its event, run the reactions; commit once."""
    try:
        case = get_case(case_id, actor)
        rows = workflow.transitions_for(case.state, action)
        if not rows:
            allowed = workflow.allowed_actions(case.state)
            raise InvalidTransition(
                f"'{action}' is not allowed for a case that is {case.state}; allowed: {', '.join(allowed) or 'none'}",
                errors={"json": {"action": [f"Not allowed in state {case.state}"]}, "allowed_actions": allowed})
        role = workflow.acting_role(rows, actor, case)
        if role is None:
            raise Forbidden(f"You may not {action} this case")
        # The precondition after the answers the request would get without it (RFC 9110 §13.2.1): a stale
        # If-Match does not hide that the action is not allowed now, or not for this user.
        if expected_version is not None and case.version != expected_version:
            raise PreconditionFailed()
        try:
            data = rows[0].schema().load({k: v for k, v in payload.items() if k != "action"})
        except ma.ValidationError as exc:
            raise ValidationFailed(errors={"json": exc.messages}) from None
        row = workflow.choose(rows, data)
        if row.guard and (reason := row.guard(case)):
            raise Conflict(reason, error="action_unavailable")
        at = at or utcnow()
        step = Step(case=case, actor=actor, payload=data, at=at, today=cst_date(at),
                    public_comment=data.get("public_comment"))
        from_state, seq = case.state, case.version + 1
        with db.session.no_autoflush:  # one UPDATE of the case per action: its version moves by exactly one
            for effect in row.effects:
                effect(step)
            case.state = row.target(case)
            case.due_on = workflow.due_on(case)
            case.updated_at = at
            event = _append_event(case, action, actor, role, from_state, at=at, seq=seq,
                                  internal_comment=data.get("internal_comment"), public_comment=step.public_comment,
                                  data=step.data)
        db.session.flush()
        publish(row.event, case, event)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise PreconditionFailed() from None
    except BaseException:
        db.session.rollback()
        raise
    return case


def enter_case(actor: User, data: dict) -> Case:
    """A case entered by staff (video, undercover, a superior's referral, inspection or audit feedback); committed."""
    if data["source"] not in STAFF_SOURCES:
        raise ValidationFailed(errors={"json": {"source": [f"Staff enter {', '.join(STAFF_SOURCES)} cases"]}})
    try:
        case = open_case(actor=actor, **data)
        if not supervises(actor, case):
            raise Forbidden("The place is outside your county")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return case


def _search(q: str):
    """`q`: a case number (QL2026-000123 or 123), or words in the description or address."""
    match = _NUMBER.match(q)
    if match:
        return Case.id == int(match.group(1))
    return contains(q, Case.description, Case.address)


def _unit_id(unit: str) -> int | None:
    """A unit filter given by id or by code."""
    if unit.isdecimal() and unit.isascii():
        return int(unit)
    return db.session.execute(select(Unit.id).where(Unit.code == unit)).scalar()


SORTS = {
    "newest": (Case.created_at.desc(), Case.id.desc()),
    "age": (Case.created_at.asc(), Case.id.asc()),  # oldest first
    "deadline": (Case.due_on.asc().nulls_last(), Case.id.asc()),
}


def list_cases(actor: User, args: dict, *, today=None):
    """The select behind GET /cases: the actor's scope, the API.md filters, the chosen order."""
    today = today or cst_date(utcnow())
    unit_id = _unit_id(args["unit"]) if args.get("unit") else None
    stmt = select(Case) if unit_id is not None and sees_all_handled_by(actor, unit_id) else visible_cases_query(actor)
    if args.get("unit"):  # an unknown unit code matches nothing (not the unassigned cases)
        stmt = stmt.where(Case.current_unit_id == unit_id if unit_id is not None else false())
    if args.get("status"):
        stmt = stmt.where(Case.state.in_(args["status"]))
    for name, column in (("county", Case.county_adcode), ("category", Case.category), ("source", Case.source)):
        if args.get(name):
            stmt = stmt.where(column == args[name])
    if args.get("overdue") is not None:
        late = Case.due_on < today
        stmt = stmt.where(late if args["overdue"] else or_(Case.due_on.is_(None), ~late))
    supervised = args.get("supervised")
    if supervised in ("city", "county"):
        stmt = stmt.where(Case.supervision_level == supervised)
    elif supervised is not None:
        level = Case.supervision_level
        stmt = stmt.where(level.is_not(None) if supervised == "true" else level.is_(None))
    if args.get("q"):
        stmt = stmt.where(_search(args["q"]))
    if args.get("recurrence") == "pending":  # 疑似反弹回潮 waiting for a decision: the supervisors' work list
        stmt = stmt.where(Case.recurrence_due.is_not(None))
    for name, column in (("returned", Case.return_count), ("reworked", Case.rework_count)):
        if args.get(name) is not None:
            stmt = stmt.where(column > 0 if args[name] else column == 0)
    if args.get("extension") == "pending":
        stmt = stmt.where(Case.extension_requested_days.is_not(None))
    return stmt.order_by(*SORTS[args.get("sort") or "newest"])


def case_events(case_id: int) -> list[CaseEvent]:
    """The case's history, oldest first."""
    return list(db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.seq)).scalars())


def detail_sections(case: Case, actor: User) -> dict:
    """What other features add to a case's detail view (e.g. its reports), for this reader."""
    return {name: fn(case, actor) for name, fn in DETAIL_SECTIONS.items()}


RECURRENCE_STATUS = {"reopen": "in_progress", "new_case": "new_case", "reject": "rejected"}


def public_timeline(case_id: int, *, report_id: str | None = None, since: datetime | None = None,
                    recurrence_only: bool = False) -> list[dict]:
    """What a reporter may see: state changes and public comments, never names or internal notes.

    A possible recurrence shows only to the reporters who raised it: "under_review", then the decision. A report that
    raised one sees the case from its own submission on (`since`), not the round closed before it."""
    timeline = []
    for e in case_events(case_id):
        if since is not None and e.at < since:
            continue
        data = e.data or {}
        if e.action in ("recurrence", "decide_recurrence") and \
                report_id in (data.get("report_ids") or [data.get("report_id")]):
            status = "under_review" if e.action == "recurrence" else RECURRENCE_STATUS[data["decision"]]
            timeline.append({"at": e.at, "status": status, "public_comment": e.public_comment})
        elif e.action in ("recurrence", "decide_recurrence"):  # someone else's: only a reopening shows
            if not recurrence_only and e.from_state != e.to_state:
                timeline.append({"at": e.at, "status": e.to_state, "public_comment": e.public_comment})
        elif not recurrence_only and (e.from_state != e.to_state or e.public_comment):
            timeline.append({"at": e.at, "status": e.to_state, "public_comment": e.public_comment})
    return timeline


def find_nearby_open_case(category: str, lat: float, lng: float, radius_m: float, closed_within_days: int,
                          at=None) -> Case | None:
    """The nearest open case of the category within radius_m, else the nearest closed recently (duplicate detection;
    a closed one is a possible recurrence)."""
    at = at or utcnow()
    dlat = radius_m / 111_320
    dlng = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    recent = or_(Case.state.not_in(("closed", "rejected")),
                 and_(Case.state == "closed", Case.closed_at >= at - timedelta(days=closed_within_days)))
    candidates = db.session.execute(select(Case).where(
        Case.category == category, Case.lat.between(lat - dlat, lat + dlat), Case.lng.between(lng - dlng, lng + dlng),
        recent)).scalars()
    near = [(distance_m(lat, lng, c.lat, c.lng), c.id, c) for c in candidates]
    near = [item for item in near if item[0] <= radius_m]
    return min(near, key=lambda item: (item[2].state == "closed", *item[:2]))[2] if near else None


def verification_tasks(inspector: User):
    """Cases waiting for on-site verification in the inspector's grids, the most urgent first."""
    grids = select(GridInspector.grid_id).where(GridInspector.user_id == inspector.id)
    return (select(Case).where(Case.state == "pending_verification", Case.grid_id.in_(grids))
            .order_by(Case.verify_due.asc().nulls_last(), Case.id.asc()))


def supervisors_of_county(county_adcode: str | None) -> list[int]:
    """Who something overdue in a county is raised to: its supervisors, or the city office's when it has none."""
    base = (select(User.id).join(UserRole, UserRole.user_id == User.id).outerjoin(Unit, Unit.id == User.unit_id)
            .where(UserRole.role == "supervisor", User.is_active.is_(True)))
    county = list(db.session.execute(base.where(Unit.county_adcode == county_adcode)).scalars())
    return county or list(db.session.execute(base.where(Unit.county_adcode.is_(None))).scalars())


def _supervisors_of(case: Case) -> list[int]:
    """Who an overdue case is raised to."""
    return supervisors_of_county(case.county_adcode)


def sweep_overdue(at: datetime | None = None) -> list[int]:
    """Record each newly missed deadline once (an 'overdue' event raised to the supervisors); ids of cases raised."""
    at = at or utcnow()
    today = cst_date(at)
    late = select(Case.id).where(Case.due_on < today, or_(Case.overdue_noted_on.is_(None),
                                                          Case.overdue_noted_on != Case.due_on)).order_by(Case.id)
    raised = []
    for case_id in list(db.session.execute(late).scalars()):
        try:
            case = db.session.get(Case, case_id)
            if case.due_on is None or case.due_on >= today or case.overdue_noted_on == case.due_on:
                continue
            raised_to = _supervisors_of(case)  # read before the case changes: one UPDATE of it, with its event
            case.overdue_noted_on = case.due_on
            stage = workflow.STAGE_OF_STATE[case.state]
            event = _append_event(case, "overdue", None, "system", case.state, at=at, seq=case.version + 1,
                                  data={"stage": stage, "due_on": case.due_on.isoformat(),
                                        "days_late": (today - case.due_on).days, "raised_to": raised_to})
            publish(workflow.SYSTEM_EVENTS["overdue"], case, event)
            db.session.commit()
            raised.append(case_id)
        except StaleDataError:  # someone acted on it meanwhile; the next sweep looks again
            db.session.rollback()
    return raised


def overdue_counts(at: datetime | None = None) -> dict[str, int]:
    """Open cases past their current deadline, by stage (one indexed count; the metrics gauge)."""
    today = cst_date(at or utcnow())
    rows = db.session.execute(select(Case.state, func.count()).where(Case.due_on < today,
                                                                     Case.state.in_(tuple(workflow.STAGE_OF_STATE)))
                              .group_by(Case.state))
    counts = dict.fromkeys(sorted(set(workflow.STAGE_OF_STATE.values())), 0)
    for state, count in rows:
        counts[workflow.STAGE_OF_STATE[state]] += count
    return counts


def actions_for(case: Case, actor: User) -> list[str]:
    """The actions this user may take on the case now (for the client's buttons)."""
    return [action for action in workflow.allowed_actions(case.state)
            if workflow.acting_role(workflow.transitions_for(case.state, action), actor, case)]


def case_photos(case: Case, coord_system: str, viewer: User) -> list[dict]:
    """The photos attached to the case (staff entry, evidence, verification), oldest first."""
    from reporter.media.models import Upload
    from reporter.media.services import uploads_out

    uploads = db.session.execute(select(Upload).where(Upload.attached_type == "case",
                                                      Upload.attached_id == str(case.id))
                                 .order_by(Upload.attached_at, Upload.id)).scalars()
    return uploads_out(list(uploads), coord_system, viewer)


def can_see_case(user: User, case_id: str) -> bool:
    """Whether the user may read the case (media asks this before showing its photos)."""
    return db.session.execute(visible_cases_query(user).where(Case.id == int(case_id))).first() is not None
