"""The registers and campaigns pages over Flask's test client: what each shows equals the API's answer for the same
person, roles and object-level scope, CSRF, the import's dry run row by row before the commit, and the campaign steps
through the same service (its order and people)."""
import html as html_lib
import io
import re

from openpyxl import load_workbook
from PIL import Image

from tests.cases.conftest import NINGSHAN
from tests.console.conftest import drive
from tests.registers.helpers import FARMSTAY, register, xlsx
from tests.support.workbooks import assert_print_ready

HEADERS = ["编号", "名称", "运营单位", "纬度", "经度", "坐标系", "范围(GeoJSON)", "地址", "状态",
           "存在问题", "处置方式", "床位数"]
GOOD = ("NJL-101", "山水人家", "宁陕县山水人家农家乐", *NINGSHAN, "", "", "宁陕县城关镇", "", "侵占河道", "提升改造",
        12)
BAD = ("NJL-102", "林间小院", "宁陕县林间小院民宿", 33.31, 108.31, "", "", "", "", "乱建", "提升改造", "十二")
FIXED = ("NJL-102", "林间小院", "宁陕县林间小院民宿", 33.31, 108.31, "", "", "", "", "乱排乱放", "提升改造", 12)
CAMPAIGN = {"name": "农家乐（民宿）集中整治", "kind": "farmstay", "counties": ["610923"], "starts_on": "2022-04-14",
            "milestones": [{"step": "survey", "zone": None, "due_on": "2022-06-30"}]}


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _site(world, who="county_sup", **changes) -> int:
    resp = register(world, who, **changes)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _campaign(world) -> int:
    resp = world.client.post("/api/v1/registers/campaigns", json=CAMPAIGN, headers=world.h("county_sup"))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 40)).save(buf, "JPEG")
    buf.seek(0)
    return buf


def test_the_problem_register_shows_the_apis_rows_in_scope_and_exports_them(app, world, desk):
    mine = drive(world, "in_progress")
    theirs = drive(world, "submitted", where=(32.9, 108.9), by="city_sup")  # 汉滨
    sup = desk("county_sup")
    page = sup.client.get("/console/registers/problems")
    assert page.status_code == 200
    shown = [int(x) for x in re.findall(r'data-case-id="(\d+)"', _text(page))]
    api = world.client.get("/api/v1/registers/problems", headers=world.h("county_sup")).get_json()["items"]
    assert shown == [row["case_id"] for row in api] and mine in shown and theirs not in shown
    assert "整改中" in _text(page)  # 整改进展 in the officials' words
    export = sup.client.get("/console/registers/problems/export.xlsx?status=in_progress")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    cells = [c for row in load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True) for c in row]
    assert world.case(mine).number in cells and world.case(theirs).number not in cells
    assert desk("admin").client.get("/console/registers/problems").status_code == 403


def test_the_site_register_lists_the_apis_sites_and_hides_another_countys(app, world, desk):
    site_id = _site(world)
    sup = desk("county_sup")
    page = _text(sup.client.get("/console/registers/sites?kind=farmstay"))
    api = world.client.get("/api/v1/registers/sites", query_string={"kind": "farmstay"},
                           headers=world.h("county_sup")).get_json()["items"]
    assert [int(x) for x in re.findall(r'data-site-id="(\d+)"', page)] == [s["id"] for s in api] == [site_id]
    assert "秦岭人家" in page and "侵占河道" in page
    other = desk("other_county_sup")
    assert f'data-site-id="{site_id}"' not in _text(other.client.get("/console/registers/sites?kind=farmstay"))
    assert other.client.get(f"/console/registers/sites/{site_id}").status_code == 404
    points = sup.client.get("/console/registers/sites.geojson?kind=farmstay").get_json()
    assert [f["properties"]["id"] for f in points["features"]] == [site_id]
    assert desk("admin").client.get("/console/registers/sites").status_code == 403


