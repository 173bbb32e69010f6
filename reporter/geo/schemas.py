"""Locations in and out (API.md), and the geography the API shows."""
import marshmallow as ma
from marshmallow import post_load, validate

from reporter.common.schemas import PageArgs, StrictSchema, page_schema
from reporter.geo.coords import COORD_SYSTEMS, WGS84, from_wgs84, to_wgs84


class LocationIn(StrictSchema):
    """A location as API.md gives it; loads to WGS-84 (`input_coord_system` keeps what the client sent)."""

    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    coord_system = ma.fields.String(load_default=WGS84, validate=validate.OneOf(COORD_SYSTEMS))
    accuracy_m = ma.fields.Float(allow_none=True, validate=validate.Range(min=0))
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=500))

    @post_load
    def _to_wgs84(self, data, **_kwargs):
        lat, lng = to_wgs84(data["lat"], data["lng"], data["coord_system"])
        return {**data, "lat": lat, "lng": lng, "coord_system": WGS84, "input_coord_system": data["coord_system"]}


def location_out(lat: float, lng: float, coord_system: str = WGS84, **extra) -> dict:
    """A stored WGS-84 point as API.md's location, in the coordinate system asked for."""
    out_lat, out_lng = from_wgs84(lat, lng, coord_system)
    return {"lat": round(out_lat, 7), "lng": round(out_lng, 7), "coord_system": coord_system, **extra}


class CoordSystemArgs(StrictSchema):
    """`?coord_system=wgs84|gcj02` (default wgs84): the system of coordinates in the response."""

    coord_system = ma.fields.String(load_default=WGS84, validate=validate.OneOf(COORD_SYSTEMS))


class LocateArgs(CoordSystemArgs):
    """`?lat&lng&coord_system`: the point is given, and echoed, in `coord_system`."""

    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class CountyBrief(ma.Schema):
    adcode = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class GridBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String()


class LocationOut(ma.Schema):
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    coord_system = ma.fields.String(required=True)


class PlaceOut(ma.Schema):
    """Where a point is: outside Ankang (`in_ankang` false, all else null), or county, zone and grid."""

    location = ma.fields.Nested(LocationOut, required=True)
    in_ankang = ma.fields.Boolean(required=True)
    county = ma.fields.Nested(CountyBrief, allow_none=True)
    in_qinling = ma.fields.Boolean(required=True, metadata={"description": "inside a protection zone"})
    zone = ma.fields.String(allow_none=True, metadata={"description": "core | key | general | null"})
    grid = ma.fields.Nested(GridBrief, allow_none=True)


class RegionArgs(CoordSystemArgs):
    """`?format=json|geojson&coord_system=`."""

    format = ma.fields.String(load_default="json", validate=validate.OneOf(["json", "geojson"]))


class RegionOut(ma.Schema):
    adcode = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    in_qinling = ma.fields.Boolean(required=True)


class GridArgs(PageArgs):
    county = ma.fields.String(metadata={"description": "county adcode"})


class GridOut(GridBrief):
    county_adcode = ma.fields.String(required=True)
    generated = ma.fields.Boolean()
    inspector_ids = ma.fields.Method("_inspectors")

    def _inspectors(self, grid):
        from reporter.geo.services import inspector_ids_of_grid

        return inspector_ids_of_grid(grid.id)


GridPage = page_schema(GridOut, "GridPage")
