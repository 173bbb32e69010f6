"""The campaign rules at their edges (README "Registers and special campaigns"): the step table (order, who), a
site's deadline for a step (its zone's milestone, else the general one; 验收 also by the 整改 deadline, the earlier),
what is overdue (a deadline strictly before the day), a milestone met / missed / pending, the sites counted as of a
CST day (registered by its end, steps up to it), the figures and closed_pct, targets (count ≥ n, rate ≥ n % of `of`,
`where` with a value or a list of values, `step`), the area (counties, zones, `outside`), the overdue sweep.

The first half needs no database (the rule functions on plain values); the second drives one campaign through the
services with dated steps, every figure worked out by hand in the comments.
"""
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from reporter.accounts.models import User
from reporter.accounts.services import update_user
from reporter.common.timeutil import CST
from reporter.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from reporter.registers import campaigns
from reporter.registers.campaigns import (
    FIGURES,
    STEP_RULES,
    UNZONED,
    SiteFacts,
    due_of,
    next_steps,
)
from reporter.registers.models import CampaignOverdue, Site
from tests.conftest import app_ctx
from tests.registers.helpers import register

D = date


def _survey(compliant=False):
    return SimpleNamespace(compliant=compliant)


# The step table ---------------------------------------------------------------------------------------------------

def test_the_step_table_orders_survey_rectify_accept_close():
    assert list(STEP_RULES) == ["survey", "rectify", "accept", "close"]
    assert {step: rule.after for step, rule in STEP_RULES.items()} == {
        "survey": (), "rectify": ("survey",), "accept": ("rectify",), "close": ("accept", "survey")}
    assert all(rule.step == step for step, rule in STEP_RULES.items())
    assert STEP_RULES["survey"].who == "the county's supervisors, the lead units, the grid's inspectors"
    assert STEP_RULES["close"].who == "the county's supervisors"


def test_next_steps_follow_the_table():
    assert next_steps({}) == ["survey"]
    assert next_steps({"survey": _survey()}) == ["rectify"]  # something to rectify: 销号 waits for 验收
    compliant = next_steps({"survey": _survey(True)})
    assert "close" in compliant and "accept" not in compliant  # nothing to rectify: straight to 销号
    assert next_steps({"survey": _survey(), "rectify": object()}) == ["accept"]
    assert next_steps({"survey": _survey(), "rectify": object(), "accept": object()}) == ["close"]
    assert next_steps({"survey": _survey(True), "close": object()}) == []
    assert next_steps({"survey": _survey(), "rectify": object(), "accept": object(), "close": object()}) == []


# A site's deadline for a step -------------------------------------------------------------------------------------

MILESTONES = {"survey": {None: D(2022, 6, 30)},
              "accept": {None: D(2022, 7, 31)},
              "close": {"core": D(2022, 8, 31), "key": D(2022, 8, 31), None: D(2022, 12, 31)}}


def test_a_sites_deadline_is_its_zones_milestone_else_the_general_one():
    assert due_of(MILESTONES, "close", "core", {}) == D(2022, 8, 31)
    assert due_of(MILESTONES, "close", "key", {}) == D(2022, 8, 31)
    assert due_of(MILESTONES, "close", "general", {}) == D(2022, 12, 31)
    assert due_of(MILESTONES, "close", None, {}) == D(2022, 12, 31)
    assert due_of(MILESTONES, "survey", "core", {}) == D(2022, 6, 30)
    assert due_of(MILESTONES, "rectify", "core", {}) is None  # no milestone: no deadline
    # a milestone for the sites outside the zones applies to them only
    outside = {"close": {UNZONED: D(2022, 10, 31), None: D(2022, 12, 31)}}
    assert UNZONED == "outside"
    assert due_of(outside, "close", None, {}) == D(2022, 10, 31)
    assert due_of(outside, "close", "general", {}) == D(2022, 12, 31)


def test_acceptance_is_due_by_the_rectify_deadline_when_earlier():
    rectified = {"survey": (D(2022, 5, 1), None, False), "rectify": (D(2022, 5, 2), D(2022, 7, 10), None)}
    assert due_of(MILESTONES, "accept", "key", rectified) == D(2022, 7, 10)
    later = {**rectified, "rectify": (D(2022, 5, 2), D(2022, 8, 15), None)}
    assert due_of(MILESTONES, "accept", "key", later) == D(2022, 7, 31)
    assert due_of({}, "accept", "key", rectified) == D(2022, 7, 10)  # no milestone: the 整改 deadline alone
    no_deadline = {**rectified, "rectify": (D(2022, 5, 2), None, None)}
    assert due_of(MILESTONES, "accept", "key", no_deadline) == D(2022, 7, 31)
    assert due_of(MILESTONES, "close", "general", rectified) == D(2022, 12, 31)  # only 验收 takes it


# What is overdue --------------------------------------------------------------------------------------------------

def _late(steps, as_of, zone="key", milestones=MILESTONES):
    return campaigns._overdue_steps(milestones, SiteFacts(1, "610923", zone, steps), as_of)


def test_a_step_is_overdue_the_day_after_its_deadline():
    assert _late({}, D(2022, 6, 30)) == []  # the deadline's own day is still in time
    assert _late({}, D(2022, 7, 1)) == [("survey", D(2022, 6, 30))]
    assert _late({}, D(2022, 8, 1)) == [("survey", D(2022, 6, 30)), ("accept", D(2022, 7, 31))]
    assert _late({}, D(2022, 9, 1)) == [("survey", D(2022, 6, 30)), ("accept", D(2022, 7, 31)),
                                        ("close", D(2022, 8, 31))]
    assert _late({}, D(2022, 9, 1), zone="general") == [("survey", D(2022, 6, 30)), ("accept", D(2022, 7, 31))]


