"""责任清单 in the console over Flask's test client: roles, CSRF, the pages equal to the API for the same user, a
draft's rules edited through the same service (with the stale-page answer), validation and gaps before activation,
activation forced with a reason, XLSX import with its errors row by row, the diff, and the routing preview."""
import html
import io
import re

from openpyxl import load_workbook

from tests.cases.conftest import NINGSHAN

API = "/api/v1/responsibility/versions"


def _ids(page: str, attr: str) -> list[int]:
    return [int(x) for x in re.findall(rf'{attr}="(\d+)"', page)]


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _new_draft(admin) -> int:
    resp = admin.post("/console/rlist/drafts", {"title": "调整野生药材职责"}, page="/console/rlist")
    assert resp.status_code == 302, _text(resp)
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _version_counter(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def _row_form(page: str, rule_id: int) -> dict:
    """The fields of one row of the editable table as the browser would post them (inputs with form="rf-<id>")."""
    fields = {}
    for tag in re.findall(rf'<select[^>]*form="rf-{rule_id}".*?</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', tag)
        fields[re.search(r'name="([^"]+)"', tag).group(1)] = chosen.group(1) if chosen else ""
    for tag in re.findall(rf'<input[^>]*form="rf-{rule_id}"[^>]*>', page):
        fields[re.search(r'name="([^"]+)"', tag).group(1)] = html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
    return fields


def test_readers_see_the_versions_as_the_api_lists_them_and_only_admins_write(app, world, desk):
    for who in ("admin", "city_sup", "auditor"):
        d = desk(who)
        page = d.client.get("/console/rlist")
        assert page.status_code == 200 and "责任清单" in _text(page)
        api = app.test_client().get(API, headers=world.h(who)).get_json()
        assert sorted(_ids(_text(page), "data-version-id")) == sorted(v["id"] for v in api["items"])
        assert ("新建草稿" in _text(page)) == (who == "admin")
    sup = desk("city_sup")
    assert sup.post("/console/rlist/drafts", {"title": "x"}, page="/console/rlist").status_code == 403
    assert app.test_client().get(API, headers=world.h("admin")).get_json()["total"] == 1  # no draft was made
    officer = desk("officer")
    assert officer.client.get("/console/rlist").status_code == 403
    assert officer.client.get("/console/rlist/preview").status_code == 403
    assert "责任清单" not in _text(officer.client.get("/console/"))


def test_a_draft_row_is_edited_through_the_service_and_a_stale_page_changes_nothing(app, world, desk):
    admin = desk("admin")
    draft_id = _new_draft(admin)
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    api = app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()
    assert api["status"] == "draft" and _ids(page, "data-rule-id") == [r["id"] for r in api["rules"]]
    rule = next(r for r in api["rules"] if r["category"] == "wild_herbs")
    form = _row_form(page, rule["id"])
    assert form["category"] == "wild_herbs" and form["handle_days"] == str(rule["handle_days"])
    stale = _version_counter(page)
    form.update(handle_days="9", cooperating_kinds="公安局、市场监管局", op="save", version=stale)
    saved = admin.post(f"/console/rlist/{draft_id}/rules/{rule['id']}", form, page=f"/console/rlist/{draft_id}")
    assert saved.status_code == 302
    after = app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()
    changed = next(r for r in after["rules"] if r["id"] == rule["id"])
    assert changed["handle_days"] == 9 and changed["cooperating_kinds"] == ["public_security", "market_regulation"]
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    diff = page[page.index('id="diff"'):page.index('id="h-rules"')]
    assert "修改 1 条" in diff and "办理时限" in diff and "<ins>9</ins>" in diff
    # The same form again, with the counter the first page was rendered at: refused, nothing changes.
    form.update(handle_days="30")
    refused = admin.post(f"/console/rlist/{draft_id}/rules/{rule['id']}", form, page=f"/console/rlist/{draft_id}")
    assert refused.status_code == 409 and "已被他人修改" in _text(refused)
    assert next(r for r in app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()["rules"]
                if r["id"] == rule["id"])["handle_days"] == 9
    # An unknown unit kind and days out of range are shown on the row, and nothing changes.
    form.update(version=_version_counter(page), lead_kinds="林业局、护林队", handle_days="999")
    bad = admin.post(f"/console/rlist/{draft_id}/rules/{rule['id']}", form, page=f"/console/rlist/{draft_id}")
    text = _text(bad)
    assert bad.status_code == 422 and "未知的单位类型：护林队" in text and "办理时限" in text
    # Without the CSRF token: refused.
    no_token = admin.client.post(f"/console/rlist/{draft_id}/rules/{rule['id']}", data={**form, "op": "delete"})
    assert no_token.status_code == 400
    assert any(r["id"] == rule["id"] for r in
               app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()["rules"])


def test_gaps_are_shown_before_activation_which_needs_a_reason_to_force(app, world, desk):
    admin = desk("admin")
    draft_id = _new_draft(admin)
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    assert 'data-check="clean"' in page
    herbs = [r["id"] for r in app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()["rules"]
             if r["category"] == "wild_herbs"]
    for rule_id in herbs:
        page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
        resp = admin.post(f"/console/rlist/{draft_id}/rules/{rule_id}", {"op": "delete",
                                                                         "version": _version_counter(page)},
                          page=f"/console/rlist/{draft_id}")
        assert resp.status_code == 302
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    gaps = app.test_client().get(f"{API}/{draft_id}/gaps", headers=world.h("admin")).get_json()
    assert len(gaps) == 5 and sorted(re.findall(r'data-gap="([^"]+)"', page)) == sorted(
        f"{g['category']}-{g['county_adcode']}" for g in gaps)
    assert "删除 " in page and 'data-check="gaps"' in page
    counter = _version_counter(page)
    refused = admin.post(f"/console/rlist/{draft_id}/activate", {"version": counter},
                         page=f"/console/rlist/{draft_id}")
    assert refused.status_code == 409 and "缺口" in _text(refused)
    counter = _version_counter(_text(refused))  # as a user goes on from the refusal's page
    no_reason = admin.post(f"/console/rlist/{draft_id}/activate", {"version": counter, "force": "true"},
                           page=f"/console/rlist/{draft_id}")
    assert no_reason.status_code == 422 and 'id="err-reason"' in _text(no_reason)
    counter = _version_counter(_text(no_reason))
    sup = desk("city_sup")
    assert sup.post(f"/console/rlist/{draft_id}/activate", {"version": counter, "force": "true", "reason": "x"},
                    page="/console/rlist").status_code == 403
    done = admin.post(f"/console/rlist/{draft_id}/activate",
                      {"version": counter, "force": "true", "reason": "野生药材职责待市编办明确"},
                      page=f"/console/rlist/{draft_id}")
    assert done.status_code == 302
    assert app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()["status"] == "active"
    # The routing preview now sends wild herbs in 宁陕 to the triage office, as the API does.
    shown = _text(sup.client.get("/console/rlist/preview", query_string={
        "category": "wild_herbs", "lat": NINGSHAN[0], "lng": NINGSHAN[1]}))
    api = app.test_client().post("/api/v1/routing/preview", headers=world.h("city_sup"), json={
        "category": "wild_herbs", "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}}).get_json()
    assert api["rule_id"] is None and api["explanation"] in shown and "没有“" in api["explanation"]
    assert api["lead_units"][0]["name"] in shown


def test_an_imported_workbook_with_a_bad_row_is_refused_row_by_row_then_accepted(app, world, desk):
    admin = desk("admin")
    draft_id = _new_draft(admin)
    book = load_workbook(io.BytesIO(admin.client.get(f"/console/rlist/{draft_id}/export.xlsx").data))
    sheet = book["责任清单"]
    rows = sheet.max_row
    sheet.cell(row=3, column=4, value="护林队")  # an unknown lead kind: the first rule (after a title and the headers)
    buffer = io.BytesIO()
    book.save(buffer)
    before = app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    resp = admin.client.post(f"/console/rlist/{draft_id}/import", content_type="multipart/form-data", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "version": _version_counter(page), "file": (io.BytesIO(buffer.getvalue()), "list.xlsx")})
    text = _text(resp)
    assert resp.status_code == 422 and 'id="import-errors"' in text
    errors = text[text.index('id="import-errors"'):]
    assert "<td>3</td><td>牵头单位类型</td>" in errors and "护林队" in errors
    assert app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()["version"] == \
        before["version"]
    sheet.cell(row=3, column=4, value="林业局")
    sheet.cell(row=3, column=8, value=12)
    buffer = io.BytesIO()
    book.save(buffer)
    resp = admin.client.post(f"/console/rlist/{draft_id}/import", content_type="multipart/form-data", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "version": _version_counter(page), "file": (io.BytesIO(buffer.getvalue()), "list.xlsx")})
    assert resp.status_code == 302
    after = app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).get_json()
    assert len(after["rules"]) == rows - 2 and after["rules"][0]["handle_days"] == 12
    assert after["rules"][0]["lead_kinds"] == ["forestry"]


