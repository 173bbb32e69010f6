"""XLSX and JSON export/import of the responsibility list: round trips, and bad files named by row and column."""
import io
import json

from openpyxl import load_workbook

from reporter.routing.models import ResponsibilityRule
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.routing.helpers import draft, etag, rule_fields

BASE = "/api/v1/responsibility/versions"


def _v1(client, headers) -> dict:
    v1_id = client.get(BASE, headers=headers).get_json()["items"][0]["id"]
    return client.get(f"{BASE}/{v1_id}", headers=headers).get_json()


def _upload(client, headers, version_id, tag, data: bytes, name: str):
    return client.post(f"{BASE}/{version_id}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers={**headers, "If-Match": tag})


def _emptied_draft(client, admin) -> tuple[dict, str]:
    """A draft that differs from version 1 (its illegal_logging rules removed)."""
    version, tag = draft(client, admin)
    for rule in [r for r in version["rules"] if r["category"] == "illegal_logging"]:
        assert client.delete(f"{BASE}/{version['id']}/rules/{rule['id']}",
                             headers={**admin, "If-Match": tag}).status_code == 204
        tag = etag(client, admin, version["id"])
    return version, tag


def test_xlsx_export_is_an_officials_sheet_and_reimports_to_an_identical_version(client, users):
    admin = users.headers(users.make("admin"))
    v1 = _v1(client, admin)
    resp = client.get(f"{BASE}/{v1['id']}/export?format=xlsx", headers=admin)
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data))["责任清单"]
    title, *rows = list(sheet.iter_rows(values_only=True))
    assert title[0].startswith("秦岭生态环境问题责任清单 第1版")  # a title row above the headers (print-ready)
    assert rows[0][:9] == ("问题类别", "保护区", "区县", "牵头单位类型", "配合单位类型", "受理时限(工作日)",
                           "签收时限(工作日)", "办理时限(工作日)", "核查时限(工作日)")
    firsts = [r[:9] for r in rows]
    assert ("乱砍滥伐、毁林", "全部", "全市", "林业局", "自然资源局、公安局", 2, 1, 15, 5) in firsts
    assert ("乱砍滥伐、毁林", "核心保护区", "全市", "林业局", "自然资源局、公安局", 2, 1, 10, 5) in firsts
    assert len(rows) == 41
    version, tag = _emptied_draft(client, admin)
    imported = _upload(client, admin, version["id"], tag, resp.data, "清单.xlsx")
    assert imported.status_code == 200, imported.get_json()
    assert rule_fields(imported.get_json()["rules"]) == rule_fields(v1["rules"])
    again = client.get(f"{BASE}/{version['id']}/export?format=xlsx", headers=admin)
    assert list(load_workbook(io.BytesIO(again.data))["责任清单"].iter_rows(values_only=True))[1:] == rows


def test_json_export_reimports_to_an_identical_version(client, users):
    admin = users.headers(users.make("admin"))
    v1 = _v1(client, admin)
    document = client.get(f"{BASE}/{v1['id']}/export?format=json", headers=admin).get_json()
    assert document["format"] == "reporter.responsibility-list/1" and len(document["rules"]) == 40
    version, tag = _emptied_draft(client, admin)
    imported = _upload(client, admin, version["id"], tag, json.dumps(document).encode(), "list.json")
    assert imported.status_code == 200
    assert rule_fields(imported.get_json()["rules"]) == rule_fields(v1["rules"])