def test_recorded_steps_are_never_overdue_and_a_compliant_survey_skips_rectify_and_accept():
    surveyed = {"survey": (D(2022, 7, 5), None, False)}
    assert _late(surveyed, D(2022, 8, 1)) == [("accept", D(2022, 7, 31))]
    compliant = {"survey": (D(2022, 7, 5), None, True)}
    assert _late(compliant, D(2022, 8, 1)) == []
    assert _late(compliant, D(2022, 9, 1)) == [("close", D(2022, 8, 31))]  # 销号 is still due
    everything = {s: (D(2022, 5, 1), None, False) for s in ("survey", "rectify", "accept", "close")}
    assert _late(everything, D(2023, 1, 1)) == []
    rectify_due = {"rectify": {None: D(2022, 7, 15)}}
    assert _late(surveyed, D(2022, 7, 16), milestones=rectify_due) == [("rectify", D(2022, 7, 15))]
    assert _late({"survey": (D(2022, 7, 5), None, True)}, D(2022, 7, 16), milestones=rectify_due) == []


def test_acceptance_is_overdue_after_the_rectify_deadline():
    steps = {"survey": (D(2022, 5, 1), None, False), "rectify": (D(2022, 5, 2), D(2022, 7, 10), None)}
    assert _late(steps, D(2022, 7, 10)) == []
    assert _late(steps, D(2022, 7, 11)) == [("accept", D(2022, 7, 10))]


# Targets' conditions and the figures ------------------------------------------------------------------------------

def test_a_condition_matches_a_value_or_one_of_a_list():
    attributes = {"outcome": "关停取缔", "beds": 12}
    assert campaigns._matches(attributes, {})
    assert campaigns._matches(attributes, {"outcome": "关停取缔"})
    assert not campaigns._matches(attributes, {"outcome": "提升改造"})
    assert campaigns._matches(attributes, {"outcome": ["提升改造", "关停取缔"]})
    assert not campaigns._matches(attributes, {"outcome": ["提升改造"]})
    assert campaigns._matches(attributes, {"outcome": "关停取缔", "beds": 12})
    assert not campaigns._matches(attributes, {"outcome": "关停取缔", "beds": 13})  # every key must match
    assert not campaigns._matches(attributes, {"beds": 12, "outcome": ["提升改造"]})
    assert not campaigns._matches(attributes, {"problems": "侵占河道"})  # a field the site has not filled
    assert campaigns._matches({}, {"problems": None})


def test_figures_sum_per_column_and_closed_pct_is_a_rounded_share():
    assert FIGURES == ("sites", "surveyed", "rectifying", "accepted", "closed", "overdue")
    assert campaigns._sum([]) == [0, 0, 0, 0, 0, 0]
    assert campaigns._sum([(1, True, False, True, False, True), (1, True, True, False, False, False),
                           (1, False, False, False, False, True)]) == [3, 2, 1, 1, 0, 2]
    assert campaigns._finish([3, 2, 1, 1, 2, 2]) == {"sites": 3, "surveyed": 2, "rectifying": 1, "accepted": 1,
                                                     "closed": 2, "overdue": 2, "closed_pct": 66.7}
    assert campaigns._finish([3, 0, 0, 0, 1, 0])["closed_pct"] == 33.3
    assert campaigns._finish([8, 0, 0, 0, 8, 0])["closed_pct"] == 100.0
    assert campaigns._finish([0, 0, 0, 0, 0, 0])["closed_pct"] is None


def test_a_cst_day_ends_at_midnight_beijing_time():
    assert campaigns._end_of(D(2022, 6, 30)) == datetime(2022, 7, 1, tzinfo=CST)
    assert campaigns._end_of(D(2022, 6, 30)) == datetime(2022, 6, 30, 16, tzinfo=UTC)
    assert campaigns._end_of(D(2022, 12, 31)) == datetime(2023, 1, 1, tzinfo=CST)


# One campaign through the services ---------------------------------------------------------------------------------
#
#   site  zone     registered (CST)        attributes        steps (CST days)
#   A     key      04-20                   提升改造           排查 06-30, 整改 07-02 (→07-10), 验收 07-10, 销号 08-31
#   B     key      04-20                   关停取缔           排查 07-01, 整改 07-03 (→07-10)
#   C     key      06-30 23:59:59          提升改造           nothing
#   D     key      07-01 00:00:00          (none)             nothing
#   E     outside  04-20                   提升改造           排查 06-01 nothing to rectify, 销号 09-01
#
# Milestones: 排查 06-30 (all), 验收 07-31 (all), 销号 08-31 in the key and core zones (no site in the core zone;
# entered after the general one: the table lists them by day, step, zone), 12-31 elsewhere.

CAMPAIGN = {"name": "边界测试", "kind": "farmstay", "counties": ["610923"], "starts_on": "2022-04-01",
            "milestones": [{"step": "survey", "zone": None, "due_on": "2022-06-30"},
                           {"step": "accept", "zone": None, "due_on": "2022-07-31"},
                           {"step": "close", "zone": "key", "due_on": "2022-08-31"},
                           {"step": "close", "zone": None, "due_on": "2022-12-31"},
                           {"step": "close", "zone": "core", "due_on": "2022-08-31"}],
            "targets": [{"name": "销号≥2", "measure": "count", "threshold": 2, "step": "close"},
                        {"name": "排查率≥60%", "measure": "rate", "threshold": 60, "step": "survey"},
                        {"name": "提升改造排查≥66.7%", "measure": "rate", "threshold": 66.7, "step": "survey",
                         "of": {"outcome": "提升改造"}},
                        {"name": "已定处置方式", "measure": "count", "threshold": 5,
                         "where": {"outcome": ["关停取缔", "提升改造"]}},
                        {"name": "无此类", "measure": "rate", "threshold": 0, "of": {"outcome": "未定"}},
                        {"name": "排查≥1", "measure": "count", "threshold": 1, "step": "survey"}]}


