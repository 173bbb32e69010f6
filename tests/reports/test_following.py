"""Following one's reports: the list, supplements while the case is open, photo visibility."""
from tests.api.test_frame import assert_error
from tests.reports.conftest import NINGSHAN


def test_mine_lists_own_reports_newest_first_with_pages(town):
    town.resident("li")
    town.resident("zhao")
    ids = [town.submit("li", where=(33.30 + i * 0.01, 108.31)).get_json()["id"] for i in range(3)]
    town.submit("zhao")
    page = town.client.get("/api/v1/reports/mine?page_size=2", headers=town.h("li")).get_json()
    assert page["total"] == 3 and [r["id"] for r in page["items"]] == ids[::-1][:2]
    assert set(page["items"][0]) >= {"id", "tracking_code", "status", "county", "case_id", "description"}


def test_location_is_given_in_the_system_asked_for(town):
    town.resident("li")
    created = town.submit("li").get_json()
    gcj = town.client.get(f"/api/v1/reports/{created['id']}?coord_system=gcj02", headers=town.h("li")).get_json()
    assert gcj["location"]["coord_system"] == "gcj02"
    assert abs(gcj["location"]["lat"] - NINGSHAN[0]) > 1e-4  # offset by the GCJ-02 datum


def test_supplements_while_open_and_not_after_closing(town):
    town.resident("li")
    created = town.submit("li").get_json()
    url = f"/api/v1/reports/{created['id']}/supplements"
    extra = town.upload("li")
    resp = town.client.post(url, json={"text": "今天又砍了两棵", "photo_ids": [extra]}, headers=town.h("li"))
    assert resp.status_code == 201 and resp.get_json()["photo_ids"] == [extra]
    assert_error(town.client.post(url, json={}, headers=town.h("li")), 422)
    assert_error(town.client.post(url, json={"photo_ids": [extra]}, headers=town.h("li")), 422)  # used already
    detail = town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("li")).get_json()
    assert [s["text"] for s in detail["supplements"]] == ["今天又砍了两棵"]
    assert extra in [p["id"] for p in detail["photos"]]
    town.close(created["case_id"])
    assert_error(town.client.post(url, json={"text": "还有"}, headers=town.h("li")), 409, "case_not_open")


def test_report_photos_are_shown_to_the_case_staff_and_not_to_others(town):
    town.resident("li")
    town.resident("zhao")
    photo = town.upload("li")
    from tests.reports.conftest import report_body

    created = town.client.post("/api/v1/reports", json=report_body([photo]), headers=town.h("li")).get_json()
    town.do(created["case_id"], "city_sup", "accept")
    town.do(created["case_id"], "city_sup", "dispatch")
    for who, status in (("li", 200), ("city_sup", 200), ("officer", 200), ("zhao", 404), ("other_county_sup", 404)):
        assert town.client.get(f"/api/v1/uploads/{photo}", headers=town.h(who)).status_code == status, who
