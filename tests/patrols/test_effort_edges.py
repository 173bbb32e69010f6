"""The effort thresholds on either side: the 30 km/h limit and the accuracy allowance, the 300 s gap, the 50 m
accuracy cut, the 5 m step, the frozen-receiver run, the mostly-outside share, and every PATROL_* setting read."""
import pytest

from reporter.patrols.effort import Effort, Fix, LocalProjection, Rule, compute, duration_text, km_text
from tests.patrols.test_effort import GRID, LAT0, LNG0, M_PER_DEG_LAT, north

SETTINGS = {"PATROL_MAX_ACCURACY_M": "max_accuracy_m", "PATROL_MIN_STEP_M": "min_step_m",
            "PATROL_MAX_SPEED_KMH": "max_speed_kmh", "PATROL_MOVING_MIN_MPS": "moving_min_mps",
            "PATROL_MAX_GAP_S": "max_gap_s", "PATROL_FROZEN_MIN_S": "frozen_min_s", "PATROL_CELL_M": "cell_m",
            "PATROL_DAY_MIN_KM": "day_min_km", "PATROL_DAY_MIN_HOURS": "day_min_hours",
            "PATROL_OUTSIDE_GRID_SHARE": "outside_grid_share"}


def two(metres: float, seconds: float, accuracy=None) -> list[Fix]:
    return [Fix(0, LAT0, LNG0, accuracy), Fix(seconds, north(metres), LNG0, accuracy)]


def excluded(effort, reason: str) -> int:
    return effort.explanation["excluded"][reason]["intervals"]


def test_the_defaults_are_the_documented_rule():
    rule = Rule()
    assert (rule.max_accuracy_m, rule.min_step_m, rule.max_speed_kmh, rule.moving_min_mps, rule.max_gap_s,
            rule.frozen_min_s, rule.cell_m, rule.day_min_km, rule.day_min_hours, rule.outside_grid_share) == (
        50.0, 5.0, 30.0, 0.2, 300.0, 300.0, 200.0, 3.0, 1.0, 0.5)
    assert rule.max_speed_mps == pytest.approx(30 / 3.6, rel=1e-12)


def test_every_setting_is_read_under_its_name():
    config = {key: str(10 + n) for n, key in enumerate(SETTINGS)}
    rule = Rule.from_config(config)
    for n, (key, name) in enumerate(SETTINGS.items()):
        assert getattr(rule, name) == 10.0 + n, key
    assert Rule.from_config({}) == Rule()
    assert Rule.from_config({"PATROL_MAX_SPEED_KMH": 36}).max_speed_mps == pytest.approx(10.0)


@pytest.mark.parametrize("kmh, fast", [(29.5, False), (30.5, True), (23.0, False), (60.0, True)])
def test_the_speed_limit_is_30_kmh(kmh, fast):
    effort = compute(two(kmh / 3.6 * 60, 60), 0, 60, GRID)
    assert excluded(effort, "fast") == int(fast)
    assert (effort.distance_m > 0) is not fast
    assert any(f["code"] == "impossible_speed" for f in effort.flags) is fast


@pytest.mark.parametrize("accuracy, fast", [(None, True), (5.0, True), (10.0, False), (20.0, False)])
def test_the_speed_rule_allows_for_both_fixes_accuracy(accuracy, fast):
    # 100 m in 10 s looks like 36 km/h; 2 × 10 m of error leaves 8 m/s = 28.8 km/h, 2 × 5 m leaves 32.4 km/h
    effort = compute(two(100, 10, accuracy), 0, 10, GRID)
    assert excluded(effort, "fast") == int(fast)


@pytest.mark.parametrize("seconds, gap", [(299, False), (300, False), (301, True)])
def test_a_gap_is_longer_than_300_seconds(seconds, gap):
    effort = compute(two(200, seconds), 0, seconds, GRID)
    assert excluded(effort, "gap") == int(gap)
    assert effort.counted_s == (0 if gap else seconds)
    assert any("gaps without fixes longer than 5 min" in r for r in effort.reasons) is gap


@pytest.mark.parametrize("accuracy, dropped", [(49.9, 0), (50.0, 0), (50.1, 1)])
def test_fixes_worse_than_50_m_are_dropped(accuracy, dropped):
    fixes = [Fix(0, LAT0, LNG0, 5.0), Fix(30, north(60), LNG0, accuracy), Fix(60, north(120), LNG0, 5.0)]
    effort = compute(fixes, 0, 60, GRID)
    assert effort.explanation["inaccurate"] == dropped
    assert any("worse than 50 m accuracy dropped" in r for r in effort.reasons) is bool(dropped)


@pytest.mark.parametrize("metres, moved", [(4.9, False), (5.1, True)])
def test_a_move_needs_at_least_5_metres(metres, moved):
    effort = compute(two(metres, 10), 0, 10, GRID)
    assert (effort.distance_m > 0) is moved
    assert effort.counted_s == 10


def test_a_move_within_the_accuracy_is_jitter():
    assert compute(two(15, 10, 8.0), 0, 10, GRID).distance_m == 0        # 15 m < 8 + 8 m
    assert compute(two(17, 10, 8.0), 0, 10, GRID).distance_m > 16        # 17 m ≥ 16 m


