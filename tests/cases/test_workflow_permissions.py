"""The one permission decision of the workflow (workflow.acting_role): the actions endpoint and a case's
`allowed_actions` both answer from it; and what a reopening does to a closed case."""
import pytest

from reporter.accounts.models import User
from reporter.cases import services, workflow
from reporter.cases.models import Case
from reporter.cases.workflow import acting_role, allowed_actions, transitions_for
from reporter.common.timeutil import cst_date
from reporter.workdays.services import add_working_days
from tests.cases.conftest import drive
from tests.cases.test_workflow_api import VALID
from tests.conftest import app_ctx

PEOPLE = ("city_sup", "county_sup", "other_county_sup", "officer", "other_officer", "city_officer", "inspector",
          "other_inspector", "auditor", "admin")
EXPECTED_ROLE = {  # who may act in each state: the role they act under, from the permits and scope rules
    "city_sup": "supervisor", "county_sup": "supervisor", "officer": "officer", "inspector": "inspector"}


@pytest.mark.parametrize("state", ["submitted", "dispatched", "pending_verification", "closed"])
def test_one_decision_serves_the_buttons_and_the_actions(world, state):
    case_id = drive(world, state)
    with app_ctx(world.app) as session:
        case = session.get(Case, case_id)
        for who in PEOPLE:
            user = session.get(User, world.ids[who])
            roles = {action: acting_role(transitions_for(state, action), user, case)
                     for action in allowed_actions(state)}
            assert services.actions_for(case, user) == [a for a, role in roles.items() if role]
            for action, role in roles.items():
                permits = dict((p.role, p) for p in transitions_for(state, action)[0].permits)
                if role is not None:
                    assert role in permits and user.has_role(role) and permits[role].allows(user, case)
                    assert role == EXPECTED_ROLE[who] or (role == "supervisor" and who.endswith("_sup"))
                else:
                    assert not any(user.has_role(r) and p.allows(user, case) for r, p in permits.items())
    # over HTTP: who is not permitted gets 403 and the case is unchanged; the case shows what the user may do
    for who in ("other_county_sup", "other_officer", "auditor", "other_inspector"):
        body = world.get(case_id, who).get_json()
        shown = body.get("allowed_actions", []) if isinstance(body, dict) else []
        assert shown == []
    action = allowed_actions(state)[0]
    resp = world.act(case_id, "city_officer", action, **VALID[action])
    assert resp.status_code == 403 and resp.get_json()["error"]
    assert world.case(case_id).state == state


def test_who_may_verify_acts_as_inspector_or_supervisor(world):
    case_id = drive(world, "pending_verification")
    with app_ctx(world.app) as session:
        case = session.get(Case, case_id)
        rows = transitions_for("pending_verification", "verify")
        assert acting_role(rows, session.get(User, world.ids["inspector"]), case) == "inspector"
        assert acting_role(rows, session.get(User, world.ids["county_sup"]), case) == "supervisor"
        assert acting_role(rows, session.get(User, world.ids["other_inspector"]), case) is None
        assert acting_role(rows, session.get(User, world.ids["officer"]), case) is None


def test_reopen_clears_the_closing_and_starts_a_new_handle_clock(world):
    case_id = drive(world, "closed")
    closed = world.case(case_id)
    assert closed.closed_at is not None and closed.verify_met is not None and closed.due_on == closed.recurrence_due
    resp = world.act(case_id, "county_sup", "reopen", reason="回头看发现新砍伐")
    assert resp.status_code == 200, resp.get_json()
    case = world.case(case_id)
    assert case.state == "in_progress" and case.closed_at is None
    assert case.verify_due is None and case.verify_met is None
    assert case.reopen_count == (closed.reopen_count or 0) + 1
    with app_ctx(world.app):
        assert case.handle_due == add_working_days(cst_date(case.updated_at), 15)
    assert case.handle_met is None and case.due_on == case.handle_due
    assert workflow.due_on(case) == case.handle_due
