"""The monthly bulletin at the console (月通报、月排名): the same figures as `GET /stats/monthly` for the same person,
month and county, a county's supervisors held to their county, roles, the downloads equal to the API's, the trend and
the campaigns' progress."""
import io
import json
from datetime import date, timedelta

import lxml.html
from openpyxl import load_workbook

from tests.registers.helpers import register
from tests.stats.conftest import build, october  # noqa: F401  (October 2026 with known figures)

NINGSHAN = "610923"
HANBIN = "610902"


def _api(world, who, **query):
    resp = world.client.get("/api/v1/stats/monthly", query_string=query, headers=world.h(who))
    assert resp.status_code == 200, resp.get_json()
    return resp


def _page(desk, **query):
    resp = desk.client.get("/console/bulletin", query_string=query)
    return resp, lxml.html.fromstring(resp.get_data(as_text=True))


def _table(doc, name) -> list[dict]:
    """A table of the page as {field: text} rows."""
    return [{td.get("data-field"): td.text_content().strip() for td in tr.findall("td")}
            for tr in doc.xpath(f'//table[@data-table="{name}"]/tbody/tr') if tr.find("td").get("data-field")]


def _charts(doc) -> dict:
    return json.loads(doc.get_element_by_id("bulletin-data").text)


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def test_the_page_shows_the_apis_figures_for_the_same_person_month_and_county(app, world, desk, october):  # noqa: F811
    sup = desk("city_sup")
    for query in ({"month": "2026-10"}, {"month": "2026-10", "county": NINGSHAN}):
        api = _api(world, "city_sup", **query).get_json()
        resp, doc = _page(sup, **query)
        assert resp.status_code == 200
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")
        counties = _table(doc, "counties")
        assert [r["name"] for r in counties] == [r["name"] for r in api["counties"]]
        for shown, row in zip(counties, api["counties"], strict=True):
            for field in ("received", "accepted", "rejected", "closed", "closed_on_time", "overdue_open", "returns",
                          "reworks", "reopenings", "supervised", "rewards_paid"):
                assert shown[field] == str(row[field]), (field, shown, row)
            assert shown["on_time_pct"] == _pct(row["on_time_pct"])
            assert shown["rewards_paid_fen"] == f"¥{row['rewards_paid_fen'] / 100:,.2f}"
        units = _table(doc, "units")
        assert [(r["name"], r["closed"]) for r in units] == [(r["name"], str(r["closed"])) for r in api["units"]]
        assert [r["case_id"] for r in _table(doc, "supervised_cases")] == [
            str(r["case_id"]) for r in api["supervised_cases"]]
        assert [r["name"] for r in _table(doc, "inspectors")] == [r["name"] for r in api["inspectors"]]
        charts = _charts(doc)
        assert [(c["name"], c["value"]) for c in charts["counties"]] == [
            (r["name"], r["on_time_pct"]) for r in api["counties"]]
        assert sum(s["value"] for s in charts["sources"]) == sum(r["received"] for r in api["counties"])
    ningshan = next(r for r in api["counties"] if r["adcode"] == NINGSHAN)
    assert ningshan["received"] == 4 and ningshan["closed"] == 2  # the October fixture's answers, seen on the page
    assert "2026年10月（宁陕县）" in doc.findtext(".//h1")
    assert doc.xpath('//a[contains(@href, "/console/cases/")]')  # a 督办 case links to its page
    supervised = _table(doc, "supervised_cases")
    assert [(r["level"], r["state"], r["overdue"]) for r in supervised] == [("市级督办", "待签收", "是")]
    assert "2026-10-31 24:00" in doc.find_class("as-of")[0].text_content()


def test_rankings_mark_ties_and_small_samples(app, world, desk, october):  # noqa: F811
    app.config["STATS_MIN_SAMPLE"] = 1
    try:
        api = _api(world, "city_sup", month="2026-10").get_json()
        _resp, doc = _page(desk("city_sup"), month="2026-10")
    finally:
        app.config.pop("STATS_MIN_SAMPLE")
    shown = _table(doc, "ranking_counties")
    assert len(shown) == len(api["rankings"]["counties"]) == 10
    first = api["rankings"]["counties"][0]
    assert first["rank"] == 1 and shown[0]["rank"] == "1" and shown[0]["name"] == first["name"] == "宁陕县"
    assert all(r["rank"] == "—" and r["small_sample"] == "样本不足" for r in shown[1:])  # no case closed: not ranked
    inspectors = _table(doc, "ranking_inspectors")
    assert [r["rank"] for r in inspectors] == ["1（并列）", "1（并列）"]  # two inspectors, both 0 valid days: a tie
    assert doc.xpath('//table[@data-table="ranking_counties"]/tbody/tr[@class="small-sample"]')


