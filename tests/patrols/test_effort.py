"""The effort rules without HTTP or database: what counts, what is flagged, and the patrol-day rule at its edges."""
import math

import pytest
from shapely.geometry import Polygon, box

from reporter.patrols.effort import Fix, Rule, compute, judge_day
from tests.patrols.conftest import expected_figures
from tests.patrols.tracks import M_PER_DEG_LAT, generate, walked_path_m

LAT0, LNG0 = 33.30, 108.30
GRID = box(LNG0 - 0.05, LAT0 - 0.05, LNG0 + 0.05, LAT0 + 0.05)  # about 9.3 × 11 km


def east(metres: float) -> float:
    return LNG0 + metres / (M_PER_DEG_LAT * math.cos(math.radians(LAT0)))


def north(metres: float) -> float:
    return LAT0 + metres / M_PER_DEG_LAT


def straight_walk(metres: float, seconds: float, *, every: float = 5.0, accuracy: float = 5.0,
                  start: float = 0.0) -> list[Fix]:
    """Fixes of a steady walk due north from the centre of GRID."""
    steps = int(seconds // every)
    return [Fix(start + i * every, north(metres * i / steps), LNG0, accuracy) for i in range(steps + 1)]


@pytest.mark.parametrize(("km", "minutes", "counts"), [
    (2.99, 120, False), (3.00, 120, True), (5.0, 59, False), (5.0, 60, True), (2.99, 59, False),
])
def test_patrol_day_rule_at_its_edges(km, minutes, counts):
    verdict, reasons = judge_day(km * 1000, minutes * 60, Rule())
    assert verdict is counts
    assert reasons[0] == ("counts as a patrol day" if counts else "does not count as a patrol day")
    assert any(("is below" in r) != (km >= 3.0) for r in reasons if "distance" in r)
    assert any(("is below" in r) != (minutes >= 60) for r in reasons if "time" in r)


def test_reasons_never_round_up_to_the_minimum():
    _, reasons = judge_day(2999.6, 3599.9, Rule())
    assert "in-grid distance 2.99 km is below the 3 km minimum" in reasons
    assert "in-grid time 59 min is below the 1 h minimum" in reasons


def test_the_rule_is_configurable():
    rule = Rule.from_config({"PATROL_DAY_MIN_KM": "5", "PATROL_DAY_MIN_HOURS": 2, "UNRELATED": 1})
    assert (rule.day_min_km, rule.day_min_hours, rule.max_accuracy_m) == (5.0, 2.0, 50.0)
    assert judge_day(4999, 7200, rule)[0] is False and judge_day(5000, 7200, rule)[0] is True


def test_a_steady_walk_is_measured_exactly():
    fixes = straight_walk(3000, 3600)
    effort = compute(fixes, 0, 3600, GRID)
    assert effort.distance_m == pytest.approx(3000, rel=1e-3)
    assert effort.moving_s == pytest.approx(3600) and effort.in_grid_s == pytest.approx(3600)
    assert effort.counts_as_patrol_day and effort.flags == []


def test_a_segment_crossing_the_grid_edge_counts_only_its_inside_part():
    half = box(LNG0 - 0.05, LAT0 - 0.05, LNG0 + 0.05, north(1000))  # the boundary is 1 km up the walk
    effort = compute(straight_walk(2000, 2000, every=200), 0, 2000, half)
    assert effort.distance_m == pytest.approx(2000, rel=1e-3)
    assert effort.in_grid_distance_m == pytest.approx(1000, rel=2e-3)
    assert effort.in_grid_s == pytest.approx(1000, rel=2e-3)  # times interpolated along the segment
    assert any(f["code"] == "mostly_outside_grid" for f in effort.flags) is False  # exactly half: not "mostly"


def test_a_track_mostly_outside_the_grid_is_flagged():
    small = box(LNG0 - 0.05, LAT0 - 0.05, LNG0 + 0.05, north(300))
    effort = compute(straight_walk(2000, 2000), 0, 2000, small)
    flag = next(f for f in effort.flags if f["code"] == "mostly_outside_grid")
    assert flag["share_pct"] == 85
    assert effort.in_grid_distance_m == pytest.approx(300, rel=0.02)


def test_jitter_while_standing_still_adds_nothing():
    still = [Fix(i * 5.0, north(((-1) ** i) * 5), east(((-1) ** (i // 2)) * 5), 8.0) for i in range(240)]  # ≤ 7.1 m off
    effort = compute(still, 0, 1195, GRID)
    assert effort.distance_m == 0 and effort.moving_s == 0
    assert effort.counted_s == pytest.approx(1195)  # a pause on patrol is patrol time


def test_poor_fixes_are_dropped_and_a_jump_is_flagged_not_counted():
    fixes = straight_walk(1200, 1000)
    fixes[50] = Fix(fixes[50].t, north(5000), LNG0, 80.0)  # worse than 50 m: dropped
    fixes[100] = Fix(fixes[100].t, fixes[100].lat, east(900), 5.0)  # 900 m away and back in 10 s
    effort = compute(fixes, 0, 1000, GRID)
    assert effort.distance_m == pytest.approx(1200, abs=12)  # the last step under the jitter radius is not a move
    assert [f["code"] for f in effort.flags] == ["jump"]
    assert effort.explanation["inaccurate"] == 1 and effort.explanation["jumps"] == 1
    assert "1 fixes worse than 50 m accuracy dropped" in effort.reasons


def test_frozen_identical_fixes_are_flagged_and_their_time_not_counted():
    walk = straight_walk(600, 600)
    frozen = [Fix(600 + i * 5.0, walk[-1].lat, walk[-1].lng, 5.0) for i in range(1, 241)]  # 20 min, same spot
    effort = compute(walk + frozen, 0, 1800, GRID)
    flag = next(f for f in effort.flags if f["code"] == "frozen_fixes")
    assert flag["seconds"] == 1200 and flag["count"] == 241  # the walk's last fix starts the frozen run
    assert effort.counted_s == pytest.approx(600)
    assert effort.distance_m == pytest.approx(600, rel=2e-3)


def test_points_outside_the_patrols_time_span_are_flagged_and_ignored():
    walk = straight_walk(600, 600, start=1000)
    early = [Fix(100.0, north(-3000), LNG0, 5.0), Fix(105.0, north(-3005), LNG0, 5.0)]
    effort = compute(early + walk, 1000, 1600, GRID)
    assert next(f for f in effort.flags if f["code"] == "outside_span")["count"] == 2
    assert effort.distance_m == pytest.approx(600, rel=2e-3)


def test_a_vehicle_and_mock_locations_do_not_count():
    walk1 = straight_walk(600, 600)
    car = [Fix(600 + i * 5.0, north(600 + i * 83.3), LNG0, 5.0) for i in range(1, 25)]  # 60 km/h for 2 min
    after_car = north(600 + 24 * 83.3)
    mock = [Fix(720 + i * 5.0, north(4000), east(4000), 1.0, True) for i in range(1, 13)]
    walk2 = [Fix(780 + i * 5.0, after_car + i * 6 / M_PER_DEG_LAT, LNG0, 5.0) for i in range(1, 101)]
    effort = compute(walk1 + car + mock + walk2, 0, 1280, GRID)
    codes = {f["code"]: f for f in effort.flags}
    assert codes["impossible_speed"]["top_speed_kmh"] == pytest.approx(60, rel=0.02)
    assert codes["mock_location"]["count"] == 12
    assert effort.distance_m == pytest.approx(600 + 99 * 6, rel=0.01)
    assert any("faster than 30 km/h" in r for r in effort.reasons)
    assert any("12 mock-location fixes" in r for r in effort.reasons)


def test_a_generated_day_matches_an_independent_calculation_and_the_ground_truth():
    t0 = 1_780_000_000.0
    fixes = generate(LAT0, LNG0, t0)
    effort = compute([Fix(f["t"], f["lat"], f["lng"], f["accuracy_m"], f["mock"]) for f in fixes],
                     t0, fixes[-1]["t"] + 60, GRID)
    expected = expected_figures(fixes, GRID)
    assert effort.explanation["stretches"] == expected["stretches"] == 4
    for name in ("distance_m", "moving_s", "in_grid_distance_m", "in_grid_s"):
        assert getattr(effort, name) == pytest.approx(expected[name], rel=1e-9), name
    assert effort.distance_m == pytest.approx(walked_path_m(), rel=0.12)  # GPS noise adds a few per cent
    assert {f["code"] for f in effort.flags} == {"mock_location", "impossible_speed"}
    assert 0 < effort.coverage_pct < 100 and effort.cell_count > 2000


def test_coverage_counts_the_cells_a_walk_passes_through():
    square = Polygon([(LNG0, LAT0), (east(1000), LAT0), (east(1000), north(1000)), (LNG0, north(1000))])
    walk = [Fix(i * 5.0, north(100), east(i * 10.0), 5.0) for i in range(101)]  # 1 km along the first row
    effort = compute(walk, 0, 500, square)
    assert effort.cell_count == 25
    assert effort.coverage_pct == pytest.approx(100 * 5 / 25)
