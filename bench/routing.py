"""Routing speed, a check: route() over random points inside Ankang against the best simple look-up of the same
three layers route() reads (county, protection zone, grid): an STRtree of prepared polygons per layer, the first
polygon in priority order that contains the point winning (zones strictest first, grids by id), as the app's index
orders them. Both sides must agree on the county, zone and grid of every point. Measured in the same run in CPU
time of this process (other load on the machine does not skew the ratio). Target: route() at most 2× the look-up;
exits 1 on a miss or a disagreement.

Run: .venv/bin/python bench/routing.py [N]   (N defaults to 100,000; uses a throw-away SQLite database)
"""
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import shapely  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from shapely import STRtree  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402

from bench.verdict import Verdict  # noqa: E402


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


class Baseline:
    """One layer as the plain way would look it up: prepared polygons in an STRtree, the first containing one wins."""

    def __init__(self, rows: list[tuple[dict, object]]):
        self.keys = [key for _, key in rows]
        self.geometries = [shape(geometry) for geometry, _ in rows]
        shapely.prepare(self.geometries)
        self.tree = STRtree(self.geometries)

    def find(self, point: Point):
        hits = [int(i) for i in self.tree.query(point) if self.geometries[i].contains(point)]
        return self.keys[min(hits)] if hits else None


def baseline_layers():
    """County, zone and grid layers, each in the priority order the app's index uses (reporter.geo.services)."""
    from reporter.extensions import db
    from reporter.geo.models import ZONE_LEVELS, County, Grid, ProtectionZone

    strictness = {level: order for order, level in enumerate(ZONE_LEVELS)}
    counties = db.session.query(County).order_by(County.adcode).all()
    zones = sorted(db.session.query(ProtectionZone), key=lambda z: (strictness[z.level], z.id))
    grids = db.session.query(Grid).order_by(Grid.id).all()
    return (Baseline([(c.geometry, c.adcode) for c in counties]), Baseline([(z.geometry, z.level) for z in zones]),
            Baseline([(g.geometry, g.id) for g in grids]))


def main(n: int) -> None:
    from reporter import create_app
    from reporter.extensions import db
    from reporter.geo.models import County
    from reporter.geo.services import geo_index
    from reporter.reference import load_all
    from reporter.routing.services import active_category_codes, route

    workdir = tempfile.mkdtemp(prefix="bench-routing-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.db", "INSTANCE_PATH": workdir,
                      "SECRET_KEY": "bench-" * 8, "JWT_SECRET_KEY": "bench-" * 8, "ACCESS_LOG": False,
                      "CONTACT_ENCRYPTION_KEYS": "bench-contact-key-0123456789abcdef",
                      "PAYEE_INDEX_KEYS": "bench-payee-index-key-0123456789abcdef",
                      "REFERENCE_CACHE_CHECK_SECONDS": 3600.0})
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        counties = [shape(c.geometry) for c in db.session.query(County).order_by(County.adcode)]
        ankang = shapely.union_all(counties)
        shapely.prepare(ankang)
        rng = random.Random(2022)
        minx, miny, maxx, maxy = ankang.bounds
        points = []
        while len(points) < n:
            lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if ankang.contains(Point(lng, lat)):
                points.append((lat, lng))
        categories = sorted(active_category_codes())
        picks = [rng.choice(categories) for _ in range(n)]
        at = datetime(2024, 9, 27, 2, 0, tzinfo=UTC)

        before = rss_kib()
        started = time.process_time()
        geo_index()
        route(picks[0], *points[0], at=at)
        build_s = time.process_time() - started
        index_kib = rss_kib() - before

        county_layer, zone_layer, grid_layer = baseline_layers()
        started = time.process_time()
        bare = []
        for lat, lng in points:
            p = Point(lng, lat)
            bare.append((county_layer.find(p), zone_layer.find(p), grid_layer.find(p)))
        bare_s = time.process_time() - started

        started = time.process_time()
        routed = [route(category, lat, lng, at=at) for (lat, lng), category in zip(points, picks, strict=True)]
        route_s = time.process_time() - started
        disagree = sum(1 for r, b in zip(routed, bare, strict=True)
                       if (r.place.county_adcode, r.place.zone, r.place.grid_id) != b)

    print(f"points: {n} inside Ankang, {len(categories)} categories; layers: {len(county_layer.keys)} counties, "
          f"{len(zone_layer.keys)} zones, {len(grid_layer.keys)} grids")
    print(f"prepared STRtree look-up, 3 layers: {n / bare_s:,.0f} look-ups/s ({bare_s / n * 1e6:.1f} µs each)")
    print(f"route():                            {n / route_s:,.0f} routes/s ({route_s / n * 1e6:.1f} µs each)")
    print(f"index + rules: built in {build_s:.2f} s, resident memory +{index_kib / 1024:.1f} MiB")
    verdict = Verdict("routing")
    verdict.exactly("points where route() and the look-up disagree", disagree, 0)
    verdict.at_most("route() / prepared STRtree look-up of the same 3 layers", route_s / bare_s, 2)
    verdict.exit()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
