"""The responsibility list as an official keeps it: XLSX (one row per rule, Chinese headers and names) and JSON.

Import checks every row against the units, kinds, counties and categories and rejects the whole file with the row
and column of each problem, leaving the draft as it was.
"""
import io
import itertools
import json
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from reporter.common.spreadsheets import append_row, header_row, open_workbook, print_ready, unquote
from reporter.common.workbook_limits import WorkbookLimits, check_workbook
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.geo.models import ZONE_LEVELS, ZONE_NAMES, County
from reporter.org.models import Unit, UnitKind
from reporter.routing.models import STAGES, Category, ResponsibilityVersion
from reporter.routing.versions import RULE_FIELDS, check_rules, rule_rows

SHEET = "责任清单"
JSON_FORMAT = "reporter.responsibility-list/1"
ALL_ZONES, ALL_COUNTIES = "全部", "全市"
# header, rule field — the column order of the sheet
COLUMNS = [
    ("问题类别", "category"), ("保护区", "zone"), ("区县", "county_adcode"), ("牵头单位类型", "lead_kinds"),
    ("配合单位类型", "cooperating_kinds"), ("受理时限(工作日)", "accept_days"), ("签收时限(工作日)", "sign_days"),
    ("办理时限(工作日)", "handle_days"), ("核查时限(工作日)", "verify_days"), ("备注", "note"),
]
HEADER_OF = {name: header for header, name in COLUMNS}
_SPLIT = re.compile(r"[、,，;；\s]+")
MAX_ROWS = 5000
# What an imported workbook may unpack to: MAX_ROWS rows of notes of 500 characters fit with room to spare.
IMPORT_LIMITS = WorkbookLimits(max_unpacked_bytes=16 * 1024 * 1024, max_cells=120_000, max_strings=100_000)


class _Names:
    """Chinese names ⇄ codes of categories, zones, counties and unit kinds."""

    def __init__(self):
        categories = db.session.execute(select(Category.code, Category.name)).all()
        kinds = db.session.execute(select(UnitKind.code, UnitKind.name)).all()
        counties = db.session.execute(select(County.adcode, County.name)).all()
        self.category_name = dict(categories)
        self.kind_name = dict(kinds)
        self.county_name = dict(counties)
        self.category_code = {name: code for code, name in categories} | {code: code for code, _n in categories}
        city_units = db.session.execute(select(Unit.name, Unit.kind).where(Unit.level == "city")).all()
        self.kind_code = {name: code for code, name in kinds} | dict(city_units)
        self.county_code = {name: code for code, name in counties} | {code: code for code, _n in counties}
        self.zone_code = {ZONE_NAMES[z]: z for z in ZONE_LEVELS} | {z: z for z in ZONE_LEVELS}


def export_rows(version: ResponsibilityVersion) -> list[dict]:
    """The rules as JSON rows (codes)."""
    return rule_rows(version)


def export_json(version: ResponsibilityVersion) -> dict:
    """The version as a JSON document that `import_json` reads back."""
    return {"format": JSON_FORMAT, "version": {"number": version.number, "title": version.title,
                                               "status": version.status},
            "rules": export_rows(version)}


def export_xlsx(version: ResponsibilityVersion) -> bytes:
    """The version as a workbook: the rules, then the names a rule may use."""
    names = _Names()
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    append_row(sheet, [header for header, _name in COLUMNS])
    for row in rule_rows(version):
        append_row(sheet, [
            names.category_name[row["category"]],
            ZONE_NAMES[row["zone"]] if row["zone"] else ALL_ZONES,
            names.county_name[row["county_adcode"]] if row["county_adcode"] else ALL_COUNTIES,
            "、".join(names.kind_name[k] for k in row["lead_kinds"]),
            "、".join(names.kind_name[k] for k in row["cooperating_kinds"]),
            *(row[f"{stage}_days"] for stage in STAGES), row["note"] or "",
        ])
    print_ready(sheet, f"秦岭生态环境问题责任清单 第{version.number}版（{version.title}）")
    about = book.create_sheet("说明")
    append_row(about, ["项目", "取值"])
    append_row(about, ["版本", version.number])
    append_row(about, ["标题", version.title])
    append_row(about, ["状态", version.status])
    append_row(about, ["保护区取值", "、".join([ALL_ZONES, *ZONE_NAMES.values()])])
    append_row(about, ["区县取值", "、".join([ALL_COUNTIES, *names.county_name.values()])])
    append_row(about, ["单位类型取值（也可写市级单位名称，如“市林业局”）", "、".join(names.kind_name.values())])
    append_row(about, ["问题类别取值", "、".join(names.category_name.values())])
    print_ready(about, f"责任清单 第{version.number}版 填写说明")
    for row in about.iter_rows(min_row=3):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_text(value) -> str:
    """A cell as text, as the export wrote it (`unquote`)."""
    return "" if value is None else str(unquote(value)).strip()


