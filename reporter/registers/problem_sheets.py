"""The problem register as a workbook, and problems entered many at once from a spreadsheet of feedback items
(中央/省级督察反馈问题清单, 审计查出问题清单): checked row by row, all or nothing."""
import re

from sqlalchemy import select

from reporter.accounts.models import User
from reporter.cases import services as cases
from reporter.cases.models import FEEDBACK_SOURCES, SOURCE_NAMES, STAFF_SOURCES
from reporter.common.spreadsheets import as_of, read_sheet, reject_rows, workbook
from reporter.extensions import db
from reporter.geo.coords import GCJ02, WGS84, to_wgs84
from reporter.geo.services import locate
from reporter.registers.problems import COLUMNS, PROGRESS, existing_refs, in_actor_county
from reporter.registers.rechecks import RESULT_NAMES
from reporter.routing.models import Category

SHEET = "问题台账"
IMPORT_SHEET = "问题清单"
IMPORT_HEADERS = ["问题来源", "反馈编号", "问题类别", "问题描述", "纬度", "经度", "坐标系", "地址"]
REQUIRED = ("问题来源", "问题类别", "问题描述", "纬度", "经度")
COORD_NAMES = {"": WGS84, "wgs84": WGS84, "wgs-84": WGS84, "gps": WGS84, "gcj02": GCJ02, "gcj-02": GCJ02,
               "火星坐标": GCJ02}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


COLUMN_NOTES = [
    ("序号", "本表中的顺序"),
    ("问题来源", "、".join(SOURCE_NAMES.values())),
    ("反馈编号", "中央、省级反馈问题和审计查出问题的编号（其他来源为空）"),
    ("所在县区、保护区", "由问题位置推算"),
    ("牵头单位、配合单位", "按责任清单交办的单位"),
    ("整改时限", "当前办理环节的办理期限"),
    ("整改进展", "、".join(dict.fromkeys(PROGRESS.values()))),
    ("是否销号", "问题已办结（已销号）为“是”"),
    ("销号时间", "办结日期（中国时间）"),
    ("回头看", "、".join(RESULT_NAMES.values()) + "；未安排回头看为空"),
    ("案件编号", "系统中的案件编号，可据此查询办理过程"),
]


def _cell(row: dict, key: str):
    value = row[key]
    if key == "closed_off":
        return "是" if value else "否"
    return value


def export_xlsx(rows: list[dict], year: int | None) -> bytes:
    """The register (or the year register 《突出问题{year}年台账》) as officials keep it."""
    title = f"突出问题{year}年台账" if year else SHEET
    return workbook(title, [h for h, _k in COLUMNS], ([_cell(row, k) for _h, k in COLUMNS] for row in rows),
                    heading=title + as_of(), notes=COLUMN_NOTES)


def template_xlsx() -> bytes:
    """An empty feedback-item sheet with its headers and the values each column takes."""
    categories = db.session.execute(select(Category.name).where(Category.is_active.is_(True))
                                    .order_by(Category.code)).scalars()
    return workbook(IMPORT_SHEET, IMPORT_HEADERS, [], heading=f"{IMPORT_SHEET}（导入模板）", notes=[
        ("问题来源取值", "、".join(SOURCE_NAMES[s] for s in STAFF_SOURCES)),
        ("反馈编号", "中央、省级反馈问题和审计查出问题必填，同一来源内不重复"),
        ("问题类别取值", "、".join(categories)),
        ("坐标系取值", "WGS-84（默认，GPS）或 GCJ-02（网页地图）"),
        ("必填列", "、".join(REQUIRED)),
    ])


class _Names:
    def __init__(self):
        rows = db.session.execute(select(Category.code, Category.name).where(Category.is_active.is_(True))).all()
        self.category = {name: code for code, name in rows} | {code: code for code, _n in rows}
        self.source = {SOURCE_NAMES[s]: s for s in STAFF_SOURCES} | {s: s for s in STAFF_SOURCES}


