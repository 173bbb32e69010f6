"""Cases and nearby sites at the edges: one site near links the case and leaves no choice waiting; a site exactly at
the link distance is near; only the kinds of the case's own category count; the candidates of several cases are each
their own (listed, confirmed and cleared one case at a time), nearest first, with what the supervisor chooses by."""
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.cases import services
from reporter.registers.geometry import distance_to_site
from reporter.registers.links import sites_near
from reporter.registers.models import Site, SiteCandidate, SiteCase
from tests.cases.conftest import NINGSHAN
from tests.conftest import app_ctx
from tests.registers.helpers import register

EAST_1M = 1 / (111_320 * 0.835)  # degrees of longitude for ~1 m at 33.3°N
NORTH_1M = 1 / 111_320


def _open(world, lat: float, lng: float, category="farmstay") -> int:
    with app_ctx(world.app) as session:
        case = services.open_case(source="citizen_report", category=category, lat=lat, lng=lng,
                                  description="农家乐污水直排河道", actor=session.get(User, world.ids["city_sup"]),
                                  state="submitted")
        session.commit()
        return case.id


def _site(world, code: str, lat: float, lng: float, **fields) -> dict:
    resp = register(world, code=code, geometry={"type": "Point", "coordinates": [lng, lat]}, **fields)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _distance(world, site_id: int, lat: float, lng: float) -> float:
    with app_ctx(world.app) as session:
        site = session.get(Site, site_id)
        return distance_to_site(site.geometry, site.lat, site.lng, lat, lng)


def _pending(world) -> list[dict]:
    resp = world.client.get("/api/v1/registers/site-links", headers=world.h("county_sup"))
    assert resp.status_code == 200
    return resp.get_json()


def _candidates(world) -> int:
    with app_ctx(world.app) as session:
        return session.execute(select(func.count()).select_from(SiteCandidate)).scalar_one()


def test_one_near_site_links_the_case_at_its_distance_and_leaves_nothing_to_choose(world):
    lat, lng = NINGSHAN
    site = _site(world, "NJL-1", lat, lng)
    where = (lat + 37.3 * NORTH_1M, lng + 71.6 * EAST_1M)
    case_id = _open(world, *where)
    exact = _distance(world, site["id"], *where)
    assert round(exact, 2) != round(exact, 1) != round(exact)  # the stored precision is visible
    with app_ctx(world.app) as session:
        link = session.get(SiteCase, case_id)
        assert (link.site_id, link.distance_m) == (site["id"], round(exact, 1))
    assert _pending(world) == [] and _candidates(world) == 0


def test_a_site_exactly_at_the_link_distance_is_near(world, monkeypatch):
    lat, lng = NINGSHAN
    site = _site(world, "NJL-1", lat, lng)
    where = (lat, lng + 150.37 * EAST_1M)
    monkeypatch.setitem(world.app.config, "SITE_LINK_DISTANCE_M", _distance(world, site["id"], *where))
    at_the_edge = _open(world, *where)
    monkeypatch.setitem(world.app.config, "SITE_LINK_DISTANCE_M", _distance(world, site["id"], *where) - 0.01)
    just_beyond = _open(world, *where)
    with app_ctx(world.app) as session:
        assert session.get(SiteCase, at_the_edge).site_id == site["id"]
        assert session.get(SiteCase, just_beyond) is None


def test_only_sites_of_the_kinds_of_the_cases_category_are_near(world):
    lat, lng = NINGSHAN
    outfall = _site(world, "PWK-1", lat, lng, kind="sewage_outfall", name="城关排污口", operator=None,
                    attributes={"river": "长安河", "outfall_type": "城镇生活"})
    assert outfall["kind"] == "sewage_outfall"  # its category, "sewage_outfall", sorts after "farmstay"
    case_id = _open(world, lat, lng + 20 * EAST_1M)
    with app_ctx(world.app) as session:
        assert session.get(SiteCase, case_id) is None
    assert _pending(world) == [] and _candidates(world) == 0


