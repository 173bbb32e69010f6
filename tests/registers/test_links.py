"""Reports and patrol observations near a registered site of the matching kind belong to its history; when several
sites are near, a supervisor confirms which."""
from reporter.accounts.models import User
from reporter.cases import services
from reporter.registers.sites import site_for_case, sites_of_cases
from tests.cases.conftest import NINGSHAN
from tests.conftest import app_ctx
from tests.registers.helpers import register

EAST_100M = 100 / (111_320 * 0.835)  # degrees of longitude for ~100 m at 33.3°N


def _open(world, source, category="farmstay", dlng=0.0, dlat=0.0) -> int:
    with app_ctx(world.app) as session:
        case = services.open_case(source=source, category=category, lat=NINGSHAN[0] + dlat,
                                  lng=NINGSHAN[1] + dlng, description="农家乐污水直排河道",
                                  actor=session.get(User, world.ids["inspector" if source == "patrol" else "city_sup"]),
                                  state="accepted" if source == "patrol" else "submitted")
        session.commit()
        return case.id


def _site_of(world, case_id):
    with app_ctx(world.app):
        site = site_for_case(case_id)
        return site.id if site else None


def test_a_report_or_observation_near_one_site_of_its_kind_joins_its_history(world):
    site = register(world).get_json()
    report = _open(world, "citizen_report", dlng=EAST_100M)
    patrol = _open(world, "patrol", dlng=-EAST_100M)
    far = _open(world, "citizen_report", dlng=EAST_100M * 4)  # ~400 m: beyond the 200 m default
    other_kind = _open(world, "citizen_report", category="illegal_logging")
    video = _open(world, "video")  # staff entries are not matched by distance
    assert (_site_of(world, report), _site_of(world, patrol)) == (site["id"], site["id"])
    assert _site_of(world, far) is _site_of(world, other_kind) is _site_of(world, video) is None
    history = world.client.get(f"/api/v1/registers/sites/{site['id']}/history", headers=world.h("county_sup"))
    assert [c["id"] for c in history.get_json()["cases"]] == [report, patrol]
    with app_ctx(world.app):
        assert sites_of_cases([report, far]) == {report: {"site_id": site["id"], "kind": "farmstay",
                                                          "code": "NJL-001", "operator": site["operator"]}}


def test_a_supervisor_confirms_which_of_several_near_sites(world):
    first = register(world).get_json()
    second = register(world, code="NJL-002", name="河畔人家",
                      geometry={"type": "Point", "coordinates": [NINGSHAN[1] + 2 * EAST_100M, NINGSHAN[0]]}
                      ).get_json()
    case_id = _open(world, "citizen_report", dlng=EAST_100M)
    assert _site_of(world, case_id) is None
    pending = world.client.get("/api/v1/registers/site-links", headers=world.h("county_sup")).get_json()
    assert [p["case_id"] for p in pending] == [case_id]
    assert {c["site_id"] for c in pending[0]["candidates"]} == {first["id"], second["id"]}
    assert world.client.get("/api/v1/registers/site-links", headers=world.h("other_county_sup")).get_json() == []

    wrong = world.client.post("/api/v1/registers/site-links", json={"case_id": case_id, "site_id": 999},
                              headers=world.h("county_sup"))
    assert wrong.status_code == 422
    assert world.client.post("/api/v1/registers/site-links", json={"case_id": case_id, "site_id": second["id"]},
                             headers=world.h("other_county_sup")).status_code == 404
    done = world.client.post("/api/v1/registers/site-links", json={"case_id": case_id, "site_id": second["id"]},
                             headers=world.h("county_sup"))
    assert done.status_code == 200, done.get_json()
    assert _site_of(world, case_id) == second["id"]
    assert world.client.get("/api/v1/registers/site-links", headers=world.h("county_sup")).get_json() == []
    again = world.client.post("/api/v1/registers/site-links", json={"case_id": case_id, "site_id": first["id"]},
                              headers=world.h("county_sup"))
    assert again.status_code == 409


def test_a_site_cannot_be_closed_off_while_a_linked_report_is_open(world):
    site = register(world).get_json()
    case_id = _open(world, "citizen_report")
    path = f"/api/v1/registers/sites/{site['id']}/state"
    refused = world.client.post(path, json={"state": "shut", "reason": "关停"},
                                headers={**world.h("county_sup"), "If-Match": "*"})
    assert refused.status_code == 409 and refused.get_json()["errors"]["open_case_ids"] == [case_id]
    world.do(case_id, "city_sup", "reject", reason_code="insufficient")
    closed = world.client.post(path, json={"state": "shut", "reason": "关停"},
                               headers={**world.h("county_sup"), "If-Match": "*"})
    assert closed.status_code == 200 and closed.get_json()["closed_off"] is True
