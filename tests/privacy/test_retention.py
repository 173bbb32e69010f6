"""Retention: `flask privacy sweep` erases what has outlived its period — in batches, idempotently, with counts per
kind printed and recorded — and nothing it erases changes a past month's bulletin."""
from datetime import timedelta

from sqlalchemy import func, select, update

from reporter.cases.models import Case
from reporter.common.timeutil import utcnow
from reporter.geo.services import locate
from reporter.notify.models import OutboxMessage
from reporter.patrols.models import Patrol, TrackPoint
from reporter.privacy.models import SweepRun
from reporter.privacy.retention import sweep
from reporter.reports.models import Report
from reporter.rewards.models import Reward
from tests.cases.conftest import NINGSHAN, world  # noqa: F401  (fixture)
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp
from tests.patrols.tracks import generate
from tests.reports.conftest import FAR_AWAY
from tests.stats.conftest import build, cst, october  # noqa: F401  (fixtures)

FAR_FUTURE = timedelta(days=365 * 40)  # every retention period has run out


def _patrol(app, client, headers: dict, started_at) -> PatrolApp:
    """A finished patrol with a generated track of a morning's walk, through the inspector app's calls."""
    with app_ctx(app):
        grid_id = locate(*NINGSHAN).grid_id
    phone = PatrolApp(client, headers)
    t0 = started_at.timestamp()
    fixes = generate(NINGSHAN[0], NINGSHAN[1], t0)
    assert phone.create(grid_id, t0).status_code == 201
    for start in range(0, len(fixes), 1000):
        assert phone.points(fixes[start:start + 1000]).status_code == 200
    assert phone.finish(fixes[-1]["t"] + 60).status_code == 200
    return phone


def test_a_past_months_bulletin_is_the_same_after_everything_expired(app, client, users, world, october):  # noqa: F811
    _patrol(app, client, world.h("inspector"), cst(10, 12, 8))
    with app_ctx(app) as session:
        session.execute(update(OutboxMessage).values(state="sent", sent_at=utcnow()))
        session.commit()
    city = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    before = client.get("/api/v1/stats/monthly?month=2026-10", headers=city).get_json()
    assert before["inspectors"], before  # the patrol is in the figures
    with app_ctx(app):
        counts = sweep(utcnow() + FAR_FUTURE)
    assert counts["report_contacts"] == 2 and counts["reward_payees"] == 1
    assert counts["patrol_point_sets"] == 1 and counts["notifications"] > 0
    after = client.get("/api/v1/stats/monthly?month=2026-10", headers=city).get_json()
    assert after == before


def _aged_case(app, case_id: int, days: int) -> None:
    with app_ctx(app) as session:
        session.execute(update(Case).where(Case.id == case_id).values(closed_at=utcnow() - timedelta(days=days)))
        session.commit()


def test_contacts_of_cases_closed_longer_than_the_period_are_erased(app, town):
    town.resident("wang")
    old = town.submit("wang").get_json()
    recent = town.submit("wang", where=FAR_AWAY).get_json()
    open_one = town.submit("wang", where=(33.36, 108.36)).get_json()
    for report in (old, recent):
        town.close(report["case_id"])
    _aged_case(app, old["case_id"], 366)
    _aged_case(app, recent["case_id"], 300)
    with app_ctx(app):
        assert sweep()["report_contacts"] == 1
        assert sweep()["report_contacts"] == 0  # idempotent
    with app_ctx(app) as session:
        kept = {r.id: r.contact_ciphertext is not None for r in session.execute(select(Report)).scalars()}
    assert kept == {old["id"]: False, recent["id"]: True, open_one["id"]: True}


def test_payee_details_are_kept_for_the_archive_period_after_payment(app, client, town, desk):
    from tests.rewards.support import claim_body, make_reward

    headers = town.resident("li")
    ids = []
    for _ in range(2):
        reward_id = make_reward(app, town.ids["li"])
        desk.to_notified(reward_id)
        assert client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                           headers={**headers, "If-Match": desk.etag(reward_id)}).status_code == 200
        assert desk.pay(reward_id, f"BANK-{reward_id}").status_code == 200
        ids.append(reward_id)
    with app_ctx(app) as session:
        session.execute(update(Reward).where(Reward.id == ids[0])
                        .values(paid_at=utcnow() - timedelta(days=30 * 365 + 1)))
        session.commit()
        assert sweep()["reward_payees"] == 1
        assert session.get(Reward, ids[0]).payee_ciphertext is None
        assert session.get(Reward, ids[1]).payee_ciphertext is not None
    rows = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()
    assert all(row["consistent"] for row in rows) and sum(row["paid_fen"] for row in rows) == 2 * 50_000


def test_raw_patrol_points_give_way_to_a_simplified_track_and_the_summary_stays(app, client, world):  # noqa: F811
    old = _patrol(app, client, world.h("inspector"), utcnow() - timedelta(days=402))
    recent = _patrol(app, client, world.h("inspector"), utcnow() - timedelta(days=3))
    before = old.get().get_json()
    raw = old.get("/track").get_json()["geometry"]["coordinates"]
    with app_ctx(app):
        counts = sweep()
        assert counts["patrol_point_sets"] == 1 and sweep()["patrol_point_sets"] == 0
    with app_ctx(app) as session:
        left = dict(session.execute(select(TrackPoint.patrol_id, func.count()).group_by(TrackPoint.patrol_id)).all())
        assert set(left) == {recent.patrol_id}
        assert session.get(Patrol, old.patrol_id).points_erased_at is not None
    assert old.get().get_json() == before  # distance, time, coverage, reasons: as they were
    kept = old.get("/track").get_json()["geometry"]["coordinates"]
    assert 2 <= len(kept) < len(raw) and kept[0] == raw[0]
    late = old.points(generate(NINGSHAN[0], NINGSHAN[1], (utcnow() - timedelta(days=401)).timestamp())[:5])
    assert late.status_code == 409 and late.get_json()["error"] == "points_erased"


def test_old_messages_keys_and_orphans_go_and_the_run_is_recorded(app, town):
    town.resident("zhao")
    me = town.ids["zhao"]
    with app_ctx(app) as session:
        long_ago = utcnow() - timedelta(days=181)
        for state, created in (("sent", long_ago), ("failed", long_ago), ("pending", long_ago),
                               ("sent", utcnow())):
            session.add(OutboxMessage(recipient_id=me, kind="case_closed", data={"fields": {"thing1": "结案"}},
                                      state=state, created_at=created, next_attempt_at=created))
        session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "sweep"])
    assert result.exit_code == 0, result.output
    printed = dict(line.split("=") for line in result.output.split())
    assert printed["notifications"] == "2" and set(printed) >= {
        "report_contacts", "reward_payees", "patrol_point_sets", "idempotency_keys", "orphan_uploads"}
    with app_ctx(app) as session:
        assert sorted(session.execute(select(OutboxMessage.state)).scalars()) == ["pending", "sent"]
        [run] = session.execute(select(SweepRun)).scalars()
        assert run.counts["notifications"] == 2 and run.finished_at is not None
