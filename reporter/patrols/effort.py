"""Effort figures of one patrol (巡查工作量): pure functions over the track, no database and no HTTP.

The rules, in the order they are applied (each is explained in the answer's `reasons` and `flags`):

1. Fixes outside the patrol's time span are kept in the database but not counted (flag `outside_span`).
2. Fixes worse than `max_accuracy_m` (50 m) are dropped; mock-location fixes stay in the sequence so that the
   stretches they cover can be excluded (flag `mock_location`).
3. A jump — one fix that is impossibly far from both neighbours while the neighbours agree — is dropped (flag `jump`).
4. Consecutive fixes form intervals. An interval is not counted when it touches a mock fix, when it is faster than
   `max_speed_kmh` even after allowing for both fixes' accuracy (a vehicle; flag `impossible_speed`), when no fix came
   for longer than `max_gap_s`, or when it lies in a run of identical coordinates lasting `frozen_min_s` or more
   (a frozen receiver; flag `frozen_fixes`).
5. Counted intervals form stretches. Inside a stretch, GPS jitter is removed: a fix moves the walker only when it is
   at least max(`min_step_m`, combined accuracy of the two fixes) from the last accepted position.
6. Distance is the haversine sum of the accepted moves; moving time is the time of moves at `moving_min_mps` or more;
   counted time is the whole time of the stretches (pauses on foot count, they are part of a patrol).
7. In-grid distance and time take each move's share inside the grid polygon (segments crossing the boundary are cut
   at it, in a local metric projection); coverage is the share of the grid's `cell_m` cells (clipped to the polygon;
   slivers under 5 % of a cell ignored) that counted moves touch.
8. A patrol counts as a patrol day when in-grid distance ≥ `day_min_km` and in-grid time ≥ `day_min_hours`.
"""
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6371008.8
MIN_CELL_SHARE = 0.05  # a cell with less of its area inside the grid is too small a sliver to count for coverage


@dataclass(frozen=True)
class Fix:
    """One stored track point: seconds since the epoch, WGS-84 position, accuracy, the phone's mock flag."""

    t: float
    lat: float
    lng: float
    accuracy_m: float | None = None
    mock: bool = False


@dataclass(frozen=True)
class Rule:
    """The thresholds (configurable; defaults from the county rule and common GPS practice)."""

    max_accuracy_m: float = 50.0
    min_step_m: float = 5.0
    max_speed_kmh: float = 30.0
    moving_min_mps: float = 0.2
    max_gap_s: float = 300.0
    frozen_min_s: float = 300.0
    cell_m: float = 200.0
    day_min_km: float = 3.0
    day_min_hours: float = 1.0
    outside_grid_share: float = 0.5

    CONFIG_KEYS = {
        "max_accuracy_m": "PATROL_MAX_ACCURACY_M", "min_step_m": "PATROL_MIN_STEP_M",
        "max_speed_kmh": "PATROL_MAX_SPEED_KMH", "moving_min_mps": "PATROL_MOVING_MIN_MPS",
        "max_gap_s": "PATROL_MAX_GAP_S", "frozen_min_s": "PATROL_FROZEN_MIN_S", "cell_m": "PATROL_CELL_M",
        "day_min_km": "PATROL_DAY_MIN_KM", "day_min_hours": "PATROL_DAY_MIN_HOURS",
        "outside_grid_share": "PATROL_OUTSIDE_GRID_SHARE",
    }

    @classmethod
    def from_config(cls, config) -> "Rule":
        """The rule with any PATROL_* settings of a Flask config applied."""
        return cls(**{name: float(config[key]) for name, key in cls.CONFIG_KEYS.items() if key in config})

    @property
    def max_speed_mps(self) -> float:
        """The speed limit on foot in metres per second."""
        return self.max_speed_kmh / 3.6


@dataclass
class Effort:
    """The stored summary of a patrol."""

    distance_m: float = 0.0
    duration_s: float = 0.0
    moving_s: float = 0.0
    counted_s: float = 0.0
    in_grid_distance_m: float = 0.0
    in_grid_s: float = 0.0
    coverage_pct: float = 0.0
    cell_count: int = 0
    visited_cells: list[str] = field(default_factory=list)
    counts_as_patrol_day: bool = False
    reasons: list[str] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    explanation: dict = field(default_factory=dict)


