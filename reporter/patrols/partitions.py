"""Monthly partitions of the track points on PostgreSQL (about 6 million points a day at city scale).

`patrol_points` is partitioned by range on the point time `t`, one partition per China-time month
(`patrol_points_y2026m11`), plus a default partition that catches a point whose month was not made yet (so an
insert never fails for want of a partition). `flask patrols partitions` (run by the periodic sweep) makes the coming
months ahead; making a month that the default partition already holds points of moves them into it. A past month can
be detached (and written to a file): `flask patrols detach YYYY-MM [--archive FILE]`. SQLite keeps one table.
"""
import gzip
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from reporter.common.timeutil import CST, cst_date, utcnow
from reporter.errors import Conflict, NotFound
from reporter.extensions import db
from reporter.patrols.models import Patrol

# Table names in the SQL below come from these constants and from dates (partition_name), never from input.
PARENT = "patrol_points"
DEFAULT = "patrol_points_default"


def include_name(name: str, type_: str, _parent_names) -> bool:
    """Alembic's filter: the points' partitions are no model's tables (autogenerate and the schema check skip them)."""
    return not (type_ == "table" and name.startswith(f"{PARENT}_"))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def partition_name(first: date) -> str:
    return f"{PARENT}_y{first:%Y}m{first:%m}"


def _bound(first: date) -> str:
    return datetime.combine(first, time(), CST).isoformat()


def is_partitioned(conn: Connection) -> bool:
    """Whether this database stores the points in partitions (PostgreSQL after migration 0020)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = :name AND relkind = 'p')"),
                             {"name": PARENT}).scalar())


def partitions(conn: Connection) -> list[str]:
    """The names of the attached partitions, in order (the default partition last)."""
    names = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent ORDER BY c.relname"),
        {"parent": PARENT}).scalars().all()
    return sorted(names, key=lambda name: name == DEFAULT)


def create_month(conn: Connection, first: date) -> bool:
    """Make the partition of the month beginning on `first` (False: it exists already). Points of that month the
    default partition holds are moved into it, in the same transaction."""
    name = partition_name(first)
    if name in partitions(conn):
        return False
    low, high = _bound(first), _bound(next_month(first))
    conn.execute(text(f'CREATE TABLE "{name}" (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
    move = (f'WITH moved AS (DELETE FROM "{DEFAULT}" WHERE t >= :low AND t < :high RETURNING *) '  # noqa: S608
            f'INSERT INTO "{name}" SELECT * FROM moved')
    conn.execute(text(move), {"low": low, "high": high})
    conn.execute(text(f"ALTER TABLE {PARENT} ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{low}') TO ('{high}')"))
    return True


def ensure_months(conn: Connection, first: date, last: date) -> list[str]:
    """Make every month's partition from the month of `first` to that of `last`; the names made."""
    made, month = [], month_start(first)
    while month <= last:
        if create_month(conn, month):
            made.append(partition_name(month))
        month = next_month(month)
    return made


def ensure_ahead(conn: Connection, ahead: int, today: date | None = None) -> list[str]:
    """The sweep's part: last month's, this month's and the next `ahead` months' partitions exist."""
    this = month_start(today or cst_date(utcnow()))
    last = this
    for _ in range(ahead):
        last = next_month(last)
    return ensure_months(conn, this - timedelta(days=1), last)


def _settle_patrols(conn: Connection, first: date) -> None:
    """The patrols with raw points in the month leave them as the retention sweep does: a simplified track is kept,
    their summary becomes final (a late point is refused) and their points in other months go too, so no patrol is
    left with part of its track."""
    from reporter.patrols.points import keep_simplified
    from reporter.privacy.retention import setting

    low, high = _bound(first), _bound(next_month(first))
    month = partition_name(first)
    ids = conn.execute(text(f'SELECT DISTINCT patrol_id FROM "{month}" WHERE patrol_id IN '  # noqa: S608
                            "(SELECT id FROM patrols WHERE points_erased_at IS NULL)")).scalars().all()
    if not ids:
        return
    tolerance = float(setting("PRIVACY_TRACK_SIMPLIFY_M"))
    for patrol in db.session.execute(select(Patrol).where(Patrol.id.in_(ids)).with_for_update()).scalars():
        keep_simplified(patrol, tolerance)
    db.session.flush()
    conn.execute(text(f"DELETE FROM {PARENT} WHERE patrol_id = ANY(:ids) AND (t < :low OR t >= :high)"),  # noqa: S608
                 {"ids": list(ids), "low": low, "high": high})


def detach_month(conn: Connection, first: date, archive: str | None = None, today: date | None = None) -> int:
    """Detach a past month's partition from the points (it stays a table of its own, for pg_dump); with `archive`,
    write its rows to that file (gzip'd CSV with a header) and drop the table. Returns the number of points."""
    first = month_start(first)
    if next_month(first) > month_start(today or cst_date(utcnow())):
        raise Conflict("Only a month before the current one can be detached", error="month_not_past")
    name = partition_name(first)
    if name not in partitions(conn):
        raise NotFound(f"No partition {name}")
    _settle_patrols(conn, first)
    conn.execute(text(f'ALTER TABLE {PARENT} DETACH PARTITION "{name}"'))
    count = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()  # noqa: S608
    if archive is not None:
        with gzip.open(archive, "wb") as out, conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY "{name}" TO STDOUT (FORMAT CSV, HEADER)') as copy:
                for chunk in copy:
                    out.write(chunk)
        conn.execute(text(f'DROP TABLE "{name}"'))
    return count
