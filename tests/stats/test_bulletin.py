"""The October 2026 bulletin of a month built by hand gives exactly the known figures, again after later events,
and the same numbers in the workbook, the CSV, the API and the command line."""
import io
import json

from openpyxl import load_workbook

from reporter.stats.bulletin import bulletin
from reporter.stats.schemas import BulletinOut
from tests.cases.conftest import RESULT_FALSE
from tests.conftest import app_ctx
from tests.stats.conftest import cst
from tests.support.workbooks import assert_print_ready, notes_of

NINGSHAN_COUNTY = "610923"
EXPECTED = {  # 宁陕 in October 2026: cases A–E of the `october` fixture
    "received": 4, "received_by_source": {"video": 4}, "received_by_category": {"illegal_logging": 4},
    "accepted": 3, "rejected": 1, "closed": 2, "closed_on_time": 1, "on_time_pct": 50.0, "overdue_open": 1,
    "avg_working_days_to_close": 8.5, "returns": 1, "reworks": 1, "reopenings": 1, "supervised": 1,
    "supervised_open": 1, "supervised_closed": 0, "supervised_overdue": 1, "satisfaction_mean": 5.0,
    "satisfaction_count": 1, "rewards_approved": 1, "rewards_approved_fen": 50_000, "rewards_approved_yuan": "500.00",
    "rewards_paid": 1, "rewards_paid_fen": 50_000, "rewards_paid_yuan": "500.00",
}


def _compute(app, month="2026-10"):
    with app_ctx(app):
        return bulletin(month)


def _county(report, adcode=NINGSHAN_COUNTY):
    return next(row for row in report["counties"] if row["adcode"] == adcode)


def _unit(report, code="610923.forestry"):
    return next(row for row in report["units"] if row["code"] == code)


def test_october_figures_are_exactly_the_known_answers(app, october):
    report = _compute(app)
    county = _county(report)
    assert {k: county[k] for k in EXPECTED} == EXPECTED
    unit = _unit(report)  # every case was routed to and handled by 宁陕 林业局
    assert {k: unit[k] for k in EXPECTED} == EXPECTED
    others = [row for row in report["counties"] if row["adcode"] != NINGSHAN_COUNTY]
    assert len(others) == 9 and all(row["received"] == 0 and row["on_time_pct"] is None for row in others)
    assert report["supervised_cases"] == [{"case_id": october["d"], "county_adcode": NINGSHAN_COUNTY,
                                           "unit": _unit(report)["name"], "level": "city",
                                           "due": cst(10, 30).date(), "state": "dispatched", "overdue": True}]
    # November so far: C and D untouched since October, open all month and past their deadlines (C's on 11 Nov).
    november = _county(_compute(app, "2026-11"))
    assert (november["received"], november["overdue_open"], november["supervised_open"],
            november["supervised_overdue"]) == (0, 2, 1, 1)
    assert _unit(_compute(app, "2026-11"))["overdue_open"] == 2
    # September saw case A opened and accepted, nothing else.
    september = _county(_compute(app, "2026-09"))
    assert (september["received"], september["accepted"], september["closed"]) == (1, 1, 0)


def test_recomputing_october_after_later_events_changes_nothing(app, october, build):
    before = _compute(app)
    # November: D is signed, C closed again, B reopened and closed, the duplicate reporter rates A.
    build.act(october["d"], "officer", "sign", None)
    for who, action, payload in [("officer", "submit_result", RESULT_FALSE), ("city_sup", "verify", {"result": "pass"}),
                                 ("city_sup", "close", {})]:
        build.act(october["c"], who, action, None, **payload)
    build.act(october["b"], "city_sup", "reopen", None, reason="群众再次投诉")
    build.rate(october["resident2"], october["report_a2"], 1)
    after = _compute(app)
    assert after == before
    with app_ctx(app):  # October stored once computed: the stored figures are what a fresh computation gives
        assert bulletin("2026-10", fresh=True) == before
    assert _county(_compute(app, "2026-11"))["reopenings"] == 1  # the later events land in November


