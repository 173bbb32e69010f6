"""route(): known places, the most specific rule, 纵向到底, 属地, fallbacks and working-day deadlines."""
import json
from datetime import date, datetime

import pytest

from reporter.common.timeutil import CST
from reporter.errors import ValidationFailed
from reporter.routing import versions
from reporter.routing.services import active_category_codes, deadline_for, route
from tests.conftest import app_ctx
from tests.geo.points import ANKANG_CITY, NINGSHAN_CORE, NINGSHAN_KEY, OUTSIDE, ZIYANG
from tests.routing.helpers import unit_ids

BEFORE_NATIONAL_DAY = datetime(2024, 9, 27, 10, 0, tzinfo=CST)  # a Friday


def test_illegal_logging_in_ningshan_goes_to_the_county_forestry_bureau(app):
    forestry, city_forestry, gov, resources, police = unit_ids(
        app, "610923.forestry", "city.forestry", "610923.gov", "610923.natural_resources", "city.public_security")
    with app_ctx(app):
        r = route("illegal_logging", *NINGSHAN_KEY, at=BEFORE_NATIONAL_DAY)
        assert r.lead_unit_ids == [forestry]
        assert r.supervising_unit_ids == [city_forestry]          # the city bureau supervises
        assert r.government_unit_id == gov                          # 属地: 宁陕县人民政府
        assert r.cooperating_unit_ids == [resources, police]        # no county police modelled: the city's
        assert (r.place.county_name, r.place.zone, r.version_number) == ("宁陕县", "key", 1)
        assert r.deadline_days == {"accept": 2, "sign": 1, "handle": 15, "verify": 5}
        # Sunday 29 September 2024 is a working day, 1–7 October are not
        assert r.deadlines["accept"] == date(2024, 9, 30)
        assert r.deadlines["sign"] == date(2024, 9, 29)
        assert r.deadlines["handle"] == date(2024, 10, 23)  # 29 Sep, 30 Sep, 8–12 Oct (Sat 12th worked), 14–18, 21–23
        assert "宁陕县林业局" in r.explanation and "宁陕县人民政府" in r.explanation and "市林业局督导" in r.explanation
        snap = json.loads(json.dumps(r.snapshot()))
        assert snap["lead_units"] == [{"id": forestry, "code": "610923.forestry", "name": "宁陕县林业局"}]
        assert snap["government_unit"]["name"] == "宁陕县人民政府"
        assert snap["version"] == {"id": r.version_id, "number": 1} and snap["rule_id"] == r.rule_id
        assert snap["deadlines"]["accept"] == "2024-09-30"


def test_core_zone_picks_the_zone_rule_with_ten_days_to_handle(app):
    with app_ctx(app):
        key = route("illegal_logging", *NINGSHAN_KEY, at=BEFORE_NATIONAL_DAY)
        core = route("illegal_logging", *NINGSHAN_CORE, at=BEFORE_NATIONAL_DAY)
        assert core.place.zone == "core" and core.rule_id != key.rule_id
        assert core.deadline_days["handle"] == 10
        assert core.deadlines["handle"] == deadline_for("handle", date(2024, 9, 27), 10) == date(2024, 10, 16)
        assert "保护区" in core.explanation


def test_a_lead_kind_the_county_lacks_goes_to_the_city_bureau(app):
    (emergency,) = unit_ids(app, "city.emergency")
    with app_ctx(app):
        r = route("tailings_pond", *NINGSHAN_KEY)
        assert r.lead_unit_ids == [emergency] and r.supervising_unit_ids == []


def test_outside_the_qinling_range_goes_to_the_qinling_office_for_triage(app):
    office, hanbin, ziyang = unit_ids(app, "city.qinling_office", "610902.gov", "610924.gov")
    with app_ctx(app):
        city = route("illegal_logging", *ANKANG_CITY)
        assert (city.rule_id, city.lead_unit_ids, city.government_unit_id) == (None, [office], hanbin)
        assert "秦岭保护范围外" in city.explanation and city.deadline_days["handle"] == 15
        assert route("wildlife", *ZIYANG).government_unit_id == ziyang


def test_outside_ankang_and_unknown_categories_are_field_errors(app):
    with app_ctx(app):
        with pytest.raises(ValidationFailed) as outside:
            route("illegal_logging", *OUTSIDE)
        assert list(outside.value.errors["json"]) == ["location"]
        with pytest.raises(ValidationFailed) as unknown:
            route("littering", *NINGSHAN_KEY)
        assert list(unknown.value.errors["json"]) == ["category"]
        assert "littering" not in active_category_codes() and len(active_category_codes()) == 20


def test_most_specific_rule_wins_and_activation_refreshes_routing(app):
    resources, water = unit_ids(app, "610923.natural_resources", "610923.water")
    county_rule = dict(category="illegal_logging", zone=None, county_adcode="610923", lead_kinds=["natural_resources"],
                       cooperating_kinds=[], accept_days=1, sign_days=1, handle_days=7, verify_days=3, note="")
    with app_ctx(app):
        draft = versions.create_draft(actor_id=None)
        versions.add_rule(draft.id, county_rule, expected=None, actor_id=None)
        versions.add_rule(draft.id, {**county_rule, "zone": "core", "lead_kinds": ["water"]}, expected=None,
                          actor_id=None)
        versions.activate(draft.id, expected=None, actor_id=None)
        key = route("illegal_logging", *NINGSHAN_KEY)
        core = route("illegal_logging", *NINGSHAN_CORE)
        assert (key.version_number, key.lead_unit_ids, key.deadline_days["handle"]) == (2, [resources], 7)
        assert core.lead_unit_ids == [water]                         # county+zone beats county
        assert "区县+保护区" in core.explanation
        assert route("illegal_logging", *ANKANG_CITY).rule_id is None


def test_a_category_without_a_rule_still_routes_to_triage(app):
    (office,) = unit_ids(app, "city.qinling_office")
    with app_ctx(app):
        draft = versions.create_draft(actor_id=None)
        for rule in [r for r in draft.rules if r.category == "forest_pest"]:
            versions.delete_rule(draft.id, rule.id, expected=None, actor_id=None)
        versions.activate(draft.id, expected=None, actor_id=None, force=True, reason="pests go to triage for now")
        r = route("forest_pest", *NINGSHAN_KEY)
        assert (r.rule_id, r.lead_unit_ids) == (None, [office])
        assert "没有" in r.explanation and "林业有害生物" in r.explanation
