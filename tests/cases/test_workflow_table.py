"""The workflow table row by row, its state lists, its event names, its guards and the stage clocks (no database)."""
from datetime import date

import pytest

from reporter.cases.models import IDLE_OPEN_STATES, Case
from reporter.cases.workflow import (
    ACTIONS,
    EVENT_NAMES,
    INITIAL_STATES,
    OPEN_STATES,
    STAGE_OF_STATE,
    STATES,
    SYSTEM_EVENTS,
    TRANSITIONS,
    allowed_actions,
    choose,
    due_on,
    transitions_for,
)

SUP, OFF, VER = ("supervisor",), ("officer",), ("supervisor", "inspector")
OPEN = ("submitted", "accepted", "dispatched", "in_progress", "pending_verification", "verified")
# state, action, to (None: stays), roles, event, when, guarded — as DOMAIN.md describes the procedure
ROWS = [
    ("submitted", "accept", "accepted", SUP, "case.accepted", None, False),
    ("submitted", "reject", "rejected", SUP, "case.rejected", None, False),
    ("accepted", "dispatch", "dispatched", SUP, "case.dispatched", None, False),
    ("dispatched", "sign", "in_progress", OFF, "case.signed", None, False),
    ("dispatched", "return", "accepted", OFF, "case.returned", None, False),
    ("in_progress", "submit_result", "pending_verification", OFF, "case.result_submitted", None, False),
    ("in_progress", "request_extension", None, OFF, "case.extension_requested", None, True),
    ("in_progress", "decide_extension", None, SUP, "case.extension_decided", None, True),
    ("pending_verification", "verify", "verified", VER, "case.verified", ("result", "pass"), False),
    ("pending_verification", "verify", "in_progress", VER, "case.rework", ("result", "fail"), False),
    ("verified", "close", "closed", SUP, "case.closed", None, False),
    ("closed", "reopen", "in_progress", SUP, "case.reopened", None, True),
    ("closed", "decide_recurrence", "in_progress", SUP, "case.recurrence_reopened", ("decision", "reopen"), True),
    ("closed", "decide_recurrence", None, SUP, "case.recurrence_new_case", ("decision", "new_case"), True),
    ("closed", "decide_recurrence", None, SUP, "case.recurrence_rejected", ("decision", "reject"), True),
    *((state, "supervise", None, SUP, "case.supervised", None, False) for state in OPEN),
    *((state, "hand_over", None, SUP, "case.handed_over", None, False) for state in (*OPEN, "closed")),
]


def test_every_row_of_the_table():
    assert [(t.state, t.action, t.to, tuple(p.role for p in t.permits), t.event, t.when, t.guard is not None)
            for t in TRANSITIONS] == ROWS


def test_the_effects_of_each_row_by_name():
    effects = {(t.state, t.action, t.when): [e.__name__ for e in t.effects] for t in TRANSITIONS}
    assert effects[("submitted", "reject", None)] == ["duplicate_target", "end_accept", "keep_reason_code"]
    assert effects[("accepted", "dispatch", None)] == ["end_accept", "dispatch_to_unit", "start_sign"]
    assert effects[("dispatched", "sign", None)] == ["end_sign", "start_handle"]
    assert effects[("dispatched", "return", None)] == ["count_return_count", "release_unit", "start_accept"]
    assert effects[("in_progress", "submit_result", None)] == ["record_result", "end_handle", "start_verify"]
    assert effects[("pending_verification", "verify", ("result", "fail"))] == [
        "record_verification", "end_verify", "count_rework_count"]
    assert effects[("closed", "reopen", None)] == ["count_reopen_count", "reopen", "start_handle"]
    assert effects[("closed", "decide_recurrence", ("decision", "reopen"))] == [
        "end_recurrence", "decide_recurrence", "count_reopen_count", "reopen", "start_handle"]


def test_states_open_states_and_stages():
    assert STATES == (*OPEN, "closed", "rejected")
    assert OPEN_STATES == OPEN and "closed" not in OPEN_STATES and "rejected" not in OPEN_STATES
    assert IDLE_OPEN_STATES == OPEN_STATES  # the partial index of idle open cases names the same states
    assert INITIAL_STATES == ("submitted", "accepted")
    assert STAGE_OF_STATE == {"submitted": "accept", "accepted": "accept", "dispatched": "sign",
                              "in_progress": "handle", "pending_verification": "verify", "closed": "recurrence"}
    assert ACTIONS == ("accept", "reject", "dispatch", "sign", "return", "submit_result", "request_extension",
                       "decide_extension", "verify", "close", "reopen", "decide_recurrence", "supervise", "hand_over")


