"""Registers benchmark: importing a 5,000-row farmstay register (all new sites, then every row unchanged) against a
bare openpyxl read of the same file; a campaign's progress over 20,000 sites against one SQL aggregate of its
steps per county and step. Both baselines are measured in the same run. Exits non-zero when a target is missed.

Uses a fresh PostgreSQL database created next to BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1/test) and dropped at the end; `--sqlite` for the embedded database.

    .venv/bin/python bench/registers.py [--rows 5000] [--sites 20000] [--repeat 3] [--sqlite]
"""
import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import delete, insert, select  # noqa: E402

from bench.cases import database, make_app  # noqa: E402
from bench.verdict import Verdict  # noqa: E402
from reporter.accounts.models import User, UserRole  # noqa: E402
from reporter.common.timeutil import CST  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.geo.models import Grid  # noqa: E402
from reporter.geo.services import grid_polygon  # noqa: E402
from reporter.org.models import Unit  # noqa: E402
from reporter.reference import load_all  # noqa: E402
from reporter.registers import campaigns  # noqa: E402
from reporter.registers.kinds import get_kind  # noqa: E402
from reporter.registers.models import Campaign, CampaignMilestone, CampaignStep, Site, SiteEvent  # noqa: E402
from reporter.registers.site_sheets import headers, import_sites  # noqa: E402
from reporter.registers.sites import unit_set  # noqa: E402

IMPORT_TARGET, PROGRESS_TARGET = 3.0, 10.0
AS_OF = date(2022, 10, 31)


def points(n: int) -> list[tuple[float, float, int]]:
    """n WGS-84 points inside the grids (so inside Ankang), with their grid."""
    rng = random.Random(2022)
    grid_ids = list(db.session.execute(select(Grid.id).order_by(Grid.id)).scalars())
    inside = {g: grid_polygon(g).representative_point() for g in rng.sample(grid_ids, min(300, len(grid_ids)))}
    chosen = list(inside.items())
    return [(p.y, p.x, g) for g, p in (rng.choice(chosen) for _ in range(n))]


