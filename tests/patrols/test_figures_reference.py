"""Patrol month figures read as plain rows (flags decoded only where raised) equal the first definition, which loaded
every patrol as an ORM object (tests/stats/reference.py), on generated patrols: missing figures, flags, cells."""
import random
import uuid
from datetime import UTC, date, datetime, timedelta

from reporter.patrols.models import Patrol
from reporter.patrols.services import monthly_figures
from tests.conftest import app_ctx
from tests.stats import reference


def test_patrol_figures_match_the_first_definition(app, users, grid):
    rng = random.Random(7)
    inspectors = [users.make("inspector") for _ in range(5)]
    with app_ctx(app) as session:
        for _ in range(120):
            day = date(2026, 10, 1) + timedelta(days=rng.randrange(-3, 34))
            start = datetime(day.year, day.month, day.day, rng.randrange(0, 15), tzinfo=UTC)
            flags = rng.choice([[], [], [{"code": "jump"}], [{"code": "mock_location"}, {"code": "jump"}]])
            session.add(Patrol(
                id=str(uuid.uuid4()), inspector_id=rng.choice(inspectors), grid_id=grid.id, started_at=start,
                ended_at=start + timedelta(hours=2), day=day, finished=rng.random() < 0.9,
                distance_m=rng.choice([None, rng.uniform(0, 9000)]), moving_s=rng.choice([None, rng.uniform(0, 7200)]),
                in_grid_distance_m=rng.choice([None, rng.uniform(0, 6000)]), in_grid_s=rng.uniform(0, 9000),
                cell_count=rng.choice([None, 100, 120]), coverage_pct=0.0,
                visited_cells=[f"{rng.randrange(9)}:{rng.randrange(9)}" for _ in range(rng.randrange(0, 12))],
                reasons=[], flags=flags, explanation={}))
        session.commit()
        for month in ("2026-09", "2026-10", "2026-11"):
            assert monthly_figures(month) == reference.monthly_figures(month)
            assert monthly_figures(month, inspectors[:2]) == reference.monthly_figures(month, inspectors[:2])
