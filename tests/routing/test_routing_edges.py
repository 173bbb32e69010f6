"""route() at its edges: the decision a case keeps (every field of the snapshot), the explanation of each kind of
rule match, and explanations remembered per (category, rule, place) — two routes differing in one of them never share
a sentence."""
import json
from datetime import date, datetime

import pytest

from reporter.common.timeutil import CST
from reporter.routing import versions
from reporter.routing.services import deadline_for, route
from tests.conftest import app_ctx
from tests.geo.points import ANKANG_CITY, NINGSHAN_CORE, NINGSHAN_KEY, ZIYANG
from tests.routing.helpers import unit_ids

BEFORE_NATIONAL_DAY = datetime(2024, 9, 27, 10, 0, tzinfo=CST)  # a Friday; 29 Sep worked, 1–7 Oct off
HANBIN = (32.9000, 108.9000)  # 汉滨区, general protection zone
NINGSHAN_TOWN = (33.3125, 108.3140)  # 宁陕县, the same key zone as NINGSHAN_KEY, another grid
DEFAULT_DAYS_TEXT = "受理2日，签收1日，办理15日，核查5日"


def test_the_snapshot_keeps_the_whole_decision_with_its_place_and_category(app):
    forestry, city_forestry, gov, resources, police = unit_ids(
        app, "610923.forestry", "city.forestry", "610923.gov", "610923.natural_resources", "city.public_security")
    with app_ctx(app):
        r = route("illegal_logging", *NINGSHAN_KEY, at=BEFORE_NATIONAL_DAY)
        snap = json.loads(json.dumps(r.snapshot()))
    grid = {"id": r.place.grid_id, "code": "610923501002001"}
    assert r.place.grid_id is not None
    explanation = (f"位置：宁陕县，重点保护区，网格610923501002001。"
                   f"适用责任清单第1版规则#{r.rule_id}（“乱砍滥伐、毁林”，适用范围：全域）。"
                   f"牵头：宁陕县林业局（县级单位牵头，市林业局督导）；配合：宁陕县自然资源局、市公安局；"
                   f"属地：宁陕县人民政府。时限（工作日）：{DEFAULT_DAYS_TEXT}。")
    days = {"accept": 2, "sign": 1, "handle": 15, "verify": 5}
    due = {"accept": "2024-09-30", "sign": "2024-09-29", "handle": "2024-10-23", "verify": "2024-10-10"}
    assert snap == {
        "category": "illegal_logging", "category_name": "乱砍滥伐、毁林",
        "location": {"lat": NINGSHAN_KEY[0], "lng": NINGSHAN_KEY[1], "coord_system": "wgs84"},
        "county": {"adcode": "610923", "name": "宁陕县"}, "in_qinling": True, "zone": "key", "grid": grid,
        "version": {"id": r.version_id, "number": 1}, "rule_id": r.rule_id,
        "lead_units": [{"id": forestry, "code": "610923.forestry", "name": "宁陕县林业局"}],
        "cooperating_units": [{"id": resources, "code": "610923.natural_resources", "name": "宁陕县自然资源局"},
                              {"id": police, "code": "city.public_security", "name": "市公安局"}],
        "supervising_units": [{"id": city_forestry, "code": "city.forestry", "name": "市林业局"}],
        "government_unit": {"id": gov, "code": "610923.gov", "name": "宁陕县人民政府"},
        "deadline_days": days, "deadlines": due,
        "stage_deadlines": [{"stage": s, "days": days[s], "due": due[s]}
                            for s in ("accept", "sign", "handle", "verify")],
        "explanation": explanation,
    }
    assert r.explanation == explanation


def test_the_snapshot_of_a_point_outside_the_qinling_range_without_a_grid(app):
    office, ziyang = unit_ids(app, "city.qinling_office", "610924.gov")
    with app_ctx(app):
        r = route("wildlife", *ZIYANG, at=BEFORE_NATIONAL_DAY)
        snap = json.loads(json.dumps(r.snapshot()))
    assert (snap["category"], snap["category_name"]) == ("wildlife", "乱捕乱猎、非法交易野生动物")
    assert snap["county"] == {"adcode": "610924", "name": "紫阳县"}
    assert (snap["in_qinling"], snap["zone"], snap["grid"], snap["rule_id"]) == (False, None, None, None)
    assert snap["lead_units"] == [{"id": office, "code": "city.qinling_office", "name": "市秦岭办"}]
    assert (snap["cooperating_units"], snap["supervising_units"]) == ([], [])
    assert snap["government_unit"] == {"id": ziyang, "code": "610924.gov", "name": "紫阳县人民政府"}
    assert snap["explanation"] == ("位置：紫阳县，秦岭保护范围外。该点位于秦岭保护范围外，交市秦岭办分流研判；"
                                   f"属地：紫阳县人民政府。时限按默认（工作日）：{DEFAULT_DAYS_TEXT}。")


