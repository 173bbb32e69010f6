"""Patrol rules: offline-first sync keyed by client ids, effort figures on finish and on late points, problems into
cases, and the per-day and per-month figures the ranking uses."""
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import chain

import shapely
from flask import current_app
from sqlalchemy import (
    JSON,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError

from reporter.accounts.models import User
from reporter.cases.scope import supervisor_county
from reporter.cases.services import open_case, perform, verification_tasks
from reporter.common.bulk import among, no_gc_pauses
from reporter.common.timeutil import CST, as_utc, cst_date, utcnow
from reporter.errors import Conflict, Forbidden, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.geo.models import Grid
from reporter.geo.services import grid_polygon, inspector_ids_of_grid
from reporter.media.services import attach_uploads
from reporter.patrols import points as point_store
from reporter.patrols.effort import Effort, GridCells, Rule, Track, compute, judge_day
from reporter.patrols.models import Checkin, Observation, Patrol, TrackPoint

READ_ALL_ROLES = ("auditor", "admin")
DEFAULTS = {"PATROL_CLOCK_SKEW_S": 300, "PATROL_POINT_WINDOW_H": 24, "PATROL_MONTHLY_TARGET_DAYS": 20}


def _setting(name: str) -> float:
    return float(current_app.config.get(name, DEFAULTS[name]))


def effort_rule() -> Rule:
    """The effort thresholds with this deployment's PATROL_* settings."""
    return Rule.from_config(current_app.config)


# ---- who may see and write what ----

def can_read(user: User, patrol: Patrol) -> bool:
    """The patrol's inspector, supervisors of its county (the city office: all) and auditors."""
    if user.id == patrol.inspector_id or user.has_role(*READ_ALL_ROLES):
        return True
    if not user.has_role("supervisor"):
        return False
    county = supervisor_county(user)
    return county is None or db.session.get(Grid, patrol.grid_id).county_adcode == county


def get_patrol(user: User, patrol_id: str, *, lock: bool = False) -> Patrol:
    """A patrol the user may read (404 when there is none, 403 when it is someone else's)."""
    stmt = select(Patrol).where(Patrol.id == str(patrol_id))
    patrol = db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if patrol is None:
        raise NotFound("No such patrol")
    if not can_read(user, patrol):
        raise Forbidden("This is not your patrol")
    return patrol


def own_patrol(inspector: User, patrol_id: str, *, lock: bool = False) -> Patrol:
    """A patrol the inspector may write to: only their own."""
    patrol = get_patrol(inspector, patrol_id, lock=lock)
    if patrol.inspector_id != inspector.id:
        raise Forbidden("Only the patrol's inspector may add to it")
    return patrol


def patrols_query(user: User, args: dict) -> Select:
    """Patrols the user may list, newest first: supervisors filter freely, inspectors see their own."""
    stmt = select(Patrol).order_by(Patrol.started_at.desc(), Patrol.id)
    if user.has_role("supervisor", *READ_ALL_ROLES):
        county = supervisor_county(user) if not user.has_role(*READ_ALL_ROLES) else None
        if county is not None:
            stmt = stmt.where(Patrol.grid_id.in_(select(Grid.id).where(Grid.county_adcode == county)))
        if args.get("inspector"):
            stmt = stmt.where(Patrol.inspector_id == args["inspector"])
    else:
        stmt = stmt.where(Patrol.inspector_id == user.id)
    if args.get("grid"):
        stmt = stmt.where(Patrol.grid_id == args["grid"])
    if args.get("from_"):
        stmt = stmt.where(Patrol.day >= args["from_"])
    if args.get("to"):
        stmt = stmt.where(Patrol.day <= args["to"])
    return stmt


# ---- client-keyed creation ----

def _once(model, obj_id: str, same: Callable, build: Callable):
    """Create a client-keyed row once and commit; a repeat returns the stored row (409 if it says otherwise)."""
    for attempt in range(2):
        existing = db.session.get(model, obj_id)
        if existing is not None:
            if not same(existing):
                raise Conflict(f"{model.__name__} {obj_id} was already sent with different data",
                               error="id_conflict")
            return existing, False
        try:
            row = build()
            db.session.commit()
            return row, True
        except IntegrityError:
            db.session.rollback()  # a concurrent twin won the race: the loop returns its row
            if attempt:
                raise
    raise AssertionError("unreachable")


def _not_in_future(value: datetime, field: str) -> None:
    if as_utc(value) > utcnow() + timedelta(seconds=_setting("PATROL_CLOCK_SKEW_S")):
        raise ValidationFailed(errors={"json": {field: ["Lies in the future"]}})


def create_patrol(inspector: User, data: dict) -> tuple[Patrol, bool]:
    """Start a patrol with the phone's id in a grid assigned to the inspector; a repeat answers the stored one."""
    patrol_id, grid_id, started_at = str(data["id"]), data["grid_id"], as_utc(data["started_at"])

    def same(existing: Patrol) -> bool:
        if existing.inspector_id != inspector.id:
            raise Forbidden("This is not your patrol")
        return existing.grid_id == grid_id and existing.started_at == started_at

    def build() -> Patrol:
        if db.session.get(Grid, grid_id) is None:
            raise ValidationFailed(errors={"json": {"grid_id": ["No such grid"]}})
        if inspector.id not in inspector_ids_of_grid(grid_id):
            raise Forbidden("This grid is not assigned to you", error="grid_not_assigned")
        _not_in_future(started_at, "started_at")
        patrol = Patrol(id=patrol_id, inspector_id=inspector.id, grid_id=grid_id, started_at=started_at,
                        day=cst_date(started_at), visited_cells=[], reasons=[], flags=[], explanation={})
        db.session.add(patrol)
        db.session.flush()
        return patrol

    return _once(Patrol, patrol_id, same, build)


def _point_time_errors(started_at: datetime, ended_at: datetime | None, rows: list[tuple]) -> dict:
    """Points timed too far from the patrol (or in the future), by index."""
    window = timedelta(hours=_setting("PATROL_POINT_WINDOW_H"))
    earliest = started_at - window
    latest = min(max(started_at, ended_at or started_at) + window,
                 utcnow() + timedelta(seconds=_setting("PATROL_CLOCK_SKEW_S")))
    times = [row[_T] for row in rows]
    if not times or earliest <= min(times) and max(times) <= latest:
        return {}
    message = (f"Must lie between {earliest.isoformat()} and {latest.isoformat()} "
               "(the patrol's time, give or take the allowed window; never in the future)")
    return {index: {"t": [message]} for index, t in enumerate(times) if not earliest <= t <= latest}


_T = point_store.COLUMNS.index("t")  # rows are tuples in point_store.COLUMNS order (see schemas.PointList)


def add_points(inspector: User, patrol_id: str, rows: list[tuple]) -> dict:
    """Store a batch of fixes all-or-nothing; repeats are absorbed and counted; late ones recompute the summary."""
    unique = list({row[_T]: row for row in reversed(rows)}.values())  # the first of same-time twins wins
    if unique and db.session.connection().dialect.name == "postgresql":
        try:
            answer = _add_new_points(inspector, patrol_id, rows, unique)
            if answer is not None:
                return answer
        except point_store.AlreadyStored:  # some were stored before: the transaction is void
            db.session.rollback()
    return _add_points(inspector, patrol_id, rows, unique, bulk=False)


def _claim_statement():
    c = Patrol.__table__.c
    first, last = bindparam("b_first", type_=c.first_point_at.type), bindparam("b_last", type_=c.last_point_at.type)
    return (update(Patrol.__table__)
            .where(c.id == bindparam("b_patrol_id"), c.inspector_id == bindparam("b_inspector_id"),
                   c.finished.is_(False), c.points_erased_at.is_(None))
            .values(point_count=c.point_count + bindparam("b_count"), version=c.version + 1,
                    first_point_at=case((or_(c.first_point_at.is_(None), c.first_point_at > first), first),
                                        else_=c.first_point_at),
                    last_point_at=case((or_(c.last_point_at.is_(None), c.last_point_at < last), last),
                                       else_=c.last_point_at))
            .returning(c.started_at, c.ended_at, c.point_count))


_CLAIM = _claim_statement()  # built once: a batch only binds its values


def _claim(inspector: User, patrol_id: str, rows: list[tuple]):
    """The usual batch in one statement: lock the inspector's open patrol (unfinished, raw points kept), count the
    rows (distinct times) into it as new and widen its span of point times; its (started_at, ended_at, point_count)
    after that, or None when it is no such patrol (nothing was changed; the general path then answers 404, 403, 409
    or takes the late points)."""
    first, last = _span(rows)
    return db.session.connection().execute(_CLAIM, {
        "b_patrol_id": str(patrol_id), "b_inspector_id": inspector.id, "b_count": len(rows), "b_first": first,
        "b_last": last}).first()


def _span(rows: list[tuple]) -> tuple[datetime, datetime]:
    times = [row[_T] for row in rows]
    return min(times), max(times)


def _widen_span(patrol: Patrol, rows: list[tuple]) -> None:
    first, last = _span(rows)
    if patrol.first_point_at is None or first < patrol.first_point_at:
        patrol.first_point_at = first
    if patrol.last_point_at is None or last > patrol.last_point_at:
        patrol.last_point_at = last


def _add_new_points(inspector: User, patrol_id: str, rows: list[tuple], unique: list[tuple]) -> dict | None:
    """PostgreSQL, an open patrol: claim it counting every point as new, check the times, COPY the points (a point
    stored before raises AlreadyStored, the caller rolls back) and commit: three statements, no ORM object."""
    claimed = _claim(inspector, patrol_id, unique)
    if claimed is None:
        return None
    started_at, ended_at, total = claimed
    errors = _point_time_errors(started_at, ended_at, rows)
    if errors:
        db.session.rollback()
        raise ValidationFailed("Some points are impossible; nothing of this batch was stored",
                               errors={"json": {"points": errors}})
    point_store.insert(str(patrol_id), unique, late=False, bulk=True)
    db.session.commit()
    return {"accepted": len(unique), "duplicates": len(rows) - len(unique), "total_points": total, "late": False}


def _add_points(inspector: User, patrol_id: str, rows: list[tuple], unique: list[tuple], *, bulk: bool) -> dict:
    patrol = own_patrol(inspector, patrol_id, lock=True)
    if patrol.points_erased_at is not None:  # a late point would recompute the summary from itself alone
        raise Conflict("This patrol's raw points are past their retention; its summary is final",
                       error="points_erased")
    errors = _point_time_errors(patrol.started_at, patrol.ended_at, rows)
    if errors:
        raise ValidationFailed("Some points are impossible; nothing of this batch was stored",
                               errors={"json": {"points": errors}})
    accepted = point_store.insert(patrol.id, unique, late=patrol.finished, bulk=bulk) if unique else 0
    if accepted:
        with db.session.no_autoflush:  # one UPDATE: the version moves with the figures (patrols_version_moves)
            patrol.point_count += accepted
            patrol.version += 1
            _widen_span(patrol, unique)
            if patrol.finished:
                patrol.late_points += accepted
                _store_effort(patrol)
    answer = {"accepted": accepted, "duplicates": len(rows) - accepted, "total_points": patrol.point_count,
              "late": patrol.finished}
    db.session.commit()
    return answer


def _matches(existing, patrol: Patrol, data: dict, *fields: str) -> bool:
    return existing.patrol_id == patrol.id and as_utc(existing.t) == as_utc(data["t"]) and all(
        getattr(existing, name) == data[name] for name in fields)


def add_checkin(inspector: User, patrol_id: str, data: dict) -> tuple[Checkin, bool]:
    """A check-in (打卡) once per client id, with its photos."""
    patrol = own_patrol(inspector, patrol_id)
    location = data["location"]

    def build() -> Checkin:
        checkin = Checkin(id=str(data["id"]), patrol_id=patrol.id, t=data["t"], lat=location["lat"],
                          lng=location["lng"], accuracy_m=location.get("accuracy_m"),
                          checkpoint=data.get("checkpoint"), note=data["note"], photo_ids=data["photo_ids"])
        db.session.add(checkin)
        db.session.flush()
        if data["photo_ids"]:
            attach_uploads(data["photo_ids"], inspector.id, "patrol_checkin", checkin.id, purposes=("patrol",))
        return checkin

    return _once(Checkin, str(data["id"]), lambda c: _matches(c, patrol, data, "photo_ids"), build)


def add_observation(inspector: User, patrol_id: str, data: dict) -> tuple[Observation, bool]:
    """An observation once per client id; a problem opens one case (source patrol, accepted, routed)."""
    patrol = own_patrol(inspector, patrol_id)
    location = data["location"]

    def build() -> Observation:
        obs = Observation(id=str(data["id"]), patrol_id=patrol.id, t=data["t"], lat=location["lat"],
                          lng=location["lng"], accuracy_m=location.get("accuracy_m"),
                          address=location.get("address"), note=data["note"], photo_ids=data["photo_ids"],
                          problem=data["problem"], category=data.get("category") if data["problem"] else None)
        db.session.add(obs)
        db.session.flush()
        if obs.problem:  # the photos become the case's evidence
            case = open_case(source="patrol", category=obs.category, lat=obs.lat, lng=obs.lng,
                             description=obs.note or obs.category, actor=inspector, state="accepted",
                             photo_ids=obs.photo_ids, address=obs.address, occurred_at=data["t"])
            obs.case_id = case.id
        elif obs.photo_ids:
            attach_uploads(obs.photo_ids, inspector.id, "patrol_observation", obs.id, purposes=("patrol",))
        return obs

    return _once(Observation, str(data["id"]),
                 lambda o: _matches(o, patrol, data, "problem", "photo_ids") and (
                     not o.problem or o.category == data.get("category")), build)


# ---- effort ----

@lru_cache(maxsize=64)
def _cells(wkb: bytes, cell_m: float) -> GridCells:
    return GridCells(shapely.from_wkb(wkb), cell_m)


def patrol_effort(patrol: Patrol, rule: Rule | None = None) -> Effort:
    """Compute (without storing) the effort figures of a patrol from its stored points."""
    rule = rule or effort_rule()
    grid = grid_polygon(patrol.grid_id)
    points = TrackPoint.__table__.c  # plain Core rows: ORM row building costs more than the whole computation
    rows = db.session.connection().execute(select(points.t, points.lat, points.lng, points.accuracy_m, points.mock)
                                           .where(*point_store.track_where(patrol))).all()
    track = Track.from_rows([(t.timestamp(), lat, lng, acc, mock) for t, lat, lng, acc, mock in rows])
    return compute(track, patrol.started_at.timestamp(), patrol.ended_at.timestamp(), grid, rule,
                   cells=_cells(shapely.to_wkb(grid), rule.cell_m))


def _store_effort(patrol: Patrol) -> None:
    effort = patrol_effort(patrol)
    for name in ("distance_m", "duration_s", "moving_s", "counted_s", "in_grid_distance_m", "in_grid_s",
                 "coverage_pct", "cell_count", "visited_cells", "counts_as_patrol_day", "reasons", "explanation"):
        setattr(patrol, name, getattr(effort, name))
    flags = list(effort.flags)
    if patrol.late_points:
        flags.append({"code": "late_points", "count": patrol.late_points,
                      "message": "points arrived after the patrol was finished; the summary was recomputed"})
    patrol.flags = flags
    patrol.computed_at = utcnow()


def finish(inspector: User, patrol_id: str, ended_at: datetime) -> Patrol:
    """End the patrol and store its effort figures; the same finish again answers the same summary."""
    patrol = own_patrol(inspector, patrol_id, lock=True)
    ended_at = as_utc(ended_at)
    if patrol.finished:
        if patrol.ended_at != ended_at:
            raise Conflict("This patrol was already finished at another time", error="already_finished")
        db.session.rollback()
        return get_patrol(inspector, patrol_id)
    if ended_at < patrol.started_at:
        raise ValidationFailed(errors={"json": {"ended_at": ["Before the patrol started"]}})
    _not_in_future(ended_at, "ended_at")
    with db.session.no_autoflush:  # one UPDATE: the version moves with the figures (patrols_version_moves)
        patrol.ended_at, patrol.finished, patrol.finished_at = ended_at, True, utcnow()
        patrol.version += 1
        _store_effort(patrol)
    db.session.commit()
    return patrol


# ---- reading ----

def track_feature(user: User, patrol_id: str, coord_system: str, simplify_m: float | None) -> dict:
    """The stored fixes as a GeoJSON Feature (LineString in time order), optionally simplified for maps."""
    patrol = get_patrol(user, patrol_id)
    if patrol.points_erased_at is not None:  # only the simplified track is kept (reporter.privacy.retention)
        return point_store.feature(patrol, [tuple(p) for p in patrol.simplified_track or []], coord_system,
                                   simplify_m)
    rows = db.session.execute(select(TrackPoint.lat, TrackPoint.lng).where(*point_store.track_where(patrol))
                              .order_by(TrackPoint.t)).all()
    return point_store.feature(patrol, [(lat, lng) for lat, lng in rows], coord_system, simplify_m)


def patrol_tasks(user: User, patrol_id: str) -> Select:
    """Cases to verify on site (现场核查) in this patrol's grid."""
    patrol = own_patrol(user, patrol_id)
    from reporter.cases.models import Case

    return verification_tasks(user).where(Case.grid_id == patrol.grid_id)


def verify_from_patrol(user: User, patrol_id: str, case_id: int, payload: dict):
    """Verify a case on site during a patrol, through the case workflow's single entry point."""
    own_patrol(user, patrol_id)
    version = payload.pop("version", None)
    return perform(case_id, "verify", user, payload, expected_version=version)


# ---- figures per day and month (for the monthly ranking) ----

def _month_bounds(month: str | date) -> tuple[date, date]:
    first = month.replace(day=1) if isinstance(month, date) else date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following


def monthly_figures(month: str | date, inspector_ids: list[int] | None = None, kept: dict | None = None) -> list[dict]:
    """Per inspector: each CST day's figures and whether it counts, valid days against the target, month totals.
    `kept`: figures computed before, reused where computed from the same rows (see `_month_key`)."""
    with no_gc_pauses():
        return _monthly_figures(month, inspector_ids, kept)


def _monthly_figures(month: str | date, inspector_ids: list[int] | None, kept: dict | None = None) -> list[dict]:
    first, following = _month_bounds(month)
    finished_in_month = [Patrol.finished.is_(True), Patrol.day >= first, Patrol.day < following]
    scope = finished_in_month + ([among(Patrol.inspector_id, inspector_ids)] if inspector_ids is not None else [])
    rule = effort_rule()
    target = int(_setting("PATROL_MONTHLY_TARGET_DAYS"))
    if kept is None:
        by_inspector = _patrol_rows(scope, inspector_ids or [])
        problems = _problems_found(first, following, list(by_inspector))
        return [_month_of(inspector_id, patrols, first, rule, target, problems.get(inspector_id, 0))
                for inspector_id, patrols in by_inspector.items()]
    # Kept figures: each inspector's patrols read first as their (id, version) alone, the rest only for those that
    # changed.
    versions = {i: "" for i in inspector_ids or []}
    versions.update(_versions(scope))
    problems = _problems_found(first, following, list(versions))
    stale = [i for i, seen in versions.items()
             if (found := kept.get(i)) is None or found[0] != _month_key(first, rule, target, problems.get(i, 0), seen)]
    if stale:
        for inspector_id, patrols in _patrol_rows([*finished_in_month, among(Patrol.inspector_id, stale)],
                                                  stale).items():
            found_problems = problems.get(inspector_id, 0)
            seen = ",".join(f"{p[_ID]}:{p[_ID + 1]}" for p in patrols)  # the key of the rows read now
            kept[inspector_id] = (_month_key(first, rule, target, found_problems, seen),
                                  _month_of(inspector_id, patrols, first, rule, target, found_problems))
    return [kept[inspector_id][1] for inspector_id in versions]


def _versions(scope: list) -> dict[int, str]:
    """Per inspector, their patrols in `scope` as `id:version,…` in day, start and id order: aggregated by
    PostgreSQL (one short row per inspector), joined here elsewhere."""
    order = (Patrol.day, Patrol.started_at, Patrol.id)
    if db.session.get_bind().dialect.name == "postgresql":
        pairs = func.string_agg(Patrol.id + ":" + cast(Patrol.version, String),
                                aggregate_order_by(literal_column("','"), *order))
        return dict(db.session.connection().execute(
            select(Patrol.inspector_id, pairs).where(*scope).group_by(Patrol.inspector_id)).tuples().all())
    found: dict[int, list[str]] = {}
    for inspector_id, patrol_id, version in db.session.connection().execute(
            select(Patrol.inspector_id, Patrol.id, Patrol.version).where(*scope)
            .order_by(Patrol.inspector_id, *order)).tuples().all():
        found.setdefault(inspector_id, []).append(f"{patrol_id}:{version}")
    return {inspector_id: ",".join(pairs) for inspector_id, pairs in found.items()}


_ID = 10  # in a patrol row of `_patrol_rows`: its id, then its version


def _patrol_rows(scope: list, inspector_ids: list[int]) -> dict[int, list[tuple]]:
    """Per inspector (each of `inspector_ids`, then any other found), their finished patrols' rows in day and start
    order: only the columns the figures read, as plain tuples, then the patrol's id and version. Flags are decoded
    only where some were raised; the cells visited come as JSON text (decoded per inspector and grid, all at
    once)."""
    flags = type_coerce(case((cast(Patrol.flags, String) == "[]", None), else_=Patrol.flags), JSON)
    stmt = (select(Patrol.inspector_id, Patrol.day, Patrol.grid_id, Patrol.distance_m, Patrol.in_grid_distance_m,
                   Patrol.in_grid_s, Patrol.moving_s, Patrol.cell_count, flags, cast(Patrol.visited_cells, String),
                   Patrol.id, Patrol.version)
            .where(*scope).order_by(Patrol.inspector_id, Patrol.day, Patrol.started_at, Patrol.id))
    by_inspector: dict[int, list[tuple]] = {i: [] for i in inspector_ids}
    for row in db.session.connection().execute(stmt).tuples().all():  # Core rows, no ORM bookkeeping
        by_inspector.setdefault(row[0], []).append(row)
    return by_inspector


def _month_key(first: date, rule: Rule, target: int, problems: int, versions: str) -> tuple:
    """What an inspector's month figures are computed from: the month, the rule, the target, the problems found,
    and their finished patrols as `id:version,…` in day, start and id order. A patrol's figure columns cannot change
    without its version moving (the `patrols_version_moves` trigger refuses such an UPDATE) and a patrol's id is
    never reused, so figures kept under an equal key are what `_month_of` would give now."""
    return first, rule, target, problems, versions


def month_figures_for(user: User, inspector_id: int | None, month: str) -> dict:
    """Month figures an inspector may see of themselves, and supervisors or auditors of anyone."""
    inspector_id = inspector_id or user.id
    if inspector_id != user.id and not user.has_role("supervisor", *READ_ALL_ROLES):
        raise Forbidden("Inspectors see their own figures")
    return inspector_days(inspector_id, month)


def inspector_days(inspector_id: int, month: str | date) -> dict:
    """One inspector's per-day figures, valid-day count and month totals (see monthly_figures)."""
    return monthly_figures(month, [inspector_id])[0]


def _problems_found(first: date, following: date, inspector_ids: list[int]) -> dict[int, int]:
    start = datetime.combine(first, datetime.min.time(), CST)
    end = datetime.combine(following, datetime.min.time(), CST)
    rows = db.session.execute(
        select(Patrol.inspector_id, func.count(Observation.id)).join(Observation, Observation.patrol_id == Patrol.id)
        .where(Observation.problem.is_(True), Observation.t >= start, Observation.t < end,
               among(Patrol.inspector_id, inspector_ids)).group_by(Patrol.inspector_id))
    return dict(rows.all())


def _month_of(inspector_id: int, patrols: list[tuple], first: date, rule: Rule, target: int, problems: int) -> dict:
    """One inspector's month from their patrols' rows (monthly_figures' columns, in day and start order)."""
    days: dict[date, list[tuple]] = {}
    visited: dict[int, list[str]] = {}  # per grid, the JSON texts of the cells each patrol visited
    cells: dict[int, int] = {}
    for patrol in patrols:
        days.setdefault(patrol[1], []).append(patrol)
        visited.setdefault(patrol[2], []).append(patrol[9] or "null")
        cells[patrol[2]] = patrol[7] or 0  # the grid's cell count as its last patrol saw it
    day_rows = []
    for day, group in sorted(days.items()):
        _, _, _, distance_m, in_grid_distance_m, in_grid_s, moving_s, _, flags, _ = zip(*(p[:_ID] for p in group),
                                                                                      strict=True)
        in_grid_m = sum(v or 0.0 for v in in_grid_distance_m)
        in_grid = sum(v or 0.0 for v in in_grid_s)
        counts, reasons = judge_day(in_grid_m, in_grid, rule)
        day_rows.append({"day": day, "patrols": len(group), "distance_m": round(sum(v or 0 for v in distance_m), 1),
                         "in_grid_distance_m": round(in_grid_m, 1), "in_grid_s": round(in_grid),
                         "moving_s": round(sum(v or 0 for v in moving_s)), "counts": counts, "reasons": reasons,
                         "flags": sorted({f["code"] for raised in flags for f in raised or ()})})
    total_cells = sum(cells.values())
    valid = sum(1 for row in day_rows if row["counts"])
    return {
        "inspector_id": inspector_id, "month": first.strftime("%Y-%m"), "days": day_rows, "valid_days": valid,
        "target_days": target, "met_target": valid >= target, "patrols": len(patrols),
        "distance_m": round(sum(r["distance_m"] for r in day_rows), 1),
        "in_grid_distance_m": round(sum(r["in_grid_distance_m"] for r in day_rows), 1),
        "in_grid_s": sum(r["in_grid_s"] for r in day_rows), "moving_s": sum(r["moving_s"] for r in day_rows),
        "coverage_pct": round(100.0 * sum(map(_distinct_cells, visited.values())) / total_cells, 1)
        if total_cells else 0.0,
        "problems_found": problems,
    }


def _distinct_cells(texts: list[str]) -> int:
    """How many distinct cells the JSON lists (or nulls) name between them, decoded in one pass."""
    return len(set(chain.from_iterable(cells for cells in json.loads(f"[{','.join(texts)}]") if cells)))
