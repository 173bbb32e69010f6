"""Workbooks and CSV files: their media type, and the one writer every export goes through.

Every text cell is neutralised against formula injection (OWASP "CSV Injection"): text that starts with `=`, `+`,
`-`, `@`, a tab or a carriage return — also after leading spaces — gets a leading apostrophe, so Excel, WPS and
LibreOffice show it as text instead of running it. A text that already starts with an apostrophe gets one more, so
`unquote` gives back exactly what was written (the responsibility list's import reads its own export).
"""
import csv
import io
from collections.abc import Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value):
    """A cell value as every export writes it: text without the control characters XLSX cannot store (each becomes
    U+FFFD; names and notes are typed by people, one stray character must not make an export fail) and never
    taken for a formula; numbers, dates and None as they are."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if value[:1] in (*FORMULA_STARTS, "'") or value.lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unquote(value):
    """The text `cell_text` was given (one leading apostrophe dropped), for reading an export back."""
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def append_row(sheet, values: Iterable) -> None:
    """Append one row to a worksheet through `cell_text`."""
    sheet.append([cell_text(value) for value in values])


def csv_document(rows: Iterable[Iterable]) -> str:
    """Rows as CSV through `cell_text`, UTF-8 with a BOM (as spreadsheet programs expect)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return "\ufeff" + out.getvalue()
