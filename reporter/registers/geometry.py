"""A site's geometry: a GeoJSON Point or Polygon in either coordinate system, stored in WGS-84, and the county,
protection zone and grid worked out from it through the geo index."""
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape
from shapely.ops import nearest_points

from reporter.errors import ValidationFailed
from reporter.geo.coords import distance_m, geometry_to_wgs84
from reporter.geo.models import ZONE_LEVELS
from reporter.geo.services import geo_index, locate

MAX_VERTICES = 2000
TYPES = {"point": ("Point",), "polygon": ("Polygon",), "any": ("Point", "Polygon")}


@dataclass(frozen=True)
class SitePlace:
    geometry: dict  # WGS-84
    lat: float
    lng: float
    county_adcode: str
    zone: str | None
    grid_id: int | None


def _invalid(message: str, field: str = "geometry"):
    return ValidationFailed(message, errors={"json": {field: [message]}})


def read_geometry(geometry: dict, coord_system: str, allowed: str, *, field: str = "geometry") -> SitePlace:
    """The geometry in WGS-84 with its place; 422 for a wrong type, an invalid shape or a place outside Ankang."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in TYPES[allowed]:
        raise _invalid(f"A {' or '.join(TYPES[allowed])} is expected", field)
    try:
        wgs = geometry_to_wgs84({"type": kind, "coordinates": geometry.get("coordinates")}, coord_system)
        shp = shape(wgs)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, shapely.errors.ShapelyError):
        raise _invalid("Not a GeoJSON geometry", field) from None
    if shp.is_empty or not shp.is_valid or shapely.get_num_coordinates(shp) > MAX_VERTICES:
        raise _invalid(f"Not a valid {kind} (at most {MAX_VERTICES} vertices)", field)
    inside = shp if kind == "Point" else shp.representative_point()
    place = locate(inside.y, inside.x)
    if not place.in_ankang:
        raise _invalid("The place is outside Ankang", field)
    zone = place.zone if kind == "Point" else _strictest_zone(shp)
    return SitePlace(wgs, round(inside.y, 7), round(inside.x, 7), place.county_adcode, zone, place.grid_id)


def _strictest_zone(polygon) -> str | None:
    """The strictest protection zone a polygon touches (a mine reaching into a core zone is a core-zone mine)."""
    zones = geo_index().zones
    if not zones.keys:
        return None
    hits = shapely.intersects(zones.geometries, polygon)
    levels = {zones.keys[i][0] for i, hit in enumerate(hits.tolist()) if hit}
    return next((level for level in ZONE_LEVELS if level in levels), None)


def distance_to_site(site_geometry: dict, site_lat: float, site_lng: float, lat: float, lng: float) -> float:
    """Metres from a point to a site: 0 inside its polygon, else to its point (or its polygon's nearest vertex)."""
    if site_geometry.get("type") == "Polygon":
        polygon = shape(site_geometry)
        if polygon.covers(Point(lng, lat)):
            return 0.0
        near = nearest_points(polygon.exterior, Point(lng, lat))[0]
        return distance_m(lat, lng, near.y, near.x)
    return distance_m(lat, lng, site_lat, site_lng)