def test_a_county_supervisor_gets_their_county_whatever_they_pick(app, world, desk, october):  # noqa: F811
    sup = desk("county_sup")  # 宁陕
    resp, doc = _page(sup, month="2026-10", county=HANBIN)
    assert resp.status_code == 200
    assert [r["name"] for r in _table(doc, "counties")] == ["宁陕县"]
    assert not doc.xpath('//select[@name="county"]') and "宁陕县（本县）" in doc.text_content()
    api = _api(world, "county_sup", month="2026-10", county=HANBIN).get_json()
    assert _table(doc, "counties")[0]["received"] == str(api["counties"][0]["received"]) == "4"
    book = sup.client.get("/console/bulletin/bulletin.xlsx?month=2026-10&county=610902")
    assert book.status_code == 200 and "bulletin-2026-10-610923.xlsx" in book.headers["Content-Disposition"]
    other = desk("other_county_sup")  # 汉滨: none of October's cases
    _resp, doc = _page(other, month="2026-10", county=NINGSHAN)
    assert [(r["name"], r["received"]) for r in _table(doc, "counties")] == [("汉滨区", "0")]
    assert not _table(doc, "supervised_cases")


def test_who_may_open_the_bulletin(app, world, desk):
    for who in ("city_sup", "auditor", "admin"):
        d = desk(who)
        home = d.client.get("/console/cases" if who == "city_sup" else "/console/bulletin")
        assert 'href="/console/bulletin"' in home.get_data(as_text=True), who
        assert d.client.get("/console/bulletin?month=2026-10").status_code == 200, who
    officer = desk("officer")
    assert 'href="/console/bulletin"' not in officer.client.get("/console/").get_data(as_text=True)
    for path in ("/console/bulletin", "/console/bulletin/trend.json?month=2026-10",
                 "/console/bulletin/bulletin.xlsx?month=2026-10", "/console/bulletin/counties.csv?month=2026-10",
                 "/console/bulletin/document.pdf?month=2026-10"):
        assert officer.client.get(path).status_code == 403, path
    anonymous = app.test_client()
    assert anonymous.get("/console/bulletin/bulletin.xlsx?month=2026-10").status_code == 302  # to the sign-in page
    # the page only reads: nothing is posted to it (a form's POST would need the CSRF token)
    assert desk("city_sup").client.post("/console/bulletin", data={"month": "2026-10"}).status_code == 405


def test_a_wrong_month_or_county_is_said_next_to_the_picker(app, world, desk):
    sup = desk("city_sup")
    resp, doc = _page(sup, month="2026-13", county="999999")
    assert resp.status_code == 422
    assert doc.get_element_by_id("err-month").text_content() == "请选择 2020 年 1 月以后的月份（年-月）。"
    assert doc.get_element_by_id("err-county").text_content() == "不是安康市的区县，请从列表中选择。"
    assert doc.xpath('//input[@name="month"]/@value')  # the last month is shown instead
    assert sup.client.get("/console/bulletin/bulletin.xlsx?month=2026-13").status_code == 422
    assert sup.client.get("/console/bulletin/nonsense.csv?month=2026-10").status_code == 422
    assert sup.client.get("/console/bulletin/document.pdf?month=2026-10&number=0").status_code == 422


