"""The month not over is computed live, reusing each case's replay and each inspector's figures only while what they
were computed from is unchanged: after every kind of write (a new case, a transition, a deadline found missed by the
sweep, an event backdated before the month began, a working-day year loaded, patrols) the endpoint answers exactly
what a computation from scratch gives.

Each write is made on a case or inspector whose kept result was first altered in the store by hand (only here): the
endpoint serves the altered value while the key holds (so it does reuse), and the write must drop it (so a stale
result would show)."""
import dataclasses
from datetime import datetime, timedelta

import pytest

from reporter.accounts.models import User
from reporter.cases import services as cases
from reporter.common.timeutil import CST, utcnow
from reporter.geo.services import locate
from reporter.stats.bulletin import bulletin, month_of
from reporter.stats.schemas import BulletinOut
from reporter.workdays.services import load_year
from tests.cases.conftest import NINGSHAN, world  # noqa: F401  (the case tests' people and grid)
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp, assign
from tests.patrols.tracks import generate

NINGSHAN_ADCODE = "610923"
POISON = "poisoned-by-the-test"


def _label() -> str:
    now = utcnow().astimezone(CST)
    return f"{now.year:04d}-{now.month:02d}"


def _get(client, headers) -> dict:
    resp = client.get("/api/v1/stats/monthly", query_string={"month": _label()}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _fresh(app) -> dict:
    """The month computed from scratch (nothing kept, nothing stored), as the endpoint serialises it."""
    with app_ctx(app):
        return app.json.loads(app.json.dumps(BulletinOut().dump(bulletin(_label(), fresh=True))))


def _store(app):
    return app.extensions["reporter.stats.replays"]


def _poison_case(app, case_id: int) -> None:
    """Alter the kept replay of a case (its category), keeping its key."""
    months = [kept for (label, _), kept in _store(app)._months.items() if label == _label()]
    assert months and case_id in months[0], "the case's replay was kept"
    key, facts = months[0][case_id]
    months[0][case_id] = (key, dataclasses.replace(facts, category=POISON))


def _poison_inspector(app, inspector_id: int) -> None:
    kept = _store(app)._inspectors[_label()]
    key, figures = kept[inspector_id]
    kept[inspector_id] = (key, {**figures, "valid_days": 99})


def _ningshan(report: dict) -> dict:
    return next(c for c in report["counties"] if c["adcode"] == NINGSHAN_ADCODE)


def _poisoned(report: dict) -> bool:
    return POISON in _ningshan(report)["received_by_category"]


def _act(app, world, case_id, who, action, at=None, **payload):  # noqa: F811
    with app_ctx(app) as session:
        cases.perform(case_id, action, session.get(User, world.ids[who]), payload, expected_version=None, at=at)


@pytest.fixture()
def month_start():
    return month_of(_label()).start


def test_the_live_month_equals_a_fresh_computation_after_every_kind_of_write(app, client, users, world,  # noqa: F811
                                                                            month_start):
    headers = users.headers(users.make("supervisor"))
    now = utcnow()
    early = max(month_start + timedelta(minutes=1), now - timedelta(days=12))
    a = world.open()  # received now
    b = world.open(at=early)  # its deadlines are missed before today, unless the month began only just now
    before = world.open(at=month_start - timedelta(days=20))  # opened last month, acted on in this one
    _act(app, world, before, "city_sup", "accept", at=early)
    first = _get(client, headers)
    assert first == _fresh(app)
    assert _ningshan(first)["received"] == 2
    # read again with nothing changed: served from what was kept (replays, pair sums, their merge, inspector rows),
    # and nothing a read adds (idle cases, ratings, rewards) accumulates in what is kept
    assert _get(client, headers) == first and _get(client, headers) == first

    # kept and reused: an altered kept replay is what the endpoint serves while nothing changed
    _poison_case(app, a)
    assert _poisoned(_get(client, headers))

    # a transition of that case drops its kept replay
    world.do(a, "city_sup", "accept")
    after = _get(client, headers)
    assert not _poisoned(after) and after == _fresh(app)
    assert _ningshan(after)["accepted"] == _ningshan(first)["accepted"] + 1

    # a new case
    _poison_case(app, b)
    world.open()
    world.do(b, "city_sup", "accept")
    world.do(b, "city_sup", "dispatch")
    after = _get(client, headers)
    assert not _poisoned(after) and after == _fresh(app)
    assert _ningshan(after)["received"] == 3

    # the sweep finds a deadline missed at a later day (an 'overdue' event)
    _poison_case(app, b)
    with app_ctx(app):
        raised = cases.sweep_overdue(at=utcnow() + timedelta(days=3))
    assert b in raised
    after = _get(client, headers)
    assert not _poisoned(after) and after == _fresh(app)

    # an event stamped before the month began (a backdated action) on a case touched in the month
    _poison_case(app, before)
    _act(app, world, before, "city_sup", "dispatch", at=month_start - timedelta(days=1))
    after = _get(client, headers)
    assert not _poisoned(after) and after == _fresh(app)

    # a working-day year loaded (a day of this month made a holiday): every kept replay of the month goes
    _poison_case(app, a)
    with app_ctx(app):
        day = month_of(_label()).first + timedelta(days=1)
        load_year(day.year, [{"date": day.isoformat(), "name": "假日"}], [])
    after = _get(client, headers)
    assert not _poisoned(after) and after == _fresh(app)


def test_the_live_inspector_figures_follow_a_patrol_and_its_points(app, client, users):
    headers = users.headers(users.make("supervisor"))
    with app_ctx(app):
        grid_id = locate(*NINGSHAN).grid_id
    inspector = users.make("inspector")
    assign(app, grid_id, inspector)
    first = _get(client, headers)
    row = next(r for r in first["inspectors"] if r["inspector_id"] == inspector)
    assert row["patrols"] == 0 and first == _fresh(app)

    _poison_inspector(app, inspector)
    assert next(r for r in _get(client, headers)["inspectors"] if r["inspector_id"] == inspector)["valid_days"] == 99

    phone = PatrolApp(client, users.headers(inspector))
    t0 = max(month_of(_label()).start, utcnow() - timedelta(hours=4)).timestamp()
    fixes = [f for f in generate(*NINGSHAN, t0) if f["t"] < utcnow().timestamp() - 60]
    assert phone.create(grid_id, t0).status_code == 201
    for i in range(0, len(fixes), 500):
        assert phone.points(fixes[i:i + 500]).status_code == 200
    assert phone.finish(fixes[-1]["t"] + 30).status_code == 200
    after = _get(client, headers)
    row = next(r for r in after["inspectors"] if r["inspector_id"] == inspector)
    assert row["patrols"] == 1 and row["km"] > 0 and row["valid_days"] != 99
    assert after == _fresh(app)

    _poison_inspector(app, inspector)  # a second patrol the same day: dropped again
    assert next(r for r in _get(client, headers)["inspectors"] if r["inspector_id"] == inspector)["valid_days"] == 99
    start = datetime.fromtimestamp(fixes[-1]["t"] + 120, CST)
    if start < utcnow():
        second = PatrolApp(client, users.headers(inspector))
        assert second.create(grid_id, start.timestamp()).status_code == 201
        assert second.finish(start.timestamp() + 10).status_code == 200
        after = _get(client, headers)
        row = next(r for r in after["inspectors"] if r["inspector_id"] == inspector)
        assert row["patrols"] == 2 and row["valid_days"] != 99
        assert after == _fresh(app)
