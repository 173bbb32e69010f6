"""What printing an exported sheet relies on (`common.spreadsheets.print_ready`), checked with openpyxl."""
from datetime import datetime

from reporter.common.timeutil import CST


def assert_print_ready(sheet, title: str) -> None:
    """The title row, the header frozen and repeated on every page, landscape A4 one page wide."""
    assert sheet["A1"].value == title and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$1:$2"
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0) and sheet.sheet_properties.pageSetUpPr.fitToPage


def notes_of(book) -> dict:
    """The 注释 sheet's definitions (名称 → 说明), under its title and header rows."""
    return {row[0]: row[1] for row in book["注释"].iter_rows(min_row=3, values_only=True)}


def today_words() -> str:
    """Today in China, as a register's title row says it: 2026年11月30日."""
    today = datetime.now(CST).date()
    return f"{today.year}年{today.month}月{today.day}日"
