"""Following one's reports: the list, supplements while the case is open, photo visibility."""
from sqlalchemy import text

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


def test_supplements_are_capped_per_report(town, monkeypatch):
    monkeypatch.setitem(town.app.config, "REPORT_MAX_SUPPLEMENTS", 3)
    town.resident("li")
    created = town.submit("li").get_json()
    url = f"/api/v1/reports/{created['id']}/supplements"
    for i in range(3):
        assert town.client.post(url, json={"text": f"补充{i}"}, headers=town.h("li")).status_code == 201
    body = assert_error(town.client.post(url, json={"text": "再补充"}, headers=town.h("li")), 409,
                        "supplement_limit")
    assert "3" in body["message"]
    assert town.query(lambda s: s.execute(text("SELECT count(*) FROM report_supplements")).scalar()) == 3


def test_supplements_are_rate_limited_per_user(town, monkeypatch):
    monkeypatch.setitem(town.app.config, "RATELIMIT_REPORT_SUPPLEMENT", "2/minute")
    town.resident("li")
    created = town.submit("li").get_json()
    url = f"/api/v1/reports/{created['id']}/supplements"
    for i in range(2):
        assert town.client.post(url, json={"text": f"补充{i}"}, headers=town.h("li")).status_code == 201
    assert_error(town.client.post(url, json={"text": "再补充"}, headers=town.h("li")), 429, "rate_limited")


def test_long_supplements_are_paged_in_report_and_case_views(town, monkeypatch):
    """Twenty supplements of 2,000 characters do not all travel with every view: the first page does, the rest
    are a paged list for the reporter and the staff of the case, nobody else."""
    monkeypatch.setitem(town.app.config, "RATELIMIT_REPORT_SUPPLEMENT", "100/minute")
    town.resident("li")
    town.resident("zhao")
    created = town.submit("li").get_json()
    url = f"/api/v1/reports/{created['id']}/supplements"
    for i in range(20):
        resp = town.client.post(url, json={"text": f"{i:02d}" + "长" * 1998}, headers=town.h("li"))
        assert resp.status_code == 201, resp.get_json()
    own = town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("li")).get_json()
    assert own["supplements_total"] == 20 and [s["text"][:2] for s in own["supplements"]] == [
        f"{i:02d}" for i in range(10)]
    case = town.client.get(f"/api/v1/cases/{created['case_id']}", headers=town.h("city_sup"))
    [report] = case.get_json()["sections"]["reports"]
    assert report["supplements_total"] == 20 and len(report["supplements"]) == 10
    assert len(case.data) < 75_000  # ten supplements of 6 kB each and the case, not all twenty
    for who in ("li", "city_sup"):
        page = town.client.get(f"{url}?page=2&page_size=10", headers=town.h(who)).get_json()
        assert page["total"] == 20 and [s["text"][:2] for s in page["items"]] == [f"{i:02d}" for i in range(10, 20)]
    for who in ("zhao", "other_county_sup"):
        assert_error(town.client.get(url, headers=town.h(who)), 404)