def test_workbook_and_csv_hold_the_same_numbers(app, client, users, october):
    report = _compute(app)
    sup = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    resp = client.get("/api/v1/stats/monthly.xlsx?month=2026-10", headers=sup)
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    assert {"区县", "单位", "网格员", "督办案件", "区县排名", "单位排名", "网格员排名"} <= set(book.sheetnames)
    sheet = book["区县"]
    assert sheet["A1"].value == "区县 2026-10（全市）"  # the title row, then the headers
    headers = [cell.value for cell in sheet[2]]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == NINGSHAN_COUNTY)
    cells = dict(zip(headers, row, strict=True))
    county = _county(report)
    assert cells["受理总数"].value == county["received"] == 4
    assert cells["来源：视频监管"].value == 4
    assert cells["按期结案率"].value == 0.5 and cells["按期结案率"].number_format == "0.0%"
    assert cells["发放奖励金额（元）"].value == 500.0 and cells["发放奖励金额（元）"].number_format == "#,##0.00"
    assert cells["平均办结工作日"].value == 8.5 and cells["满意度均分"].value == 5.0
    same = client.get("/api/v1/stats/monthly?month=2026-10&format=xlsx", headers=sup)
    assert load_workbook(io.BytesIO(same.data))["区县"]["A3"].value == sheet["A3"].value
    csv = client.get("/api/v1/stats/monthly?month=2026-10&format=csv&table=units", headers=sup)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("单位代码,单位,受理总数")
    forestry = next(line.split(",") for line in lines[1:] if line.startswith("610923.forestry"))
    header = lines[0].split(",")
    assert forestry[header.index("按期结案率")] == "50.0" and forestry[header.index("发放奖励金额（元）")] == "500.00"


def test_api_json_scope_and_roles(app, client, users, october):
    city = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    body = client.get("/api/v1/stats/monthly?month=2026-10", headers=city).get_json()
    assert _county(body)["closed"] == 2 and len(body["counties"]) == 10 and body["as_of"].startswith("2026-11-01")
    with app_ctx(app):  # the lean dump the endpoint serves is what marshmallow's BulletinOut gives, every table
        assert body == json.loads(app.json.dumps(BulletinOut().dump(bulletin("2026-10"))))
    assert body["supervised_cases"] and body["units"] and body["rankings"]["units"]
    county_sup = users.headers(users.make("supervisor", unit_code="610902.qinling_office"))
    own = client.get("/api/v1/stats/monthly?month=2026-10&county=610923", headers=county_sup).get_json()
    assert [row["adcode"] for row in own["counties"]] == ["610902"] and own["county"] == "610902"
    auditor = users.headers(users.make("auditor"))
    assert client.get("/api/v1/stats/monthly?month=2026-10&county=610923", headers=auditor).get_json()[
        "counties"][0]["received"] == 4
    officer = users.headers(users.make("officer", unit_code="610923.forestry"))
    assert client.get("/api/v1/stats/monthly?month=2026-10", headers=officer).status_code == 403
    assert client.get("/api/v1/stats/monthly?month=2026-10").status_code == 401
    for query in ("month=2026-13", "month=0000-01", "month=2026-10&county=999999", "month=2026-10&county=%C3%95%0F"):
        bad = client.get(f"/api/v1/stats/monthly.xlsx?{query}", headers=city)
        assert bad.status_code == 422 and bad.get_json()["error"] == "validation_failed", query


