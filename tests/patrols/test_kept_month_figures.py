"""Month figures kept between requests (the bulletin's inspectors) are keyed on each inspector's patrols as (id,
version): the database refuses an UPDATE of a patrol's figure columns that leaves its version, so a kept figure is
always what a computation from the rows would give now."""
from datetime import date

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError

from reporter.patrols.models import Patrol
from reporter.patrols.services import monthly_figures
from tests.conftest import app_ctx
from tests.patrols.test_figures import stored_patrol

MARCH = date(2026, 3, 1)


@pytest.mark.parametrize("column, value", [("distance_m", 1.0), ("in_grid_s", 1.0), ("day", "2026-03-09"),
                                           ("finished", False), ("flags", "[]"), ("visited_cells", "[\"x\"]")])
def test_an_update_of_a_figure_column_that_leaves_the_version_is_refused(app, inspector, grid, column, value):
    with app_ctx(app) as session:
        patrol = stored_patrol(session, inspector, grid.id, date(2026, 3, 2), 4.0, 90)
        session.commit()
        with pytest.raises(DatabaseError, match="must move its version"):
            session.execute(text(f"UPDATE patrols SET {column} = :v WHERE id = :id"), {"v": value, "id": patrol.id})
        session.rollback()
        session.execute(text(f"UPDATE patrols SET {column} = :v, version = version + 1 WHERE id = :id"),
                        {"v": value, "id": patrol.id})  # with the version moved: allowed
        session.execute(update(Patrol).where(Patrol.id == patrol.id).values(simplified_track=[[33.3, 108.3]]))
        session.commit()  # columns no figure reads (the simplified track kept past retention): no version needed


def test_kept_figures_are_reused_while_the_versions_stand_and_recomputed_when_one_moves(app, inspector, grid, users):
    other = users.make("inspector")
    with app_ctx(app) as session:
        mine = stored_patrol(session, inspector, grid.id, date(2026, 3, 2), 4.0, 90)
        stored_patrol(session, other, grid.id, date(2026, 3, 3), 2.0, 30)
        session.commit()
        kept = {}
        first = {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other], kept)}
        assert first[inspector]["valid_days"] == 1 and first[other]["valid_days"] == 0
        assert first == {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other])}

        kept[inspector] = (kept[inspector][0], {**kept[inspector][1], "valid_days": 99})  # poisoned, same key
        again = {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other], kept)}
        assert again[inspector]["valid_days"] == 99  # reused: nothing was read beyond the versions

        session.execute(update(Patrol).where(Patrol.id == mine.id)  # as late points do: figures and version move
                        .values(in_grid_distance_m=1000.0, version=Patrol.version + 1))
        session.commit()
        after = {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other], kept)}
        assert after[inspector]["valid_days"] == 0 and after[inspector]["in_grid_distance_m"] == 1000.0
        assert after == {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other])}

        stored_patrol(session, other, grid.id, date(2026, 3, 4), 5.0, 120)  # a new patrol: a new member of the key
        session.commit()
        latest = {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other], kept)}
        assert latest[other]["valid_days"] == 1 and latest[other]["patrols"] == 2
        assert latest == {row["inspector_id"]: row for row in monthly_figures(MARCH, [inspector, other])}