def register_sheet(n: int) -> bytes:
    """A farmstay register of n rows as officials fill it."""
    kind = get_kind("farmstay")
    rng = random.Random(6)
    book = Workbook()
    page = book.active
    page.append(headers(kind))
    for i, (lat, lng, _g) in enumerate(points(n), start=1):
        page.append([f"NJL-{i:05d}", f"农家乐{i}", f"第{i}号农家乐有限公司", round(lat, 6), round(lng, 6), "", None,
                     None, rng.choice(["经营", "整改中"]), rng.choice(["侵占河道", "乱排乱放、占用道路", ""]),
                     rng.choice(["提升改造", "关停取缔", ""]), rng.randrange(0, 60)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bare_read(data: bytes) -> int:
    """The baseline: openpyxl reads every row of the same file (read-only, values)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows


def median_time(fn, repeat: int, before=None) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        if before:
            before()
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def empty_sites() -> None:
    for model in (SiteEvent, Site):
        db.session.execute(delete(model))
    db.session.commit()


def bench_import(app, rows: int, repeat: int, verdict: Verdict) -> None:
    with app.app_context():
        data = register_sheet(rows)
        unit = db.session.execute(select(Unit.id).where(Unit.code == "city.qinling_office")).scalar_one()
        actor = User(username="bench-supervisor", display_name="秦岭办", unit_id=unit,
                     role_rows=[UserRole(role="supervisor")])
        db.session.add(actor)
        db.session.commit()
        kind = get_kind("farmstay")
        baseline, counted = median_time(lambda: bare_read(data), max(5, repeat * 2))
        fresh, summary = median_time(lambda: import_sites(kind, data, actor, dry_run=False, source="bench.xlsx"),
                                     repeat, before=empty_sites)
        assert summary["created"] == rows == counted - 1, summary
        again, summary = median_time(lambda: import_sites(kind, data, actor, dry_run=False, source="bench.xlsx"),
                                     repeat)
        assert summary["unchanged"] == rows, summary
        print(f"openpyxl read of {rows:,} rows:           median {baseline * 1000:8.1f} ms")
        print(f"import, all new (validate, place, write): median {fresh * 1000:8.1f} ms")
        print(f"import again, all unchanged:              median {again * 1000:8.1f} ms")
        verdict.at_most("import all new / openpyxl read", fresh / baseline, IMPORT_TARGET)
        verdict.at_most("import all unchanged / openpyxl read", again / baseline, IMPORT_TARGET)
        empty_sites()
        db.session.remove()


def load_campaign(n: int) -> int:
    """n farmstays and a campaign with dated steps for most of them (bulk inserts, not timed)."""
    rng = random.Random(20220414)
    actor = db.session.execute(select(User.id).where(User.username == "bench-supervisor")).scalar_one()
    unit = db.session.execute(select(Unit.id).where(Unit.code == "city.culture_tourism")).scalar_one()
    counties = dict(db.session.execute(select(Grid.id, Grid.county_adcode)).all())
    created = datetime(2022, 4, 20, 2, tzinfo=UTC)
    zones = ["core", "key", "general", None]
    site_rows = [{"kind": "farmstay", "code": f"S{i:06d}", "name": f"农家乐{i}", "geometry": {"type": "Point",
                  "coordinates": [lng, lat]}, "lat": lat, "lng": lng, "county_adcode": counties[g],
                  "zone": rng.choice(zones), "grid_id": g, "state": "operating", "attributes": {"outcome": "提升改造"},
                  "version": 1, "created_at": created, "updated_at": created}
                 for i, (lat, lng, g) in enumerate(points(n), start=1)]
    units = unit_set([(unit, "lead")])
    for row in site_rows:
        row["unit_set"] = units
    db.session.execute(insert(Site), site_rows)
    ids = list(db.session.execute(select(Site.id).where(Site.kind == "farmstay").order_by(Site.id)).scalars())
    campaign = Campaign(name="农家乐集中整治（基准）", kind="farmstay", counties=[], zones=[],
                        starts_on=date(2022, 4, 14), created_by=actor)
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all([CampaignMilestone(campaign_id=campaign.id, step="survey", zone=None, due_on=date(2022, 6, 30)),
                        CampaignMilestone(campaign_id=campaign.id, step="close", zone="core", due_on=date(2022, 8, 31)),
                        CampaignMilestone(campaign_id=campaign.id, step="close", zone="key", due_on=date(2022, 8, 31)),
                        CampaignMilestone(campaign_id=campaign.id, step="close", zone=None,
                                          due_on=date(2022, 12, 31))])
    steps = []
    for site_id in ids:
        day = date(2022, 5, 1) + timedelta(days=rng.randrange(0, 90))
        for step in ("survey", "rectify", "accept", "close")[:rng.choice([0, 1, 2, 2, 3, 4, 4])]:
            at = datetime(day.year, day.month, day.day, 12, tzinfo=CST)
            steps.append({"campaign_id": campaign.id, "site_id": site_id, "step": step, "at": at, "day": day,
                          "actor_id": actor, "actor_role": "supervisor", "photo_ids": [], "source": "manual",
                          "deadline": day + timedelta(days=45) if step == "rectify" else None,
                          "measures": "整改" if step == "rectify" else None})
            day = day + timedelta(days=rng.randrange(3, 40))
    for start in range(0, len(steps), 10_000):
        db.session.execute(insert(CampaignStep), steps[start:start + 10_000])
    db.session.commit()
    print(f"loaded {n:,} sites and {len(steps):,} campaign steps (not timed)", flush=True)
    return campaign.id


def bench_progress(app, sites: int, repeat: int, verdict: Verdict) -> None:
    with app.app_context():
        campaign_id = load_campaign(sites)
        db.session.remove()
    with app.app_context():
        baseline, counts = median_time(lambda: campaigns.progress_baseline(campaign_id, AS_OF), max(10, repeat * 5))
        full, figures = median_time(lambda: campaigns.progress(campaign_id, AS_OF), repeat)
        surveyed = sum(n for _county, step, n in counts if step == "survey")
        assert figures["totals"]["surveyed"] == surveyed, "progress and the aggregate disagree on 排查"
        assert figures["totals"]["sites"] == sites
        print(f"SQL aggregate (steps per county and step): median {baseline * 1000:8.1f} ms")
        print(f"campaign progress (counties, units, milestones, targets), {sites:,} sites: median "
              f"{full * 1000:8.1f} ms")
        verdict.at_most("campaign progress / one aggregate", full / baseline, PROGRESS_TARGET)
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--sites", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true")
    opts = parser.parse_args()
    with database(opts.sqlite) as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, tmp)
        with app.app_context():
            upgrade(revision="heads")
            load_all()
            db.session.commit()
        verdict = Verdict("registers")
        bench_import(app, opts.rows, opts.repeat, verdict)
        bench_progress(app, opts.sites, opts.repeat, verdict)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    verdict.exit()


if __name__ == "__main__":
    main()
