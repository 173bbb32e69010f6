"""Random action sequences never leave the table and never lose an event; two supervisors at once: one wins."""
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.cases import services
from reporter.cases.models import Case, CaseEvent
from reporter.cases.workflow import ACTIONS, STATES, allowed_actions, choose, transitions_for
from reporter.errors import AppError, InvalidTransition
from tests.cases.conftest import drive
from tests.cases.test_workflow_api import MAY, VALID
from tests.conftest import app_ctx

PEOPLE = ("city_sup", "county_sup", "officer", "city_officer", "inspector", "auditor")
PAYLOADS = {**{action: [VALID[action]] for action in ACTIONS},
            "verify": [{"result": "pass"}, {"result": "fail", "reason": "整改不到位"}],
            "decide_extension": [{"approve": True}, {"approve": False}]}


def draw_step(data, state: str) -> tuple[str, dict, str]:
    """Mostly an action the table allows now, by someone who may take it; sometimes anything, by anyone."""
    allowed = allowed_actions(state)
    wild = not allowed or data.draw(st.integers(0, 3)) == 0
    action = data.draw(st.sampled_from(ACTIONS if wild else allowed))
    who = data.draw(st.sampled_from(PEOPLE if wild else sorted(MAY[action])))
    return action, data.draw(st.sampled_from(PAYLOADS[action])), who


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), length=st.integers(1, 15))
def test_random_sequences_stay_in_the_table_and_keep_every_event(world, data, length):
    case_id = world.open()
    done = 1  # the opening event
    with app_ctx(world.app) as session:
        for _ in range(length):
            before = session.get(Case, case_id).state
            action, payload, who = draw_step(data, before)
            actor = session.get(User, world.ids[who])
            try:
                after = services.perform(case_id, action, actor, dict(payload), expected_version=None).state
            except InvalidTransition:
                assert action not in allowed_actions(before)
                after = session.get(Case, case_id).state
                assert after == before
            except AppError as exc:
                assert exc.status in (403, 409, 422) and action in allowed_actions(before)
                after = session.get(Case, case_id).state
                assert after == before
            else:
                done += 1
                row = choose(transitions_for(before, action), payload)
                assert after == (row.to or before)
            assert after in STATES
            session.expire_all()
        case = session.get(Case, case_id)
        events = list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                      .order_by(CaseEvent.seq)).scalars())
    assert [e.seq for e in events] == list(range(1, done + 1)) and case.version == done
    assert events[-1].to_state == case.state
    assert all(e.to_state in STATES for e in events)
    assert all(prev.to_state == e.from_state for prev, e in zip(events, events[1:], strict=False))


@pytest.mark.postgres
def test_two_supervisors_acting_at_once_exactly_one_wins(world, app):
    with app.app_context():
        from reporter.extensions import db

        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL's real concurrency")
    headers = {who: world.h(who) for who in ("city_sup", "county_sup")}
    for _round in range(6):
        case_id = drive(world, "submitted")
        etag = world.get(case_id).headers["ETag"]
        barrier = threading.Barrier(2)
        statuses = {}

        def act(who, body):
            client = app.test_client()
            barrier.wait()
            resp = client.post(f"/api/v1/cases/{case_id}/actions", json=body,
                               headers={**headers[who], "If-Match": etag})
            statuses[who] = resp.status_code

        threads = [threading.Thread(target=act, args=("city_sup", {"action": "accept"})),
                   threading.Thread(target=act, args=("county_sup", {"action": "reject",
                                                                    "reason_code": "duplicate"}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(statuses.values()) in ([200, 409], [200, 412]), statuses
        case = world.case(case_id)
        winner = "accepted" if statuses["city_sup"] == 200 else "rejected"
        assert case.state == winner and case.version == 2
        with app_ctx(app) as session:
            actions = session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                                      .order_by(CaseEvent.seq)).scalars().all()
        assert actions == ["open", "accept" if winner == "accepted" else "reject"]


@pytest.mark.postgres
def test_concurrent_actions_without_if_match_still_apply_once(world, app):
    """The version column guards the row itself: both read version 1, the second UPDATE finds none."""
    with app.app_context():
        from reporter.extensions import db

        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL's real concurrency")
    for _round in range(6):
        case_id = drive(world, "accepted")
        barrier = threading.Barrier(2)
        outcomes = []

        def dispatch(who):
            with app_ctx(app) as session:
                actor = session.get(User, world.ids[who])
                session.get(Case, case_id)  # both read the case before either writes
                barrier.wait()
                try:
                    services.perform(case_id, "dispatch", actor, {}, expected_version=None)
                    outcomes.append(200)
                except AppError as exc:
                    outcomes.append(exc.status)

        threads = [threading.Thread(target=dispatch, args=(who,)) for who in ("city_sup", "county_sup")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) in ([200, 409], [200, 412]), outcomes
        assert world.case(case_id).version == 3
