"""A finished month's bulletin is stored once computed and served from the store; the stored figures equal a fresh
computation; a late patrol point or observation for the month, or a working-day year loaded, drops them."""
from datetime import timedelta

from sqlalchemy import select

from reporter.common.timeutil import CST, utcnow
from reporter.geo.services import locate
from reporter.stats.bulletin import bulletin, month_of
from reporter.stats.models import MonthResult
from reporter.stats.schemas import BulletinOut
from reporter.workdays.services import load_year
from tests.conftest import app_ctx
from tests.patrols.conftest import NINGSHAN, PatrolApp, assign
from tests.patrols.tracks import generate
from tests.stats.conftest import cst

OCTOBER = "2026-10"


def _get(client, headers, month: str = OCTOBER, **query) -> dict:
    resp = client.get("/api/v1/stats/monthly", query_string={"month": month, **query}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _fresh(app, month: str = OCTOBER, county: str | None = None) -> dict:
    """The figures computed now from the events, as the endpoint serialises them."""
    with app_ctx(app):
        return app.json.loads(app.json.dumps(BulletinOut().dump(bulletin(month, county=county, fresh=True))))


def _stored(app) -> dict[tuple[str, str], dict]:
    with app_ctx(app) as session:
        return {(r.month, r.scope): r.figures for r in session.execute(select(MonthResult)).scalars()}


def test_a_finished_month_is_stored_once_served_from_the_store_and_equal_to_a_fresh_computation(
        app, client, users, october):
    headers = users.headers(users.make("supervisor"))
    first = _get(client, headers)
    assert set(_stored(app)) == {(OCTOBER, "city")}
    assert first == _fresh(app)
    assert _get(client, headers) == first
    # Served from the store: a figure changed there (only here, by hand) is what the endpoint answers.
    with app_ctx(app) as session:
        row = session.get(MonthResult, (OCTOBER, "city"))
        row.figures = {**row.figures, "min_sample": row.figures["min_sample"], "counties": [
            {**c, "received": 999} if c["adcode"] == "610923" else c for c in row.figures["counties"]]}
        session.commit()
    assert next(c for c in _get(client, headers)["counties"] if c["adcode"] == "610923")["received"] == 999
    # One county's bulletin is stored apart from the city's.
    ningshan = _get(client, headers, county="610923")
    assert ningshan == _fresh(app, county="610923") and (OCTOBER, "610923") in _stored(app)


def test_the_month_not_over_is_computed_live_and_not_stored(app, client, users):
    now = utcnow().astimezone(CST)
    _get(client, users.headers(users.make("supervisor")), f"{now.year:04d}-{now.month:02d}")
    assert _stored(app) == {}


def test_another_minimum_sample_ranks_again(app, client, users, october):
    headers = users.headers(users.make("supervisor"))
    assert _get(client, headers)["min_sample"] == 5
    app.config["STATS_MIN_SAMPLE"] = 1
    try:
        again = _get(client, headers)
        assert again["min_sample"] == 1 and again == _fresh(app)
        ranked = [row for row in again["rankings"]["counties"] if row.get("rank") is not None]
        assert [row["adcode"] for row in ranked] == ["610923"]
    finally:
        app.config.pop("STATS_MIN_SAMPLE")


def _previous_month_morning() -> float:
    """08:00 CST on the 20th of the month before this one, in epoch seconds (a finished month)."""
    first = utcnow().astimezone(CST).replace(day=1, hour=8, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=20).timestamp()


def test_a_late_patrol_point_drops_the_stored_month_and_the_next_read_is_fresh(app, client, users):
    with app_ctx(app):
        grid_id = locate(*NINGSHAN).grid_id
    inspector = users.make("inspector")
    assign(app, grid_id, inspector)
    phone = PatrolApp(client, users.headers(inspector))
    t0 = _previous_month_morning()
    fixes = generate(*NINGSHAN, t0)
    held_back = fixes[len(fixes) // 2:]  # the phone was offline: half the track is synced after the month's end
    assert phone.create(grid_id, t0).status_code == 201
    assert phone.points(fixes[:len(fixes) // 2]).status_code == 200
    assert phone.finish(fixes[-1]["t"] + 60).status_code == 200
    month = month_of(utcnow().astimezone(CST).replace(day=1).date().isoformat()[:7])
    past = (month.first - timedelta(days=1)).isoformat()[:7]
    headers = users.headers(users.make("supervisor"))
    before = _get(client, headers, past)
    assert (past, "city") in _stored(app)
    km_before = next(r for r in before["inspectors"] if r["inspector_id"] == inspector)["km"]

    late = phone.points(held_back).get_json()
    assert late["late"] is True and late["accepted"] == len(held_back)
    assert (past, "city") not in _stored(app)  # dropped by the late points
    after = _get(client, headers, past)
    assert after == _fresh(app, past)
    assert next(r for r in after["inspectors"] if r["inspector_id"] == inspector)["km"] > km_before
    assert (past, "city") in _stored(app)  # stored again


def test_a_working_day_year_loaded_drops_every_stored_month(app, client, users, october):
    headers = users.headers(users.make("supervisor"))
    _get(client, headers)
    _get(client, headers, "2026-09")
    assert set(_stored(app)) == {(OCTOBER, "city"), ("2026-09", "city")}
    with app_ctx(app):  # 16 October made a holiday: the deadlines that crossed it move
        load_year(2026, [{"date": "2026-10-16", "name": "假日"}], [])
    assert _stored(app) == {}
    assert _get(client, headers) == _fresh(app)


def test_a_backdated_case_event_drops_its_month(app, client, users, october, build):
    headers = users.headers(users.make("supervisor"))
    before = _get(client, headers)
    build.act(october["d"], "officer", "sign", cst(10, 28))  # an event stamped inside October (tests backdate)
    assert (OCTOBER, "city") not in _stored(app)
    after = _get(client, headers)
    assert after == _fresh(app) and after != before
