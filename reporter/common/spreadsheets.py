"""Workbooks and CSV files: their media type, the one writer every export goes through, and reading and writing the
one-table sheets officials keep (Chinese headers, one row per item, errors by row and column).

Every text cell is neutralised against formula injection (OWASP "CSV Injection"): text that starts with `=`, `+`,
`-`, `@`, a tab or a carriage return — also after leading spaces — gets a leading apostrophe, so Excel, WPS and
LibreOffice show it as text instead of running it. A text that already starts with an apostrophe gets one more, so
`unquote` gives back exactly what was written (the imports read their own exports).

Every XLSX export is print-ready through `print_ready` (one place, so every export gets it): a title row naming the
table and the month above the headers, column widths fitted to the text (a Chinese character counts two), the header
frozen, landscape A4 fitted to one page wide with the title and header rows repeated on every printed page; the
cells keep their number formats. `notes_sheet` adds the sheet of definitions.
"""
import csv
import io
import itertools
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from reporter.common.timeutil import CST, utcnow
from reporter.errors import ValidationFailed

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


def cell_str(value) -> str:
    """A cell as trimmed text ('' when empty); whole-number floats without their '.0' (codes typed as numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    return str(unquote(value)).strip()


def open_workbook(data: bytes):
    """The workbook, read-only with cell values; 422 when the bytes are not one (the whole file's problem under
    `errors.file._schema`)."""
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed("Not an XLSX workbook", errors={"file": {"_schema": [
            f"not an XLSX workbook ({str(exc)[:200]})"]}}) from None


def read_sheet(data: bytes, headers: list[str], *, required: tuple[str, ...] = (), sheet: str | None = None,
               max_rows: int = 5000) -> list[tuple[int, dict[str, str]]]:
    """The rows of a workbook as (row number, {header: text}), columns found by their header in any order; blank rows
    skipped. The headers are in row 1, or in row 2 under the title row every export has (`print_ready`), so an
    exported workbook or a template reads back. 422 when it is not a workbook, a required header is missing or it
    holds more than max_rows rows."""
    book = open_workbook(data)
    try:
        page = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        lines = page.iter_rows(values_only=True)
        found = [cell_str(v) for v in next(lines, ())]
        first = 1
        if not _holds(found, headers, required):
            below = [cell_str(v) for v in next(lines, ())]
            if _holds(below, headers, required):
                found, first = below, 2
            else:
                lines = itertools.chain([below], lines)
        missing = [h for h in required if h not in found]
        if missing:
            raise ValidationFailed("The first row (or the second, under a title) must hold the headers "
                                   + "、".join(required),
                                   errors={"file": {"1": {h: ["missing header"] for h in missing}}})
        where = {h: found.index(h) for h in headers if h in found}
        rows = []
        for number, values in enumerate(lines, start=first + 1):
            texts = {h: cell_str(values[i]) if i < len(values) else "" for h, i in where.items()}
            if not any(texts.values()):
                continue
            if len(rows) >= max_rows:
                raise ValidationFailed(f"More than {max_rows} rows", errors={"file": {str(number): {
                    "_schema": [f"more than {max_rows} rows"]}}})
            rows.append((number, texts))
        return rows
    finally:
        book.close()


def _holds(row: list[str], headers: list[str], required: tuple[str, ...]) -> bool:
    """Whether a row is the header row: it names every required header (with none required: one of the headers)."""
    return all(h in row for h in required) if required else any(h in row for h in headers)


def reject_rows(problems: dict[int, dict[str, str]], headers: list[str]) -> None:
    """422 in the one error shape: `errors.file[row][header]` for every problem, the first one in the message."""
    first_row = min(problems)
    header, message = next(iter(problems[first_row].items()))
    column = f"column {get_column_letter(headers.index(header) + 1)} " if header in headers else ""
    count = sum(map(len, problems.values()))
    raise ValidationFailed(f"Row {first_row}, {column}({header}): {message}"
                           + (f" (and {count - 1} more)" if count > 1 else ""),
                           errors={"file": {str(row): {h: [m] for h, m in fields.items()}
                                            for row, fields in sorted(problems.items())}})


def workbook(title: str, headers: list[str], rows, *, heading: str | None = None, notes=()) -> bytes:
    """A print-ready workbook of one table (`print_ready`: the heading as its title row, Chinese headers below it)
    and, when given, a 注释 sheet of (name, meaning) notes (`notes_sheet`). The sheet is named after `title`."""
    book = Workbook()
    page = book.active
    page.title = title[:31]
    append_row(page, headers)
    for row in rows:
        append_row(page, row)
    print_ready(page, heading or title)
    if notes:
        notes_sheet(book, f"{heading or title} 说明", notes)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths, in characters of the default font
NOTES_SHEET = "注释"


def text_width(value) -> int:
    """How wide a value shows, in the default font's character widths: East Asian wide characters count two."""
    if value is None:
        return 0
    if isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, datetime | date):
        text = value.isoformat()[:16]
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_ready(sheet: Worksheet, title: str) -> None:
    """Make a sheet of one table (headers in row 1, then rows) ready to print: a title row above it, widths fitted
    to its text, the header frozen, landscape A4 one page wide, title and header repeated on every page."""
    columns = max(sheet.max_column, 1)
    widths = [MIN_WIDTH] * columns
    for row in sheet.iter_rows():
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], min(MAX_WIDTH, text_width(cell.value) + 2))
    sheet.insert_rows(1)
    sheet.cell(row=1, column=1, value=cell_text(title)).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    if columns > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.row_dimensions[1].height = 24
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def as_of() -> str:
    """（截至2026年11月30日）: the day (China time) a register's export shows, for its title row."""
    today = utcnow().astimezone(CST).date()
    return f"（截至{today.year}年{today.month}月{today.day}日）"


def notes_sheet(book, title: str, definitions: Iterable[tuple[str, str]]) -> Worksheet:
    """A print-ready sheet of definitions (名称, 说明) at the end of the workbook."""
    sheet = book.create_sheet(NOTES_SHEET)
    append_row(sheet, ["名称", "说明"])
    for name, meaning in definitions:
        append_row(sheet, [name, meaning])
    print_ready(sheet, title)
    for row in sheet.iter_rows(min_row=3):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    return sheet


def header_row(rows: list[tuple], expected: list[str], clean) -> int:
    """The 0-based index of the header row of an exported sheet read back: row 1, or row 2 under a title row."""
    for index, values in enumerate(rows[:2]):
        if [clean(v) for v in values][:len(expected)] == expected:
            return index
    return 0
