"""Map layers: cases as GeoJSON points (the case list's scope and filters), a density grid, patrol coverage per grid."""
import math
from collections import defaultdict

from sqlalchemy import select

from reporter.accounts.models import User
from reporter.cases.services import list_cases
from reporter.common.timeutil import cst_date, utcnow
from reporter.extensions import db
from reporter.geo.coords import from_wgs84
from reporter.geo.models import Grid
from reporter.geo.services import feature_collection
from reporter.patrols.models import Patrol
from reporter.stats.bulletin import month_of


def _points(actor: User, args: dict):
    """Only the columns a map needs, from the case list's select (scope, filters, order)."""
    from reporter.cases.models import Case

    stmt = list_cases(actor, args).with_only_columns(
        Case.id, Case.lat, Case.lng, Case.category, Case.state, Case.source, Case.county_adcode,
        Case.supervision_level, Case.due_on, Case.created_at)
    return db.session.execute(stmt.limit(args["limit"])).all()


def _point(lat: float, lng: float, coord_system: str) -> dict:
    out_lat, out_lng = from_wgs84(lat, lng, coord_system)
    return {"type": "Point", "coordinates": [round(out_lng, 6), round(out_lat, 6)]}


def cases_layer(actor: User, args: dict) -> dict:
    """Cases as a FeatureCollection of points: what, where, which state — no people, no free text."""
    today = cst_date(utcnow())
    coord_system = args["coord_system"]
    return {"type": "FeatureCollection", "coord_system": coord_system, "features": [
        {"type": "Feature", "id": row.id, "geometry": _point(row.lat, row.lng, coord_system),
         "properties": {"id": row.id, "category": row.category, "state": row.state, "source": row.source,
                        "county_adcode": row.county_adcode, "supervision_level": row.supervision_level,
                        "overdue": row.due_on is not None and row.due_on < today,
                        "opened_on": cst_date(row.created_at).isoformat()}}
        for row in _points(actor, args)]}


def density_layer(actor: User, args: dict) -> dict:
    """The same cases counted per square cell of `cell_m` metres: points at cell centres weighted by `count`."""
    cell_m = args["cell_m"]
    dlat = cell_m / 111_320

    def dlng(row_index: int) -> float:  # cells of one row share the width of its middle latitude
        return cell_m / (111_320 * max(math.cos(math.radians((row_index + 0.5) * dlat)), 0.01))

    cells: dict[tuple[int, int], int] = defaultdict(int)
    for row in _points(actor, args):
        i = math.floor(row.lat / dlat)
        cells[(i, math.floor(row.lng / dlng(i)))] += 1
    features = [{"type": "Feature", "geometry": _point((i + 0.5) * dlat, (j + 0.5) * dlng(i), args["coord_system"]),
                 "properties": {"count": count}} for (i, j), count in sorted(cells.items())]
    return {"type": "FeatureCollection", "coord_system": args["coord_system"], "cell_m": cell_m,
            "max_count": max(cells.values(), default=0), "features": features}


def coverage_layer(label: str, coord_system: str, county: str | None = None) -> dict:
    """Each grid as a polygon with the month's patrols, inspectors and share of its cells visited."""
    month = month_of(label)
    stmt = select(Patrol.grid_id, Patrol.inspector_id, Patrol.visited_cells, Patrol.cell_count).where(
        Patrol.finished.is_(True), Patrol.day >= month.first, Patrol.day < month.following)
    visited: dict[int, set] = defaultdict(set)
    patrols: dict[int, int] = defaultdict(int)
    inspectors: dict[int, set] = defaultdict(set)
    cells: dict[int, int] = {}
    for grid_id, inspector_id, cell_ids, cell_count in db.session.execute(stmt):
        visited[grid_id].update(cell_ids or [])
        patrols[grid_id] += 1
        inspectors[grid_id].add(inspector_id)
        cells[grid_id] = cell_count or cells.get(grid_id, 0)
    grids = select(Grid).order_by(Grid.code)
    if county:
        grids = grids.where(Grid.county_adcode == county)

    def properties(grid: Grid) -> dict:
        total = cells.get(grid.id) or 0
        return {"grid_id": grid.id, "code": grid.code, "name": grid.name, "county_adcode": grid.county_adcode,
                "patrols": patrols.get(grid.id, 0), "inspectors": len(inspectors.get(grid.id, ())),
                "cells": total, "visited_cells": len(visited.get(grid.id, ())),
                "coverage_pct": round(100.0 * len(visited[grid.id]) / total, 1) if total else 0.0}

    collection = feature_collection(list(db.session.execute(grids).scalars()), coord_system, properties)
    return {**collection, "month": month.label}
