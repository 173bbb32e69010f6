"""Workbooks: their media type, and text as a worksheet cell can hold it."""
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_text(value):
    """A string without the control characters XLSX cannot store (each becomes U+FFFD); anything else as is.
    Names, notes and titles are typed by people; one stray control character must not make an export fail."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value
