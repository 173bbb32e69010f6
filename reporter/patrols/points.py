"""Track point storage (insert-or-absorb by (patrol, t)) and the track as GeoJSON."""
import shapely
from psycopg.errors import UniqueViolation
from shapely.geometry import LineString
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.geo.coords import from_wgs84
from reporter.patrols.effort import LocalProjection
from reporter.patrols.models import Patrol, TrackPoint

COLUMNS = ("t", "lat", "lng", "accuracy_m", "altitude_m", "speed_mps", "heading", "provider", "mock")

class AlreadyStored(Exception):
    """The bulk path met points stored before (the transaction must be rolled back)."""


# Binary COPY: no text formatting and parsing of every value on either side (the types name the columns' order)
_COPY = f"COPY patrol_points (patrol_id, late, {', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_COPY_TYPES = ("varchar", "bool", "timestamptz", "float8", "float8", "float8", "float8", "float8", "float8",
               "varchar", "bool")
_ABSORB = """
    INSERT INTO patrol_points (patrol_id, late, t, lat, lng, accuracy_m, altitude_m, speed_mps, heading, provider, mock)
    SELECT %b, %b, u.* FROM unnest(%b::timestamptz[], %b::float8[], %b::float8[], %b::float8[], %b::float8[],
                                   %b::float8[], %b::float8[], %b::varchar[], %b::boolean[]) AS u
    ON CONFLICT (patrol_id, t) DO NOTHING
    RETURNING 1
"""


def insert(patrol_id: str, rows: list[tuple], *, late: bool, bulk: bool = True) -> int:
    """Insert the rows (tuples in COLUMNS order, distinct times) that are not stored yet; return how many were new.

    INSERT … ON CONFLICT DO NOTHING on both databases: the primary key (patrol_id, t) absorbs repeats exactly, also
    between concurrent requests. On PostgreSQL a batch first tries the bulk path, a binary COPY in the request's
    transaction (the usual case: points never sent before); if any point is stored already, AlreadyStored is raised:
    the transaction is void and the caller runs the batch again with bulk=False.
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        stmt = sqlite_insert(TrackPoint).on_conflict_do_nothing(index_elements=["patrol_id", "t"])
        values = [{"patrol_id": patrol_id, "late": late, **dict(zip(COLUMNS, row, strict=True))} for row in rows]
        return len(db.session.execute(stmt.returning(TrackPoint.t), values).all())
    with connection.connection.driver_connection.cursor() as cursor:
        if bulk:
            head = (patrol_id, late)
            try:
                with cursor.copy(_COPY) as copy:
                    copy.set_types(_COPY_TYPES)
                    write = copy.write_row
                    for row in rows:
                        write(head + row)
            except UniqueViolation as exc:
                raise AlreadyStored() from exc
            return len(rows)
        columns = [list(column) for column in zip(*rows, strict=True)]
        return len(cursor.execute(_ABSORB, (patrol_id, late, *columns)).fetchall())


def simplified(positions: list[tuple[float, float]], tolerance_m: float) -> list[tuple[float, float]]:
    """The (lat, lng) positions of a track simplified (Douglas-Peucker) to a tolerance in metres."""
    if len(positions) <= 2:
        return list(positions)
    projection = LocalProjection(*positions[0])
    xs, ys = projection.forward([p[0] for p in positions], [p[1] for p in positions])
    line = shapely.simplify(LineString(list(zip(xs, ys, strict=True))), tolerance_m)
    lats, lngs = projection.inverse(*zip(*line.coords, strict=True))
    return list(zip(lats.tolist(), lngs.tolist(), strict=True))


def track_where(patrol: Patrol) -> list:
    """The patrol's stored points: by its id and within the span of their times (on PostgreSQL the months'
    partitions outside it are not read at all). A patrol without a span (points written around the service) is read
    by its id alone."""
    points = TrackPoint.__table__.c
    where = [points.patrol_id == patrol.id]
    if patrol.first_point_at is not None and patrol.last_point_at is not None:
        where += [points.t >= patrol.first_point_at, points.t <= patrol.last_point_at]
    return where


def keep_simplified(patrol: Patrol, tolerance_m: float) -> None:
    """Store the patrol's track simplified and mark its raw points erased (the caller then removes them)."""
    rows = db.session.execute(select(TrackPoint.lat, TrackPoint.lng).where(*track_where(patrol))
                              .order_by(TrackPoint.t)).all()
    kept = simplified([(lat, lng) for lat, lng in rows], tolerance_m)
    patrol.simplified_track = [[round(lat, 7), round(lng, 7)] for lat, lng in kept]
    patrol.points_erased_at = utcnow()


def feature(patrol: Patrol, positions: list[tuple[float, float]], coord_system: str,
            simplify_m: float | None) -> dict:
    """A GeoJSON Feature of the track (lng, lat) in the asked system, simplified to a tolerance in metres."""
    if simplify_m:
        positions = simplified(positions, simplify_m)
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
