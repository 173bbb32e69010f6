"""`/categories`, `/units` and `/routing/preview`."""
from reporter.geo.coords import from_wgs84
from tests.api.test_frame import assert_error
from tests.geo.points import BORDER_GCJ02, NINGSHAN_KEY, OUTSIDE


def test_categories_are_the_twenty_of_the_work_plan(client):
    body = client.get("/api/v1/categories").get_json()
    assert len(body) == 20
    assert body[0] == {"code": "scenic_building", "name": "景区内违规建筑（构筑物）", "is_active": True}
    assert {"code": "illegal_logging", "name": "乱砍滥伐、毁林", "is_active": True} in body


def test_units_can_be_filtered_by_kind_and_county(client, users):
    headers = users.headers(users.make("officer"))
    forestry = client.get("/api/v1/units?kind=forestry", headers=headers).get_json()
    assert [u["code"] for u in forestry["items"]] == [
        "city.forestry", "610902.forestry", "610921.forestry", "610922.forestry", "610923.forestry",
        "610928.forestry"]
    ningshan = client.get("/api/v1/units?county=610923&page_size=100", headers=headers).get_json()["items"]
    assert {u["name"] for u in ningshan} >= {"宁陕县人民政府", "宁陕县林业局", "安康市生态环境局宁陕分局"}
    oversight = client.get("/api/v1/units?level=city&page_size=100", headers=headers).get_json()["items"]
    assert {"市纪委监委", "市检察院", "市公安局", "市秦岭办"} <= {u["name"] for u in oversight}
    assert len(client.get("/api/v1/units/kinds", headers=headers).get_json()) == 24
    assert_error(client.get("/api/v1/units"), 401)


def test_preview_shows_what_a_case_would_get(client, users):
    headers = users.headers(users.make("resident"))
    resp = client.post("/api/v1/routing/preview?coord_system=gcj02", headers=headers, json={
        "category": "illegal_logging", "at": "2024-09-27T10:00:00+08:00",
        "location": {"lat": BORDER_GCJ02[0], "lng": BORDER_GCJ02[1], "coord_system": "gcj02"}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["county"] == {"adcode": "610923", "name": "宁陕县"}
    assert [u["name"] for u in body["lead_units"]] == ["宁陕县林业局"]
    assert body["government_unit"]["name"] == "宁陕县人民政府"
    assert body["deadlines"]["accept"] == "2024-09-30"
    assert [(d["stage"], d["days"], d["due"]) for d in body["stage_deadlines"]] == [
        (stage, body["deadline_days"][stage], body["deadlines"][stage])
        for stage in ("accept", "sign", "handle", "verify")]
    assert list(body["deadlines"]) == ["accept", "sign", "handle", "verify"]  # keys are never sorted
    assert body["location"]["coord_system"] == "gcj02"
    assert abs(body["location"]["lat"] - BORDER_GCJ02[0]) < 1e-6
    assert body["version"]["number"] == 1 and body["rule_id"] and "宁陕县林业局" in body["explanation"]
    wgs = client.post("/api/v1/routing/preview", headers=headers, json={
        "category": "illegal_logging", "location": {"lat": NINGSHAN_KEY[0], "lng": NINGSHAN_KEY[1]}}).get_json()
    assert wgs["location"] == {"lat": NINGSHAN_KEY[0], "lng": NINGSHAN_KEY[1], "coord_system": "wgs84"}
    assert from_wgs84(*NINGSHAN_KEY, "gcj02") != NINGSHAN_KEY


def test_preview_rejects_a_point_outside_ankang_and_an_unknown_category(client, users):
    headers = users.headers(users.make("resident"))
    outside = client.post("/api/v1/routing/preview", headers=headers, json={
        "category": "illegal_logging", "location": {"lat": OUTSIDE[0], "lng": OUTSIDE[1]}})
    assert list(assert_error(outside, 422)["errors"]["json"]) == ["location"]
    unknown = client.post("/api/v1/routing/preview", headers=headers, json={
        "category": "littering", "location": {"lat": NINGSHAN_KEY[0], "lng": NINGSHAN_KEY[1]}})
    assert list(assert_error(unknown, 422)["errors"]["json"]) == ["category"]
    assert_error(client.post("/api/v1/routing/preview", json={}), 401)
