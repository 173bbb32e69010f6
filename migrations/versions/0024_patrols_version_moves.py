"""patrols: the database refuses an UPDATE of a patrol's figure columns that does not move its version

The bulletin keeps each inspector's month figures keyed on their patrols' (id, version): this makes the key sound
whatever code writes the row.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 07:20:00
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# every column a month's figures are computed from (patrols.services.monthly_figures)
FIGURES = ("inspector_id", "day", "started_at", "grid_id", "finished", "distance_m", "in_grid_distance_m",
           "in_grid_s", "moving_s", "cell_count", "flags", "visited_cells")
MESSAGE = "an update of a patrol''s figures must move its version"


def upgrade():
    columns = ", ".join(FIGURES)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION patrols_version_moves() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE} (patrol %)', OLD.id USING ERRCODE = 'check_violation';
            END $$""")
        op.execute(f"CREATE TRIGGER patrols_version_moves BEFORE UPDATE OF {columns} ON patrols FOR EACH ROW "
                   "WHEN (NEW.version = OLD.version) EXECUTE FUNCTION patrols_version_moves()")
    else:
        op.execute(f"CREATE TRIGGER patrols_version_moves BEFORE UPDATE OF {columns} ON patrols FOR EACH ROW "
                   f"WHEN NEW.version = OLD.version BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade():
    op.execute("DROP TRIGGER patrols_version_moves ON patrols" if op.get_bind().dialect.name == "postgresql"
               else "DROP TRIGGER patrols_version_moves")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION patrols_version_moves()")