def test_moving_time_needs_0_2_metres_a_second():
    slow = compute(two(5.5, 30), 0, 30, GRID)    # 0.18 m/s
    brisk = compute(two(6.5, 30), 0, 30, GRID)   # 0.22 m/s
    assert slow.moving_s == 0 and slow.counted_s == 30
    assert brisk.moving_s == 30


@pytest.mark.parametrize("seconds, frozen", [(295, False), (300, True)])
def test_a_frozen_receiver_repeats_the_same_position_for_300_seconds(seconds, frozen):
    same = [Fix(t, LAT0, LNG0, 5.0) for t in range(0, seconds + 1, 5)]
    effort = compute(same, 0, seconds, GRID)
    assert any(f["code"] == "frozen_fixes" for f in effort.flags) is frozen
    assert excluded(effort, "frozen") == (len(same) - 1 if frozen else 0)


def test_a_walk_mostly_outside_the_grid_is_flagged_with_its_share():
    far = LNG0 + 0.2  # outside GRID
    outside = [Fix(t, north(t / 10), far, 5.0) for t in range(0, 601, 60)]
    inside = [Fix(t, north(t / 10), LNG0, 5.0) for t in range(0, 601, 60)]
    [flag] = [f for f in compute(outside, 0, 600, GRID).flags if f["code"] == "mostly_outside_grid"]
    assert flag["share_pct"] == 100 and flag["message"] == "100% of the counted time was outside the assigned grid"
    assert not [f for f in compute(inside, 0, 600, GRID).flags if f["code"] == "mostly_outside_grid"]


def test_texts_round_down():
    assert km_text(2999.9) == "2.99 km" and km_text(3000) == "3.00 km" and km_text(0) == "0.00 km"
    assert duration_text(59.9) == "0 min" and duration_text(3599) == "59 min" and duration_text(3600) == "1 h 00 min"
    assert duration_text(3900) == "1 h 05 min"


def test_the_local_projection_round_trips_in_metres():
    """inverse(forward(p)) is p, and a metre north or east is a metre (the grid's cells and cut segments)."""
    projection = LocalProjection(LAT0, LNG0)
    lat, lng = projection.inverse(*projection.forward(north(250), LNG0 + 0.003))
    assert (float(lat), float(lng)) == pytest.approx((north(250), LNG0 + 0.003), abs=1e-12)
    x, y = projection.forward(north(100), LNG0)
    assert (float(x), float(y)) == pytest.approx((0.0, 100.0), abs=0.05)
    assert projection.forward(LAT0, LNG0) == (0.0, 0.0)


def test_an_empty_effort_is_all_zero():
    """The summary of a patrol before anything is counted: nothing counted, nothing flagged."""
    effort = Effort()
    assert (effort.distance_m, effort.duration_s, effort.moving_s, effort.counted_s, effort.in_grid_distance_m,
            effort.in_grid_s, effort.coverage_pct, effort.cell_count) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert not effort.counts_as_patrol_day and effort.visited_cells == effort.reasons == effort.flags == []
    assert effort.explanation == {}


@pytest.mark.parametrize("step", [1, -1])
def test_a_move_straight_north_or_south_across_the_grid_edge_counts_its_inside_part(step):
    """A segment along a meridian is a line, not a point: half of a move across the southern edge is inside."""
    edge = GRID.bounds[1]  # the southern edge's latitude
    metres = 400.0
    half = metres / 2 * (north(1) - LAT0)  # degrees of latitude
    ends = [Fix(0, edge + step * half, LNG0, 5.0), Fix(300, edge - step * half, LNG0, 5.0)]
    effort = compute(ends, 0, 300, GRID)
    assert effort.distance_m == pytest.approx(metres, rel=1e-3)
    assert effort.in_grid_distance_m == pytest.approx(metres / 2, rel=1e-2)
    assert effort.in_grid_s == pytest.approx(150, rel=1e-2)


def test_unknown_accuracy_allows_no_slack_in_the_speed_rule():
    # 84.5 m in 10 s: 30.4 km/h; any allowance for the fixes' accuracy would bring it under 30 km/h
    effort = compute(two(84.5, 10), 0, 10, GRID)
    assert excluded(effort, "fast") == 1
    assert compute(two(84.5, 10, 1.0), 0, 10, GRID).explanation["excluded"]["fast"]["intervals"] == 0


def test_the_top_speed_is_flagged_to_a_tenth_of_a_km_h():
    effort = compute(two(45.37 / 3.6 * 60, 60), 0, 60, GRID)
    [flag] = [f for f in effort.flags if f["code"] == "impossible_speed"]
    assert flag["top_speed_kmh"] == pytest.approx(45.4, abs=1e-9)


def test_a_move_along_a_parallel_visits_every_cell_it_crosses():
    """A segment due east is a line, not a point: 1 km across 200 m cells touches at least five of them."""
    start = LNG0 - 0.02
    effort = compute([Fix(0, LAT0, start, 5.0), Fix(240, LAT0, start + 1000 / (M_PER_DEG_LAT * 0.8358), 5.0)],
                     0, 240, GRID)
    assert effort.distance_m == pytest.approx(1000, rel=2e-3)
    assert len(effort.visited_cells) >= 5
    assert len({key.split(":")[1] for key in effort.visited_cells}) <= 2  # one row (two on a row's edge)