def _check_row(cells: dict, names: _Names, actor: User) -> tuple[dict, dict[str, str]]:
    """One sheet row → open_case arguments, and its problems by header."""
    problems, row = {}, {}
    row["source"] = names.source.get(cells.get("问题来源", ""))
    if row["source"] is None:
        problems["问题来源"] = f"unknown source {cells.get('问题来源')!r}" if cells.get("问题来源") else "is required"
    ref = cells.get("反馈编号", "")
    if len(ref) > 64:
        problems["反馈编号"] = "longer than 64 characters"
    elif row["source"] in FEEDBACK_SOURCES and not ref:
        problems["反馈编号"] = "is required for inspection and audit feedback"
    row["external_ref"] = ref or None
    row["category"] = names.category.get(cells.get("问题类别", ""))
    if row["category"] is None:
        problems["问题类别"] = f"unknown category {cells.get('问题类别')!r}" if cells.get("问题类别") else "is required"
    row["description"] = cells.get("问题描述", "")
    if not row["description"] or len(row["description"]) > 4000:
        problems["问题描述"] = "is required (at most 4000 characters)"
    system = COORD_NAMES.get(cells.get("坐标系", "").lower())
    if system is None:
        problems["坐标系"] = f"unknown coordinate system {cells.get('坐标系')!r}"
    numbers = {}
    for header, low, high in (("纬度", -90, 90), ("经度", -180, 180)):
        text = cells.get(header, "")
        if not _NUMBER.match(text) or not low <= float(text) <= high:
            problems[header] = f"not a {header} in degrees: {text!r}" if text else "is required"
        else:
            numbers[header] = float(text)
    if len(numbers) == 2 and system:
        row["lat"], row["lng"] = to_wgs84(numbers["纬度"], numbers["经度"], system)
        place = locate(row["lat"], row["lng"])
        if not place.in_ankang:
            problems["纬度"] = "the point is outside Ankang"
        elif not in_actor_county(actor, place.county_adcode):
            problems["纬度"] = "the point is outside your county"
        row["county_adcode"] = place.county_adcode
    row["address"] = cells.get("地址", "")[:255] or None
    return row, problems


def parse_feedback_sheet(data: bytes, actor: User) -> list[tuple[int, dict]]:
    """Rows ready to open as cases; 422 naming the row and column of every problem (nothing is written)."""
    lines = read_sheet(data, IMPORT_HEADERS, required=REQUIRED, sheet=IMPORT_SHEET)
    names, rows, problems, seen = _Names(), [], {}, {}
    for number, cells in lines:
        row, row_problems = _check_row(cells, names, actor)
        key = (row["source"], row["external_ref"])
        if row["external_ref"] and row["source"]:
            if key in seen:
                row_problems.setdefault("反馈编号", f"repeats row {seen[key]}")
            seen.setdefault(key, number)
        if row_problems:
            problems[number] = row_problems
        rows.append((number, row))
    known = existing_refs({k for k in seen if k[0] and k[1]})
    for number, row in rows:
        case_id = known.get((row["source"], row["external_ref"]))
        if case_id:
            problems.setdefault(number, {}).setdefault("反馈编号", f"already registered as case {case_id}")
    if problems:
        reject_rows(problems, IMPORT_HEADERS)
    return rows


def import_feedback(data: bytes, actor: User, *, dry_run: bool) -> dict:
    """Problems from a sheet of feedback items, each opened as a case through routing; all or none; committed."""
    rows = parse_feedback_sheet(data, actor)
    preview = [{"row": number, "source": row["source"], "external_ref": row["external_ref"],
                "category": row["category"], "county_adcode": row["county_adcode"]} for number, row in rows]
    if dry_run:
        return {"dry_run": True, "rows": len(rows), "items": preview, "case_ids": []}
    try:
        ids = []
        for _number, row in rows:
            fields = {k: v for k, v in row.items() if k != "county_adcode"}
            ids.append(cases.open_case(actor=actor, **fields).id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {"dry_run": False, "rows": len(rows), "items": preview, "case_ids": ids}