def test_a_site_shows_its_history_documents_and_cases_and_changes_state_with_if_match(app, world, desk):
    site_id = _site(world)
    sup = desk("county_sup")
    page = f"/console/registers/sites/{site_id}"
    added = sup.post(f"{page}/documents", {"title": "一站一书", "file": (io.BytesIO(b"%PDF-1.4 test"), "book.pdf")},
                     page=page)
    assert added.status_code == 302
    doc_id = world.client.get(f"/api/v1/registers/sites/{site_id}/documents",
                              headers=world.h("county_sup")).get_json()[0]["id"]
    download = sup.client.get(f"{page}/documents/{doc_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    assert "attachment" in download.headers["Content-Disposition"]
    stale = sup.post(f"{page}/state", {"version": "0", "state": "rectifying", "reason": "排查发现侵占河道"}, page=page)
    assert stale.status_code == 409 and "已被他人更新" in _text(stale)
    moved = sup.post(f"{page}/state", {"version": "1", "state": "rectifying", "reason": "排查发现侵占河道",
                                       "evidence": str(doc_id)}, page=page)
    assert moved.status_code == 302
    shown = _text(sup.client.get(page))
    history = world.client.get(f"/api/v1/registers/sites/{site_id}/history", headers=world.h("county_sup")).get_json()
    assert [e["action"] for e in history["events"]] == ["register", "state"]
    assert shown.count('<li data-action=') == 2 and "经营 → 整改中" in shown and "佐证：一站一书" in shown
    officer = desk("other_officer")  # another county's unit: neither reads nor changes it
    assert officer.client.get(page).status_code == 404


def test_state_change_and_documents_need_the_csrf_token(app, world, desk):
    site_id = _site(world)
    sup = desk("county_sup")
    resp = sup.client.post(f"/console/registers/sites/{site_id}/state", data={"version": "1", "state": "rectifying",
                                                                             "reason": "整改"})
    assert resp.status_code == 400 and "页面已过期" in _text(resp)
    assert world.client.get(f"/api/v1/registers/sites/{site_id}", headers=world.h("county_sup")
                            ).get_json()["state"] == "operating"


def test_an_import_shows_every_bad_row_before_anything_is_written_then_commits_the_checked_sheet(app, world, desk):
    sup = desk("county_sup")
    path = "/console/registers/kinds/farmstay/import"
    bad = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(HEADERS, GOOD, BAD)), "农家乐.xlsx")}, page=path)
    assert bad.status_code == 422
    html = _text(bad)
    assert 'data-row="3"' in html and 'data-row="2"' not in html and "存在问题" in html and "床位数" in html
    assert "“十二”不是整数" in html and "应为以下之一：侵占河道" in html  # the row's problems in words
    assert 'name="sheet"' not in html  # nothing to commit
    listed = lambda: world.client.get("/api/v1/registers/sites", query_string={"kind": "farmstay"},  # noqa: E731
                                      headers=world.h("county_sup")).get_json()["total"]
    assert listed() == 0
    good = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(HEADERS, GOOD, FIXED)), "农家乐.xlsx")}, page=path)
    assert good.status_code == 200 and 'data-created="2"' in _text(good) and listed() == 0  # a dry run
    sheet = re.search(r'name="sheet" value="([^"]+)"', _text(good)).group(1)
    done = sup.post(path, {"mode": "commit", "sheet": sheet, "filename": "农家乐.xlsx"}, page=path)
    assert done.status_code == 302 and listed() == 2
    assert "已导入" in _text(sup.client.get(done.headers["Location"]))
    assert desk("officer").client.get(path).status_code == 403
    tampered = sup.post(path, {"mode": "commit", "sheet": "not base64!", "filename": "x.xlsx"}, page=path)
    assert tampered.status_code == 422


