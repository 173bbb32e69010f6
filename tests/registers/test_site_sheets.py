"""A kind's register in Excel: template, import (dry run with every row's errors by row and column, all or nothing,
upsert by code) and export, which import reads back."""
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from reporter.registers.models import Site, SiteEvent
from tests.cases.conftest import HANBIN, NINGSHAN
from tests.conftest import app_ctx
from tests.registers.helpers import post_file, read_xlsx, xlsx
from tests.support.workbooks import assert_print_ready, notes_of, today_words

COMMON = ["编号", "名称", "运营单位", "纬度", "经度", "坐标系", "范围(GeoJSON)", "地址", "状态"]
POND = COMMON + ["等别", "在线监测接入部省平台", "闭库计划年份"]
IMPORT = "/api/v1/registers/site-kinds/tailings_pond/import"


def _count(world, model) -> int:
    with app_ctx(world.app) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_template_lists_the_kinds_columns_and_values(world):
    resp = world.client.get("/api/v1/registers/site-kinds/tailings_pond/template", headers=world.h("county_sup"))
    assert resp.status_code == 200
    assert list(read_xlsx(resp.data)[1]) == POND
    book = load_workbook(io.BytesIO(resp.data))
    assert_print_ready(book["尾矿库"], "尾矿库登记表（导入模板）")
    notes = notes_of(book)
    assert notes["状态"].startswith("运行、待闭库、闭库中、闭库销号")
    assert notes["在线监测接入部省平台"] == "是 / 否（必填）"


def test_import_checks_every_row_then_upserts_by_code_all_or_nothing(world):
    lat, lng = NINGSHAN
    good = [("WKK-01", "八庙沟尾矿库", "汉阴县金源有限公司", lat, lng, "", None, None, "待闭库", "四等", "是", 2022),
            ("WKK-02", "范家沟尾矿库", "汉阴县盛鑫矿业有限公司", lat + 0.01, lng, "WGS-84", None, None, "", None, "否",
             None)]
    bad = xlsx(POND, *good,
               ("WKK-03", "", None, "x", lng, "", None, None, "不存在", "六等", "也许", "明年"),  # row 4
               ("WKK-01", "重复", None, 39.9, 116.4, "", None, None, "闭库销号", None, "是", None))  # row 5
    resp = post_file(world.client, IMPORT, world.h("county_sup"), bad, dry_run="true")
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]["file"]
    assert set(errors) == {"4", "5"}
    assert set(errors["4"]) == {"名称", "纬度", "状态", "等别", "在线监测接入部省平台", "闭库计划年份"}
    assert errors["4"]["在线监测接入部省平台"] == ["not 是 or 否: '也许'"]
    assert set(errors["5"]) == {"编号", "纬度", "状态"}
    assert errors["5"]["编号"] == ["repeats row 2"]
    assert resp.get_json()["message"].startswith("Row 4, column B (名称)")
    assert post_file(world.client, IMPORT, world.h("county_sup"), bad).status_code == 422
    assert _count(world, Site) == 0

    dry = post_file(world.client, IMPORT, world.h("county_sup"), xlsx(POND, *good), dry_run="true")
    assert dry.get_json() == {"dry_run": True, "rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert _count(world, Site) == 0
    done = post_file(world.client, IMPORT, world.h("county_sup"), xlsx(POND, *good))
    assert done.get_json() == {"dry_run": False, "rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    sites = world.client.get("/api/v1/registers/sites", headers=world.h("county_sup"),
                             query_string={"kind": "tailings_pond"}).get_json()["items"]
    first = next(s for s in sites if s["code"] == "WKK-01")
    assert (first["state"], first["county_adcode"], first["attributes"]) == (
        "to_close", "610923", {"grade": "四等", "monitoring_connected": True, "closure_plan": 2022})
    assert next(s for s in sites if s["code"] == "WKK-02")["state"] == "operating"

    changed = [good[0][:10] + ("否", 2022), good[1]]
    again = post_file(world.client, IMPORT, world.h("county_sup"), xlsx(POND, *changed))
    assert again.get_json() == {"dry_run": False, "rows": 2, "created": 0, "updated": 1, "unchanged": 1}
    history = world.client.get(f"/api/v1/registers/sites/{first['id']}/history", headers=world.h("county_sup"))
    events = history.get_json()["events"]
    assert [e["action"] for e in events] == ["import", "import"]
    assert events[1]["data"]["changes"]["attributes"][1]["monitoring_connected"] is False
    assert _count(world, SiteEvent) == 3

    other = post_file(world.client, IMPORT, world.h("other_county_sup"),
                      xlsx(POND, ("WKK-01", "改名", None, HANBIN[0], HANBIN[1], "", None, None, "", None, "是", None)))
    assert other.status_code == 422
    assert other.get_json()["errors"]["file"]["2"]["编号"] == ["a site of another county has this code"]
    assert post_file(world.client, IMPORT, world.h("officer"), xlsx(POND, *good)).status_code == 403


def test_the_export_is_what_import_reads_back(world):
    lat, lng = NINGSHAN
    ring = [[lng, lat], [lng + 0.003, lat], [lng + 0.003, lat + 0.003], [lng, lat + 0.003], [lng, lat]]
    sheet = xlsx(POND, ("WKK-01", "林相金矿尾矿库", "旬阳市鑫龙矿业公司", None, None, "", '{"type": "Polygon", '
                        f'"coordinates": [{ring}]}}', "某镇", "运行", "三等", "是", None))
    assert post_file(world.client, IMPORT, world.h("city_sup"), sheet).get_json()["created"] == 1
    export = world.client.get("/api/v1/registers/site-kinds/tailings_pond/export", headers=world.h("city_sup"))
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    assert_print_ready(book["尾矿库"], f"尾矿库登记台账（截至{today_words()}）")
    assert notes_of(book)["所在县区"].startswith("由位置推算") and "等别" in notes_of(book)
    rows = read_xlsx(export.data)
    assert list(rows[1]) == POND + ["所在县区", "保护区"]
    assert rows[2][:3] == ("WKK-01", "林相金矿尾矿库", "旬阳市鑫龙矿业公司")
    assert rows[2][8:12] == ("运行", "三等", "是", None) and rows[2][12] == "宁陕县"
    back = post_file(world.client, IMPORT, world.h("city_sup"), export.data)
    assert back.get_json() == {"dry_run": False, "rows": 1, "created": 0, "updated": 0, "unchanged": 1}
    book["尾矿库"]["J3"] = "八等"  # 等别 of the site, in sheet row 3 under the title and header rows
    out = io.BytesIO()
    book.save(out)
    wrong = post_file(world.client, IMPORT, world.h("city_sup"), out.getvalue())
    assert wrong.status_code == 422 and set(wrong.get_json()["errors"]["file"]) == {"3"}

