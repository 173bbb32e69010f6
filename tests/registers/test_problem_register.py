"""The problem register (问题台账, items 1 and 19): feedback and audit sources with their reference, supervisors
entering many problems from a spreadsheet (all or nothing, every row error by row and column), the register view,
the year register and its workbook."""
import io
from datetime import UTC, datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.cases import services
from reporter.cases.models import Case
from reporter.geo.models import ZONE_NAMES
from tests.cases.conftest import HANBIN, NINGSHAN, STAFF_ENTRY
from tests.conftest import app_ctx
from tests.support.workbooks import assert_print_ready, notes_of, today_words

HEADERS = ["问题来源", "反馈编号", "问题类别", "问题描述", "纬度", "经度", "坐标系", "地址"]


def sheet(*rows, headers=HEADERS) -> bytes:
    book = Workbook()
    page = book.active
    page.title = "问题清单"
    page.append(headers)
    for row in rows:
        page.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(world, data: bytes, who="city_sup", dry_run=False):
    return world.client.post("/api/v1/registers/problems/import", headers=world.h(who),
                             query_string={"dry_run": "true"} if dry_run else {},
                             content_type="multipart/form-data", data={"file": (io.BytesIO(data), "feedback.xlsx")})


def case_count(world) -> int:
    with app_ctx(world.app) as session:
        return session.execute(select(func.count()).select_from(Case)).scalar_one()