def test_templates_and_exports_download_for_readers(app, world, desk):
    _site(world)
    officer = desk("inspector")
    template = officer.client.get("/console/registers/kinds/farmstay/template.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert_print_ready(sheet, "农家乐、民宿登记表（导入模板）")  # the title row, then the header row
    assert list(sheet.iter_rows(min_row=2, max_row=2, values_only=True))[0][:2] == ("编号", "名称")
    export = desk("county_sup").client.get("/console/registers/kinds/farmstay/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert any("NJL-001" in row for row in rows)


def test_campaign_steps_go_through_the_table_order_and_people(app, world, desk):
    site_id = _site(world)
    campaign_id = _campaign(world)
    sup, inspector = desk("county_sup"), desk("inspector")
    page = f"/console/registers/campaigns/{campaign_id}/sites/{site_id}"
    post = f"{page}/steps"
    early = sup.post(post, {"step": "accept"}, page=page)
    assert early.status_code == 409  # 验收 before 整改: refused by the service, said on the page
    assert sup.post(post, {"step": "survey", "note": "现场排查发现侵占河道"}, page=page).status_code == 302
    no_measures = sup.post(post, {"step": "rectify"}, page=page)
    assert no_measures.status_code == 422 and 'id="err-measures"' in _text(no_measures)
    assert sup.post(post, {"step": "rectify", "measures": "拆除侵占河道的平台", "deadline": "2099-12-31"},
                    page=page).status_code == 302
    assert 'id="step-accept"' not in _text(sup.client.get(page))  # not offered to the rectifier …
    assert 'id="step-accept"' in _text(inspector.client.get(page))  # … but to the grid's inspector
    rectifier = sup.post(post, {"step": "accept", "photos": (_jpeg(), "a.jpg")}, page=page)
    assert rectifier.status_code == 403  # 验收 never by the unit that rectified
    no_photo = inspector.post(post, {"step": "accept"}, page=page)
    assert no_photo.status_code == 422 and 'id="err-photo_ids"' in _text(no_photo)
    assert inspector.post(post, {"step": "accept", "photos": (_jpeg(), "a.jpg")}, page=page).status_code == 302
    assert sup.post(post, {"step": "close", "note": "整改到位，予以销号"}, page=page).status_code == 302
    steps = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/sites/{site_id}/steps",
                             headers=world.h("county_sup")).get_json()
    assert [s["step"] for s in steps] == ["survey", "rectify", "accept", "close"]
    shown = _text(sup.client.get(page))
    assert re.findall(r'data-step="(\w+)"', shown) == ["survey", "rectify", "accept", "close"]
    assert "该站点已销号" in shown and "<img" in shown  # the 验收 photo as evidence
    assert sup.client.post(post, data={"step": "survey"}).status_code == 400  # CSRF
    assert desk("other_county_sup").client.get(page).status_code == 404


def test_the_campaign_page_shows_the_apis_progress(app, world, desk):
    site_id = _site(world)
    campaign_id = _campaign(world)
    world.client.post(f"/api/v1/registers/campaigns/{campaign_id}/sites/{site_id}/steps/survey",
                      json={"compliant": True}, headers=world.h("county_sup"))
    sup = desk("county_sup")
    row = lambda: re.search(rf'data-site-id="{site_id}">(.*?)</tr>', _text(  # noqa: E731
        sup.client.get(f"/console/registers/campaigns/{campaign_id}")), re.S).group(1)
    assert "销号" in row() and "整改" in row()  # nothing to rectify: 销号 may follow (or 整改 all the same)
    world.client.post(f"/api/v1/registers/campaigns/{campaign_id}/sites/{site_id}/steps/close", json={},
                      headers=world.h("county_sup"))
    assert "已完成" in row()
    html = _text(sup.client.get(f"/console/registers/campaigns/{campaign_id}"))
    api = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/progress",
                           headers=world.h("county_sup")).get_json()
    for key in ("sites", "surveyed", "closed"):
        assert re.search(rf'data-figure="{key}"><span class="count">(\d+)<', html).group(1) == str(api["totals"][key])
    assert 'id="campaign-chart"' in html and f'data-site-id="{site_id}"' in html and "销号" in html
    assert CAMPAIGN["name"] in _text(sup.client.get("/console/registers/campaigns"))
    assert desk("admin").client.get(f"/console/registers/campaigns/{campaign_id}").status_code == 403


def test_the_menu_shows_the_registers_to_readers_only(app, world, desk):
    home = _text(desk("inspector").client.get("/console/"))
    assert "问题台账" in home and "站点台账" in home and "专项整治" in home
    assert FARMSTAY["kind"] == "farmstay"