def test_two_places_under_the_same_rule_are_each_explained_with_their_own_grid(app):
    with app_ctx(app):
        first = route("illegal_logging", *NINGSHAN_KEY)
        second = route("illegal_logging", *NINGSHAN_TOWN)
        assert first.rule_id == second.rule_id and first.place.grid_code != second.place.grid_code
        assert f"网格{first.place.grid_code}。" in first.explanation
        assert f"网格{second.place.grid_code}。" in second.explanation
        again = route("illegal_logging", *NINGSHAN_KEY)  # remembered: the same sentence again
        assert again.explanation == first.explanation


def test_two_counties_outside_the_range_are_each_explained_with_their_own_county(app):
    with app_ctx(app):
        hanbin = route("illegal_logging", *ANKANG_CITY)
        ziyang = route("illegal_logging", *ZIYANG)
        assert hanbin.rule_id is ziyang.rule_id is None
        assert hanbin.explanation.startswith("位置：汉滨区，秦岭保护范围外，网格")
        assert "属地：汉滨区人民政府" in hanbin.explanation
        assert ziyang.explanation.startswith("位置：紫阳县，秦岭保护范围外。")
        assert "属地：紫阳县人民政府" in ziyang.explanation


def test_two_categories_without_a_rule_at_the_same_place_are_each_named(app):
    with app_ctx(app):
        draft = versions.create_draft(actor_id=None)
        for rule in [r for r in draft.rules if r.category in ("forest_pest", "wild_herbs")]:
            versions.delete_rule(draft.id, rule.id, expected=None, actor_id=None)
        versions.activate(draft.id, expected=None, actor_id=None, force=True, reason="两类问题暂由秦岭办研判")
        pests = route("forest_pest", *NINGSHAN_KEY)
        herbs = route("wild_herbs", *NINGSHAN_KEY)
        assert pests.rule_id is herbs.rule_id is None and pests.place == herbs.place
        assert "责任清单第2版没有“林业有害生物" in pests.explanation
        assert "责任清单第2版没有“" in herbs.explanation and "林业有害生物" not in herbs.explanation
        assert json.loads(json.dumps(herbs.snapshot()))["category_name"] in herbs.explanation


def test_each_kind_of_match_is_named_in_the_explanation(app):
    rule = dict(zone=None, county_adcode="610923", lead_kinds=["forestry"], cooperating_kinds=[], accept_days=1,
                sign_days=1, handle_days=7, verify_days=3, note="")
    with app_ctx(app):
        draft = versions.create_draft(actor_id=None)
        versions.add_rule(draft.id, {**rule, "category": "forest_fire"}, expected=None, actor_id=None)  # county
        versions.add_rule(draft.id, {**rule, "category": "illegal_logging", "zone": "key"}, expected=None,
                          actor_id=None)  # county + zone
        versions.activate(draft.id, expected=None, actor_id=None)
        matches = {
            ("forest_fire", NINGSHAN_KEY): "区县", ("illegal_logging", NINGSHAN_KEY): "区县+保护区",
            ("illegal_logging", NINGSHAN_CORE): "保护区", ("forest_pest", NINGSHAN_KEY): "全域"}
        for (category, point), match in matches.items():
            r = route(category, *point)
            assert f"适用范围：{match}）" in r.explanation, (category, r.explanation)
        county = route("forest_fire", *NINGSHAN_KEY)
        assert county.explanation.endswith("时限（工作日）：受理1日，签收1日，办理7日，核查3日。")


def test_the_same_rule_in_two_counties_goes_to_each_countys_own_bureau(app):
    ningshan, hanbin = unit_ids(app, "610923.forestry", "610902.forestry")
    with app_ctx(app):
        here = route("wildlife", *NINGSHAN_KEY)
        there = route("wildlife", *HANBIN)
        assert here.rule_id == there.rule_id  # the category-wide rule, resolved per county ("纵向到底")
        assert (here.lead_unit_ids, there.lead_unit_ids) == ([ningshan], [hanbin])
        assert route("wildlife", *NINGSHAN_KEY).lead_unit_ids == [ningshan]


def test_the_same_rule_started_on_two_days_has_two_sets_of_deadlines(app):  # Tue 8 Oct; Sat 12 Oct worked
    with app_ctx(app):
        friday = route("illegal_logging", *NINGSHAN_KEY, at=BEFORE_NATIONAL_DAY)
        later = route("illegal_logging", *NINGSHAN_KEY, at=datetime(2024, 10, 8, 10, 0, tzinfo=CST))
        assert friday.deadline_days == later.deadline_days
        assert (friday.deadlines["sign"], later.deadlines["sign"]) == (date(2024, 9, 29), date(2024, 10, 9))
        assert (friday.deadlines["handle"], later.deadlines["handle"]) == (date(2024, 10, 23), date(2024, 10, 28))


def test_a_rule_without_cooperating_units_says_none(app):
    with app_ctx(app):
        r = route("forest_pest", *NINGSHAN_KEY)
        assert r.cooperating_unit_ids == [] and "；配合：无；" in r.explanation


def test_a_deadline_is_for_a_known_stage_only():
    assert deadline_for("verify", date(2024, 9, 27), 0) == date(2024, 9, 27)
    with pytest.raises(ValueError):
        deadline_for("recurrence", date(2024, 9, 27), 5)
