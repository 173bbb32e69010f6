"""patrol points in monthly partitions on PostgreSQL (range on the point time); SQLite keeps one table

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 00:45:00
"""
from datetime import date

from alembic import op
from sqlalchemy import text

from reporter.common.timeutil import cst_date, utcnow
from reporter.patrols import partitions

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_COLUMNS = """
    patrol_id VARCHAR(36) NOT NULL, t TIMESTAMP WITH TIME ZONE NOT NULL, lat FLOAT NOT NULL, lng FLOAT NOT NULL,
    accuracy_m FLOAT, altitude_m FLOAT, speed_mps FLOAT, heading FLOAT, provider VARCHAR(16), mock BOOLEAN NOT NULL,
    late BOOLEAN NOT NULL,
    CONSTRAINT pk_patrol_points PRIMARY KEY (patrol_id, t),
    CONSTRAINT fk_patrol_points_patrol_id_patrols FOREIGN KEY (patrol_id) REFERENCES patrols (id) ON DELETE CASCADE
"""


def _rename_old() -> None:
    op.execute("ALTER TABLE patrol_points RENAME TO patrol_points_old")
    op.execute("ALTER TABLE patrol_points_old RENAME CONSTRAINT pk_patrol_points TO pk_patrol_points_old")
    op.execute("ALTER TABLE patrol_points_old RENAME CONSTRAINT fk_patrol_points_patrol_id_patrols "
               "TO fk_patrol_points_old_patrol_id")


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    _rename_old()
    op.execute(f"CREATE TABLE patrol_points ({_COLUMNS}) PARTITION BY RANGE (t)")
    op.execute(f"CREATE TABLE {partitions.DEFAULT} PARTITION OF patrol_points DEFAULT")
    low, high = conn.execute(text("SELECT min(t), max(t) FROM patrol_points_old")).one()
    today = cst_date(utcnow())
    first: date = min(cst_date(low), today) if low else today
    last: date = max(cst_date(high), today) if high else today
    partitions.ensure_months(conn, first, last)
    partitions.ensure_ahead(conn, 3, today)
    op.execute("INSERT INTO patrol_points SELECT * FROM patrol_points_old")
    op.execute("DROP TABLE patrol_points_old")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    _rename_old()
    op.execute(f"CREATE TABLE patrol_points ({_COLUMNS})")
    op.execute("INSERT INTO patrol_points SELECT * FROM patrol_points_old")
    op.execute("DROP TABLE patrol_points_old")  # its partitions go with it
