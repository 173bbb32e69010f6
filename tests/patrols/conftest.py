"""Patrol test helpers: a grid of 宁陕县 with its inspector, an HTTP helper for the patrol app, and an
independent calculation of the expected effort figures from a generated track."""
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from shapely.geometry import Point

from reporter.common.timeutil import CST, utcnow
from tests.conftest import app_ctx

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84


@dataclass
class GridInfo:
    id: int
    polygon: object
    centre: tuple[float, float]


@pytest.fixture()
def grid(app) -> GridInfo:
    """The default grid around 宁陕县城 (reference data)."""
    from reporter.geo.services import grid_polygon, locate

    with app_ctx(app):
        grid_id = locate(*NINGSHAN).grid_id
        polygon = grid_polygon(grid_id)
    centre = polygon.centroid
    return GridInfo(grid_id, polygon, (centre.y, centre.x))


def assign(app, grid_id: int, user_id: int) -> None:
    from reporter.geo.services import assign_inspector

    with app_ctx(app) as session:
        assign_inspector(grid_id, user_id)
        session.commit()


def iso(t: float) -> str:
    """Epoch seconds as RFC 3339 in China Standard Time (as the phone sends it)."""
    return datetime.fromtimestamp(t, CST).isoformat()


def morning(days_ago: int = 2) -> float:
    """08:00 CST some days ago, in epoch seconds."""
    day = (utcnow().astimezone(CST) - timedelta(days=days_ago)).replace(hour=8, minute=0, second=0, microsecond=0)
    return day.timestamp()


def wire_point(fix: dict) -> dict:
    """A generated fix as the app uploads it."""
    return {"t": iso(fix["t"]), "lat": fix["lat"], "lng": fix["lng"], "accuracy_m": fix["accuracy_m"],
            "mock": fix["mock"], "coord_system": "wgs84", "provider": "gps"}


@dataclass
class PatrolApp:
    """The inspector app's calls, as one inspector."""

    client: object
    headers: dict
    patrol_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def create(self, grid_id: int, started_at: float, **extra):
        body = {"id": self.patrol_id, "grid_id": grid_id, "started_at": iso(started_at), **extra}
        return self.client.post("/api/v1/patrols", json=body, headers=self.headers)

    def points(self, fixes: list[dict]):
        return self.client.post(f"/api/v1/patrols/{self.patrol_id}/points",
                                json={"points": [wire_point(f) for f in fixes]}, headers=self.headers)

    def raw_points(self, points: list[dict]):
        return self.client.post(f"/api/v1/patrols/{self.patrol_id}/points", json={"points": points},
                                headers=self.headers)

    def finish(self, ended_at: float):
        return self.client.post(f"/api/v1/patrols/{self.patrol_id}/finish", json={"ended_at": iso(ended_at)},
                                headers=self.headers)

    def get(self, suffix: str = "", **query):
        return self.client.get(f"/api/v1/patrols/{self.patrol_id}{suffix}", headers=self.headers,
                               query_string=query)

    def post(self, suffix: str, body: dict):
        return self.client.post(f"/api/v1/patrols/{self.patrol_id}{suffix}", json=body, headers=self.headers)


@pytest.fixture()
def inspector(app, users, grid) -> int:
    uid = users.make("inspector")
    assign(app, grid.id, uid)
    return uid


@pytest.fixture()
def phone(client, users, inspector) -> PatrolApp:
    return PatrolApp(client, users.headers(inspector))


# ---- the expected figures, computed independently of reporter.patrols.effort ----

def _metres(a: dict, b: dict) -> float:
    """Haversine, written out here so the test does not trust the code under test."""
    r = 6371008.8
    phi1, phi2 = math.radians(a["lat"]), math.radians(b["lat"])
    dphi, dlmb = phi2 - phi1, math.radians(b["lng"] - a["lng"])
    s = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * r * math.asin(math.sqrt(s))


def expected_figures(fixes: list[dict], polygon) -> dict:
    """The documented rules applied by hand, using the generator's knowledge of what each fix was.

    Good fixes (≤ 50 m) of walk and pause phases are grouped into stretches, broken where a gap, mock or car phase
    intervenes or where no fix came for over 300 s; inside a stretch a fix counts as a move when it is at least the
    sum of both accuracies (min 5 m) from the last counted position. A car's last fix is where the inspector got
    out: the walk resumes there.
    """
    fixes = sorted(fixes, key=lambda f: f["t"])
    fixes = [{**f, "phase": "walk", "index": f["index"] + 1} if f["phase"] == "car" and (
        i + 1 == len(fixes) or fixes[i + 1]["phase"] != "car") else f for i, f in enumerate(fixes)]
    good = [f for f in fixes if f["accuracy_m"] <= 50 and f["phase"] in ("walk", "pause")]
    stretches: list[list[dict]] = []
    for fix in good:
        last = stretches[-1][-1] if stretches else None
        same_stretch = last is not None and fix["t"] - last["t"] <= 300 and all(
            k in ("walk", "pause") for k in _kinds_between(last, fix))
        if same_stretch:
            stretches[-1].append(fix)
        else:
            stretches.append([fix])
    distance = moving = counted = 0.0
    for stretch in stretches:
        counted += stretch[-1]["t"] - stretch[0]["t"]
        anchor = stretch[0]
        for fix in stretch[1:]:
            d = _metres(anchor, fix)
            if d >= max(5.0, anchor["accuracy_m"] + fix["accuracy_m"]):
                distance += d
                if d >= 0.2 * (fix["t"] - anchor["t"]):
                    moving += fix["t"] - anchor["t"]
                anchor = fix
    assert all(polygon.contains(Point(f["lng"], f["lat"])) for s in stretches for f in s), "track left the grid"
    return {"distance_m": distance, "moving_s": moving, "in_grid_distance_m": distance, "in_grid_s": counted,
            "stretches": len(stretches)}


def _kinds_between(a: dict, b: dict) -> list[str]:
    from tests.patrols.tracks import DAY

    return [DAY[i].kind for i in range(a["index"], b["index"] + 1)]