def test_each_cases_candidates_are_its_own_nearest_first_and_confirmed_one_case_at_a_time(world):
    lat, lng = NINGSHAN
    places = {}  # three cases, each between two sites of its own: the farther one registered first
    for n, north in enumerate((0, 2000, 4000)):
        base = lat + north * NORTH_1M
        far = _site(world, f"NJL-{n}F", base, lng + 120 * EAST_1M, name=f"远处人家{n}")
        near = _site(world, f"NJL-{n}N", base, lng - 60 * EAST_1M, name=f"近处人家{n}")
        case_id = _open(world, base, lng)
        places[case_id] = [(site, _distance(world, site["id"], base, lng)) for site in (near, far)]
    first, second, third = sorted(places)
    assert _pending(world) == [
        {"case_id": case_id, "candidates": [
            {"site_id": site["id"], "code": site["code"], "name": site["name"], "kind": "farmstay",
             "distance_m": round(distance, 1)} for site, distance in places[case_id]]}
        for case_id in (first, second, third)]

    def confirm(case_id, site_id):
        return world.client.post("/api/v1/registers/site-links", json={"case_id": case_id, "site_id": site_id},
                                 headers=world.h("county_sup"))

    another_cases_site = confirm(second, places[first][0][0]["id"])
    assert another_cases_site.status_code == 422
    assert confirm(second, places[third][0][0]["id"]).status_code == 422
    done = confirm(second, places[second][1][0]["id"])  # the farther one: the supervisor's choice
    assert done.status_code == 200 and done.get_json() == {"case_id": second, "site_id": places[second][1][0]["id"]}
    assert [p["case_id"] for p in _pending(world)] == [first, third]  # the others still wait, whole
    assert _candidates(world) == 4
    none = confirm(first, None)
    assert none.status_code == 200 and none.get_json() == {"case_id": first, "site_id": None}
    assert [p["case_id"] for p in _pending(world)] == [third] and _candidates(world) == 2
    with app_ctx(world.app) as session:
        assert session.get(SiteCase, second).site_id == places[second][1][0]["id"]
        assert session.get(SiteCase, first) is None


def test_a_case_just_outside_a_wide_area_is_near_it(world):
    """An area's stored point lies inside it, kilometres from its edge: the first cut by latitude and longitude
    reaches 5 km past the link distance, so a case 100 m outside the edge of a 9 km wide area is found."""
    lat, lng = NINGSHAN
    half = 4500 * EAST_1M
    ring = [[lng - half, lat - 0.004], [lng + half, lat - 0.004], [lng + half, lat + 0.004], [lng - half, lat + 0.004],
            [lng - half, lat - 0.004]]
    area = _site(world, "JQ-1", lat, lng, kind="scenic_building", name="城关景区服务区", operator=None,
                 attributes={"scenic_area": "宁陕城关景区", "scenic_level": "4A"})
    resp = world.client.patch(f"/api/v1/registers/sites/{area['id']}", json={
        "geometry": {"type": "Polygon", "coordinates": [ring]}}, headers={**world.h("county_sup"), "If-Match": "*"})
    assert resp.status_code == 200, resp.get_json()
    where = (lat, lng + half + 100 * EAST_1M)
    with app_ctx(world.app) as session:
        site = session.get(Site, area["id"])
        assert abs(site.lng - lng) < 0.01 and 90 < _distance(world, area["id"], *where) < 110
    case_id = _open(world, *where, category="scenic_building")
    with app_ctx(world.app) as session:
        assert session.get(SiteCase, case_id).site_id == area["id"]


def test_sites_near_a_point_come_nearest_first(world):
    lat, lng = NINGSHAN
    far = _site(world, "NJL-F", lat, lng + 150 * EAST_1M)  # registered first: the lower id
    near = _site(world, "NJL-N", lat, lng - 50 * EAST_1M)
    with app_ctx(world.app):
        found = sites_near("farmstay", lat, lng, 200)
        assert [site.id for _d, site in found] == [near["id"], far["id"]]
        assert [round(d) for d, _s in found] == [50, 150]
        assert [site.id for _d, site in sites_near("farmstay", lat, lng, 100)] == [near["id"]]
