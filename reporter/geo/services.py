"""Geography rules: importing counties, zones and grids; default grids; locating points; grid inspectors."""
import json
import logging
import math

import shapely
from shapely.geometry import box, mapping, shape
from sqlalchemy import delete, or_, select

from reporter.accounts.models import User
from reporter.audit.services import record
from reporter.errors import Conflict, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.geo.coords import COORD_SYSTEMS, geometry_to_wgs84
from reporter.geo.index import GeoIndex, Place
from reporter.geo.models import ZONE_LEVELS, ZONE_NAMES, County, Grid, GridInspector, ProtectionZone
from reporter.org.stamps import StampedCache, bump

log = logging.getLogger(__name__)

GEOGRAPHY = "geography"
IMPORT_KINDS = ("county", "zone", "grid")
KM_PER_DEG_LAT = 111.32
_ZONE_ALIASES = {**{level: level for level in ZONE_LEVELS}, **{name: level for level, name in ZONE_NAMES.items()}}

__all__ = ["Place", "locate", "grids_assigned_to", "inspector_ids_of_grid", "grid_polygon", "assign_inspector"]


def _build_index() -> GeoIndex:
    strictness = {level: order for order, level in enumerate(ZONE_LEVELS)}
    counties = db.session.execute(select(County).order_by(County.adcode)).scalars()
    zones = sorted(db.session.execute(select(ProtectionZone)).scalars(), key=lambda z: (strictness[z.level], z.id))
    grids = db.session.execute(select(Grid).order_by(Grid.id)).scalars()
    return GeoIndex([(c.geometry, (c.adcode, c.name)) for c in counties],
                    [(z.geometry, (z.level, z.id)) for z in zones],
                    [(g.geometry, (g.id, g.code)) for g in grids])


_index = StampedCache((GEOGRAPHY,), _build_index)


def geo_index() -> GeoIndex:
    """This process's point index (rebuilt when the geography changes)."""
    return _index.get()


def locate(lat: float, lng: float) -> Place:
    """County, protection zone and grid of a WGS-84 point."""
    return _index.get().locate(lat, lng)


def grids_assigned_to(user_id: int) -> list[Grid]:
    """The grids an inspector is assigned to, by code."""
    stmt = (select(Grid).join(GridInspector, GridInspector.grid_id == Grid.id)
            .where(GridInspector.user_id == user_id).order_by(Grid.code))
    return list(db.session.execute(stmt).scalars())


def inspector_ids_of_grid(grid_id: int) -> list[int]:
    """User ids of the inspectors assigned to a grid."""
    stmt = select(GridInspector.user_id).where(GridInspector.grid_id == grid_id).order_by(GridInspector.user_id)
    return list(db.session.execute(stmt).scalars())


def grid_polygon(grid_id: int):
    """The grid's polygon as a shapely geometry in WGS-84 (404 for an unknown grid)."""
    geometry = _index.get().grid_geometry.get(grid_id)
    if geometry is None:
        grid = db.session.get(Grid, grid_id)
        if grid is None:
            raise NotFound("No such grid")
        geometry = shape(grid.geometry)
    return geometry


def get_grid(grid_id: int) -> Grid:
    """A grid, or 404."""
    grid = db.session.get(Grid, grid_id)
    if grid is None:
        raise NotFound("No such grid")
    return grid


def assign_inspector(grid_id: int, user_id: int, *, actor_id: int | None = None) -> None:
    """Assign an inspector to a grid (idempotent; audited; the caller commits)."""
    get_grid(grid_id)
    user = db.session.get(User, user_id)
    if user is None or not user.has_role("inspector"):
        raise ValidationFailed("Only inspectors can be assigned to grids",
                               errors={"json": {"user_id": ["not an inspector"]}})
    if db.session.get(GridInspector, (grid_id, user_id)) is None:
        db.session.add(GridInspector(grid_id=grid_id, user_id=user_id))
        record(actor_id, "grid.assign_inspector", "grid", grid_id, details={"user_id": user_id})
        db.session.flush()


def unassign_inspector(grid_id: int, user_id: int, *, actor_id: int | None = None) -> None:
    """Take an inspector off a grid (idempotent; audited; the caller commits)."""
    get_grid(grid_id)
    gone = db.session.execute(delete(GridInspector).where(GridInspector.grid_id == grid_id,
                                                          GridInspector.user_id == user_id)).rowcount
    if gone:
        record(actor_id, "grid.unassign_inspector", "grid", grid_id, details={"user_id": user_id})


def set_inspector(grid_id: int, user_id: int, assigned: bool, *, actor_id: int | None) -> None:
    """Assign or unassign an inspector, as one committed step."""
    (assign_inspector if assigned else unassign_inspector)(grid_id, user_id, actor_id=actor_id)
    db.session.commit()