def _at(month, day, hour=12):
    return datetime(2022, month, day, hour, tzinfo=CST)


@pytest.fixture()
def edge_campaign(world):
    codes = {"A": "提升改造", "B": "关停取缔", "C": "提升改造", "D": None, "E": "提升改造"}
    ids = {}
    for code, outcome in codes.items():
        resp = register(world, code=f"EDGE-{code}", attributes={"outcome": outcome} if outcome else {})
        assert resp.status_code == 201, resp.get_json()
        ids[code] = resp.get_json()["id"]
    created = {"A": datetime(2022, 4, 20, 2, tzinfo=UTC), "B": datetime(2022, 4, 20, 2, tzinfo=UTC),
               "C": datetime(2022, 6, 30, 15, 59, 59, tzinfo=UTC), "D": datetime(2022, 6, 30, 16, tzinfo=UTC),
               "E": datetime(2022, 4, 20, 2, tzinfo=UTC)}
    with app_ctx(world.app) as session:
        for code, at in created.items():
            session.execute(update(Site).where(Site.id == ids[code]).values(created_at=at))
        session.execute(update(Site).where(Site.id == ids["E"]).values(zone=None))
        session.commit()
    resp = world.client.post("/api/v1/registers/campaigns", json=CAMPAIGN, headers=world.h("city_sup"))
    assert resp.status_code == 201, resp.get_json()
    campaign_id = resp.get_json()["id"]
    photo = world.upload("city_sup")
    steps = [("A", "survey", 6, 30, "county_sup", {}),
             ("A", "rectify", 7, 2, "county_sup", {"measures": "拆除", "deadline": D(2022, 7, 10)}),
             ("A", "accept", 7, 10, "city_sup", {"photo_ids": [photo]}),
             ("A", "close", 8, 31, "county_sup", {}),
             ("B", "survey", 7, 1, "county_sup", {}),
             ("B", "rectify", 7, 3, "county_sup", {"measures": "关停", "deadline": D(2022, 7, 10)}),
             ("E", "survey", 6, 1, "county_sup", {"compliant": True}),
             ("E", "close", 9, 1, "county_sup", {})]
    for code, step, month, day, who, data in steps:
        with app_ctx(world.app) as session:
            campaigns.record_step(campaign_id, ids[code], step, session.get(User, world.ids[who]), data,
                                  at=_at(month, day))
    return SimpleNamespace(id=campaign_id, sites=ids)


def _progress(world, campaign_id, day, **kwargs):
    with app_ctx(world.app):
        return campaigns.progress(campaign_id, day, **kwargs)


def _row(sites, surveyed, rectifying, accepted, closed, overdue, closed_pct):
    return {"sites": sites, "surveyed": surveyed, "rectifying": rectifying, "accepted": accepted, "closed": closed,
            "overdue": overdue, "closed_pct": closed_pct}


def _cells(figures):
    return [(m["step"], m["zone"], m["due_on"], m["sites"], m["met"], m["missed"], m["pending"])
            for m in figures["milestones"]]


def _targets(figures):
    return [(t["count"], t["of"], t["value"], t["met"]) for t in figures["targets"]]


def test_progress_on_the_survey_deadline_and_the_day_after(world, edge_campaign):
    # 06-30: A, B, C, E registered (C at 23:59:59; D at midnight is the next day's). Surveyed A (on the day), E.
    # Nothing overdue on the deadline's own day. 排查: A and E met, B and C still have the day → pending.
    # 验收 by 07-31: E met through its compliant 排查 (06-01); A, B, C pending. 销号 key (A, B, C), general (E).
    june = _progress(world, edge_campaign.id, D(2022, 6, 30))
    assert (june["campaign_id"], june["name"], june["kind"], june["as_of"]) == (
        edge_campaign.id, "边界测试", "farmstay", D(2022, 6, 30))
    assert june["totals"] == _row(4, 2, 0, 0, 0, 0, 0.0)
    assert _cells(june) == [("survey", None, D(2022, 6, 30), 4, 2, 0, 2), ("accept", None, D(2022, 7, 31), 4, 1, 0, 3),
                            ("close", "core", D(2022, 8, 31), 0, 0, 0, 0), ("close", "key", D(2022, 8, 31), 3, 0, 0, 3),
                            ("close", None, D(2022, 12, 31), 1, 0, 0, 1)]
    assert [m["zone_name"] for m in june["milestones"]] == ["全部", "全部", "核心保护区", "重点保护区", "全部"]
    # targets: 销号 0 < 2; 排查 2 of 4 = 50 % < 60; of 提升改造 (A, C, E) 2 = 66.7 % ≥ 66.7;
    # 处置方式 given: A, B, C, E = 4 < 5; of 未定: none → no value, not met
    assert _targets(june) == [(0, 4, 0, False), (2, 4, 50.0, False), (2, 3, 66.7, True), (4, 4, 4, False),
                              (0, 0, None, False), (2, 4, 2, True)]  # 2 ≥ 1: above the threshold is met too

    # 07-01: D counts from its first second. B surveyed (late); C and D not at all → missed and overdue.
    july = _progress(world, edge_campaign.id, D(2022, 7, 1))
    assert july["totals"] == _row(5, 3, 0, 0, 0, 2, 0.0)
    assert _cells(july)[:2] == [("survey", None, D(2022, 6, 30), 5, 2, 3, 0),
                                ("accept", None, D(2022, 7, 31), 5, 1, 0, 4)]
    # 排查 3 of 5 = 60 % ≥ 60 (the threshold itself is met); 提升改造: A, C, E → 2 of 3; D has no outcome
    assert _targets(july) == [(0, 5, 0, False), (3, 5, 60.0, True), (2, 3, 66.7, True), (4, 5, 4, False),
                              (0, 0, None, False), (3, 5, 3, True)]
    assert [(c["adcode"], c["sites"]) for c in july["counties"]] == [("610923", 5)]