def test_event_names():
    assert SYSTEM_EVENTS == {"open": "case.opened", "overdue": "case.overdue", "recurrence": "case.recurrence_raised"}
    assert EVENT_NAMES == ("case.opened", "case.overdue", "case.recurrence_raised", *dict.fromkeys(r[4] for r in ROWS))


@pytest.mark.parametrize("state, actions", [
    ("submitted", ["accept", "reject", "supervise", "hand_over"]),
    ("accepted", ["dispatch", "supervise", "hand_over"]),
    ("dispatched", ["sign", "return", "supervise", "hand_over"]),
    ("in_progress", ["submit_result", "request_extension", "decide_extension", "supervise", "hand_over"]),
    ("pending_verification", ["verify", "supervise", "hand_over"]),
    ("verified", ["close", "supervise", "hand_over"]),
    ("closed", ["reopen", "decide_recurrence", "hand_over"]),
    ("rejected", []),
])
def test_allowed_actions_per_state(state, actions):
    assert allowed_actions(state) == actions


def test_choose_follows_the_payload_and_transitions_for_matches_state_and_action():
    rows = transitions_for("pending_verification", "verify")
    assert [choose(rows, {"result": r}).event for r in ("pass", "fail")] == ["case.verified", "case.rework"]
    rows = transitions_for("closed", "decide_recurrence")
    assert [choose(rows, {"decision": d}).event for d in ("reopen", "new_case", "reject")] == [
        "case.recurrence_reopened", "case.recurrence_new_case", "case.recurrence_rejected"]
    assert transitions_for("closed", "verify") == [] and transitions_for("verified", "verify") == []
    assert [t.event for t in transitions_for("closed", "reopen")] == ["case.reopened"]


def test_guards_say_why():
    row = {(t.state, t.action): t for t in TRANSITIONS if t.when is None}
    case = Case(extension_used=False, extension_requested_days=None, recurrence_due=None)
    assert row[("in_progress", "request_extension")].guard(case) is None
    assert "already waiting" not in (row[("in_progress", "decide_extension")].guard(case) or "already waiting")
    assert row[("closed", "reopen")].guard(case) is None
    case.extension_requested_days = 3
    assert "already waiting" in row[("in_progress", "request_extension")].guard(case)
    assert row[("in_progress", "decide_extension")].guard(case) is None
    case.extension_requested_days, case.extension_used = None, True
    assert "one extension" in row[("in_progress", "request_extension")].guard(case)
    case.recurrence_due = date(2026, 5, 6)
    assert "recurrence" in row[("closed", "reopen")].guard(case)
    recurrence = transitions_for("closed", "decide_recurrence")[0]
    assert recurrence.guard(case) is None
    case.recurrence_due = None
    assert "No possible recurrence" in recurrence.guard(case)


@pytest.mark.parametrize("state, stage", [("submitted", "accept"), ("accepted", "accept"), ("dispatched", "sign"),
                                          ("in_progress", "handle"), ("pending_verification", "verify"),
                                          ("verified", None), ("closed", "recurrence"), ("rejected", None)])
def test_due_on_is_the_deadline_of_the_state_stage(state, stage):
    days = {"accept_due": date(2026, 5, 1), "sign_due": date(2026, 5, 2), "handle_due": date(2026, 5, 3),
            "verify_due": date(2026, 5, 4), "recurrence_due": date(2026, 5, 5)}
    case = Case(state=state, **days)
    assert due_on(case) == (days[f"{stage}_due"] if stage else None)




def test_the_table_cannot_be_changed_while_the_application_runs():
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        TRANSITIONS[0].to = "closed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRANSITIONS[0].permits[0].role = "resident"


def test_the_rows_of_one_action_share_their_permits():
    """acting_role reads the permits of the first row: the payload chooses the row only after the permission."""
    for state in STATES:
        for action in allowed_actions(state):
            assert len({t.permits for t in transitions_for(state, action)}) == 1, (state, action)