def test_feedback_problems_are_imported_after_their_dry_run(app, world, desk):
    problem_headers = ["问题来源", "反馈编号", "问题类别", "问题描述", "纬度", "经度", "坐标系", "地址"]
    good = ("中央反馈问题", "中央督察反馈-7", "illegal_logging", "秦岭北麓违规砍伐林木", *NINGSHAN, "", "宁陕县城关镇")
    bad = ("中央反馈问题", "中央督察反馈-8", "illegal_logging", "", *NINGSHAN, "", "")
    sup = desk("county_sup")
    path = "/console/registers/problems/import"
    count = lambda: world.client.get("/api/v1/registers/problems", headers=world.h("county_sup")  # noqa: E731
                                     ).get_json()["total"]
    refused = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(problem_headers, good, bad, title="问题清单")),
                                                        "反馈问题.xlsx")}, page=path)
    assert refused.status_code == 422 and 'data-row="3"' in _text(refused) and count() == 0
    checked = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(problem_headers, good, title="问题清单")),
                                                        "反馈问题.xlsx")}, page=path)
    assert checked.status_code == 200 and "将登记 1 个问题" in _text(checked) and count() == 0
    sheet = re.search(r'name="sheet" value="([^"]+)"', _text(checked)).group(1)
    done = sup.post(path, {"mode": "commit", "sheet": sheet, "filename": "反馈问题.xlsx"}, page=path)
    assert done.status_code == 302 and count() == 1
    assert "中央督察反馈-7" in _text(sup.client.get("/console/registers/problems"))
    assert desk("officer").client.get(path).status_code == 403


def test_an_overdue_step_is_put_under_supervision_from_the_campaign_page(app, world, desk):
    from reporter.registers import campaigns
    from tests.conftest import app_ctx

    site_id = _site(world)
    campaign_id = _campaign(world)  # 排查 due 2022-06-30: the site is late
    with app_ctx(app):
        [overdue_id] = campaigns.sweep_overdue()
    sup = desk("county_sup")
    page = f"/console/registers/campaigns/{campaign_id}"
    html = _text(sup.client.get(page))
    assert f'data-overdue-id="{overdue_id}"' in html and f'data-site-id="{site_id}"' in html
    post = f"{page}/overdue/{overdue_id}/supervise"
    city = sup.post(post, {"level": "city", "due": "2099-01-31"}, page=page)
    assert city.status_code == 403 and 'id="campaign-message"' in _text(city)  # city level is the city office's
    assert sup.post(post, {"level": "county"}, page=page).status_code == 422  # no date
    assert sup.post(post, {"level": "county", "due": "2099-01-31"}, page=page).status_code == 302
    api = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/overdue", headers=world.h("county_sup"))
    assert api.get_json()["items"][0]["supervision_level"] == "county"
    assert "县级督办，2099-01-31 前" in _text(sup.client.get(page))
    assert desk("inspector").post(post, {"level": "county", "due": "2099-01-31"}, page=page).status_code == 403


# Every problem an import finds, in officials' words: rows that break each rule the sheets' services check. The
# services' words stay English for the API; the console shows none of them.
_LATIN = re.compile(r"[A-Za-z]{3,}")
_FORMAT_NAMES = {"GeoJSON", "WGS", "GCJ", "XLSX"}  # names the sheets' own headers and notes use