def test_acceptance_falls_due_with_the_rectify_deadline(world, edge_campaign):
    # 07-10: A accepted (the day of its 整改 deadline); B rectifying, its 验收 due today → not late. C, D late.
    tenth = _progress(world, edge_campaign.id, D(2022, 7, 10))
    assert tenth["totals"] == _row(5, 3, 1, 1, 0, 2, 0.0)
    # 07-11: B's 验收 is a day late (its 整改 deadline, not the 07-31 milestone)
    eleventh = _progress(world, edge_campaign.id, D(2022, 7, 11))
    assert eleventh["totals"] == _row(5, 3, 1, 1, 0, 3, 0.0)
    # the milestone cell still counts by the milestone: A met, E met, B, C, D pending until 07-31
    assert _cells(eleventh)[1] == ("accept", None, D(2022, 7, 31), 5, 2, 0, 3)
    august = _progress(world, edge_campaign.id, D(2022, 8, 1))
    assert _cells(august)[1] == ("accept", None, D(2022, 7, 31), 5, 2, 3, 0)


def test_closing_off_by_the_zone_deadline(world, edge_campaign):
    # 08-31: A closed off on the key zone's deadline → met; B, C, D have the day. E (outside the zones) not yet.
    last = _progress(world, edge_campaign.id, D(2022, 8, 31))
    assert last["totals"] == _row(5, 3, 1, 1, 1, 3, 20.0)
    assert _cells(last)[3:] == [("close", "key", D(2022, 8, 31), 4, 1, 0, 3),
                                ("close", None, D(2022, 12, 31), 1, 0, 0, 1)]
    assert _targets(last)[0] == (1, 5, 1, False)
    # 09-01: B, C, D missed the key zone's 销号; E closed off (its deadline is 12-31): 2 of 5 = 40 %, 2 ≥ 2 met.
    sept = _progress(world, edge_campaign.id, D(2022, 9, 1))
    assert sept["totals"] == _row(5, 3, 1, 1, 2, 3, 40.0)
    assert _cells(sept)[3:] == [("close", "key", D(2022, 8, 31), 4, 1, 3, 0),
                                ("close", None, D(2022, 12, 31), 1, 1, 0, 0)]
    assert _targets(sept)[0] == (2, 5, 2, True)
    # the per-unit rows: the city's 文旅 bureau leads every farmstay in 宁陕 (no county bureau)
    assert [u["sites"] for u in sept["units"]] == [5]
    assert sept["units"][0]["closed"] == 2
    # a county filter, and a county with none of the sites
    assert _progress(world, edge_campaign.id, D(2022, 9, 1), county="610923")["totals"]["sites"] == 5
    assert _progress(world, edge_campaign.id, D(2022, 9, 1), county="610902")["totals"] == _row(0, 0, 0, 0, 0, 0,
                                                                                                 None)


def test_the_area_is_the_kind_the_counties_and_the_zones(world, edge_campaign):
    # (the zones, and `outside`: the sites in none of them; the API takes the same as the service)
    def sites(**area):
        with app_ctx(world.app) as session:
            body = {"name": f"区域{sorted(area.items())}", "kind": "farmstay", "starts_on": D(2022, 4, 1), **area}
            campaign = campaigns.create_campaign(session.get(User, world.ids["city_sup"]), body)
            return campaigns.progress(campaign.id, D(2022, 9, 1))["totals"]["sites"]

    assert sites() == 5
    assert sites(counties=["610923"]) == 5
    assert sites(counties=["610902"]) == 0
    assert sites(counties=["610902", "610923"]) == 5
    assert sites(zones=["key"]) == 4
    assert sites(zones=["outside"]) == 1
    assert sites(zones=["core", "outside"]) == 1
    assert sites(zones=["key", "outside"]) == 5
    assert sites(zones=["core"]) == 0
    assert sites(zones=["core", "general"]) == 0
    assert sites(kind="mine") == 0  # the kind first of all
    with app_ctx(world.app) as session:
        city_sup = session.get(User, world.ids["city_sup"])
        key = campaigns.create_campaign(city_sup, {"name": "重点区", "kind": "farmstay", "starts_on": D(2022, 4, 1),
                                                   "zones": ["key"]})
        outside = campaigns.create_campaign(city_sup, {"name": "区外only", "kind": "farmstay",
                                                       "starts_on": D(2022, 4, 1), "zones": ["outside"]})
        s = edge_campaign.sites
        assert not campaigns.in_campaign(key, session.get(Site, s["E"]))
        assert campaigns.in_campaign(key, session.get(Site, s["A"]))
        assert not campaigns.in_campaign(outside, session.get(Site, s["A"]))
        with pytest.raises(NotFound):
            campaigns.record_step(key.id, s["E"], "survey", session.get(User, world.ids["county_sup"]), {},
                                  at=_at(7, 1))
    # a milestone for the sites outside the zones (the service's `outside`), beside the general one
    with app_ctx(world.app) as session:
        body = {"name": "区外", "kind": "farmstay", "starts_on": D(2022, 4, 1),
                "milestones": [{"step": "close", "zone": "outside", "due_on": D(2022, 9, 30)},
                               {"step": "close", "zone": None, "due_on": D(2022, 12, 31)}]}
        made = campaigns.create_campaign(session.get(User, world.ids["city_sup"]), body)
        figures = campaigns.progress(made.id, D(2022, 9, 1))
    assert [(m["zone"], m["zone_name"], m["sites"], m["met"], m["pending"]) for m in figures["milestones"]] == [
        ("outside", "秦岭范围外", 1, 0, 1), (None, "全部", 4, 0, 4)]  # (steps are the other campaign's)
    assert figures["targets"] == [] and figures["totals"]["closed"] == 0  # nor its targets
    with app_ctx(world.app) as session:
        outside = campaigns.get_campaign(edge_campaign.id)
        assert campaigns.in_campaign(outside, session.get(Site, edge_campaign.sites["E"]))
        listed = campaigns.campaigns_of_site(session.get(Site, edge_campaign.sites["A"]))
        assert edge_campaign.id in [c.id for c in listed]