def test_a_sheet_with_unknown_unit_or_category_is_rejected_by_row_and_column_and_changes_nothing(client, users):
    admin = users.headers(users.make("admin"))
    v1 = _v1(client, admin)
    book = load_workbook(io.BytesIO(client.get(f"{BASE}/{v1['id']}/export", headers=admin).data))
    sheet = book["责任清单"]
    sheet["D5"] = "林业局、林草局"          # no such unit kind
    sheet["A7"] = "乱倒垃圾"                # no such category
    sheet["H9"] = "十五"                    # not a number
    buffer = io.BytesIO()
    book.save(buffer)
    version, tag = _emptied_draft(client, admin)
    before = client.get(f"{BASE}/{version['id']}", headers=admin).get_json()
    resp = _upload(client, admin, version["id"], tag, buffer.getvalue(), "bad.xlsx")
    body = assert_error(resp, 422, "validation_failed")
    assert body["message"].startswith("Row 5, column D (牵头单位类型): unknown unit or unit kind 林草局")
    assert body["errors"]["file"] == {
        "5": {"牵头单位类型": ["unknown unit or unit kind 林草局"]},
        "7": {"问题类别": ["unknown category '乱倒垃圾'"]},
        "9": {"办理时限(工作日)": ["not a whole number of working days: '十五'"]},
    }
    after = client.get(f"{BASE}/{version['id']}", headers=admin).get_json()
    assert after == before
    assert_error(_upload(client, admin, version["id"], tag, b"not a workbook", "x.xlsx"), 422)


def test_city_unit_names_are_accepted_for_kinds(client, users):
    admin = users.headers(users.make("admin"))
    v1 = _v1(client, admin)
    book = load_workbook(io.BytesIO(client.get(f"{BASE}/{v1['id']}/export", headers=admin).data))
    sheet = book["责任清单"]
    sheet["D3"], sheet["E3"] = "市文旅广电局，市自然资源局", "—"  # the first rule (row 1: title, 2: headers)
    buffer = io.BytesIO()
    book.save(buffer)
    version, tag = draft(client, admin)
    resp = _upload(client, admin, version["id"], tag, buffer.getvalue(), "edited.xlsx")
    assert resp.status_code == 200
    first = resp.get_json()["rules"][0]
    assert (first["lead_kinds"], first["cooperating_kinds"]) == (["culture_tourism", "natural_resources"], [])


def test_a_control_character_in_a_typed_note_does_not_break_the_export(app, client, users):
    """Found by fuzzing: XLSX cannot hold most control characters. A typed one is refused at the door (issue 14
    §4, reporter/common/input_guard.py); one already stored shows as U+FFFD in the export instead of failing it."""
    admin = users.headers(users.make("admin"))
    version, tag = draft(client, admin)
    rule = version["rules"][0]
    fields = {k: rule[k] for k in ("category", "zone", "county_adcode", "lead_kinds", "cooperating_kinds",
                                   "accept_days", "sign_days", "handle_days", "verify_days")}
    refused = client.put(f"{BASE}/{version['id']}/rules/{rule['id']}", headers={**admin, "If-Match": tag},
                         json={**fields, "note": "bell\x07here"})
    assert assert_error(refused, 422, "validation_failed")["errors"]["json"]["note"]
    with app_ctx(app) as session:  # a note stored before the rule
        session.get(ResponsibilityRule, rule["id"]).note = "bell\x07here"
        session.commit()
    resp = client.get(f"{BASE}/{version['id']}/export?format=xlsx", headers=admin)
    assert resp.status_code == 200
    notes = [row[9] for row in load_workbook(io.BytesIO(resp.data))["责任清单"].iter_rows(values_only=True)]
    assert "bell\ufffdhere" in notes


def test_an_import_answers_for_the_version_before_reading_the_file(client, users):
    """404 / 409 / 412 come before the file's 422 (found by fuzzing: a bad file to a missing version said 422)."""
    admin = users.headers(users.make("admin"))
    junk = b"not a workbook"
    assert_error(_upload(client, admin, 999_999, "*", junk, "x.xlsx"), 404)
    v1 = client.get(BASE, headers=admin).get_json()["items"][0]
    assert_error(_upload(client, admin, v1["id"], "*", junk, "x.xlsx"), 409)
    version, tag = draft(client, admin)
    assert_error(_upload(client, admin, version["id"], f'"responsibility-version-{version["id"]}-v0"', junk,
                         "x.xlsx"), 412)
    assert_error(_upload(client, admin, version["id"], tag, junk, "x.xlsx"), 422)