class LocalProjection:
    """An equirectangular projection in metres around a reference point (accurate to ~0.1 % over a grid)."""

    def __init__(self, lat0: float, lng0: float):
        self.lat0, self.lng0 = lat0, lng0
        self.ky = math.radians(1) * EARTH_RADIUS_M
        self.kx = self.ky * math.cos(math.radians(lat0))

    def forward(self, lat, lng):
        """(x, y) metres of WGS-84 positions (scalars or numpy arrays)."""
        return (np.asarray(lng) - self.lng0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def inverse(self, x, y):
        """(lat, lng) of projected positions."""
        return np.asarray(y) / self.ky + self.lat0, np.asarray(x) / self.kx + self.lng0

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        """A WGS-84 shapely geometry (x = lng, y = lat) in metres."""
        return shapely.transform(geom, lambda c: np.column_stack(self.forward(c[:, 1], c[:, 0])))


class GridCells:
    """A grid polygon in a local metric projection, cut into square cells clipped to it."""

    def __init__(self, polygon_wgs84: BaseGeometry, cell_m: float):
        centre = polygon_wgs84.centroid
        self.projection = LocalProjection(centre.y, centre.x)
        self.polygon = self.projection.geometry(polygon_wgs84)
        shapely.prepare(self.polygon)
        minx, miny, maxx, maxy = self.polygon.bounds
        # A hair over a whole number of cells is rounding, not another row of cells.
        cols = max(1, math.ceil((maxx - minx) / cell_m - 1e-6))
        rows = max(1, math.ceil((maxy - miny) / cell_m - 1e-6))
        squares, keys = [], []
        for col in range(cols):
            for row in range(rows):
                square = box(minx + col * cell_m, miny + row * cell_m,
                             minx + (col + 1) * cell_m, miny + (row + 1) * cell_m)
                squares.append(square)
                keys.append(f"{col}:{row}")
        clipped = shapely.intersection(np.array(squares, dtype=object), self.polygon)
        inside = shapely.area(clipped) >= MIN_CELL_SHARE * cell_m * cell_m
        self.cells = clipped[inside]
        self.keys = [k for k, keep in zip(keys, inside, strict=True) if keep]
        self.tree = STRtree(self.cells)

    def inside_shares(self, x0, y0, x1, y1) -> np.ndarray:
        """The share of each segment (a point when both ends agree) that lies inside the polygon."""
        shares = np.zeros(len(x0))
        if not len(x0):
            return shares
        still = (x0 == x1) & (y0 == y1)
        shares[still] = shapely.contains_xy(self.polygon, x0[still], y0[still])
        moving = np.flatnonzero(~still)
        if len(moving):
            coords = np.stack([np.column_stack([x0[moving], y0[moving]]),
                               np.column_stack([x1[moving], y1[moving]])], axis=1)
            lines = shapely.linestrings(coords)
            within = shapely.within(lines, self.polygon)
            touching = ~within & shapely.intersects(lines, self.polygon)
            part = np.zeros(len(moving))
            part[within] = 1.0
            if touching.any():
                cut = shapely.intersection(lines[touching], self.polygon)
                part[touching] = shapely.length(cut) / shapely.length(lines[touching])
            shares[moving] = part
        return shares

    def visited(self, x0, y0, x1, y1) -> list[str]:
        """Keys of the cells that the segments (or points) touch."""
        if not len(x0) or not len(self.keys):
            return []
        coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
        still = (x0 == x1) & (y0 == y1)
        geoms = np.empty(len(x0), dtype=object)
        geoms[still] = shapely.points(x0[still], y0[still])
        geoms[~still] = shapely.linestrings(coords[~still])
        hits = self.tree.query(geoms, predicate="intersects")[1]
        return sorted({self.keys[i] for i in hits})


OK, MOCK, FAST, GAP, FROZEN = range(5)
REASONS = {MOCK: "mock", FAST: "fast", GAP: "gap", FROZEN: "frozen"}


class Track:
    """Fixes as columns in time order (numpy arrays; unknown accuracy is NaN)."""

    def __init__(self, t, lat, lng, acc, mock):
        self.t, self.lat, self.lng, self.acc, self.mock = t, lat, lng, acc, mock
        self.slack = np.nan_to_num(acc, nan=0.0)  # unknown accuracy allows no slack

    @classmethod
    def of(cls, fixes: "Sequence[Fix] | Track") -> "Track":
        """The fixes (or a track) sorted by time."""
        if isinstance(fixes, Track):
            return fixes.sorted()
        return cls.from_rows([(f.t, f.lat, f.lng, f.accuracy_m, f.mock) for f in fixes])

    @classmethod
    def from_rows(cls, rows: Sequence[tuple]) -> "Track":
        """A track of (t seconds, lat, lng, accuracy_m or None, mock) rows, sorted by time."""
        n = len(rows)
        return cls(np.fromiter((r[0] for r in rows), float, n), np.fromiter((r[1] for r in rows), float, n),
                   np.fromiter((r[2] for r in rows), float, n),
                   np.fromiter((np.nan if r[3] is None else r[3] for r in rows), float, n),
                   np.fromiter((r[4] for r in rows), bool, n)).sorted()

    def sorted(self) -> "Track":
        """The same fixes in time order."""
        return self.take(np.argsort(self.t, kind="stable"))

    def __len__(self) -> int:
        return len(self.t)

    def take(self, selector) -> "Track":
        """The fixes picked by a mask or index array, in order."""
        return Track(self.t[selector], self.lat[selector], self.lng[selector], self.acc[selector],
                     self.mock[selector])

    def metres(self, i, j) -> np.ndarray:
        """Haversine distances between fixes i and j (index arrays)."""
        return _haversine_np(self.lat[i], self.lng[i], self.lat[j], self.lng[j])

    def fast(self, i, j, limit_mps: float) -> np.ndarray:
        """Faster than the limit even if both fixes erred toward each other by their accuracy."""
        return self.metres(i, j) - (self.slack[i] + self.slack[j]) > limit_mps * (self.t[j] - self.t[i])


def _drop_jumps(track: Track, limit: float) -> tuple[Track, int]:
    """Drop single fixes that leap away and back while their neighbours agree."""
    if len(track) < 3:
        return track, 0
    i = np.arange(1, len(track) - 1)
    calm = ~(track.mock[i - 1] | track.mock[i] | track.mock[i + 1])
    jump = calm & track.fast(i - 1, i, limit) & track.fast(i, i + 1, limit) & ~track.fast(i - 1, i + 1, limit)
    keep = np.ones(len(track), bool)
    keep[i[jump]] = False
    return track.take(keep), int(jump.sum())


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True values."""
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) - 1).tolist(), strict=True))


def _frozen(track: Track, rule: Rule) -> tuple[np.ndarray, dict]:
    """Intervals inside runs of identical coordinates lasting frozen_min_s or more, and a tally of those runs."""
    same = ((track.lat[1:] == track.lat[:-1]) & (track.lng[1:] == track.lng[:-1])
            & ~track.mock[1:] & ~track.mock[:-1])
    frozen = np.zeros(len(same), bool)
    tally = {"runs": 0, "points": 0, "seconds": 0.0}
    for first, last in _runs(same):
        seconds = float(track.t[last + 1] - track.t[first])
        if seconds >= rule.frozen_min_s:
            frozen[first:last + 1] = True
            tally = {"runs": tally["runs"] + 1, "points": tally["points"] + last - first + 2,
                     "seconds": tally["seconds"] + seconds}
    return frozen, tally


def _intervals(track: Track, rule: Rule) -> tuple[np.ndarray, dict]:
    """Why each interval between consecutive fixes is not counted (OK when it is), with a tally per reason."""
    i = np.arange(len(track) - 1)
    d, dt = track.metres(i, i + 1), np.diff(track.t)
    fast = track.fast(i, i + 1, rule.max_speed_mps)
    frozen, frozen_tally = _frozen(track, rule)
    reason = np.select([track.mock[:-1] | track.mock[1:], fast, dt > rule.max_gap_s, frozen],
                       [MOCK, FAST, GAP, FROZEN], OK)
    excluded = {name: [int((reason == code).sum()), float(d[reason == code].sum()), float(dt[reason == code].sum())]
                for code, name in REASONS.items()}
    speeds = d[reason == FAST] / np.maximum(dt[reason == FAST], 1e-3)
    info = {"excluded": excluded, "top_speed_kmh": float(speeds.max()) * 3.6 if len(speeds) else 0.0,
            "frozen": frozen_tally}
    return reason, info


def _moves(track: Track, first: int, last: int, rule: Rule, out: list) -> None:
    """The jitter-free moves of the stretch first..last as (from, to-position, to-time) fix indices; the stretch ends
    with a stand-still move to its last fix's time."""
    lat, lng = np.radians(track.lat[first:last + 1]).tolist(), np.radians(track.lng[first:last + 1]).tolist()
    cos, slack = np.cos(lat).tolist(), track.slack[first:last + 1].tolist()
    anchor, two_r, min_step = 0, 2 * EARTH_RADIUS_M, rule.min_step_m
    for k in range(1, len(lat)):
        h = (math.sin((lat[k] - lat[anchor]) / 2) ** 2
             + cos[anchor] * cos[k] * math.sin((lng[k] - lng[anchor]) / 2) ** 2)
        if two_r * math.asin(math.sqrt(h)) >= max(min_step, slack[anchor] + slack[k]):
            out.append((first + anchor, first + k, first + k))
            anchor = k
    if first + anchor != last:
        out.append((first + anchor, first + anchor, last))


def kept_fixes(fixes: "Sequence[Fix] | Track", started_at: float, ended_at: float,
               rule: Rule) -> tuple[Track, dict]:
    """Steps 1–3: the fixes the figures are built from, and counts of the ones set aside."""
    track = Track.of(fixes)
    in_span = track.take((track.t >= started_at) & (track.t <= ended_at))
    usable = in_span.take(in_span.mock | np.isnan(in_span.acc) | (in_span.acc <= rule.max_accuracy_m))
    kept, jumps = _drop_jumps(usable, rule.max_speed_mps)
    counts = {"points": len(track), "outside_span": len(track) - len(in_span),
              "inaccurate": len(in_span) - len(usable), "jumps": jumps, "mock": int(in_span.mock.sum())}
    return kept, counts


def compute(fixes: "Sequence[Fix] | Track", started_at: float, ended_at: float, grid: BaseGeometry | None,
            rule: Rule | None = None, cells: GridCells | None = None) -> Effort:
    """All figures, flags and reasons of one patrol (times in seconds since the epoch, grid in WGS-84)."""
    rule = rule or Rule()
    if cells is None and grid is not None and not grid.is_empty:
        cells = GridCells(grid, rule.cell_m)
    kept, counts = kept_fixes(fixes, started_at, ended_at, rule)
    reason, info = _intervals(kept, rule) if len(kept) > 1 else (np.zeros(0, int), _no_intervals())
    stretches = _runs(reason == OK)
    moves: list[tuple[int, int, int]] = []
    for first, last in stretches:
        _moves(kept, first, last + 1, rule, moves)
    frm, to, when = (np.array(column, dtype=int) for column in zip(*moves, strict=True)) if moves else (
        np.zeros(0, int),) * 3
    effort = Effort(duration_s=max(0.0, ended_at - started_at))
    lat0, lng0, lat1, lng1 = kept.lat[frm], kept.lng[frm], kept.lat[to], kept.lng[to]
    dt = kept.t[when] - kept.t[frm]
    dist = _haversine_np(lat0, lng0, lat1, lng1)
    effort.distance_m = float(dist.sum())
    effort.counted_s = float(dt.sum())
    effort.moving_s = float(dt[(dt > 0) & (dist >= rule.moving_min_mps * dt)].sum())
    if cells is not None:
        x0, y0 = cells.projection.forward(lat0, lng0)
        x1, y1 = cells.projection.forward(lat1, lng1)
        shares = cells.inside_shares(x0, y0, x1, y1)
        effort.in_grid_distance_m = float((dist * shares).sum())
        effort.in_grid_s = float((dt * shares).sum())
        effort.visited_cells = cells.visited(x0, y0, x1, y1)
        effort.cell_count = len(cells.keys)
        effort.coverage_pct = round(100.0 * len(effort.visited_cells) / effort.cell_count, 1) if cells.keys else 0.0
    effort.counts_as_patrol_day, day_reasons = judge_day(effort.in_grid_distance_m, effort.in_grid_s, rule)
    effort.flags = _flags(counts, info, effort, rule)
    effort.reasons = day_reasons + _exclusion_reasons(counts, info, rule)
    effort.explanation = {**counts, "kept": len(kept), "moves": len(moves), "stretches": len(stretches),
                          "excluded": {k: {"intervals": v[0], "distance_m": round(v[1], 1), "seconds": round(v[2])}
                                       for k, v in info["excluded"].items()}}
    return effort


def _no_intervals() -> dict:
    return {"excluded": {name: [0, 0.0, 0.0] for name in REASONS.values()}, "top_speed_kmh": 0.0,
            "frozen": {"runs": 0, "points": 0, "seconds": 0.0}}


def _haversine_np(lat0, lng0, lat1, lng1) -> np.ndarray:
    p0, p1 = np.radians(lat0), np.radians(lat1)
    h = np.sin((p1 - p0) / 2) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(np.radians(lng1 - lng0) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def km_text(metres: float) -> str:
    """Kilometres to two decimals, rounded down (so 2,999.6 m never reads as 3.00 km)."""
    return f"{math.floor(metres / 10) / 100:.2f} km"


def duration_text(seconds: float) -> str:
    """'1 h 05 min' style, rounded down to the minute."""
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def judge_day(in_grid_m: float, in_grid_s: float, rule: Rule) -> tuple[bool, list[str]]:
    """Whether figures meet the patrol-day rule (≥ day_min_km and ≥ day_min_hours inside the grid), with reasons."""
    need_m, need_s = rule.day_min_km * 1000.0, rule.day_min_hours * 3600.0
    km_ok, time_ok = in_grid_m >= need_m, in_grid_s >= need_s
    reasons = [
        f"in-grid distance {km_text(in_grid_m)} {'meets' if km_ok else 'is below'} the {rule.day_min_km:g} km minimum",
        f"in-grid time {duration_text(in_grid_s)} {'meets' if time_ok else 'is below'} "
        f"the {rule.day_min_hours:g} h minimum",
    ]
    verdict = "counts as a patrol day" if km_ok and time_ok else "does not count as a patrol day"
    return km_ok and time_ok, [verdict, *reasons]


def _exclusion_reasons(counts: dict, info: dict, rule: Rule) -> list[str]:
    """What was left out of the figures, in words."""
    ex = info["excluded"]
    reasons = []
    if counts["inaccurate"]:
        reasons.append(f"{counts['inaccurate']} fixes worse than {rule.max_accuracy_m:g} m accuracy dropped")
    if counts["jumps"]:
        reasons.append(f"{counts['jumps']} jumping fixes dropped")
    if ex["fast"][0]:
        reasons.append(f"{km_text(ex['fast'][1])} over {duration_text(ex['fast'][2])} faster than "
                       f"{rule.max_speed_kmh:g} km/h (a vehicle, not on foot) not counted")
    if counts["mock"]:
        reasons.append(f"{counts['mock']} mock-location fixes: {duration_text(ex['mock'][2])} not counted")
    if ex["frozen"][0]:
        reasons.append(f"frozen identical fixes for {duration_text(ex['frozen'][2])} not counted")
    if ex["gap"][0]:
        reasons.append(f"{ex['gap'][0]} gaps without fixes longer than {duration_text(rule.max_gap_s)} "
                       f"({duration_text(ex['gap'][2])}) not counted")
    if counts["outside_span"]:
        reasons.append(f"{counts['outside_span']} fixes outside the patrol's time span not counted")
    return reasons


def _flags(counts: dict, info: dict, effort: Effort, rule: Rule) -> list[dict]:
    """Warnings for the supervisor; they never delete data."""
    ex = info["excluded"]
    flags = []
    if counts["mock"]:
        flags.append({"code": "mock_location", "count": counts["mock"], "seconds": round(ex["mock"][2]),
                      "message": "the phone reported mock (simulated) locations"})
    if ex["fast"][0]:
        flags.append({"code": "impossible_speed", "count": ex["fast"][0], "distance_m": round(ex["fast"][1], 1),
                      "seconds": round(ex["fast"][2]), "top_speed_kmh": round(info["top_speed_kmh"], 1),
                      "message": f"moved faster than {rule.max_speed_kmh:g} km/h, impossible on foot"})
    if counts["jumps"]:
        flags.append({"code": "jump", "count": counts["jumps"],
                      "message": "single fixes leapt far away and back"})
    if info["frozen"]["runs"]:
        flags.append({"code": "frozen_fixes", "count": info["frozen"]["points"], "runs": info["frozen"]["runs"],
                      "seconds": round(info["frozen"]["seconds"]),
                      "message": f"identical coordinates repeated for {rule.frozen_min_s:g} s or more"})
    if counts["outside_span"]:
        flags.append({"code": "outside_span", "count": counts["outside_span"],
                      "message": "fixes timed before the start or after the end of the patrol"})
    if effort.counted_s > 0 and effort.in_grid_s < rule.outside_grid_share * effort.counted_s:
        share = round(100 * (1 - effort.in_grid_s / effort.counted_s))
        flags.append({"code": "mostly_outside_grid", "share_pct": share,
                      "message": f"{share}% of the counted time was outside the assigned grid"})
    return flags
