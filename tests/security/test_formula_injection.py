"""Issue 14 §5: no text a person typed becomes a live formula in any export (OWASP CSV injection): the bulletin's
XLSX and CSV and the responsibility list's XLSX all write through `reporter.common.spreadsheets`."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from reporter.common.spreadsheets import cell_text, unquote
from reporter.extensions import db
from reporter.org.models import Unit
from tests.conftest import app_ctx
from tests.routing.helpers import etag
from tests.routing.test_sheets import BASE, _emptied_draft, _upload
from tests.stats.conftest import build, october, world  # noqa: F401  (the hand-built month and its fixtures)

HOSTILE = ['=HYPERLINK("http://evil.example.com","点此")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "  =1+1", "'=already quoted"]


def live(value) -> bool:
    """Whether a spreadsheet program would take this cell for a formula."""
    return isinstance(value, str) and (value[:1] in ("=", "+", "-", "@", "\t", "\r")
                                       or value.lstrip()[:1] in ("=", "+", "-", "@"))


@pytest.mark.parametrize("text", HOSTILE)
def test_the_writer_neutralises_and_reading_back_gives_the_text(text):
    written = cell_text(text)
    assert not live(written) and unquote(written) == text


@pytest.mark.parametrize("text", ["王秦岭", "12.50", "", "a=b", "安康市-林业局"])
def test_ordinary_text_is_left_alone(text):
    assert cell_text(text) == text


def test_bulletin_workbook_and_csv_carry_no_live_formula(app, client, users, october):  # noqa: F811
    with app_ctx(app):
        db.session.execute(update(Unit).where(Unit.code == "610923.forestry").values(name=HOSTILE[0]))
        db.session.commit()
    sup = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    book = load_workbook(io.BytesIO(client.get("/api/v1/stats/monthly.xlsx?month=2026-10", headers=sup).data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert any(cell.value == "'" + HOSTILE[0] for cell in cells)  # the name is there, as text
    assert [cell.coordinate for cell in cells if cell.data_type == "f" or live(cell.value)] == []
    for table in ("units", "counties", "ranking_units", "inspectors", "supervised_cases"):
        resp = client.get(f"/api/v1/stats/monthly?month=2026-10&format=csv&table={table}", headers=sup)
        assert resp.status_code == 200
        values = [value for row in csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))) for value in row]
        assert [value for value in values if live(value)] == [], table


def test_responsibility_list_workbook_carries_no_live_formula_and_reads_back(client, users):
    admin = users.headers(users.make("admin"))
    version, tag = _emptied_draft(client, admin)
    rules = client.get(f"{BASE}/{version['id']}", headers=admin).get_json()["rules"]
    for rule, note in zip(rules, HOSTILE, strict=False):
        fields = {k: rule[k] for k in ("category", "zone", "county_adcode", "lead_kinds", "cooperating_kinds",
                                       "accept_days", "sign_days", "handle_days", "verify_days")}
        changed = client.put(f"{BASE}/{version['id']}/rules/{rule['id']}",
                             headers={**admin, "If-Match": tag}, json={**fields, "note": note})
        assert changed.status_code == 200, changed.get_json()
        tag = etag(client, admin, version["id"])
    exported = client.get(f"{BASE}/{version['id']}/export?format=xlsx", headers=admin)
    book = load_workbook(io.BytesIO(exported.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f" or live(cell.value)] == []
    imported = _upload(client, admin, version["id"], tag, exported.data, "清单.xlsx")  # replaces the draft's rules
    assert imported.status_code == 200, imported.get_json()
    notes = {rule["note"] for rule in imported.get_json()["rules"]}
    assert {text.strip() for text in HOSTILE} <= notes  # read back as typed (the import trims each cell)