def test_the_preview_shows_what_the_api_answers_and_refuses_a_point_outside_ankang(app, world, desk):
    auditor = desk("auditor")
    for category in ("illegal_logging", "wildlife", "illegal_mining"):
        shown = _text(auditor.client.get("/console/rlist/preview", query_string={
            "category": category, "lat": NINGSHAN[0], "lng": NINGSHAN[1]}))
        api = app.test_client().post("/api/v1/routing/preview", headers=world.h("auditor"), json={
            "category": category, "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}}).get_json()
        assert api["explanation"] in shown and f"规则#{api['rule_id']}" in shown
        for unit in api["lead_units"] + api["cooperating_units"]:
            assert unit["name"] in shown
    outside = auditor.client.get("/console/rlist/preview", query_string={
        "category": "illegal_mining", "lat": 34.26, "lng": 108.94})  # 西安
    assert outside.status_code == 422 and "安康" in _text(outside)
    # The preview's map is drawn for an admin too (not a case reader: the case map's outlines are refused).
    outlines = desk("admin").client.get("/console/rlist/preview/counties.geojson")
    assert outlines.status_code == 200 and len(outlines.get_json()["features"]) == 10


def test_discarding_a_draft_needs_the_current_page_and_the_active_version_cannot_be_discarded(app, world, desk):
    admin = desk("admin")
    draft_id = _new_draft(admin)
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    counter = _version_counter(page)
    assert f'action="/console/rlist/{draft_id}/discard"' in page
    form = _row_form(page, _ids(page, "data-rule-id")[0])
    form.update(handle_days="11", op="save", version=counter)
    assert admin.post(f"/console/rlist/{draft_id}/rules/{_ids(page, 'data-rule-id')[0]}", form,
                      page=f"/console/rlist/{draft_id}").status_code == 302
    # Discarding from the page rendered before that edit: refused as stale, the draft is kept.
    stale = admin.post(f"/console/rlist/{draft_id}/discard", {"version": counter}, page=f"/console/rlist/{draft_id}")
    assert stale.status_code == 409 and "已被他人修改" in _text(stale)
    assert app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).status_code == 200
    # The active version is not a draft: its page says why, and it stays active.
    active = next(v for v in app.test_client().get(API, headers=world.h("admin")).get_json()["items"]
                  if v["status"] == "active")
    assert f'action="/console/rlist/{active["id"]}/discard"' not in _text(admin.client.get(
        f"/console/rlist/{active['id']}"))  # no such button; a forged post is refused by the service
    refused = admin.post(f"/console/rlist/{active['id']}/discard", {"version": str(active["version"])},
                         page=f"/console/rlist/{active['id']}")
    assert refused.status_code == 409 and "只有草稿可以修改、生效或删除" in _text(refused)
    assert app.test_client().get(f"{API}/{active['id']}", headers=world.h("admin")).get_json()["status"] == "active"
    # With the current page: gone.
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    done = admin.post(f"/console/rlist/{draft_id}/discard", {"version": _version_counter(page)},
                      page=f"/console/rlist/{draft_id}")
    assert done.status_code == 302
    assert app.test_client().get(f"{API}/{draft_id}", headers=world.h("admin")).status_code == 404


def test_every_problem_of_an_imported_workbook_is_shown_in_chinese(app, world, desk):
    admin = desk("admin")
    draft_id = _new_draft(admin)
    book = load_workbook(io.BytesIO(admin.client.get(f"/console/rlist/{draft_id}/export.xlsx").data))
    sheet = book["责任清单"]
    for column, value in enumerate(("砍树", "外围区", "西安", "护林队", "林业局", "三", "", "十", "5.5"), start=1):
        sheet.cell(row=3, column=column, value=value)  # the first rule: every cell but the note wrong
    buffer = io.BytesIO()
    book.save(buffer)
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    resp = admin.client.post(f"/console/rlist/{draft_id}/import", content_type="multipart/form-data", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "version": _version_counter(page), "file": (io.BytesIO(buffer.getvalue()), "list.xlsx")})
    assert resp.status_code == 422
    text = _text(resp)
    table = text[text.index('id="import-errors"'):text.index("</table>", text.index('id="import-errors"'))]
    problems = [html.unescape(p) for p in re.findall(r"<tr><td>3</td><td>[^<]*</td><td>([^<]*)</td></tr>", table)]
    assert len(problems) == 8 and not [p for p in problems if re.search(r"[A-Za-z]{3,}", p)], problems
    shown = "\n".join(problems)
    for words in ("没有“砍树”这个问题类别", "没有“外围区”这个保护区", "没有“西安”这个区县",
                  "没有这些单位或单位类型：护林队", "“三”不是整数", "必填", "“十”不是整数", "“5.5”不是整数"):
        assert words in shown, (words, problems)


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese_without_a_row(app, world, desk):
    admin = desk("admin")
    draft_id = _new_draft(admin)
    page = _text(admin.client.get(f"/console/rlist/{draft_id}"))
    resp = admin.client.post(f"/console/rlist/{draft_id}/import", content_type="multipart/form-data", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "version": _version_counter(page), "file": (io.BytesIO(b"name,zone\nlogging,core\n"), "list.xlsx")})
    assert resp.status_code == 422
    text = _text(resp)
    table = text[text.index('id="import-errors"'):text.index("</table>", text.index('id="import-errors"'))]
    cells = [[html.unescape(c) for c in row] for row in
             re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)]
    assert cells and all(row[0] == "整个文件" and row[1] == "" for row in cells), cells  # not "_schema"
    assert not [c for row in cells for c in row if re.search(r"[A-Za-z]{3,}", c.replace("XLSX", ""))], cells
    assert any("不是 XLSX" in row[2] or "XLSX 工作簿" in row[2] for row in cells), cells