def test_the_sweep_records_each_late_step_once(world, edge_campaign):
    with app_ctx(world.app) as session:
        assert campaigns.sweep_overdue(at=_at(6, 30, 23)) == []  # the deadline's own day
        made = campaigns.sweep_overdue(at=_at(7, 11))
        rows = {(r.site_id, r.step): r.due_on for r in session.query(CampaignOverdue).filter(
            CampaignOverdue.id.in_(made))}
        s = edge_campaign.sites
        assert rows == {(s["B"], "accept"): D(2022, 7, 10), (s["C"], "survey"): D(2022, 6, 30),
                        (s["D"], "survey"): D(2022, 6, 30)}
        assert all(r.raised_to for r in session.query(CampaignOverdue))  # to the county's supervisors
        assert campaigns.sweep_overdue(at=_at(7, 12)) == []  # once
        later = campaigns.sweep_overdue(at=_at(8, 1))  # 验收 by 07-31: C and D (B's is noted already)
        assert {(r.site_id, r.step) for r in session.query(CampaignOverdue).filter(
            CampaignOverdue.id.in_(later))} == {(s["C"], "accept"), (s["D"], "accept")}


def test_the_sweep_leaves_campaigns_that_have_not_started(world, edge_campaign):
    body = {"name": "七月起", "kind": "farmstay", "starts_on": "2022-07-01", "zones": ["key"],
            "milestones": [{"step": "survey", "zone": None, "due_on": "2022-06-29"},
                           {"step": "accept", "zone": None, "due_on": "2022-07-15"}]}
    resp = world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("city_sup"))
    assert resp.status_code == 201, resp.get_json()
    with app_ctx(world.app):
        assert campaigns.sweep_overdue(at=_at(6, 30)) == []  # the first: nothing late yet; the second: not started
        made = campaigns.sweep_overdue(at=datetime(2022, 7, 1, tzinfo=CST))  # its first day, at midnight
    with app_ctx(world.app) as session:
        rows = session.query(CampaignOverdue).filter(CampaignOverdue.id.in_(made)).all()
        s = edge_campaign.sites
        assert sorted((r.campaign_id == edge_campaign.id, r.site_id) for r in rows) == sorted(
            [(True, s["C"]), (True, s["D"])] + [(False, s[c]) for c in "ABCD"])
        city_sup = session.get(User, world.ids["city_sup"])
        second = resp.get_json()["id"]
        assert sorted(r.site_id for r in session.execute(campaigns.overdue_query(second, city_sup)).scalars()) == [
            s[c] for c in "ABCD"]  # each campaign lists its own
        assert sorted(r.site_id for r in session.execute(campaigns.overdue_query(edge_campaign.id, city_sup))
                      .scalars()) == [s["C"], s["D"]]
    with app_ctx(world.app):
        campaigns.sweep_overdue(at=_at(7, 20))  # the second: 验收 by 07-15 for A..D; the first: B's (07-10)
        made = campaigns.sweep_overdue(at=_at(8, 1))  # the first: C's and D's 验收 by 07-31, noted in it only now
    with app_ctx(world.app) as session:
        assert sorted((r.campaign_id, r.site_id, r.step) for r in session.query(CampaignOverdue).filter(
            CampaignOverdue.id.in_(made))) == [(edge_campaign.id, s["C"], "accept"),
                                               (edge_campaign.id, s["D"], "accept")]


