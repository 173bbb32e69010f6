"""What other features rely on: open_case in their transaction, reactions, detail sections, the public timeline,
duplicate look-up, no reporter identity on the case, and an event log nobody can rewrite."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.audit.models import AuditEvent
from reporter.audit.services import record
from reporter.cases import services
from reporter.cases.models import Case, CaseEvent
from reporter.cases.reactions import DETAIL_SECTIONS, HANDLERS
from reporter.errors import AppError, Conflict
from tests.cases.conftest import NINGSHAN, drive
from tests.conftest import app_ctx


@pytest.fixture()
def clean_reactions():
    saved = ({name: list(handlers) for name, handlers in HANDLERS.items()}, dict(DETAIL_SECTIONS))
    yield
    for name, handlers in saved[0].items():
        HANDLERS[name][:] = handlers
    DETAIL_SECTIONS.clear()
    DETAIL_SECTIONS.update(saved[1])


def count_cases(app) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(Case)).scalar_one()


def test_open_case_joins_the_callers_transaction(world):
    with app_ctx(world.app) as session:
        case = services.open_case(source="patrol", category="illegal_logging", lat=NINGSHAN[0], lng=NINGSHAN[1],
                                  description="巡查发现", actor=session.get(User, world.inspector), state="accepted")
        assert case.id is not None and case.state == "accepted"
        session.rollback()
    assert count_cases(world.app) == 0
    with app_ctx(world.app) as session, pytest.raises(AppError) as exc:
        services.open_case(source="citizen_report", category="no_such_thing", lat=NINGSHAN[0], lng=NINGSHAN[1],
                           description="?", actor=session.get(User, world.inspector))
    assert exc.value.status == 422


def test_a_patrol_case_starts_accepted_as_the_inspectors(world):
    case_id = world.open(source="patrol", state="accepted", by="inspector")
    first = world.get(case_id).get_json()["events"][0]
    assert (first["action"], first["to_state"], first["actor_role"]) == ("open", "accepted", "inspector")
    assert first["actor_id"] == world.inspector


def test_a_residents_identity_never_travels_with_the_case(world, users):
    resident = users.make("resident")
    world.ids["resident"] = resident
    case_id = world.open(source="citizen_report", by="resident", public_comment="举报已受理")
    resp = world.get(case_id, "officer")
    event = resp.get_json()["events"][0]
    assert (event["actor_id"], event["actor_unit_id"], event["actor_role"]) == (None, None, "resident")
    with app_ctx(world.app) as session:
        username = session.get(User, resident).username
    assert f'"{username}"' not in resp.get_data(as_text=True)
    with app_ctx(world.app) as session:
        assert session.execute(select(func.count()).select_from(CaseEvent)
                               .where(CaseEvent.actor_id == resident)).scalar_one() == 0


def test_public_timeline_has_states_and_public_comments_only(world):
    case_id = world.open(public_comment="您的举报已收到")
    world.act(case_id, "city_sup", "accept", public_comment="已立案", internal_comment="张科长交办")
    world.act(case_id, "city_sup", "supervise", level="county", reason="内部督办",
              due=(datetime.now(UTC) + timedelta(days=5)).date().isoformat())
    world.act(case_id, "city_sup", "dispatch", internal_comment="派宁陕林业局")
    with app_ctx(world.app):
        timeline = services.public_timeline(case_id)
    assert [(t["status"], t["public_comment"]) for t in timeline] == [
        ("submitted", "您的举报已收到"), ("accepted", "已立案"), ("dispatched", None)]
    assert all(set(t) == {"at", "status", "public_comment"} for t in timeline)
    assert "张科长" not in repr(timeline) and "林业局" not in repr(timeline)


def test_reactions_run_in_the_same_unit_of_work(world, clean_reactions):
    seen = []

    def audit_close(case, event):
        seen.append((case.id, event.action, event.to_state))
        record(event.actor_id, "test.closed", "case", case.id)

    services.subscribe("case.closed", audit_close)
    services.subscribe("case.closed", audit_close)  # twice is once
    case_id = drive(world, "verified")
    assert world.act(case_id, "city_sup", "close").status_code == 200
    assert seen == [(case_id, "close", "closed")]
    with app_ctx(world.app) as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "test.closed")).scalar_one() == 1

    def refuse(case, event):
        raise Conflict("the reward desk is closed")

    services.subscribe("case.reopened", refuse)
    resp = world.act(case_id, "city_sup", "reopen", reason="回头看")
    assert resp.status_code == 409
    case = world.case(case_id)
    assert case.state == "closed" and case.version == 7  # neither the state nor an event was kept
    with pytest.raises(ValueError):
        services.subscribe("case.vanished", refuse)


def test_detail_sections_come_from_other_features(world, clean_reactions):
    services.register_detail_section("notes", lambda case, user: {"case": case.id, "reader": user.id})
    case_id = drive(world, "submitted")
    body = world.get(case_id, "auditor").get_json()
    assert body["sections"]["notes"] == {"case": case_id, "reader": world.auditor}


def test_find_nearby_open_case_for_duplicates(world):
    lat, lng = NINGSHAN
    near = drive(world, "in_progress")
    with app_ctx(world.app):
        found = services.find_nearby_open_case("illegal_logging", lat + 0.001, lng, 250, 30)
        assert found is not None and found.id == near  # 111 m away
        assert services.find_nearby_open_case("illegal_logging", lat + 0.01, lng, 250, 30) is None  # 1.1 km away
        assert services.find_nearby_open_case("wildlife", lat, lng, 250, 30) is None
    closed = drive(world, "closed", where=(lat + 0.05, lng))
    rejected = drive(world, "rejected", where=(lat - 0.05, lng))
    with app_ctx(world.app) as session:
        assert services.find_nearby_open_case("illegal_logging", lat + 0.05, lng, 250, 30).id == closed
        later = session.get(Case, closed).closed_at + timedelta(days=31)
        assert services.find_nearby_open_case("illegal_logging", lat + 0.05, lng, 250, 30, later) is None
        assert session.get(Case, rejected).state == "rejected"
        assert services.find_nearby_open_case("illegal_logging", lat - 0.05, lng, 250, 30) is None


def test_events_cannot_be_rewritten_even_from_code(world):
    case_id = drive(world, "accepted")
    with app_ctx(world.app) as session:
        event = session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)).scalars().first()
        event.public_comment = "改写历史"
        with pytest.raises(Conflict):
            session.flush()
        session.rollback()
        session.delete(session.get(CaseEvent, event.id))
        with pytest.raises(Conflict):
            session.flush()
        session.rollback()