def _rebuilt(workbook: bytes, replace: str, write_member) -> bytes:
    """The workbook with one member's XML written (anew, or added and declared) by `write_member(stream)`, streamed
    and maximally deflated."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for member in src.infolist():
            data = src.read(member)
            if member.filename == "[Content_Types].xml" and f'"/{replace}"'.encode() not in data:
                data = data.replace(b"</Types>", f'<Override PartName="/{replace}" ContentType="application/vnd.'
                                    f'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
                                    .encode())
            if member.filename != replace:
                dst.writestr(member, data)
        with dst.open(replace, "w") as stream:
            write_member(stream)
    return out.getvalue()


_MAIN = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _repeated(head: bytes, item: bytes, count: int, tail: bytes):
    """A member writer: `head`, then `item` `count` times (streamed), then `tail`."""
    def write(stream):
        stream.write(_MAIN + head)
        for _ in range(count // 10_000):
            stream.write(item * 10_000)
        stream.write(tail)
    return write


def _shared_strings(count: int):
    return _repeated(b"<sst " + _NS + b">", b"<si><t>x</t></si>", count, b"</sst>")


def _one_row_of_cells(count: int):
    return _repeated(b"<worksheet " + _NS + b'><sheetData><row r="1">', b'<c t="n"><v>1</v></c>', count,
                     b"</row></sheetData></worksheet>")


def _bomb_cases(export: bytes) -> dict[str, bytes]:
    return {
        # ~256 kB of zip unpacking to ~100 MB of shared strings (the file took 45 s and 700 MiB)
        "unpacked size": _rebuilt(export, "xl/sharedStrings.xml", _shared_strings(6_000_000)),
        # under the size bound, but more shared strings than any list could need
        "shared strings": _rebuilt(export, "xl/sharedStrings.xml", _shared_strings(400_000)),
        # under the size bound, but more cells than MAX_ROWS rows of the layout
        "cells": _rebuilt(export, "xl/worksheets/sheet1.xml", _one_row_of_cells(500_000)),
    }


def test_a_zip_bomb_workbook_is_refused_before_it_is_parsed(client, users, monkeypatch):
    """The limits are checked on the zip's entries, streamed: openpyxl never opens the file and the request's
    memory stays small (the issue's file took 45 s and 700 MiB inside openpyxl). Measured by what happens, not by
    wall time, which a busy machine stretches."""
    import tracemalloc

    from reporter.common import spreadsheets

    opened = []
    real = spreadsheets.load_workbook  # the one opener every sheet reader uses (`open_workbook`)
    monkeypatch.setattr(spreadsheets, "load_workbook", lambda *a, **kw: opened.append(1) or real(*a, **kw))
    admin = users.headers(users.make("admin"))
    v1 = _v1(client, admin)
    export = client.get(f"{BASE}/{v1['id']}/export?format=xlsx", headers=admin).data
    version, tag = _emptied_draft(client, admin)
    before = client.get(f"{BASE}/{version['id']}", headers=admin).get_json()
    cases = _bomb_cases(export)
    assert len(cases["unpacked size"]) < 300_000
    for bound, data in cases.items():
        tracemalloc.start()
        try:
            resp = _upload(client, admin, version["id"], tag, data, "bomb.xlsx")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        body = assert_error(resp, 422, "workbook_too_large")
        assert body["errors"]["file"]["_schema"], bound
        assert peak < 32 * 2**20, (bound, peak)
    assert opened == []
    assert client.get(f"{BASE}/{version['id']}", headers=admin).get_json() == before
    assert _upload(client, admin, version["id"], tag, export, "list.xlsx").status_code == 200
    assert opened == [1]  # the spy is on the opener a real workbook goes through