def test_step_refusals_at_their_edges(world, edge_campaign):
    from reporter.registers.models import SiteCase
    from tests.cases.conftest import drive

    s = edge_campaign.sites
    photo = world.upload("inspector")
    open_case = drive(world, "submitted", category="farmstay")
    with app_ctx(world.app) as session:  # an open case of C: only 销号 waits for it
        session.add(SiteCase(site_id=s["C"], case_id=open_case, distance_m=0))
        session.commit()
    with app_ctx(world.app) as session:
        county_sup = session.get(User, world.ids["county_sup"])
        # 整改's deadline may be the day itself, not the day before
        with pytest.raises(ValidationFailed):
            campaigns.record_step(edge_campaign.id, s["C"], "survey", county_sup, {}, at=_at(7, 4))
            campaigns.record_step(edge_campaign.id, s["C"], "rectify", county_sup,
                                  {"measures": "拆除", "deadline": D(2022, 7, 4)}, at=_at(7, 5))
        campaigns.record_step(edge_campaign.id, s["C"], "rectify", county_sup,
                              {"measures": "拆除", "deadline": D(2022, 7, 5)}, at=_at(7, 5))
        # 销号 after a 排查 that found something needs 验收
        with pytest.raises(InvalidTransition):
            campaigns.record_step(edge_campaign.id, s["C"], "close", county_sup, {}, at=_at(7, 6))
        # 验收 never by the unit that rectified (the county office rectified C)
        with pytest.raises(Forbidden):
            campaigns.record_step(edge_campaign.id, s["C"], "accept", county_sup, {"photo_ids": ["x"]}, at=_at(7, 6))
        with pytest.raises(ValidationFailed):  # and never without a photo
            campaigns.record_step(edge_campaign.id, s["C"], "accept", session.get(User, world.ids["city_sup"]), {},
                                  at=_at(7, 6))
        # the grid's inspector surveys and accepts, never rectifies nor closes off
        inspector = session.get(User, world.ids["inspector"])
        campaigns.record_step(edge_campaign.id, s["D"], "survey", inspector, {}, at=_at(7, 6))
        with pytest.raises(Forbidden):
            campaigns.record_step(edge_campaign.id, s["D"], "rectify", inspector,
                                  {"measures": "拆除", "deadline": D(2022, 7, 30)}, at=_at(7, 6))
        with pytest.raises(ValidationFailed):  # 整改 needs its measures
            campaigns.record_step(edge_campaign.id, s["D"], "rectify", county_sup, {"deadline": D(2022, 7, 30)},
                                  at=_at(7, 6))
        campaigns.record_step(edge_campaign.id, s["D"], "rectify", county_sup,
                              {"measures": "拆除", "deadline": D(2022, 7, 30)}, at=_at(7, 6))
        campaigns.record_step(edge_campaign.id, s["D"], "accept", inspector, {"photo_ids": [photo]}, at=_at(7, 7))
        with pytest.raises(Forbidden):
            campaigns.record_step(edge_campaign.id, s["D"], "close", inspector, {}, at=_at(7, 8))
        campaigns.record_step(edge_campaign.id, s["D"], "close", county_sup, {}, at=_at(7, 8))
        # an inspector no longer (roles changed, still listed for the grid) surveys nothing
        update_user(world.ids["inspector"], {"roles": ["auditor"]}, actor_id=world.ids["admin"])
        session.commit()
        with pytest.raises(Forbidden):
            campaigns.record_step(edge_campaign.id, s["B"], "accept", session.get(User, world.ids["inspector"]),
                                  {"photo_ids": [photo]}, at=_at(7, 8))
        assert campaigns.may_record(county_sup, session.get(Site, s["B"]), "accept", {}) is True
        assert campaigns.may_record(inspector, session.get(Site, s["B"]), "survey", {}) is False
        assert campaigns.can_see_step_photos(county_sup, str(steps_a := campaigns._steps_of(edge_campaign.id,
                                                                                          s["A"])["accept"].id))
        assert not campaigns.can_see_step_photos(session.get(User, world.ids["other_county_sup"]), str(steps_a))
        assert not campaigns.can_see_step_photos(county_sup, "a1")
        assert not campaigns.can_see_step_photos(county_sup, str(steps_a + 1000))
        listed = campaigns.campaign_sites(edge_campaign.id, county_sup)
        assert [(site.code, sorted(done)) for site, done in listed] == [
            ("EDGE-A", ["accept", "close", "rectify", "survey"]), ("EDGE-B", ["rectify", "survey"]),
            ("EDGE-C", ["rectify", "survey"]), ("EDGE-D", ["accept", "close", "rectify", "survey"]),
            ("EDGE-E", ["close", "survey"])]
        assert campaigns.campaign_sites(edge_campaign.id, county_sup, county="610902") == []
        assert campaigns.campaign_sites(edge_campaign.id, session.get(User, world.ids["other_county_sup"])) == []
        steps = campaigns.site_steps(edge_campaign.id, s["A"], county_sup)
        assert [x.step for x in steps] == ["survey", "rectify", "accept", "close"]
        assert [x.day for x in steps] == [D(2022, 6, 30), D(2022, 7, 2), D(2022, 7, 10), D(2022, 8, 31)]


def test_the_benchmarks_yardstick_counts_steps_per_county_up_to_the_day(world, edge_campaign):
    with app_ctx(world.app) as session:
        county_sup = session.get(User, world.ids["county_sup"])
        other = campaigns.create_campaign(county_sup, {"name": "另一行动", "kind": "farmstay", "counties": ["610923"],
                                                       "starts_on": D(2022, 4, 1)}).id
        campaigns.record_step(other, edge_campaign.sites["C"], "survey", county_sup, {}, at=_at(7, 5))
        assert sorted(campaigns.progress_baseline(edge_campaign.id, D(2022, 7, 10))) == [
            ("610923", "accept", 1), ("610923", "rectify", 2), ("610923", "survey", 3)]
        assert campaigns.progress_baseline(other, D(2022, 7, 10)) == [("610923", "survey", 1)]
        # each campaign has its own steps: C's 排查 in the other one is not C's 排查 in this one
        campaigns.record_step(edge_campaign.id, edge_campaign.sites["C"], "survey", county_sup, {}, at=_at(7, 6))
        assert campaigns.progress_baseline(other, D(2022, 7, 4)) == []


def test_the_bulletin_takes_the_campaigns_running_in_the_month(world, edge_campaign):
    from reporter.stats.bulletin import month_of

    with app_ctx(world.app) as session:
        city_sup = session.get(User, world.ids["city_sup"])
        for name, starts, ends in (("八月一日止", D(2022, 4, 1), D(2022, 8, 1)),
                                   ("七月底止", D(2022, 4, 1), D(2022, 7, 31)),
                                   ("八月底起", D(2022, 8, 31), None), ("九月起", D(2022, 9, 1), None)):
            campaigns.create_campaign(city_sup, {"name": name, "kind": "farmstay", "starts_on": starts,
                                                 "ends_on": ends})
        rows = campaigns.bulletin_rows(month_of("2022-08"), None)
        assert sorted(r["campaign"] for r in rows) == ["八月一日止", "八月底起", "边界测试"]
        row = next(r for r in rows if r["campaign_id"] == edge_campaign.id)
        # as of the month's last day (08-31): A closed off, B rectifying; overdue B, C, D
        assert (row["as_of"], row["adcode"], row["sites"], row["closed"], row["rectifying"], row["overdue"]) == (
            "2022-08-31", "610923", 5, 1, 1, 3)
        assert campaigns.bulletin_rows(month_of("2022-08"), "610902") == []