def _import_problems(resp) -> list[str]:
    text = _text(resp)
    table = text[text.index('id="import-errors"'):]
    table = table[:table.index("</table>")]
    return [html_lib.unescape(cells[2]) for cells in
            re.findall(r"<tr[^>]*><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)]


def _english(problems: list[str]) -> list[str]:
    return [p for p in problems if set(_LATIN.findall(p)) - _FORMAT_NAMES]


def test_every_problem_of_a_feedback_sheet_is_shown_in_chinese(app, world, desk):
    headers = ["问题来源", "反馈编号", "问题类别", "问题描述", "纬度", "经度", "坐标系", "地址"]
    sup = desk("county_sup")
    path = "/console/registers/problems/import"
    registered = ("中央反馈问题", "中央督察反馈-9", "illegal_logging", "秦岭北麓违规砍伐林木", *NINGSHAN, "", "")
    checked = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(headers, registered)), "a.xlsx")}, page=path)
    sheet = re.search(r'name="sheet" value="([^"]+)"', _text(checked)).group(1)
    assert sup.post(path, {"mode": "commit", "sheet": sheet, "filename": "a.xlsx"}, page=path).status_code == 302
    rows = [
        ("来信", "", "illegal_logging", "描述", *NINGSHAN, "", ""),  # 2: an unknown source
        ("中央反馈问题", "", "illegal_logging", "描述", *NINGSHAN, "", ""),  # 3: feedback without its number
        ("中央反馈问题", "甲" * 65, "砍树", "", *NINGSHAN, "", ""),  # 4: too long, unknown category, no description
        ("", "", "", "描述", "北纬", "", "火星", ""),  # 5: no source or category, unknown system, no degrees
        ("中央反馈问题", "反馈-1", "illegal_logging", "描述", 34.26, 108.94, "", ""),  # 6: 西安, outside Ankang
        ("中央反馈问题", "反馈-2", "illegal_logging", "描述", 32.69, 109.03, "", ""),  # 7: 汉滨, another county
        ("中央反馈问题", "反馈-3", "illegal_logging", "描述", *NINGSHAN, "", ""),  # 8
        ("中央反馈问题", "反馈-3", "illegal_logging", "描述", *NINGSHAN, "", ""),  # 9: repeats row 8
        registered,  # 10: already registered
    ]
    refused = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(headers, *rows)), "b.xlsx")}, page=path)
    assert refused.status_code == 422
    problems = _import_problems(refused)
    assert len(problems) >= 14 and not _english(problems), _english(problems)
    shown = "\n".join(problems)
    for words in ("没有“来信”这个问题来源", "反馈编号必填", "超过 64 个字", "没有“砍树”这个问题类别", "“北纬”不是纬度",
                  "没有“火星”这个坐标系", "不在安康市", "不在您所在的县区", "与第 8 行", "已登记"):
        assert words in shown, (words, problems)
    missing_header = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(["问题来源"], ("中央反馈问题",))),
                                                               "c.xlsx")}, page=path)
    assert missing_header.status_code == 422
    assert "缺少此列" in _import_problems(missing_header) and not _english(_import_problems(missing_header))


def test_every_problem_of_a_site_sheet_is_shown_in_chinese(app, world, desk):
    sup = desk("county_sup")
    path = "/console/registers/kinds/farmstay/import"
    blank = ("",) * 5
    rows = [
        ("", "", "甲" * 201, "", "", "", "", "", "", *blank[:3]),  # 2: no code, name or place; operator too long
        ("NJL-201", "甲", "", 34.26, 108.94, "", "", "", "", *blank[:3]),  # 3: 西安
        ("NJL-202", "乙", "", "", "", "", "{不是", "", "", *blank[:3]),  # 4: not GeoJSON
        ("NJL-203", "丙", "", "", "", "", '{"type": "LineString", "coordinates": [[108.31, 33.31], [108.32, 33.32]]}',
         "", "", *blank[:3]),  # 5: a line where a point is expected
        ("NJL-204", "丁", "", 32.69, 109.03, "", "", "", "拆除中", *blank[:3]),  # 6: 汉滨; an unknown state
        ("NJL-204", "戊", "", *NINGSHAN, "火星", "", "", "", *blank[:3]),  # 7: repeats row 6; unknown system
    ]
    refused = sup.post(path, {"mode": "check", "file": (io.BytesIO(xlsx(HEADERS, *rows)), "d.xlsx")}, page=path)
    assert refused.status_code == 422
    problems = _import_problems(refused)
    assert len(problems) >= 10 and not _english(problems), _english(problems)
    shown = "\n".join(problems)
    for words in ("必填，最多 64 个字", "最多 200 个字", "纬度和经度", "不在安康市", "不是 GeoJSON", "应为点",
                  "位置不在您所在的县区", "没有“拆除中”这个状态", "与第 6 行编号重复", "没有“火星”这个坐标系"):
        assert words in shown, (words, problems)


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese_without_a_row(app, world, desk):
    sup = desk("county_sup")
    path = "/console/registers/kinds/farmstay/import"
    refused = sup.post(path, {"mode": "check", "file": (io.BytesIO(b"PK\x03\x04 not really"), "d.xlsx")}, page=path)
    assert refused.status_code == 422
    text = _text(refused)
    table = text[text.index('id="import-errors"'):]
    table = table[:table.index("</table>")]
    rows = [tuple(html_lib.unescape(c) for c in row) for row in
            re.findall(r"<tr[^>]*><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)]
    assert rows == [("整个文件", "", rows[0][2])], rows  # the whole file: not "第 _schema 行"
    assert "不是 XLSX 工作簿" in rows[0][2] and not _english([rows[0][2]]), rows  # not the library's "zip file"
    assert "文件有误" in table and "行有误" not in table, table[:200]