def test_downloads_hold_what_the_api_gives(app, world, desk, october):  # noqa: F811
    sup = desk("city_sup")
    for table in ("counties", "units", "inspectors", "supervised_cases", "ranking_counties", "ranking_units"):
        mine = sup.client.get(f"/console/bulletin/{table}.csv?month=2026-10&county={NINGSHAN}")
        theirs = _api(world, "city_sup", month="2026-10", county=NINGSHAN, format="csv", table=table)
        assert mine.status_code == 200 and mine.mimetype == "text/csv"
        assert mine.data == theirs.data and mine.data.startswith("\ufeff".encode()), table
        assert f"bulletin-2026-10-{NINGSHAN}-{table}.csv" in mine.headers["Content-Disposition"]
    mine = sup.client.get("/console/bulletin/bulletin.xlsx?month=2026-10")
    theirs = world.client.get("/api/v1/stats/monthly.xlsx?month=2026-10", headers=world.h("city_sup"))
    assert mine.status_code == 200 and "bulletin-2026-10-city.xlsx" in mine.headers["Content-Disposition"]
    mine_book, their_book = load_workbook(io.BytesIO(mine.data)), load_workbook(io.BytesIO(theirs.data))
    assert mine_book.sheetnames == their_book.sheetnames
    for name in mine_book.sheetnames:
        assert list(mine_book[name].values) == list(their_book[name].values), name
    docx = sup.client.get("/console/bulletin/document.docx?month=2026-10&county=610923")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")
    assert "bulletin-2026-10-610923.docx" in docx.headers["Content-Disposition"]
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "2026年10月" in text


def test_the_trend_is_twelve_months_of_the_bulletin(app, world, desk, october):  # noqa: F811
    sup = desk("county_sup")
    trend = sup.client.get("/console/bulletin/trend.json?month=2026-10&county=610902").get_json()
    assert trend["months"] == [f"2025-{m}" for m in ("11", "12")] + [f"2026-{m:02d}" for m in range(1, 11)]
    october_api = _api(world, "county_sup", month="2026-10").get_json()["counties"][0]
    september_api = _api(world, "county_sup", month="2026-09").get_json()["counties"][0]
    assert (trend["received"][-1], trend["closed"][-1], trend["overdue_open"][-1]) == (
        october_api["received"], october_api["closed"], october_api["overdue_open"]) == (4, 2, 1)
    assert trend["received"][-2] == september_api["received"] == 1  # case A, reported on 29 September
    assert sum(trend["received"][:-2]) == 0


def test_campaign_progress_is_the_registers_progress_in_the_officials_scope(app, world, desk):
    site = register(world).get_json()
    today = date.today()
    body = {"name": "农家乐专项整治", "kind": "farmstay", "starts_on": (today - timedelta(days=30)).isoformat(),
            "milestones": [{"step": "survey", "zone": None, "due_on": (today - timedelta(days=2)).isoformat()}]}
    created = world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("city_sup"))
    campaign_id = created.get_json()["id"]
    assert world.client.post(f"/api/v1/registers/campaigns/{campaign_id}/sites/{site['id']}/steps/survey", json={},
                             headers=world.h("inspector")).status_code == 201
    month = f"{today.year:04d}-{today.month:02d}"
    _resp, doc = _page(desk("county_sup"), month=month)
    report = _api(world, "county_sup", month=month).get_json()
    as_of = next(r["as_of"] for r in report["campaigns"] if r["campaign_id"] == campaign_id)
    api = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/progress?as_of={as_of}",
                           headers=world.h("county_sup")).get_json()
    article = doc.xpath(f'//article[@data-campaign="{campaign_id}"]')[0]
    assert article.findtext(".//h3") == "农家乐专项整治"
    shown = [[td.text_content() for td in tr.findall("td")]
             for tr in article.xpath(f'.//table[@data-table="campaign-{campaign_id}-counties"]/tbody/tr')]
    assert shown == [[c["name"], str(c["sites"]), str(c["surveyed"]), str(c["rectifying"]), str(c["accepted"]),
                      str(c["closed"]), str(c["overdue"]), _pct(c["closed_pct"])] for c in api["counties"]]
    assert shown[0][:3] == ["宁陕县", "1", "1"]
    milestones = article.xpath(f'.//table[@data-table="campaign-{campaign_id}-milestones"]/tbody/tr/td/text()')
    assert milestones[:2] == ["排查", "全部"]
    chart = next(c for c in _charts(doc)["campaigns"] if c["id"] == campaign_id)
    assert chart["counties"][0]["surveyed"] == 1 and chart["counties"][0]["name"] == "宁陕县"
    # an admin reads the bulletin but not the registers: the campaigns' table only, said in words
    _resp, doc = _page(desk("admin"), month=month)
    assert not doc.xpath("//article[@data-campaign]") and "不查看专项整治台账" in doc.text_content()
    assert [r["campaign"] for r in _table(doc, "campaigns")] == ["农家乐专项整治"]