def test_campaigns_are_created_once_by_name_and_in_the_supervisors_county(world):
    with app_ctx(world.app) as session:
        county_sup = session.get(User, world.ids["county_sup"])
        body = {"name": "宁陕农家乐", "kind": "farmstay", "starts_on": D(2022, 4, 1),
                "milestones": [{"step": "close", "zone": None, "due_on": D(2022, 12, 31)},
                               {"step": "survey", "zone": None, "due_on": D(2022, 6, 30)}]}
        with pytest.raises(Forbidden):
            campaigns.create_campaign(county_sup, {**body, "counties": ["610923", "610902"]})
        with pytest.raises(Forbidden):
            campaigns.create_campaign(county_sup, {**body, "counties": ["610902"]})
        first = campaigns.create_campaign(session.get(User, world.ids["city_sup"]), {
            "name": "市级", "kind": "farmstay", "starts_on": D(2022, 4, 1),
            "milestones": [{"step": "accept", "zone": None, "due_on": D(2022, 7, 31)}]})
        made = campaigns.create_campaign(county_sup, {**body, "counties": ["610923"],
                                                      "milestones": [*body["milestones"], {
                                                          "step": "rectify", "zone": None, "due_on": D(2022, 5, 31)}]})
        with pytest.raises(Conflict):
            campaigns.create_campaign(session.get(User, world.ids["city_sup"]), body)
        with pytest.raises(NotFound):
            campaigns.create_campaign(session.get(User, world.ids["city_sup"]), {**body, "name": "x", "kind": "nope"})
        out = campaigns.campaign_out(made)
        assert [(m.step, m.due_on) for m in out["milestones"]] == [
            ("rectify", D(2022, 5, 31)), ("survey", D(2022, 6, 30)), ("close", D(2022, 12, 31))]
        assert [m.step for m in campaigns.campaign_out(first)["milestones"]] == ["accept"]
        # the figures list milestones by day, whatever the steps' order
        assert [m["step"] for m in campaigns.progress(made.id, D(2022, 9, 1))["milestones"]] == [
            "rectify", "survey", "close"]
        assert (out["counties"], out["zones"], out["checkins_count_as_survey"]) == (["610923"], [], False)
        with pytest.raises(NotFound):
            campaigns.get_campaign(made.id + 1)


def test_overdue_steps_wait_in_the_supervisors_todo_until_supervised(world, edge_campaign):
    with app_ctx(world.app) as session:
        made = campaigns.sweep_overdue(at=_at(7, 11))
        county_sup = session.get(User, world.ids["county_sup"])
        todo = session.execute(campaigns.open_overdue_query(county_sup)).scalars().all()
        assert sorted(r.id for r in todo) == sorted(made)
        assert session.execute(campaigns.open_overdue_query(session.get(User, world.ids["other_county_sup"]))
                               ).scalars().all() == []
        with pytest.raises(Forbidden):  # city level is the city office's
            campaigns.supervise_overdue(edge_campaign.id, made[0], county_sup, {"level": "city", "due": D(2022, 8, 1)})
        with pytest.raises(NotFound):
            campaigns.supervise_overdue(edge_campaign.id, made[0], session.get(User, world.ids["other_county_sup"]),
                                        {"level": "county", "due": D(2022, 8, 1)})
        row = campaigns.supervise_overdue(edge_campaign.id, made[0], county_sup,
                                          {"level": "county", "due": D(2022, 8, 1)})
        assert (row.supervision_level, row.supervision_due, row.supervised_by) == ("county", D(2022, 8, 1),
                                                                                  world.county_sup)
        assert len(session.execute(campaigns.open_overdue_query(county_sup)).scalars().all()) == len(made) - 1
        with pytest.raises(Conflict):
            campaigns.supervise_overdue(edge_campaign.id, made[0], session.get(User, world.ids["city_sup"]),
                                        {"level": "city", "due": D(2022, 8, 1)})
        row = campaigns.supervise_overdue(edge_campaign.id, made[1], session.get(User, world.ids["city_sup"]),
                                          {"level": "city", "due": D(2022, 8, 1)})
        assert row.supervision_level == "city"


