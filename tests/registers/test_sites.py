"""Registers of regulated sites: kinds with their own fields and states, sites placed by their geometry, state with
its history (who, when, why, evidence), the site's file of documents served only as downloads, scope as for cases,
and a site with an open case that cannot be closed off."""
import io

from PIL import Image

from reporter.registers.models import SiteCase
from tests.cases.conftest import HANBIN, NINGSHAN, drive
from tests.conftest import app_ctx
from tests.registers.helpers import FARMSTAY, post_file, register


def test_seeded_kinds_and_a_kind_an_admin_adds_without_a_release(world):
    resp = world.client.get("/api/v1/registers/site-kinds", headers=world.h("county_sup"))
    assert resp.status_code == 200
    codes = {k["code"]: k for k in resp.get_json()}
    assert {"small_hydropower", "mine", "tailings_pond", "farmstay", "sewage_outfall", "scenic_building"} <= set(codes)
    assert codes["tailings_pond"]["category"] == "tailings_pond"
    assert "monitoring_connected" in [f["key"] for f in codes["tailings_pond"]["fields"]]
    kind = {"code": "sand_yard", "name": "采砂场", "category": "river_sand", "geometry": "point",
            "fields": [{"key": "river", "label": "所在河流", "type": "text", "required": True},
                       {"key": "licensed", "label": "采砂许可", "type": "bool"}],
            "states": [{"code": "operating", "name": "经营"}, {"code": "banned", "name": "取缔", "closes": True}]}
    assert world.client.post("/api/v1/registers/site-kinds", json=kind, headers=world.h("city_sup")).status_code == 403
    created = world.client.post("/api/v1/registers/site-kinds", json=kind, headers=world.h("admin"))
    assert created.status_code == 201, created.get_json()
    bad = {**kind, "code": "other", "name": "其他", "fields": [{"key": "x", "label": "X", "type": "choice"}]}
    assert world.client.post("/api/v1/registers/site-kinds", json=bad, headers=world.h("admin")).status_code == 422
    site = register(world, kind="sand_yard", code="SY-1", attributes={"river": "汉江", "licensed": False})
    assert site.status_code == 201, site.get_json()
    wrong = register(world, kind="sand_yard", code="SY-2", attributes={"licensed": "no"})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["errors"]["json"]["attributes"]) == {"river", "licensed"}


def test_a_site_is_placed_by_its_geometry_and_answers_to_its_units(world, users):
    resp = register(world)
    assert resp.status_code == 201, resp.get_json()
    site = resp.get_json()
    assert (site["county_adcode"], site["grid_id"], site["state"], site["state_name"]) == (
        "610923", world.grid_id, "operating", "经营")
    assert site["zone"] in ("core", "key", "general")
    lead = [u for u in site["units"] if u["relation"] == "lead"]
    assert lead, site["units"]
    assert resp.headers["ETag"] == f'"site-{site["id"]}-v1"'

    assert register(world).status_code == 409  # the code is the officials' own, unique per kind
    assert register(world, who="other_county_sup", code="X-2").status_code == 403
    outside = register(world, code="X-3", geometry={"type": "Point", "coordinates": [116.4, 39.9]})
    assert outside.status_code == 422 and "geometry" in outside.get_json()["errors"]["json"]
    unknown_field = register(world, code="X-4", attributes={"owner_phone": "13800000000"})
    assert unknown_field.status_code == 422
    assert register(world, who="officer", code="X-5").status_code == 403

    lead_officer = users.make("officer", unit_code=lead[0]["code"])
    assert world.client.get(f"/api/v1/registers/sites/{site['id']}", headers=users.headers(lead_officer)
                            ).status_code == 200
    assert world.client.get(f"/api/v1/registers/sites/{site['id']}", headers=world.h("inspector")).status_code == 200
    for stranger in ("other_officer", "other_inspector", "other_county_sup"):
        got = world.client.get(f"/api/v1/registers/sites/{site['id']}", headers=world.h(stranger))
        assert got.status_code == 404, stranger
    listed = world.client.get("/api/v1/registers/sites", headers=world.h("other_county_sup")).get_json()
    assert listed["total"] == 0
    assert world.client.get("/api/v1/registers/sites", headers=world.h("auditor")).get_json()["total"] == 1


