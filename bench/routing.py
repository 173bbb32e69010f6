"""Routing speed: route() over random points inside Ankang against a bare shapely point-in-polygon over the same
county polygons, measured in the same run (CPU time of this process, so other load on the machine does not skew
the ratio). Target: routing costs at most 3× the bare look-up.

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
from shapely.geometry import Point, shape  # noqa: E402


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


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

        started = time.process_time()
        for lat, lng in points:
            p = Point(lng, lat)
            for polygon in counties:
                if polygon.contains(p):
                    break
        bare_s = time.process_time() - started

        started = time.process_time()
        for (lat, lng), category in zip(points, picks, strict=True):
            route(category, lat, lng, at=at)
        route_s = time.process_time() - started

    print(f"points: {n} inside Ankang, {len(categories)} categories, {len(counties)} county polygons")
    print(f"bare shapely point-in-polygon: {n / bare_s:,.0f} look-ups/s ({bare_s / n * 1e6:.1f} µs each)")
    print(f"route():                        {n / route_s:,.0f} routes/s ({route_s / n * 1e6:.1f} µs each)")
    print(f"ratio route / bare: {route_s / bare_s:.2f}× (target ≤ 3×)")
    print(f"index + rules: built in {build_s:.2f} s, resident memory +{index_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
