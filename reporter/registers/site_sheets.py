"""A kind's register as officials keep it in Excel: one row per site, Chinese headers (the common columns, then the
kind's own fields), a template per kind, and an import that checks every row (all errors by row and column, nothing
written when any) and upserts by code, all or nothing."""
import json
import re
from dataclasses import dataclass, field

import marshmallow as ma
from sqlalchemy import JSON, select, text

from reporter.accounts.models import User
from reporter.common.bulk import no_gc_pauses
from reporter.common.spreadsheets import as_of, read_sheet, reject_rows, workbook
from reporter.common.timeutil import utcnow
from reporter.errors import AppError
from reporter.extensions import db
from reporter.geo.coords import GCJ02, WGS84, geometry_from_wgs84
from reporter.geo.models import ZONE_NAMES, County
from reporter.registers.geometry import read_geometry
from reporter.registers.kinds import attributes_schema, closing_states, read_cell, state_names, write_cell
from reporter.registers.models import Site, SiteEvent, SiteKind
from reporter.registers.scope import manages_county
from reporter.registers.sites import acting_role, open_case_ids, unit_set, units_for

CODE, NAME, OPERATOR, LAT, LNG, CRS, AREA, ADDRESS, STATE = (
    "编号", "名称", "运营单位", "纬度", "经度", "坐标系", "范围(GeoJSON)", "地址", "状态")
COMMON = [CODE, NAME, OPERATOR, LAT, LNG, CRS, AREA, ADDRESS, STATE]
DERIVED = ["所在县区", "保护区"]  # exported for reading; worked out from the geometry on import
COORD_NAMES = {"": WGS84, "wgs84": WGS84, "wgs-84": WGS84, "gps": WGS84, "gcj02": GCJ02, "gcj-02": GCJ02}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
MAX_ROWS = 10_000


def headers(kind: SiteKind) -> list[str]:
    return COMMON + [f["label"] for f in kind.fields]


def export_xlsx(kind: SiteKind, sites: list[Site]) -> bytes:
    """The kind's sites as one sheet (what `import` reads back), with the county and zone worked out."""
    counties = dict(db.session.execute(select(County.adcode, County.name)).all())
    names = state_names(kind)

    def row(site: Site):
        point = site.geometry["type"] == "Point"
        area = None if point else json.dumps(geometry_from_wgs84(site.geometry, WGS84), ensure_ascii=False)
        return [site.code, site.name, site.operator, site.lat if point else None, site.lng if point else None,
                "WGS-84", area, site.address, names[site.state],
                *(write_cell(f, site.attributes.get(f["key"])) for f in kind.fields),
                counties.get(site.county_adcode), ZONE_NAMES.get(site.zone, "秦岭范围外")]

    return workbook(kind.name, headers(kind) + DERIVED, (row(s) for s in sites),
                    heading=f"{kind.name}登记台账{as_of()}",
                    notes=[*column_notes(kind), *((name, "由位置推算，仅供查看；导入时不读取") for name in DERIVED)])


def template_xlsx(kind: SiteKind) -> bytes:
    """An empty sheet of the kind with the values each column takes."""
    return workbook(kind.name, headers(kind), [], heading=f"{kind.name}登记表（导入模板）", notes=column_notes(kind))


def column_notes(kind: SiteKind) -> list[tuple[str, str]]:
    """The values each column of the kind's sheet takes (the notes sheet of its template and export)."""
    notes = [("必填列", f"{CODE}、{NAME}；位置：{LAT}+{LNG}，或{AREA}（Polygon）"),
             (CRS, "WGS-84（默认，GPS）或 GCJ-02（网页地图）"),
             (STATE, "、".join(s["name"] for s in kind.states) + f"（空：新站点为“{kind.states[0]['name']}”）"),
             (CODE, "本类站点内唯一；已登记的编号按本表更新（以编号为准）")]
    for spec in kind.fields:
        values = {"bool": "是 / 否", "date": "日期 YYYY-MM-DD", "integer": "整数", "number": "数字",
                  "text": "文字"}.get(spec["type"]) or "、".join(spec["choices"])
        if spec["type"] == "choices":
            values = "可多选，用“、”分隔：" + values
        notes.append((spec["label"], values + ("（必填）" if spec.get("required") else "")))
    return notes