def test_a_mine_may_be_drawn_as_its_area(world):
    lat, lng = NINGSHAN
    ring = [[lng - 0.002, lat - 0.002], [lng + 0.002, lat - 0.002], [lng + 0.002, lat + 0.002],
            [lng - 0.002, lat + 0.002], [lng - 0.002, lat - 0.002]]
    resp = register(world, kind="mine", code="KS-1", name="城关采石场",
                    geometry={"type": "Polygon", "coordinates": [ring]},
                    attributes={"scale": "中型", "producing": True, "green_mine": False})
    assert resp.status_code == 201, resp.get_json()
    site = resp.get_json()
    assert site["geometry"]["type"] == "Polygon" and site["county_adcode"] == "610923"
    assert abs(site["location"]["lat"] - lat) < 0.003
    farm_polygon = register(world, code="NJL-9", geometry={"type": "Polygon", "coordinates": [ring]})
    assert farm_polygon.status_code == 422  # a farmstay is a point


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_state_history_with_reason_and_evidence_and_no_closing_off_with_an_open_case(world):
    site = register(world).get_json()
    path = f"/api/v1/registers/sites/{site['id']}"
    doc = post_file(world.client, f"{path}/documents", world.h("county_sup"), _pdf(), name="../../整改方案.pdf",
                    title="整改方案")
    assert doc.status_code == 201, doc.get_json()
    document = doc.get_json()
    assert (document["filename"], document["content_type"]) == ("整改方案.pdf", "application/pdf")

    move = {"state": "rectifying", "reason": "排查发现侵占河道，责令整改", "evidence": [document["id"]]}
    assert world.client.post(f"{path}/state", json=move, headers=world.h("county_sup")).status_code == 428
    stale = world.client.post(f"{path}/state", json=move, headers={**world.h("county_sup"), "If-Match": '"site-1-v0"'})
    assert stale.status_code == 412
    moved = world.client.post(f"{path}/state", json=move, headers={**world.h("county_sup"), "If-Match": "*"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["state"] == "rectifying"

    case_id = drive(world, "accepted", category="farmstay")
    with app_ctx(world.app) as session:
        session.add(SiteCase(site_id=site["id"], case_id=case_id, distance_m=0))
        session.commit()
    close = {"state": "shut", "reason": "关停取缔"}
    refused = world.client.post(f"{path}/state", json=close, headers={**world.h("county_sup"), "If-Match": "*"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "open_cases"
    assert refused.get_json()["errors"]["open_case_ids"] == [case_id]

    history = world.client.get(f"{path}/history", headers=world.h("county_sup")).get_json()
    assert [(e["action"], e["from_state"], e["to_state"]) for e in history["events"]] == [
        ("register", None, "operating"), ("state", "operating", "rectifying")]
    last = history["events"][-1]
    assert (last["actor_id"], last["actor_role"], last["reason"], last["evidence"]) == (
        world.county_sup, "supervisor", "排查发现侵占河道，责令整改", [document["id"]])
    assert [c["id"] for c in history["cases"]] == [case_id]


def test_documents_are_pdf_or_images_size_limited_and_only_downloaded(world, make_app):
    site = register(world).get_json()
    path = f"/api/v1/registers/sites/{site['id']}/documents"
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 90, 30)).save(image, "PNG")
    photo = post_file(world.client, path, world.h("county_sup"), image.getvalue(), name="<b>报告 (1).png")
    assert photo.status_code == 201
    assert photo.get_json()["filename"] == "b_报告_(1).png"
    html = post_file(world.client, path, world.h("county_sup"), b"<html><script>alert(1)</script></html>",
                     name="x.pdf")
    assert html.status_code == 415
    got = world.client.get(f"{path}/{photo.get_json()['id']}", headers=world.h("inspector"))
    assert got.status_code == 200 and got.data == image.getvalue()
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"b____(1).png\"; filename*=UTF-8''b_%E6%8A%A5%E5%91%8A_%281%29.png")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert world.client.get(f"{path}/{photo.get_json()['id']}", headers=world.h("other_officer")).status_code == 404
    assert post_file(world.client, path, world.h("other_officer"), _pdf()).status_code == 404

    small = make_app(SITE_DOCUMENT_MAX_BYTES=1000).test_client()
    big = _pdf() + b"0" * 2000
    assert post_file(small, path, world.h("county_sup"), big).status_code == 413
    listed = world.client.get(path, headers=world.h("county_sup")).get_json()
    assert [d["filename"] for d in listed] == ["b_报告_(1).png"]


def test_a_site_in_another_county_is_not_edited_by_this_one(world):
    site = register(world, who="city_sup", code="HB-1",
                    geometry={"type": "Point", "coordinates": [HANBIN[1], HANBIN[0]]}).get_json()
    assert site["county_adcode"] == "610902"
    path = f"/api/v1/registers/sites/{site['id']}"
    assert world.client.patch(path, json={"name": "改名"}, headers={**world.h("county_sup"), "If-Match": "*"}
                              ).status_code == 404
    edited = world.client.patch(path, json={"name": "汉滨农家", "attributes": {"outcome": "关停取缔"}},
                                headers={**world.h("city_sup"), "If-Match": f'"site-{site["id"]}-v1"'})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["attributes"] == {"outcome": "关停取缔"}
    history = world.client.get(f"{path}/history", headers=world.h("city_sup")).get_json()["events"]
    assert history[-1]["data"]["changes"]["name"] == [FARMSTAY["name"], "汉滨农家"]
