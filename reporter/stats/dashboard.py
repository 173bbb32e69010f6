"""The officials' console figures (open cases by state and age, overdue by unit, today's patrols), cached briefly.

The cache lives in Redis when REDIS_URL is set (shared by every worker), in the process otherwise. Entries last
STATS_DASHBOARD_TTL_S seconds (default 15) and every case event starts a new generation, so a change shows at once.
"""
import json
import logging
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from reporter.cases.models import Case
from reporter.cases.workflow import EVENT_NAMES, OPEN_STATES
from reporter.common.timeutil import CST, cst_date, utcnow
from reporter.extensions import db
from reporter.geo.models import Grid
from reporter.org.models import Unit
from reporter.patrols.models import Patrol

log = logging.getLogger(__name__)
AGE_BUCKETS = ((2, "0-2d"), (7, "3-7d"), (30, "8-30d"), (None, ">30d"))  # calendar days since opened (CST)
_KEY = "reporter:stats:dashboard"


class _Cache:
    """A tiny TTL cache with a generation number; Redis when configured, a dict otherwise."""

    def __init__(self):
        self._local: dict[str, tuple[float, str]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._redis = {}

    def _client(self):
        url = current_app.config.get("REDIS_URL")
        if not url:
            return None
        if url not in self._redis:
            import redis

            self._redis[url] = redis.Redis.from_url(url, socket_timeout=0.5)
        return self._redis[url]

    def _gen(self, client) -> int:
        return int(client.get(f"{_KEY}:gen") or 0) if client is not None else self._generation

    def get(self, scope: str) -> dict | None:
        """The cached figures of a scope, if fresh."""
        try:
            client = self._client()
            key = f"{_KEY}:{self._gen(client)}:{scope}"
            if client is not None:
                raw = client.get(key)
                return json.loads(raw) if raw else None
            with self._lock:
                expires, raw = self._local.get(key, (0.0, ""))
            return json.loads(raw) if expires > time.monotonic() else None
        except Exception as exc:  # a cache that cannot answer is a miss, never an error
            log.warning("dashboard cache read failed: %s", exc)
            return None

    def put(self, scope: str, figures: dict) -> None:
        """Keep the figures of a scope for the TTL."""
        ttl = float(current_app.config.get("STATS_DASHBOARD_TTL_S", 15))
        raw = json.dumps(figures, default=str)
        try:
            client = self._client()
            key = f"{_KEY}:{self._gen(client)}:{scope}"
            if client is not None:
                client.set(key, raw, ex=max(1, int(ttl)))
                return
            with self._lock:
                self._local = {k: v for k, v in self._local.items() if v[0] > time.monotonic()}
                self._local[key] = (time.monotonic() + ttl, raw)
        except Exception as exc:
            log.warning("dashboard cache write failed: %s", exc)

    def invalidate(self, *_args) -> None:
        """A new generation: every cached entry is ignored from now on."""
        try:
            client = self._client()
            if client is not None:
                client.incr(f"{_KEY}:gen")
            with self._lock:
                self._generation += 1
                self._local.clear()
        except Exception as exc:  # never let the cache abort a case action
            log.warning("dashboard cache invalidation failed: %s", exc)


cache = _Cache()


def subscribe_invalidation() -> None:
    """Invalidate the dashboard on every case event (called once when the feature is loaded)."""
    from reporter.cases.reactions import subscribe

    for name in EVENT_NAMES:
        subscribe(name, cache.invalidate)


def compute(county: str | None = None, now: datetime | None = None) -> dict:
    """The figures, straight from the database (one county's, or the city's)."""
    now = now or utcnow()
    today = cst_date(now)
    scope = (lambda stmt, column: stmt.where(column == county)) if county else (lambda stmt, _column: stmt)
    start = datetime.combine(today, datetime.min.time(), CST)
    by_state: dict[str, dict[str, int]] = {state: {label: 0 for _, label in AGE_BUCKETS} for state in OPEN_STATES}
    bucket = case(*((Case.created_at >= start - timedelta(days=limit), label) for limit, label in AGE_BUCKETS
                    if limit is not None), else_=AGE_BUCKETS[-1][1])
    opened = scope(select(Case.state, bucket, func.count()).where(Case.state.in_(OPEN_STATES))
                   .group_by(Case.state, bucket), Case.county_adcode)
    for state, label, count in db.session.execute(opened):
        by_state[state][label] += count
    overdue = scope(select(Unit.code, Unit.name, func.count()).select_from(Case)
                    .join(Unit, Unit.id == Case.current_unit_id)
                    .where(Case.state.in_(OPEN_STATES), Case.due_on < today).group_by(Unit.code, Unit.name)
                    .order_by(func.count().desc(), Unit.code), Case.county_adcode)
    patrols = select(Patrol.finished, func.count(), func.count(func.distinct(Patrol.inspector_id))).where(
        Patrol.started_at >= start, Patrol.started_at < start + timedelta(days=1)).group_by(Patrol.finished)
    if county:
        patrols = patrols.join(Grid, Grid.id == Patrol.grid_id).where(Grid.county_adcode == county)
    today_patrols = defaultdict(int)
    for finished, count, people in db.session.execute(patrols):
        today_patrols["finished" if finished else "under_way"] += count
        today_patrols["inspectors"] += people
    return {"as_of": now.isoformat(), "county": county,
            "open_by_state_and_age": by_state, "open_total": sum(sum(v.values()) for v in by_state.values()),
            "overdue_by_unit": [{"code": code, "name": name, "overdue": count}
                                for code, name, count in db.session.execute(overdue)],
            "patrols_today": {"under_way": today_patrols["under_way"], "finished": today_patrols["finished"],
                              "inspectors": today_patrols["inspectors"]}}


def figures(county: str | None = None) -> dict:
    """The dashboard of a scope, from the cache when fresh (`cached: true`)."""
    scope = county or "city"
    hit = cache.get(scope)
    if hit is not None:
        return {**hit, "cached": True}
    fresh = compute(county)
    cache.put(scope, fresh)
    return {**fresh, "cached": False}