@dataclass
class Plan:
    """What an import will do."""

    rows: int = 0
    inserts: list = field(default_factory=list)  # (row number, values, place)
    updates: list = field(default_factory=list)  # (row number, site, values, place or None)
    unchanged: int = 0


def _location(cells: dict, kind: SiteKind) -> tuple[dict | None, str | None, str | None]:
    """(geometry, coord system, problem) of a row: the point of 纬度/经度, or the polygon of 范围(GeoJSON)."""
    system = COORD_NAMES.get(cells.get(CRS, "").lower())
    if system is None:
        return None, None, f"unknown coordinate system {cells.get(CRS)!r}"
    if cells.get(AREA):
        try:
            geometry = json.loads(cells[AREA])
        except ValueError:
            return None, system, "not GeoJSON"
        return geometry, system, None
    lat, lng = cells.get(LAT, ""), cells.get(LNG, "")
    if not (_NUMBER.match(lat) and _NUMBER.match(lng)):
        return None, system, f"{LAT} and {LNG} in degrees, or {AREA}, are required"
    return {"type": "Point", "coordinates": [float(lng), float(lat)]}, system, None


def _attributes(cells: dict, kind: SiteKind, schema: ma.Schema, problems: dict) -> dict:
    """The kind's fields of a row, each read from its text and validated by the kind's schema."""
    values = {}
    for spec in kind.fields:
        try:
            value = read_cell(spec, cells.get(spec["label"], ""))
        except ValueError as exc:
            problems[spec["label"]] = str(exc)
            continue
        if value is not None:
            values[spec["key"]] = value
    try:
        loaded = schema.load(values)
    except ma.ValidationError as exc:
        labels = {f["key"]: f["label"] for f in kind.fields}
        for key, messages in exc.messages.items():
            problems.setdefault(labels.get(key, key), "; ".join(map(str, _flat(messages))))
        return {}
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in loaded.items()}


def _flat(messages):
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    return list(messages) if isinstance(messages, list) else [messages]


def plan_import(kind: SiteKind, data: bytes, actor: User) -> Plan:
    """Check every row; 422 with `errors.file[row][header]` for all problems, else what would be written."""
    columns = headers(kind)
    lines = read_sheet(data, columns + DERIVED, required=(CODE, NAME), max_rows=MAX_ROWS)
    existing = {s.code: s for s in db.session.execute(select(Site).where(Site.kind == kind.code)).scalars()}
    state_of = {s["name"]: s["code"] for s in kind.states} | {s["code"]: s["code"] for s in kind.states}
    closing = closing_states(kind)
    plan, problems, seen = Plan(rows=len(lines)), {}, {}
    schema = attributes_schema(kind)
    for number, cells in lines:
        row_problems: dict[str, str] = {}
        code, name = cells.get(CODE, ""), cells.get(NAME, "")
        if not code or len(code) > 64:
            row_problems[CODE] = "is required (at most 64 characters)"
        elif code in seen:
            row_problems[CODE] = f"repeats row {seen[code]}"
        seen.setdefault(code, number)
        if not name or len(name) > 200:
            row_problems[NAME] = "is required (at most 200 characters)"
        if len(cells.get(OPERATOR, "")) > 200:
            row_problems[OPERATOR] = "at most 200 characters"
        site = existing.get(code)
        state = state_of.get(cells.get(STATE, "")) if cells.get(STATE) else (site.state if site else
                                                                            kind.states[0]["code"])
        if state is None:
            row_problems[STATE] = f"unknown state {cells.get(STATE)!r}"
        elif site is None and state in closing:
            row_problems[STATE] = "a new site cannot start closed off"
        elif site is not None and state in closing and state != site.state and open_case_ids(site.id):
            row_problems[STATE] = "the site has open cases; it cannot be closed off"
        attributes = _attributes(cells, kind, schema, row_problems)
        geometry, system, problem = _location(cells, kind)
        place = None
        if problem:
            row_problems[AREA if cells.get(AREA) else LAT] = problem
        else:
            try:
                place = read_geometry(geometry, system, kind.geometry)
            except AppError as exc:
                row_problems[AREA if cells.get(AREA) else LAT] = exc.message
        if place is not None and not manages_county(actor, place.county_adcode):
            row_problems[AREA if cells.get(AREA) else LAT] = "the place is outside your county"
        if site is not None and not manages_county(actor, site.county_adcode):
            row_problems[CODE] = "a site of another county has this code"
        if row_problems:
            problems[number] = row_problems
            continue
        values = {"code": code, "name": name, "operator": cells.get(OPERATOR) or None,
                  "address": (cells.get(ADDRESS) or None), "state": state, "attributes": attributes,
                  "geometry": place.geometry, "lat": place.lat, "lng": place.lng,
                  "county_adcode": place.county_adcode, "zone": place.zone, "grid_id": place.grid_id}
        if site is None:
            plan.inserts.append((number, values, place))
        else:
            changes = {k: [getattr(site, k), v] for k, v in values.items() if getattr(site, k) != v}
            if changes:
                plan.updates.append((number, site, values, changes, place))
            else:
                plan.unchanged += 1
    if problems:
        reject_rows(problems, columns)
    return plan