def plain_geometry(geometry) -> dict:
    """A shapely geometry as a GeoJSON dict of plain lists, rounded to 1e-7 degrees (~1 cm)."""
    return json.loads(json.dumps(mapping(shapely.set_precision(geometry, 1e-7))))


# --- import ---------------------------------------------------------------------------------------------------

def _polygonal(geometry: dict | None) -> tuple[dict | None, str | None]:
    """The geometry if it is a valid Polygon/MultiPolygon, else an error message."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None, "must be a Polygon or MultiPolygon"
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        return None, "is not a readable geometry"
    if geom.is_empty or not geom.is_valid:
        return None, f"is not valid ({shapely.is_valid_reason(geom)})"
    return geometry, None


def _county_fields(props: dict, _counties: set[str]) -> tuple[dict, dict]:
    adcode, name = str(props.get("adcode") or ""), props.get("name")
    errors = {}
    if not (len(adcode) == 6 and adcode.isdigit()):
        errors["adcode"] = ["must be a 6-digit code"]
    if not name:
        errors["name"] = ["is required"]
    in_qinling = bool(props.get("qinling", props.get("in_qinling", False)))
    return dict(adcode=adcode, name=name, in_qinling=in_qinling), errors


def _zone_fields(props: dict, counties: set[str]) -> tuple[dict, dict]:
    level = _ZONE_ALIASES.get(str(props.get("level") or ""))
    county = props.get("county_adcode")
    errors = {}
    if level is None:
        errors["level"] = [f"must be one of {', '.join(_ZONE_ALIASES)}"]
    if not props.get("code"):
        errors["code"] = ["is required (it identifies the zone on re-import)"]
    if county and county not in counties:
        errors["county_adcode"] = [f"unknown county {county}"]
    return dict(code=props.get("code"), name=props.get("name") or props.get("code"), level=level,
                county_adcode=county or None), errors


def _grid_fields(props: dict, counties: set[str]) -> tuple[dict, dict]:
    code = str(props.get("code") or "")
    errors = {}
    if not (len(code) == 15 and code.isdigit()):
        errors["code"] = ["must be 15 digits (county adcode + township + village + sequence)"]
    elif code[:6] not in counties:
        errors["code"] = [f"starts with unknown county {code[:6]}"]
    return dict(code=code, name=props.get("name") or code, county_adcode=code[:6]), errors


_IMPORTERS = {  # kind: (model, key field, field reader)
    "county": (County, "adcode", _county_fields),
    "zone": (ProtectionZone, "code", _zone_fields),
    "grid": (Grid, "code", _grid_fields),
}


def _import(collection: dict, kind: str, coord_system: str) -> dict:
    """Upsert the features of a GeoJSON FeatureCollection (no commit); 422 naming each bad feature."""
    if kind not in IMPORT_KINDS or coord_system not in COORD_SYSTEMS:
        raise ValidationFailed(f"kind must be one of {IMPORT_KINDS}, coord_system one of {COORD_SYSTEMS}")
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or not features:
        raise ValidationFailed("Not a GeoJSON FeatureCollection with features",
                               errors={"file": {"features": ["empty"]}})
    model, key, read = _IMPORTERS[kind]
    counties = set(db.session.execute(select(County.adcode)).scalars())
    rows, errors = [], {}
    for number, feature in enumerate(features):
        props = (feature or {}).get("properties") or {}
        fields, problems = read(props, counties)
        geometry, geometry_problem = _polygonal((feature or {}).get("geometry"))
        if geometry_problem:
            problems["geometry"] = [geometry_problem]
        if problems:
            errors[number] = problems
        else:
            fields["geometry"] = geometry_to_wgs84(geometry, coord_system)
            fields["properties"] = props
            rows.append(fields)
    if errors:
        raise ValidationFailed(f"{len(errors)} of {len(features)} features are not valid", errors={"features": errors})
    existing = {getattr(obj, key): obj for obj in db.session.execute(select(model)).scalars()}
    created = updated = 0
    for fields in rows:
        obj = existing.get(fields[key])
        if obj is None:
            db.session.add(model(**fields))
            created += 1
        elif any(getattr(obj, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(obj, name, value)
            updated += 1
    if created or updated:
        db.session.flush()
        bump(GEOGRAPHY)
    return {"kind": kind, "created": created, "updated": updated, "unchanged": len(rows) - created - updated}


def import_features(collection: dict, kind: str, coord_system: str, *, actor_id: int | None = None) -> dict:
    """Import counties, zones or grids from GeoJSON, converting to WGS-84; audited, one commit."""
    counts = _import(collection, kind, coord_system)
    record(actor_id, "geo.import", kind, None, details={**counts, "coord_system": coord_system})
    db.session.commit()
    return counts


# --- default grids ----------------------------------------------------------------------------------------------

_cut_cells: dict[tuple, list[dict]] = {}  # the same county cut the same way again (reference reloads) is not recut


def grid_cells(county: County, size_km: float) -> list[dict]:
    """Square cells of about `size_km` cut to the county boundary, as grid rows (15-digit codes, names)."""
    if not 0.5 <= size_km <= 100:
        raise ValidationFailed("size_km must be between 0.5 and 100", errors={"json": {"size_km": ["out of range"]}})
    key = (county.adcode, county.name, size_km, json.dumps(county.geometry, sort_keys=True))
    if key not in _cut_cells:
        while len(_cut_cells) >= 32:  # bounded: enough for every county's default cut
            _cut_cells.pop(next(iter(_cut_cells)))
        _cut_cells[key] = _cut(county, size_km)
    return [dict(cell) for cell in _cut_cells[key]]


def _cut(county: County, size_km: float) -> list[dict]:
    outline = shape(county.geometry)
    shapely.prepare(outline)
    minx, miny, maxx, maxy = outline.bounds
    step_lat = size_km / KM_PER_DEG_LAT
    step_lng = size_km / (KM_PER_DEG_LAT * math.cos(math.radians((miny + maxy) / 2)))
    rows, cols = math.ceil((maxy - miny) / step_lat), math.ceil((maxx - minx) / step_lng)
    if rows > 499 or cols > 999:
        raise ValidationFailed("size_km is too small for this county's grid codes",
                               errors={"json": {"size_km": ["too small"]}})
    cells = []
    for row in range(rows):
        for col in range(cols):
            x0, y0 = minx + col * step_lng, miny + row * step_lat
            part = outline.intersection(box(x0, y0, x0 + step_lng, y0 + step_lat))
            polygons = [g for g in getattr(part, "geoms", [part]) if g.geom_type in ("Polygon", "MultiPolygon")]
            if not polygons or part.area <= 0:
                continue
            geometry = shapely.union_all(polygons)
            # township and village slots hold 500+row and col, so generated codes never clash with real ones
            cells.append(dict(code=f"{county.adcode}{500 + row:03d}{col:03d}001",
                              name=f"{county.name}网格{row + 1:02d}-{col + 1:02d}",
                              county_adcode=county.adcode, geometry=plain_geometry(geometry),
                              properties={"generated": True, "size_km": size_km}, generated=True))
    return cells


def _make_grids(adcode: str, size_km: float, replace: bool) -> int:
    county = db.session.get(County, adcode)
    if county is None:
        raise NotFound(f"No county {adcode}")
    has_grids = db.session.execute(select(Grid.id).where(Grid.county_adcode == adcode).limit(1)).first()
    if has_grids and not replace:
        raise Conflict(f"{county.name} already has grids; pass replace to cut new ones")
    if has_grids:
        db.session.execute(delete(Grid).where(Grid.county_adcode == adcode))
    cells = grid_cells(county, size_km)
    db.session.add_all(Grid(**cell) for cell in cells)
    db.session.flush()
    bump(GEOGRAPHY)
    return len(cells)


def make_grids(adcode: str, size_km: float, *, replace: bool = False, actor_id: int | None = None) -> int:
    """Cut a county into default square grids (replacing its grids only when asked); audited, one commit."""
    count = _make_grids(adcode, size_km, replace)
    record(actor_id, "geo.make_grids", "county", adcode, details={"size_km": size_km, "grids": count,
                                                                  "replace": replace})
    db.session.commit()
    return count


# --- reading -------------------------------------------------------------------------------------------------

def counties() -> list[County]:
    """Every county, by adcode."""
    return list(db.session.execute(select(County).order_by(County.adcode)).scalars())


def grids_query(county: str | None = None):
    """Grids, optionally of one county, by code."""
    stmt = select(Grid).order_by(Grid.code)
    return stmt.where(Grid.county_adcode == county) if county else stmt


def zones_query(county: str | None = None):
    """Protection zones (core, key, general), optionally those of one county (and those of no county), strictest
    first."""
    stmt = select(ProtectionZone).order_by(ProtectionZone.level, ProtectionZone.code)
    if county:
        stmt = stmt.where(or_(ProtectionZone.county_adcode == county, ProtectionZone.county_adcode.is_(None)))
    return stmt


def place_view(place: Place, location: dict) -> dict:
    """A Place as the API shows it, with the point echoed in the caller's coordinate system."""
    grid = db.session.get(Grid, place.grid_id) if place.grid_id else None
    return {"location": location, "in_ankang": place.in_ankang, "in_qinling": place.in_qinling, "zone": place.zone,
            "county": {"adcode": place.county_adcode, "name": place.county_name} if place.in_ankang else None,
            "grid": grid}


def feature_collection(rows: list, coord_system: str, properties) -> dict:
    """Rows with a WGS-84 `geometry` as a GeoJSON FeatureCollection in `coord_system`."""
    from reporter.geo.coords import geometry_from_wgs84

    return {"type": "FeatureCollection", "coord_system": coord_system, "features": [
        {"type": "Feature", "geometry": geometry_from_wgs84(row.geometry, coord_system), "properties": properties(row)}
        for row in rows]}
