"""Generated tracks that look like a real patrol: a winding walk with GPS noise, a pause, an offline gap,
a mock-location stretch and a car ride. Each fix carries the phase it belongs to, so tests can compute the expected
figures on their own."""
import math
import random
from dataclasses import dataclass

M_PER_DEG_LAT = 111_195.0


@dataclass
class Phase:
    """One stretch of the day: what the walker does, for how long, at what speed (m/s)."""

    kind: str  # walk | pause | gap | mock | car
    minutes: float
    speed: float = 1.2


DAY = [Phase("walk", 40), Phase("pause", 15, 0.0), Phase("walk", 20), Phase("gap", 10), Phase("walk", 20),
       Phase("mock", 5), Phase("walk", 15), Phase("car", 3, 60 / 3.6), Phase("walk", 25)]


class Walker:
    """A position moving over the ground in metres around a start point, turning gently."""

    def __init__(self, lat: float, lng: float, rng: random.Random):
        self.lat0, self.lng0, self.rng = lat, lng, rng
        self.x = self.y = 0.0
        self.heading = rng.uniform(0, 2 * math.pi)
        self.path_m = 0.0

    def step(self, metres: float, turn_per_m: float = 1 / 400) -> None:
        """Advance along a gently winding path that keeps circling back (so the walk stays in its grid)."""
        self.heading += turn_per_m * metres + self.rng.gauss(0, 0.02)
        self.x += metres * math.sin(self.heading)
        self.y += metres * math.cos(self.heading)
        self.path_m += metres

    def latlng(self, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
        """The position (plus an offset in metres) in degrees."""
        lat = self.lat0 + (self.y + dy) / M_PER_DEG_LAT
        lng = self.lng0 + (self.x + dx) / (M_PER_DEG_LAT * math.cos(math.radians(self.lat0)))
        return lat, lng


def generate(lat: float, lng: float, t0: float, *, phases=DAY, every_s: float = 5.0, seed: int = 7,
             bad_fix_every: int = 97) -> list[dict]:
    """Fixes of a patrol day: {"t", "lat", "lng", "accuracy_m", "mock", "phase", "index"} with t in epoch seconds."""
    rng = random.Random(seed)
    walker = Walker(lat, lng, rng)
    fixes: list[dict] = []
    t = t0
    for index, phase in enumerate(phases):
        steps = int(phase.minutes * 60 / every_s)
        for _ in range(steps):
            t += every_s
            if phase.kind != "pause":
                walker.step(phase.speed * every_s, turn_per_m=0 if phase.kind == "car" else 1 / 400)
            if phase.kind == "gap":
                continue
            accuracy = rng.uniform(4, 12)
            sigma = accuracy / 2
            if phase.kind == "mock":
                fake_lat, fake_lng = walker.latlng(1500 + rng.gauss(0, 2), 1500 + rng.gauss(0, 2))
                fixes.append(_fix(t, fake_lat, fake_lng, 3.0, True, phase.kind, index))
                continue
            if len(fixes) % bad_fix_every == 0 and phase.kind == "walk":
                accuracy, sigma = 80.0, 40.0  # a poor fix under trees: dropped by the 50 m rule
            fix_lat, fix_lng = walker.latlng(rng.gauss(0, sigma), rng.gauss(0, sigma))
            fixes.append(_fix(t, fix_lat, fix_lng, accuracy, False, phase.kind, index))
    return fixes


def _fix(t, lat, lng, accuracy, mock, phase, index) -> dict:
    return {"t": t, "lat": round(lat, 7), "lng": round(lng, 7), "accuracy_m": round(accuracy, 1), "mock": mock,
            "phase": phase, "index": index}


def walked_path_m(phases=DAY) -> float:
    """The true length walked on foot in the phases that are seen (walk phases only)."""
    return sum(p.speed * p.minutes * 60 for p in phases if p.kind == "walk")