def import_sites(kind: SiteKind, data: bytes, actor: User, *, dry_run: bool, source: str) -> dict:
    """Upsert the kind's sites from a sheet by code, all or nothing; each site's history records the import."""
    with no_gc_pauses():  # thousands of rows of short-lived objects, no cycles among them
        return _import_sites(kind, data, actor, dry_run=dry_run, source=source)


def _insert(table, rows: list[dict]) -> None:
    """Many rows in the session's transaction: on PostgreSQL one INSERT … SELECT FROM unnest(arrays) (a statement
    per row would be thousands of round trips), executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    arrays, casts = {}, []
    for index, name in enumerate(columns):
        column = table.columns[name]
        is_json = isinstance(column.type, JSON)
        arrays[f"p{index}"] = [json.dumps(row[name], ensure_ascii=False) if is_json and row[name] is not None
                               else row[name] for row in rows]
        casts.append(f"CAST(:p{index} AS {column.type.compile(dialect=connection.dialect)}[])")
    # names and types from the table's own metadata, values bound as arrays
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({', '.join(casts)})"  # noqa: S608
    connection.execute(text(statement), arrays)


def _import_sites(kind: SiteKind, data: bytes, actor: User, *, dry_run: bool, source: str) -> dict:
    plan = plan_import(kind, data, actor)
    summary = {"dry_run": dry_run, "rows": plan.rows, "created": len(plan.inserts), "updated": len(plan.updates),
               "unchanged": plan.unchanged}
    if dry_run:
        return summary
    now, role = utcnow(), acting_role(actor)
    units_cache: dict[tuple, list] = {}

    def units(place):
        key = (place.county_adcode, place.zone, place.grid_id)
        if key not in units_cache:
            units_cache[key] = unit_set(units_for(kind.category, place, at=now))
        return units_cache[key]

    event = {"action": "import", "actor_id": actor.id, "actor_role": role, "actor_unit_id": actor.unit_id, "at": now,
             "reason": None, "evidence": []}
    try:
        if plan.inserts:
            rows = [{**values, "kind": kind.code, "unit_set": units(place), "version": 1, "created_at": now,
                     "updated_at": now} for _n, values, place in plan.inserts]
            _insert(Site.__table__, rows)
            by_code = dict(db.session.execute(select(Site.code, Site.id).where(Site.kind == kind.code)).all())
            ids = [by_code[values["code"]] for _n, values, _p in plan.inserts]
            _insert(SiteEvent.__table__, [
                {**event, "site_id": site_id, "seq": 1, "from_state": None, "to_state": values["state"],
                 "data": {"source": source, "row": number}}
                for site_id, (number, values, _p) in zip(ids, plan.inserts, strict=True)])
        for number, site, values, changes, place in plan.updates:
            from_state, seq = site.state, site.version + 1
            for key, value in values.items():
                setattr(site, key, value)
            site.updated_at = now
            db.session.flush()
            if "geometry" in changes:
                site.unit_set = units(place)
            db.session.add(SiteEvent(**event, site_id=site.id, seq=seq, from_state=from_state, to_state=site.state,
                                     data={"source": source, "row": number,
                                           "changes": {k: v for k, v in changes.items()
                                                       if k not in ("lat", "lng")}}))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return summary
