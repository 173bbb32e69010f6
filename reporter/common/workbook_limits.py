"""Workbooks from outside are zip files: bound what they unpack to before openpyxl reads them (zip bombs).

openpyxl holds every shared string in memory and walks every cell; a few hundred kilobytes of zip can unpack to
hundreds of megabytes of XML. The members' sizes, cells and shared strings are counted first, streaming, within the
sizes the zip declares (Python's zipfile never unpacks a member past its declared size).
"""
import io
import re
import zipfile
from dataclasses import dataclass

from reporter.errors import ValidationFailed

_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")     # <c r="A1" …> in a worksheet
_STRING = re.compile(rb"<(?:\w+:)?si[\s/>]")  # <si> in the shared strings
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """What an uploaded workbook may unpack to."""

    max_unpacked_bytes: int
    max_cells: int
    max_strings: int
    max_members: int = 200


def check_workbook(data: bytes, limits: WorkbookLimits) -> None:
    """422 `workbook_too_large` when the zip unpacks to more bytes, cells or shared strings than allowed."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the workbook reader says so in its own words
    with book:
        members = book.infolist()
        unpacked = sum(member.file_size for member in members)
        if len(members) > limits.max_members or unpacked > limits.max_unpacked_bytes:
            _refuse(f"The workbook unpacks to {unpacked} bytes in {len(members)} parts; at most "
                    f"{limits.max_unpacked_bytes} bytes in {limits.max_members} parts are accepted")
        cells = strings = 0
        for member in members:
            try:
                found_cells, found_strings = _count(book, member)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                return  # a broken member: the workbook reader refuses it in its own words
            cells, strings = cells + found_cells, strings + found_strings
            if cells > limits.max_cells:
                _refuse(f"The workbook has more than {limits.max_cells} cells")
            if strings > limits.max_strings:
                _refuse(f"The workbook has more than {limits.max_strings} shared strings")


def _count(book: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """Cells and shared strings in one member, read in pieces (a tag split between two pieces is counted once)."""
    cells = strings = 0
    tail = b""
    with book.open(member) as stream:
        while piece := stream.read(_CHUNK):
            window = tail + piece
            cells += len(_CELL.findall(window)) - len(_CELL.findall(tail))
            strings += len(_STRING.findall(window)) - len(_STRING.findall(tail))
            tail = window[-16:]
    return cells, strings


def _refuse(message: str) -> None:
    raise ValidationFailed(message, error="workbook_too_large", errors={"file": {"_schema": [message]}})
