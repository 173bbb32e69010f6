"""The monthly bulletin in real Chromium: a past month's figures equal the API's for the same person, month and
county, and every chart is drawn (no JavaScript error, no CSP violation, no serious accessibility problem)."""
from tests.console.browser import browser_marks
from tests.console.bulletin_pages import BulletinPage
from tests.console.conftest import PASSWORD
from tests.stats.conftest import build, october  # noqa: F401  (October 2026 with known figures)

pytestmark = browser_marks()

FIELDS = ("received", "accepted", "rejected", "closed", "closed_on_time", "overdue_open", "supervised")


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def test_a_past_months_bulletin_equals_the_api_and_its_charts_render(app, world, staff, browser,
                                                                       october):  # noqa: F811
    app.config["STATS_MIN_SAMPLE"] = 1  # 宁陕's units have a closed case or two: rank them, so their chart draws
    try:
        sup = browser.official().sign_in(staff["city_sup"], PASSWORD)
        assert "月通报" in sup.menu()
        bulletin = BulletinPage.open(sup).pick("2026-10", "宁陕县")
        assert sup.heading() == "月通报 · 2026年10月（宁陕县）"
        api = world.client.get("/api/v1/stats/monthly?month=2026-10&county=610923",
                               headers=world.h("city_sup")).get_json()
        shown = bulletin.table("counties")
        assert len(shown) == len(api["counties"]) == 1
        for field in FIELDS:
            assert shown[0][field] == str(api["counties"][0][field]), field
        assert shown[0]["on_time_pct"] == _pct(api["counties"][0]["on_time_pct"])
        assert [(r["name"], r["closed"]) for r in bulletin.table("units")] == [
            (r["name"], str(r["closed"])) for r in api["units"]]
        assert [r["name"] for r in bulletin.table("ranking_units")] == [r["name"] for r in api["rankings"]["units"]]
        assert [r["case_id"] for r in bulletin.table("supervised_cases")] == [
            str(r["case_id"]) for r in api["supervised_cases"]]
        inked = bulletin.charts_drawn()
        for name in ("counties", "units", "sources", "categories", "trend"):
            assert inked[name] > 500, (name, inked)
        assert not api["inspectors"] and inked["inspectors"] == 0  # no inspector patrolled 宁陕 in October: said so
        assert sup.page.locator('[data-chart="inspectors"]').inner_text() == "本月没有数据。"
        bulletin.pick("2026-10", "全市")  # the whole city: every inspector, against the target
        assert sup.heading() == "月通报 · 2026年10月（全市）"
        city = world.client.get("/api/v1/stats/monthly?month=2026-10", headers=world.h("city_sup")).get_json()
        assert [r["name"] for r in bulletin.table("inspectors")] == [r["name"] for r in city["inspectors"]]
        assert [r["received"] for r in bulletin.table("counties")] == [str(r["received"]) for r in city["counties"]]
        inked = bulletin.charts_drawn()
        assert city["inspectors"] and all(n > 500 for n in inked.values()), inked
    finally:
        app.config.pop("STATS_MIN_SAMPLE")


def test_a_county_supervisor_at_tablet_width_sees_their_county(app, world, staff, browser, october):  # noqa: F811
    sup = browser.official(width=820, height=1180).sign_in(staff["county_sup"], PASSWORD)
    bulletin = BulletinPage.open(sup, "/console/bulletin?month=2026-10&county=610902")  # another county: refused
    assert sup.heading() == "月通报 · 2026年10月（宁陕县）"
    assert [r["name"] for r in bulletin.table("counties")] == ["宁陕县"]
    assert bulletin.charts_drawn()["trend"] > 500
    width = sup.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width  # wide tables scroll inside their box, not the page
