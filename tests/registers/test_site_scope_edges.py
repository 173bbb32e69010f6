"""Who answers for a site, at its edges: a supervisor manages their county's sites (the city's supervisors every
county's), nobody else does; an officer leads a site only when their own unit is a *lead* unit of the site's own unit
set — not a cooperating or supervising unit of it, not a lead unit of another set, and not a lead unit's inspector.
Plain values first (the scope functions with users and unit sets made for the purpose), then over HTTP."""
import pytest
from sqlalchemy import insert, update

from reporter.accounts.models import User
from reporter.registers.models import Site, SiteUnit
from reporter.registers.scope import answers_for, leads, manages_county
from tests.conftest import app_ctx
from tests.registers.helpers import register

# Unit sets are named by a hash of their content (40 characters): these names sort before and after any of them.
BEFORE, AFTER = "0" * 40, "~" * 40


@pytest.fixture()
def sets(world, users):
    """A site whose unit set has the officer's unit as a cooperating unit between two lead units (one of a lower id,
    one of a higher), a set where it is a supervising unit, sets sorting before and after every other where it leads,
    and one where it leads. Returns {name: site id}."""
    unit = world.unit
    officer_unit = unit["610923.forestry"]
    low, high = sorted(u for u in unit.values() if u != officer_unit)[0], max(unit.values())
    assert low < officer_unit < high
    plan = {
        "cooperating": [(low, "lead"), (high, "lead"), (officer_unit, "cooperating")],
        "supervising": [(low, "lead"), (officer_unit, "supervising")],
        "leading": [(officer_unit, "lead"), (high, "cooperating")],
    }
    ids = {}
    with app_ctx(world.app) as session:
        rows = [{"unit_set": name.ljust(40, "-"), "unit_id": u, "relation": r} for name, pairs in plan.items()
                for u, r in pairs]
        rows += [{"unit_set": name, "unit_id": officer_unit, "relation": "lead"} for name in (BEFORE, AFTER)]
        session.execute(insert(SiteUnit), rows)
        session.commit()
    for n, name in enumerate(plan):
        resp = register(world, code=f"EDGE-{n}")
        assert resp.status_code == 201, resp.get_json()
        ids[name] = resp.get_json()["id"]
        with app_ctx(world.app) as session:
            session.execute(update(Site).where(Site.id == ids[name]).values(unit_set=name.ljust(40, "-")))
            session.commit()
    return ids


def test_only_a_supervisor_manages_a_county_and_a_county_supervisor_only_their_own(world):
    with app_ctx(world.app) as session:
        user = lambda who: session.get(User, world.ids[who])  # noqa: E731
        assert manages_county(user("county_sup"), "610923")
        assert not manages_county(user("county_sup"), "610902")  # 汉滨's code sorts before 宁陕's
        assert not manages_county(user("county_sup"), "610929")  # 白河's after
        assert not manages_county(user("county_sup"), None)
        assert manages_county(user("city_sup"), "610902") and manages_county(user("city_sup"), "610929")
        for who in ("city_officer", "officer", "inspector", "auditor", "admin"):  # no county, or their own: no role
            assert not manages_county(user(who), "610923"), who
            assert not manages_county(user(who), None), who


def test_an_officer_leads_only_where_their_unit_is_a_lead_unit_of_the_sites_own_set(world, sets):
    with app_ctx(world.app) as session:
        officer = session.get(User, world.ids["officer"])
        site = lambda name: session.get(Site, sets[name])  # noqa: E731
        assert leads(officer, site("leading")) and answers_for(officer, site("leading"))
        for name in ("cooperating", "supervising"):
            assert not leads(officer, site(name)), name
            assert not answers_for(officer, site(name)), name
        other = session.get(User, world.ids["other_officer"])  # another county's bureau
        assert not leads(other, site("leading"))
        assert answers_for(session.get(User, world.ids["county_sup"]), site("cooperating"))  # the county's own


def test_a_lead_units_people_who_are_not_officers_do_not_lead(world, users, sets):
    inspector = users.make("inspector")
    supervisor_elsewhere = world.ids["other_county_sup"]
    with app_ctx(world.app) as session:
        session.execute(update(User).where(User.id.in_([inspector, supervisor_elsewhere]))
                        .values(unit_id=world.unit["610923.forestry"]))
        session.commit()
        leading = session.get(Site, sets["leading"])
        for uid in (inspector, supervisor_elsewhere):
            user = session.get(User, uid)
            assert user.unit_id == world.unit["610923.forestry"]
            assert not leads(user, leading), user.roles
        unitless = session.get(User, world.ids["officer"])
        unitless.unit_id = None  # not saved: an officer without a unit leads nothing
        assert not leads(unitless, leading)
        session.rollback()


def test_over_http_a_lead_officer_records_the_state_and_a_cooperating_one_may_not(world, sets):
    move = {"state": "rectifying", "reason": "排查发现侵占河道，责令整改"}
    headers = {**world.h("officer"), "If-Match": "*"}
    refused = world.client.post(f"/api/v1/registers/sites/{sets['cooperating']}/state", json=move, headers=headers)
    assert refused.status_code == 403, refused.get_json()
    refused = world.client.post(f"/api/v1/registers/sites/{sets['supervising']}/state", json=move, headers=headers)
    assert refused.status_code == 403, refused.get_json()
    done = world.client.post(f"/api/v1/registers/sites/{sets['leading']}/state", json=move, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "rectifying"