def test_a_supervisor_enters_an_inspection_feedback_item_with_its_reference(world):
    body = {**STAFF_ENTRY, "source": "central_inspection", "external_ref": "中央督察反馈-12"}
    resp = world.client.post("/api/v1/cases", json=body, headers=world.h("city_sup"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["source"] == "central_inspection"
    assert resp.get_json()["external_ref"] == "中央督察反馈-12"
    missing = world.client.post("/api/v1/cases", json={**body, "source": "audit", "external_ref": None},
                                headers=world.h("city_sup"))
    assert missing.status_code == 422
    body = {k: v for k, v in body.items() if k != "external_ref"}
    missing = world.client.post("/api/v1/cases", json={**body, "source": "audit"}, headers=world.h("city_sup"))
    assert missing.status_code == 422
    assert "external_ref" in missing.get_json()["errors"]["json"]


FARMSTAY = "农家乐（民宿）侵占河道、压占林地、违规经营、乱排乱放"
GOOD = [("中央反馈问题", "第二轮-3", FARMSTAY, "某农家乐侵占河道", NINGSHAN[0], NINGSHAN[1], "WGS-84", "宁陕县城关镇"),
        ("审计查出问题", "审计2021-7", "illegal_mining", "以修复之名违规开采", HANBIN[0], HANBIN[1], "", None)]


def test_feedback_items_from_a_sheet_all_or_nothing_with_every_row_error(world):
    bad = sheet(*GOOD,
                ("省级反馈问题", "", "no_such_category", "", "abc", NINGSHAN[1], "", None),  # row 4
                ("审计查出问题", "审计2021-7", "illegal_mining", "重复编号", 10.0, 10.0, "", None))  # row 5
    resp = upload(world, bad)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]["file"]
    assert set(errors) == {"4", "5"}
    assert set(errors["4"]) == {"反馈编号", "问题类别", "问题描述", "纬度"}
    assert errors["5"]["反馈编号"] == ["repeats row 3"]
    assert errors["5"]["纬度"] == ["the point is outside Ankang"]
    assert resp.get_json()["message"].startswith("Row 4, column B (反馈编号)")
    assert case_count(world) == 0

    dry = upload(world, sheet(*GOOD), dry_run=True)
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["rows"] == 2 and dry.get_json()["case_ids"] == []
    assert [i["county_adcode"] for i in dry.get_json()["items"]] == ["610923", "610902"]
    assert case_count(world) == 0

    done = upload(world, sheet(*GOOD))
    assert done.status_code == 200, done.get_json()
    ids = done.get_json()["case_ids"]
    assert len(ids) == 2
    first = world.get(ids[0]).get_json()
    assert (first["source"], first["external_ref"], first["category"]) == ("central_inspection", "第二轮-3", "farmstay")
    assert first["state"] == "submitted"  # the same closed loop as any other case

    again = upload(world, sheet(*GOOD))
    assert again.status_code == 422
    assert again.get_json()["errors"]["file"]["2"]["反馈编号"] == [f"already registered as case {ids[0]}"]
    assert case_count(world) == 2


def test_a_county_supervisor_imports_only_in_their_county_and_others_may_not_import(world):
    resp = upload(world, sheet(*GOOD), who="county_sup")  # 宁陕: the second row lies in 汉滨
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["file"] == {"3": {"纬度": ["the point is outside your county"]}}
    assert upload(world, sheet(GOOD[0]), who="county_sup").status_code == 200
    assert upload(world, sheet(GOOD[0]), who="officer").status_code == 403
    missing_header = upload(world, sheet(GOOD[0][1:], headers=HEADERS[1:]))
    assert missing_header.status_code == 422
    assert missing_header.get_json()["errors"]["file"]["1"] == {"问题来源": ["missing header"]}
    not_a_workbook = upload(world, b"%PDF-1.4 not a workbook")
    assert not_a_workbook.status_code == 422


def _at(year, month, day):
    return datetime(year, month, day, 4, tzinfo=UTC)


def _closed_case(world, opened, closed, **kwargs) -> int:
    case_id = world.open(at=opened, **kwargs)
    photo = world.upload("officer")
    with app_ctx(world.app) as session:
        steps = [("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {}),
                 ("officer", "submit_result", {"finding": "true", "measures": "拆除违建、恢复植被",
                                               "photo_ids": [photo]}),
                 ("inspector", "verify", {"result": "pass"}), ("city_sup", "close", {})]
        for who, action, payload in steps:
            services.perform(case_id, action, session.get(User, world.ids[who]), payload, expected_version=None,
                             at=closed)
    return case_id


def test_the_register_and_the_year_register_in_the_callers_scope(world):
    open_2021 = world.open(at=_at(2021, 5, 1), source="central_inspection", external_ref="督察-1")
    closed_2021 = _closed_case(world, _at(2021, 3, 1), _at(2021, 12, 30))
    closed_2022 = _closed_case(world, _at(2021, 6, 1), _at(2022, 3, 15), source="audit", external_ref="审计-9")
    opened_2022 = world.open(at=_at(2022, 7, 1))
    world.open(at=_at(2023, 1, 2))
    rejected = world.open(at=_at(2022, 2, 1))
    world.do(rejected, "city_sup", "reject", reason_code="insufficient")
    in_hanbin = world.open(at=_at(2022, 8, 1), where=HANBIN)

    resp = world.client.get("/api/v1/registers/problems", headers=world.h("city_sup"),
                            query_string={"year": 2022, "sort": "age"})
    assert resp.status_code == 200, resp.get_json()
    rows = resp.get_json()["items"]
    assert [r["case_id"] for r in rows] == [open_2021, closed_2022, opened_2022, in_hanbin]
    assert closed_2021 not in [r["case_id"] for r in rows]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    done = rows[1]
    assert (done["source_name"], done["external_ref"], done["county_name"]) == ("审计查出问题", "审计-9", "宁陕县")
    assert done["zone_name"] == ZONE_NAMES[done["zone"]]
    assert done["lead_units"] == "宁陕县林业局"
    assert done["measures"] == "拆除违建、恢复植被"
    assert (done["progress"], done["closed_off"], done["closed_on"]) == ("已销号", True, "2022-03-15")
    assert (rows[0]["progress"], rows[0]["closed_off"], rows[0]["closed_on"]) == ("待受理", False, None)

    county = world.client.get("/api/v1/registers/problems", headers=world.h("county_sup"),
                              query_string={"year": 2022}).get_json()
    assert in_hanbin not in [r["case_id"] for r in county["items"]] and county["total"] == 3
    filtered = world.client.get("/api/v1/registers/problems", headers=world.h("city_sup"),
                                query_string={"source": "audit"}).get_json()
    assert [r["case_id"] for r in filtered["items"]] == [closed_2022]
    unit_view = world.client.get("/api/v1/registers/problems", headers=world.h("other_officer")).get_json()
    assert [r["case_id"] for r in unit_view["items"]] == [in_hanbin]  # 汉滨's bureau: its own county's problem

    export = world.client.get("/api/v1/registers/problems/export", headers=world.h("city_sup"),
                              query_string={"year": 2022, "sort": "age"})
    assert export.status_code == 200
    assert export.headers["Content-Disposition"] == 'attachment; filename="problem-register-2022.xlsx"'
    book = load_workbook(io.BytesIO(export.data))
    page = book.active
    assert page.title == "突出问题2022年台账"
    assert_print_ready(page, f"突出问题2022年台账（截至{today_words()}）")
    assert "是否销号" in notes_of(book) and "中央反馈问题" in notes_of(book)["问题来源"]
    lines = list(page.iter_rows(min_row=2, values_only=True))
    assert list(lines[0][:13]) == ["序号", "问题来源", "反馈编号", "问题描述", "所在县区", "保护区", "牵头单位",
                                   "配合单位", "整改措施", "整改时限", "整改进展", "是否销号", "销号时间"]
    assert len(lines) == 5
    assert lines[2][:3] == (2, "审计查出问题", "审计-9")
    assert lines[2][10:13] == ("已销号", "是", datetime(2022, 3, 15))


def test_the_template_names_the_values_each_column_takes(world):
    resp = world.client.get("/api/v1/registers/problems/template", headers=world.h("city_sup"))
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    assert_print_ready(book["问题清单"], "问题清单（导入模板）")
    assert [c.value for c in book["问题清单"][2]] == HEADERS
    notes = notes_of(book)
    assert "中央反馈问题" in notes["问题来源取值"]
    assert_print_ready(book["注释"], "问题清单（导入模板） 说明")


def test_the_template_filled_in_imports_under_its_title_row(world):
    """Officials fill the downloaded template below its title and header rows: it imports, errors by sheet row."""
    book = load_workbook(io.BytesIO(world.client.get("/api/v1/registers/problems/template",
                                                     headers=world.h("city_sup")).data))
    page = book["问题清单"]
    for row in GOOD:
        page.append(list(row))
    page.append(["审计查出问题", "", "illegal_mining", "没有编号", HANBIN[0], HANBIN[1], "", None])  # row 5
    out = io.BytesIO()
    book.save(out)
    bad = upload(world, out.getvalue(), dry_run=True)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["file"]) == {"5"}
    page.delete_rows(5)
    out = io.BytesIO()
    book.save(out)
    done = upload(world, out.getvalue())
    assert done.status_code == 200, done.get_json()
    assert case_count(world) == 2

