"""Track point storage (insert-or-absorb by (patrol, t)) and the track as GeoJSON."""
import shapely
from shapely.geometry import LineString
from sqlalchemy import text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from reporter.extensions import db
from reporter.geo.coords import from_wgs84
from reporter.patrols.effort import LocalProjection
from reporter.patrols.models import Patrol, TrackPoint

COLUMNS = ("t", "lat", "lng", "accuracy_m", "altitude_m", "speed_mps", "heading", "provider", "mock")

# One statement whatever the batch size: the batch travels as one array per column, and the primary key absorbs
# repeats, also between concurrent requests (ON CONFLICT DO NOTHING); RETURNING tells which rows were new.
_PG_INSERT = text("""
    INSERT INTO patrol_points (patrol_id, t, lat, lng, accuracy_m, altitude_m, speed_mps, heading, provider, mock, late)
    SELECT :patrol_id, u.t, u.lat, u.lng, u.accuracy_m, u.altitude_m, u.speed_mps, u.heading, u.provider, u.mock, :late
    FROM unnest(CAST(:t AS timestamptz[]), CAST(:lat AS float8[]), CAST(:lng AS float8[]),
                CAST(:accuracy_m AS float8[]), CAST(:altitude_m AS float8[]), CAST(:speed_mps AS float8[]),
                CAST(:heading AS float8[]), CAST(:provider AS varchar[]), CAST(:mock AS boolean[]))
         AS u(t, lat, lng, accuracy_m, altitude_m, speed_mps, heading, provider, mock)
    ON CONFLICT (patrol_id, t) DO NOTHING
    RETURNING 1
""")


def insert(patrol_id: str, rows: list[dict], *, late: bool) -> int:
    """Insert the rows (distinct times) that are not stored yet; return how many were new."""
    if db.session.get_bind().dialect.name == "postgresql":
        params = {name: [row.get(name) for row in rows] for name in COLUMNS}
        return len(db.session.execute(_PG_INSERT, {**params, "patrol_id": patrol_id, "late": late}).all())
    stmt = sqlite_insert(TrackPoint).on_conflict_do_nothing(index_elements=["patrol_id", "t"])
    values = [{"patrol_id": patrol_id, "late": late, **{name: row.get(name) for name in COLUMNS}} for row in rows]
    return len(db.session.execute(stmt.returning(TrackPoint.t), values).all())


def feature(patrol: Patrol, positions: list[tuple[float, float]], coord_system: str,
            simplify_m: float | None) -> dict:
    """A GeoJSON Feature of the track (lng, lat) in the asked system, simplified to a tolerance in metres."""
    if simplify_m and len(positions) > 2:
        projection = LocalProjection(*positions[0])
        xs, ys = projection.forward([p[0] for p in positions], [p[1] for p in positions])
        line = shapely.simplify(LineString(list(zip(xs, ys, strict=True))), simplify_m)
        lats, lngs = projection.inverse(*zip(*line.coords, strict=True))
        positions = list(zip(lats.tolist(), lngs.tolist(), strict=True))
    coordinates = []
    for lat, lng in positions:
        out_lat, out_lng = from_wgs84(lat, lng, coord_system)
        coordinates.append([round(out_lng, 7), round(out_lat, 7)])
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coordinates},
            "properties": {"patrol_id": patrol.id, "inspector_id": patrol.inspector_id, "grid_id": patrol.grid_id,
                           "started_at": patrol.started_at.isoformat(),
                           "ended_at": patrol.ended_at.isoformat() if patrol.ended_at else None,
                           "point_count": patrol.point_count, "vertices": len(coordinates),
                           "simplify_m": simplify_m or 0, "coord_system": coord_system}}