def test_a_check_in_counts_as_survey_within_the_radius_in_the_sites_grid(world):
    import uuid
    from datetime import timedelta

    from reporter.registers.geometry import distance_to_site
    from tests.cases.conftest import HANBIN, NINGSHAN

    site = register(world).get_json()
    started = datetime.now(UTC) - timedelta(hours=1)
    today = datetime.now(CST).date()
    with app_ctx(world.app) as session:
        city_sup = session.get(User, world.ids["city_sup"])
        county_sup = session.get(User, world.ids["county_sup"])
        done = campaigns.create_campaign(city_sup, {"name": "已排查", "kind": "farmstay", "starts_on": today,
                                                    "checkins_count_as_survey": True}).id
        campaigns.record_step(done, site["id"], "survey", county_sup, {})
        counting = campaigns.create_campaign(city_sup, {"name": "巡查即排查", "kind": "farmstay", "starts_on": today,
                                                        "checkins_count_as_survey": True}).id
        done_later = campaigns.create_campaign(city_sup, {"name": "已排查2", "kind": "farmstay", "starts_on": today,
                                                          "checkins_count_as_survey": True}).id
        campaigns.record_step(done_later, site["id"], "survey", county_sup, {})
        later = campaigns.create_campaign(city_sup, {"name": "明天起", "kind": "farmstay",
                                                     "starts_on": today + timedelta(days=1),
                                                     "checkins_count_as_survey": True}).id
    patrol_id = str(uuid.uuid4())
    assert world.client.post("/api/v1/patrols", json={"id": patrol_id, "grid_id": world.grid_id,
                                                      "started_at": started.isoformat()},
                             headers=world.h("inspector")).status_code == 201
    where = (NINGSHAN[0] + 0.001, NINGSHAN[1])
    checkin = {"id": str(uuid.uuid4()), "t": (started + timedelta(minutes=20)).isoformat(),
               "location": {"lat": where[0], "lng": where[1]}}
    assert world.client.post(f"/api/v1/patrols/{patrol_id}/checkins", json=checkin,
                             headers=world.h("inspector")).status_code == 201
    again = {**checkin, "id": str(uuid.uuid4()), "t": (started + timedelta(minutes=25)).isoformat()}
    assert world.client.post(f"/api/v1/patrols/{patrol_id}/checkins", json=again,
                             headers=world.h("inspector")).status_code == 201  # the first one counts
    far = {"id": str(uuid.uuid4()), "t": (started + timedelta(minutes=5)).isoformat(),  # earlier, 1 km away
           "location": {"lat": NINGSHAN[0] + 0.01, "lng": NINGSHAN[1]}}
    assert world.client.post(f"/api/v1/patrols/{patrol_id}/checkins", json=far,
                             headers=world.h("inspector")).status_code == 201
    # earlier still, at the site, by the inspector of another grid: not this site's 排查
    from reporter.geo.services import locate

    with app_ctx(world.app):
        other_grid = locate(*HANBIN).grid_id
    other_patrol = str(uuid.uuid4())
    assert world.client.post("/api/v1/patrols", json={"id": other_patrol, "grid_id": other_grid,
                                                      "started_at": started.isoformat()},
                             headers=world.h("other_inspector")).status_code == 201
    elsewhere = {"id": str(uuid.uuid4()), "t": (started + timedelta(minutes=2)).isoformat(),
                 "location": {"lat": where[0], "lng": where[1]}}
    assert world.client.post(f"/api/v1/patrols/{other_patrol}/checkins", json=elsewhere,
                             headers=world.h("other_inspector")).status_code == 201
    with app_ctx(world.app) as session:
        row = session.get(Site, site["id"])
        distance = distance_to_site(row.geometry, row.lat, row.lng, *where)
        assert 100 < distance < 120
        assert campaigns.surveys_from_checkins(radius_m=distance - 0.01) == 0  # just beyond
        # exactly at the radius: counted (the first campaign has nothing left to survey; the next one does)
        assert campaigns.surveys_from_checkins(radius_m=distance) == 1
        steps = campaigns.site_steps(counting, site["id"], session.get(User, world.ids["county_sup"]))
        assert [(s.step, s.source, s.actor_id, s.actor_role, s.note) for s in steps] == [
            ("survey", "patrol_checkin", world.inspector, "inspector", "巡查打卡")]
        assert campaigns.site_steps(later, site["id"], session.get(User, world.ids["county_sup"])) == []
        assert campaigns.surveys_from_checkins(radius_m=distance) == 0  # surveyed already
        campaigns.create_campaign(session.get(User, world.ids["city_sup"]), {
            "name": "再一次", "kind": "farmstay", "starts_on": today, "checkins_count_as_survey": True})
        assert campaigns.surveys_from_checkins(radius_m=distance + 100) == 1  # well inside


def test_the_figures_of_one_county(world):
    from tests.cases.conftest import HANBIN

    assert register(world).status_code == 201  # 宁陕
    hanbin = register(world, who="other_county_sup", code="HB-1",
                      geometry={"type": "Point", "coordinates": [HANBIN[1], HANBIN[0]]})
    assert hanbin.status_code == 201, hanbin.get_json()
    today = datetime.now(CST).date()
    with app_ctx(world.app) as session:
        city_sup = session.get(User, world.ids["city_sup"])
        made = campaigns.create_campaign(city_sup, {"name": "两县", "kind": "farmstay", "starts_on": today}).id
        assert campaigns.progress(made, today)["totals"]["sites"] == 2
        for county in ("610923", "610902"):
            figures = campaigns.progress(made, today, county=county)
            assert [c["adcode"] for c in figures["counties"]] == [county] and figures["totals"]["sites"] == 1
        assert [c["name"] for c in campaigns.progress(made, today)["counties"]] == ["汉滨区", "宁陕县"]
        assert [c["adcode"] for c in campaigns.progress(made, today)["counties"]] == ["610902", "610923"]
        assert [site.code for site, _ in campaigns.campaign_sites(made, city_sup, county="610923")] == ["NJL-001"]
        assert [site.code for site, _ in campaigns.campaign_sites(made, city_sup, county="610902")] == ["HB-1"]


def test_a_refused_step_leaves_nothing_behind_in_the_callers_session(world, edge_campaign):
    not_theirs = world.upload("city_sup")
    with app_ctx(world.app) as session:
        with pytest.raises(ValidationFailed):  # someone else's photo: refused after the step was added
            campaigns.record_step(edge_campaign.id, edge_campaign.sites["B"], "accept",
                                  session.get(User, world.ids["inspector"]), {"photo_ids": [not_theirs]},
                                  at=_at(7, 8))
        session.commit()  # a caller that carries on with its session
    with app_ctx(world.app) as session:
        assert "accept" not in campaigns._steps_of(edge_campaign.id, edge_campaign.sites["B"])


def test_the_api_takes_outside_for_the_area_and_a_milestone(world, edge_campaign):
    body = {"name": "重点区及区外", "kind": "farmstay", "starts_on": "2022-04-01", "zones": ["key", "outside"],
            "milestones": [{"step": "close", "zone": "outside", "due_on": "2022-10-31"},
                           {"step": "close", "zone": None, "due_on": "2022-12-31"}]}
    created = world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("city_sup"))
    assert created.status_code == 201, created.get_json()
    campaign_id = created.get_json()["id"]
    assert _progress(world, campaign_id, D(2022, 9, 1))["totals"]["sites"] == 5  # the key zone's four, and E
    with app_ctx(world.app):
        milestones = campaigns._milestones(campaign_id)
        assert due_of(milestones, "close", None, {}) == D(2022, 10, 31)  # E, in no zone
        assert due_of(milestones, "close", "key", {}) == D(2022, 12, 31)
    wrong = world.client.post("/api/v1/registers/campaigns", json={**body, "zones": ["nowhere"]},
                              headers=world.h("city_sup"))
    assert wrong.status_code == 422 and "zones" in wrong.get_json()["errors"]["json"]