def _parse_row(values: list, names: _Names) -> tuple[dict, dict[str, str]]:
    """One sheet row → a rule row in codes, and problems by header."""
    cells = {name: _cell_text(values[i] if i < len(values) else None) for i, (_h, name) in enumerate(COLUMNS)}
    row, problems = {}, {}
    category = cells["category"]
    row["category"] = names.category_code.get(category)
    if row["category"] is None:
        problems["category"] = f"unknown category {category!r}" if category else "is required"
    zone = cells["zone"]
    row["zone"] = None if zone in ("", ALL_ZONES) else names.zone_code.get(zone)
    if zone not in ("", ALL_ZONES) and row["zone"] is None:
        problems["zone"] = f"unknown protection zone {zone!r}"
    county = cells["county_adcode"]
    row["county_adcode"] = None if county in ("", ALL_COUNTIES) else names.county_code.get(county)
    if county not in ("", ALL_COUNTIES) and row["county_adcode"] is None:
        problems["county_adcode"] = f"unknown county {county!r}"
    for name in ("lead_kinds", "cooperating_kinds"):
        given = [part for part in _SPLIT.split(cells[name]) if part and part not in ("—", "-", "无")]
        unknown = [part for part in given if part not in names.kind_code]
        if unknown:
            problems[name] = f"unknown unit or unit kind {'、'.join(unknown)}"
        row[name] = list(dict.fromkeys(names.kind_code[p] for p in given if p in names.kind_code))
    for stage in STAGES:
        name = f"{stage}_days"
        text = cells[name]
        row[name] = int(float(text)) if re.fullmatch(r"\d+(\.0+)?", text) else None
        if row[name] is None:
            problems[name] = f"not a whole number of working days: {text!r}"
    row["note"] = cells["note"][:500]
    return row, problems


def _reject(problems: dict[int, dict[str, str]], label: str) -> None:
    """422 naming each row and column."""
    first_row = min(problems)
    first_field, first_message = next(iter(problems[first_row].items()))
    column = next(i for i, (_h, name) in enumerate(COLUMNS, start=1) if name == first_field)
    raise ValidationFailed(
        f"{label} {first_row}, column {get_column_letter(column)} ({HEADER_OF[first_field]}): {first_message}"
        + (f" (and {sum(map(len, problems.values())) - 1} more)" if sum(map(len, problems.values())) > 1 else ""),
        errors={"file": {str(row): {HEADER_OF[field]: [message] for field, message in fields.items()}
                         for row, fields in sorted(problems.items())}})


def _with_rule_checks(rows: list[tuple[int, dict]], problems: dict[int, dict[str, str]]) -> None:
    """Add the rule-level checks (duplicates, resolvable kinds) of rows that parsed cleanly."""
    clean = [(number, row) for number, row in rows if number not in problems]
    for index, fields in check_rules([row for _n, row in clean]).items():
        number = clean[index][0]
        for field, messages in fields.items():
            problems.setdefault(number, {}).setdefault(field, "; ".join(messages))


def parse_xlsx(data: bytes) -> list[dict]:
    """Rule rows of a workbook in the export layout; 422 with row and column of every problem."""
    check_workbook(data, IMPORT_LIMITS)
    book = open_workbook(data)
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    expected = [h for h, _n in COLUMNS]
    top = [next(lines, ()), next(lines, ())]  # the headers, or a title row (as exported) and then the headers
    skip = header_row(top, expected, _cell_text)
    header = [_cell_text(v) for v in top[skip]]
    if header[:len(expected)] != expected:
        raise ValidationFailed("The first row must hold the headers " + "、".join(expected),
                               errors={"file": {"1": {"_schema": [f"expected headers {expected}"]}}})
    names = _Names()
    rows, problems = [], {}
    if skip == 0 and top[1]:
        lines = itertools.chain([top[1]], lines)
    for number, values in enumerate(lines, start=skip + 2):
        if number > MAX_ROWS:
            raise ValidationFailed(f"More than {MAX_ROWS} rows")
        if not any(_cell_text(v) for v in values):
            continue
        row, row_problems = _parse_row(list(values), names)
        if row_problems:
            problems[number] = row_problems
        rows.append((number, row))
    book.close()
    _with_rule_checks(rows, problems)
    if problems:
        _reject(problems, "Row")
    return [row for _n, row in rows]


def parse_json(document: dict) -> list[dict]:
    """Rule rows of an exported JSON document; 422 naming each rule (1-based) and field."""
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, list):
        raise ValidationFailed("Not a responsibility-list document", errors={"json": {"rules": ["a list is required"]}})
    rows, problems = [], {}
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            problems[number] = {"category": "not an object"}
            continue
        row = {name: rule.get(name) for name in RULE_FIELDS}
        row["lead_kinds"], row["cooperating_kinds"] = row["lead_kinds"] or [], row["cooperating_kinds"] or []
        row["note"] = row["note"] or ""
        unknown = set(rule) - set(RULE_FIELDS)
        if unknown:
            problems[number] = {"note": f"unknown fields {sorted(unknown)}"}
        rows.append((number, row))
    _with_rule_checks(rows, problems)
    if problems:
        by_rule = {str(n): {field: [message] for field, message in fields.items()}
                   for n, fields in sorted(problems.items())}
        raise ValidationFailed(f"{len(problems)} rules are not valid", errors={"json": {"rules": by_rule}})
    return [row for _n, row in rows]


def parse_upload(filename: str, data: bytes) -> list[dict]:
    """Rule rows of an uploaded file: JSON when the name ends in .json, else XLSX."""
    if not filename.lower().endswith(".json"):
        return parse_xlsx(data)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed("Not a JSON document", errors={"file": {"_schema": ["not JSON"]}}) from None
    return parse_json(document)