def test_command_writes_the_workbook(app, october, tmp_path):
    out = tmp_path / "bulletin.xlsx"
    result = app.test_cli_runner().invoke(args=["stats", "bulletin", "--month", "2026-10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["单位"]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "610923.forestry")
    assert row[2] == 4  # 受理总数


def test_recurrences_per_county_and_unit_in_a_hand_built_month(app, world, build):
    """November 2026 in 宁陕: three reports near cases closed days before (one reopened for failed rectification, one
    a new violation at the closed place, one the same problem), and one raised in October, reopened in November."""
    from reporter.accounts.models import User
    from reporter.reports.schemas import ReportIn
    from reporter.reports.services import submit_report
    from tests.stats.conftest import close_steps

    def report(where, at) -> int:
        resident = build.resident("举报人")
        photo = world.upload(resident, purpose="report")
        body = {"category": "illegal_logging", "description": "山上有人砍树，已砍倒多棵",
                "location": {"lat": where[0], "lng": where[1]}, "photo_ids": [photo], "anonymous": True,
                "wants_reward": False}
        with app_ctx(app) as session:
            return submit_report(session.get(User, resident), ReportIn().load(body), None, at=at).case_id

    def place(k):  # about 1.1 km apart, all in 宁陕
        return (33.3125 + 0.01 * k, 108.3140)

    def near(where):
        return (where[0] + 0.001, where[1])

    decided = {}
    for k, (opened, closed, again, decision, on) in enumerate([
            (cst(10, 8), cst(10, 20), cst(10, 30), "reopen", cst(11, 2)),  # raised in October, decided in November
            (cst(11, 2), cst(11, 6), cst(11, 10), "reopen", cst(11, 11)),
            (cst(11, 2), cst(11, 5), cst(11, 12), "new_case", cst(11, 13)),
            (cst(11, 3), cst(11, 6), cst(11, 16), "reject", cst(11, 17))]):
        case_id = report(place(k), opened)
        build.run(case_id, close_steps(opened, opened, opened, opened, closed))
        assert report(near(place(k)), again) == case_id  # a possible recurrence on the closed case
        build.act(case_id, "city_sup", "decide_recurrence", on, decision=decision, reason="现场核查")
        decided[decision] = case_id

    figures = ("recurrences_raised", "recurrences_reopened", "recurrences_new_case", "recurrences_rejected",
               "reopenings")
    november = _compute(app, "2026-11")
    assert {k: _county(november)[k] for k in figures} == {
        "recurrences_raised": 3, "recurrences_reopened": 2, "recurrences_new_case": 1, "recurrences_rejected": 1,
        "reopenings": 2}
    assert {k: _unit(november)[k] for k in figures} == {k: _county(november)[k] for k in figures}
    october = _county(_compute(app, "2026-10"))
    assert (october["recurrences_raised"], october["recurrences_reopened"]) == (1, 0)
    others = [row for row in november["counties"] if row["adcode"] != NINGSHAN_COUNTY]
    assert all(row["recurrences_raised"] == 0 for row in others)
    # The registers' view: the recurrences of a set of cases.
    from reporter.cases.services import recurrences_of

    with app_ctx(app):
        found = recurrences_of([decided["new_case"], decided["reject"]])
    assert [r["state"] for r in found[decided["new_case"]]] == ["new_case"]
    assert found[decided["new_case"]][0]["new_case_id"] not in (None, decided["new_case"])
    assert [r["state"] for r in found[decided["reject"]]] == ["rejected"]


def test_every_workbook_prints_on_pages_one_wide_with_titles_widths_and_notes(app, client, users, october):
    sup = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    book = load_workbook(io.BytesIO(client.get("/api/v1/stats/monthly.xlsx?month=2026-10", headers=sup).data))
    for sheet in book.worksheets:
        assert_print_ready(sheet, sheet["A1"].value)
        assert "2026-10" in sheet["A1"].value or sheet.title == "注释"
    units = book["单位"]
    assert_print_ready(units, "单位 2026-10（全市）")
    headers = {cell.value: cell.column_letter for cell in units[2]}
    name = headers["单位"]
    longest = max(len(c.value) for c in units[name][2:] if c.value)
    assert units.column_dimensions[name].width >= 2 * longest  # Chinese characters count two
    assert units.column_dimensions[headers["批准奖励金额（元）"]].width >= 18
    assert units[f"{headers['按期结案率']}3"].number_format == "0.0%"  # formats kept under the title row
    notes = notes_of(book)
    assert "按期结案率" in notes and "并列" in notes["排名"]
    admin = users.headers(users.make("admin"))
    versions = client.get("/api/v1/responsibility/versions", headers=admin).get_json()
    version = (versions.get("items") if isinstance(versions, dict) else versions)[0]
    rules = load_workbook(io.BytesIO(client.get(f"/api/v1/responsibility/versions/{version['id']}/export",
                                                headers=admin).data))["责任清单"]
    assert_print_ready(rules, rules["A1"].value)
    assert rules["A1"].value.startswith("秦岭生态环境问题责任清单")


def test_an_approved_extension_keeps_a_case_off_the_overdue_count(app, world, build):
    """November 2026 in 宁陕: two cases signed on 2 Nov (handle due 23 Nov); one granted 10 more working days (due
    7 Dec), the other refused: at the month's end only the refused one is overdue, read from the events' data."""
    for approve in (True, False):
        case_id = world.open(at=cst(11, 2))
        build.run(case_id, [(cst(11, 2), "city_sup", "accept", {}), (cst(11, 2), "city_sup", "dispatch", {}),
                            (cst(11, 2), "officer", "sign", {}),
                            (cst(11, 5), "officer", "request_extension", {"days": 10, "reason": "需协调林权纠纷"}),
                            (cst(11, 6), "city_sup", "decide_extension",
                             {"approve": True, "days": 10} if approve else {"approve": False})])
    november = _compute(app, "2026-11")
    assert (_county(november)["received"], _county(november)["overdue_open"]) == (2, 1)
    assert _unit(november)["overdue_open"] == 1
