"""The bulletin's replay at its edges, from the rule: the month's working-day calendar answers exactly as the
workdays feature does (inside its span, at and beyond both ends, for zero or negative counts), an instant's CST day
turns at 16:00 UTC, a routing snapshot's deadline days override the defaults stage by stage, and a case is overdue
when its stage's deadline falls before the first day of the next month."""
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from reporter.cases.effects import DEFAULT_DEADLINE_DAYS
from reporter.stats.replay import Calendar, _deadline_days, cst_day, replay
from reporter.workdays.services import add_working_days, working_days_between
from tests.conftest import app_ctx

FIRST, LAST = date(2026, 9, 28), date(2026, 10, 31)  # across the National Day holidays and their make-up days
DAYS = [FIRST + timedelta(days=i) for i in range(-6, (LAST - FIRST).days + 8)]


def test_the_calendar_adds_working_days_as_the_workdays_feature_does(app):
    with app_ctx(app):
        calendar = Calendar(FIRST, LAST)
        for start in DAYS:
            for n in (-1, 0, 1, 2, 5, 15, 40):
                assert calendar.add(start, n) == add_working_days(start, n), (start, n)
                assert calendar.add(start, n) == add_working_days(start, n), (start, n)  # asked again: kept


def test_the_calendar_counts_working_days_as_the_workdays_feature_does(app):
    with app_ctx(app):
        calendar = Calendar(FIRST, LAST)
        for start in DAYS[::3]:
            for end in DAYS:
                assert calendar.between(start, end) == working_days_between(start, end), (start, end)
        assert calendar.between(LAST, LAST) == 0 and calendar.between(LAST, FIRST) == 0


def test_the_calendar_holds_only_working_days(app):
    with app_ctx(app):
        calendar = Calendar(FIRST, LAST)
        assert date(2026, 10, 1) not in calendar.days and date(2026, 9, 28) in calendar.days
        assert calendar.days == sorted(calendar.days) and calendar.days[-1] <= LAST and calendar.days[0] >= FIRST


@pytest.mark.parametrize("at, day", [
    (datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC), date(2026, 10, 31)),
    (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), date(2026, 11, 1)),
    (datetime(2026, 10, 31, 16, 0), date(2026, 11, 1)),  # naive: UTC
    (datetime(2026, 10, 31, 15, 59), date(2026, 10, 31)),
    (datetime(2026, 11, 1, 0, 0, tzinfo=timezone(timedelta(hours=8))), date(2026, 11, 1)),
    (datetime(2026, 10, 31, 23, 59, tzinfo=timezone(timedelta(hours=8))), date(2026, 10, 31)),
])
def test_a_cst_day_turns_at_16_utc(at, day):
    assert cst_day(at) == day


def test_deadline_days_override_the_defaults_stage_by_stage():
    assert _deadline_days(None) == DEFAULT_DEADLINE_DAYS and _deadline_days("") == DEFAULT_DEADLINE_DAYS
    assert _deadline_days('{"handle": 10, "sign": "3"}') == {**DEFAULT_DEADLINE_DAYS, "handle": 10, "sign": 3}
    assert _deadline_days('{"handle": 0, "verify": null}') == DEFAULT_DEADLINE_DAYS  # empty values keep the default
    assert DEFAULT_DEADLINE_DAYS == {"accept": 2, "sign": 1, "handle": 15, "verify": 5, "recurrence": 5}


CASE = {"id": 1, "county": "610923", "source": "citizen_report", "category": "c", "routed_unit_id": 7,
        "deadline_days": None}


@pytest.mark.parametrize("deadline_days, accept_days", [(None, 2), ('{"accept": 4}', 4)])
def test_a_case_is_overdue_when_its_deadline_falls_before_the_next_month(app, deadline_days, accept_days):
    opened = date(2026, 10, 20)  # a Tuesday
    events = [("open", True, opened, None, "submitted", None)]
    with app_ctx(app):
        calendar = Calendar(date(2026, 10, 1), date(2026, 11, 30))
        due = add_working_days(opened, accept_days)
        facts = [replay({**CASE, "deadline_days": deadline_days}, events, opened_on=opened, following=following,
                        calendar=calendar) for following in (due, due + timedelta(days=1))]
    assert [f.overdue for f in facts] == [False, True]
    assert facts[0].received and not facts[0].accepted and facts[0].state == "submitted" and facts[0].unit_id == 7
    assert facts[0].is_open and facts[0].active


@pytest.mark.parametrize("decided, overdue", [(None, True), ("reject", False), ("new_case", False)])
def test_a_pending_recurrence_is_overdue_past_its_due_date_until_decided(app, decided, overdue):
    """A closed case's clock runs while a recurrence waits: past the due date the case recorded, it is overdue at the
    month's end; a decision that leaves it closed stops the clock."""
    opened = date(2026, 9, 1)
    events = [("close", True, date(2026, 10, 5), "verified", "closed", None),
              ("recurrence", True, date(2026, 10, 6), "closed", "closed", {"due": "2026-10-12"})]
    if decided:
        events.append(("decide_recurrence", True, date(2026, 10, 9), "closed", "closed", {"decision": decided}))
    with app_ctx(app):
        facts = replay(CASE, events, opened_on=opened, following=date(2026, 11, 1),
                       calendar=Calendar(date(2026, 9, 1), date(2026, 11, 30)))
    assert facts.overdue is overdue and facts.state == "closed" and facts.recurrences_raised == 1
    assert facts.closed and (facts.recurrences_rejected, facts.recurrences_new_case) == (
        (decided == "reject") * 1, (decided == "new_case") * 1)


@pytest.mark.parametrize("opened, state, received, accepted", [
    (date(2026, 10, 20), "accepted", True, True),    # entered by staff in the month: received and accepted at once
    (date(2026, 10, 20), "submitted", True, False),  # a report waits for 受理
    (date(2026, 9, 20), "accepted", False, False),   # entered the month before: counted then, not again
])
def test_a_case_entered_accepted_counts_as_accepted_in_the_month_it_is_opened(app, opened, state, received,
                                                                               accepted):
    in_month = opened >= date(2026, 10, 1)
    with app_ctx(app):
        facts = replay({**CASE, "source": "video"}, [("open", in_month, opened, None, state, None)], opened_on=opened,
                       following=date(2026, 11, 1), calendar=Calendar(date(2026, 9, 1), date(2026, 11, 30)))
    assert (facts.received, facts.accepted, facts.state) == (received, accepted, state)
    assert facts.open_at_start is not in_month  # opened in the month: not open when it began


def _walk(*steps):
    """(action, day, from, to, data) in the month: the replay's event tuples."""
    return [(action, True, day, from_state, to_state, data) for action, day, from_state, to_state, data in steps]


SIGNED_2_NOV = [("open", date(2026, 11, 2), None, "submitted", None),
                ("accept", date(2026, 11, 2), "submitted", "accepted", None),
                ("dispatch", date(2026, 11, 2), "accepted", "dispatched", {"unit_id": 7}),
                ("sign", date(2026, 11, 2), "dispatched", "in_progress", None)]  # handle due 23 Nov (15 working days)


@pytest.mark.parametrize("decision, overdue", [({"approve": True, "days": 10}, False), ({"approve": True, "days": "10"},
                                                False), ({"approve": False}, True),
                                               ({"approve": False, "days": 10}, True)])
def test_an_approved_extension_moves_the_handle_deadline_past_the_months_end(app, decision, overdue):
    events = _walk(*SIGNED_2_NOV, ("request_extension", date(2026, 11, 5), "in_progress", "in_progress", None),
                   ("decide_extension", date(2026, 11, 6), "in_progress", "in_progress", decision))
    with app_ctx(app):
        assert add_working_days(date(2026, 11, 2), 15) == date(2026, 11, 23)
        assert add_working_days(date(2026, 11, 23), 10) == date(2026, 12, 7)
        facts = replay(CASE, events, opened_on=date(2026, 11, 2), following=date(2026, 12, 1),
                       calendar=Calendar(date(2026, 10, 1), date(2026, 12, 31)))
    assert facts.overdue is overdue and facts.state == "in_progress" and facts.unit_id == 7


def test_a_recurrence_reopened_starts_a_new_round_whose_finding_and_timeliness_count(app):
    """Closed late (signed a working day after its deadline), then reopened by a recurrence decision and closed again
    on time: the second closing is on time (the first round's missed deadline does not carry over) and the month's
    finding is the second round's."""
    days = [date(2026, 10, d) for d in range(8, 24)]
    events = _walk(("open", days[0], None, "submitted", None), ("accept", days[0], "submitted", "accepted", None),
                   ("dispatch", days[0], "accepted", "dispatched", {"unit_id": 7}),  # sign due 9 Oct
                   ("sign", days[4], "dispatched", "in_progress", None),  # 12 Oct: late
                   ("submit_result", days[5], "in_progress", "pending_verification", {"finding": "true"}),
                   ("verify", days[6], "pending_verification", "verified", None),
                   ("close", days[6], "verified", "closed", None),
                   ("recurrence", days[12], "closed", "closed", {"due": "2026-10-27"}),
                   ("decide_recurrence", days[13], "closed", "in_progress", {"decision": "reopen"}),
                   ("submit_result", days[14], "in_progress", "pending_verification", {"finding": "partly_true"}),
                   ("verify", days[15], "pending_verification", "verified", None),
                   ("close", days[15], "verified", "closed", None))
    with app_ctx(app):
        first = replay(CASE, events[:7], opened_on=days[0], following=date(2026, 11, 1),
                       calendar=Calendar(date(2026, 9, 1), date(2026, 11, 30)))
        facts = replay(CASE, events, opened_on=days[0], following=date(2026, 11, 1),
                       calendar=Calendar(date(2026, 9, 1), date(2026, 11, 30)))
    assert first.closed and not first.closed_on_time and first.finding == "true"
    assert facts.closed and facts.closed_on_time and facts.finding == "partly_true"
    assert (facts.reopenings, facts.recurrences_raised, facts.recurrences_reopened) == (1, 1, 1)


def test_a_case_counts_for_the_unit_it_was_dispatched_to_through_to_its_closing(app):
    """Routed to unit 7, dispatched to unit 9: every later step keeps it with unit 9; only a return gives it back."""
    steps = [("open", date(2026, 10, 8), None, "submitted", None),
             ("accept", date(2026, 10, 8), "submitted", "accepted", None),
             ("dispatch", date(2026, 10, 8), "accepted", "dispatched", {"unit_id": 9}),
             ("sign", date(2026, 10, 9), "dispatched", "in_progress", None),
             ("request_extension", date(2026, 10, 12), "in_progress", "in_progress", None),
             ("decide_extension", date(2026, 10, 13), "in_progress", "in_progress", {"approve": False}),
             ("submit_result", date(2026, 10, 14), "in_progress", "pending_verification", {"finding": "true"}),
             ("verify", date(2026, 10, 15), "pending_verification", "verified", None),
             ("close", date(2026, 10, 15), "verified", "closed", None)]
    returned = [*steps[:3], ("return", date(2026, 10, 9), "dispatched", "accepted", {"unit_id": 9})]
    with app_ctx(app):
        calendar = Calendar(date(2026, 9, 1), date(2026, 11, 30))
        kept = [replay(CASE, _walk(*steps[:n]), opened_on=date(2026, 10, 8), following=date(2026, 11, 1),
                       calendar=calendar).unit_id for n in range(3, len(steps) + 1)]
        back = replay(CASE, _walk(*returned), opened_on=date(2026, 10, 8), following=date(2026, 11, 1),
                      calendar=calendar)
    assert kept == [9] * (len(steps) - 2)
    assert back.unit_id == 7 and back.returned_by == [9]


def test_督办_is_kept_through_the_cases_later_steps(app):
    steps = [("open", date(2026, 10, 8), None, "submitted", None),
             ("accept", date(2026, 10, 8), "submitted", "accepted", None),
             ("dispatch", date(2026, 10, 8), "accepted", "dispatched", {"unit_id": 9}),
             ("supervise", date(2026, 10, 9), "dispatched", "dispatched", {"level": "city", "due": "2026-10-20"}),
             ("sign", date(2026, 10, 12), "dispatched", "in_progress", None),
             ("request_extension", date(2026, 10, 13), "in_progress", "in_progress", None),
             ("hand_over", date(2026, 10, 14), "in_progress", "in_progress", None)]
    closing = [("submit_result", date(2026, 10, 15), "in_progress", "pending_verification", {"finding": "true"}),
               ("verify", date(2026, 10, 16), "pending_verification", "verified", None),
               ("close", date(2026, 10, 16), "verified", "closed", None)]
    with app_ctx(app):
        calendar = Calendar(date(2026, 9, 1), date(2026, 11, 30))
        facts = replay(CASE, _walk(*steps), opened_on=date(2026, 10, 8), following=date(2026, 11, 1),
                       calendar=calendar)
        closed = replay(CASE, _walk(*steps, *closing), opened_on=date(2026, 10, 8), following=date(2026, 11, 1),
                        calendar=calendar)
    assert (facts.supervision_level, facts.supervision_due) == ("city", date(2026, 10, 20))
    # closed with no recurrence waiting: the 督办's due date is not a deadline of the closed case
    assert closed.closed and not closed.overdue and closed.supervision_level == "city"


def test_a_case_closed_before_the_month_and_reopened_in_it_is_active_and_open(app):
    before = [("open", False, date(2026, 9, 7), None, "accepted", None),
              ("dispatch", False, date(2026, 9, 7), "accepted", "dispatched", {"unit_id": 9}),
              ("sign", False, date(2026, 9, 8), "dispatched", "in_progress", None),
              ("submit_result", False, date(2026, 9, 9), "in_progress", "pending_verification", {"finding": "true"}),
              ("verify", False, date(2026, 9, 10), "pending_verification", "verified", None),
              ("close", False, date(2026, 9, 10), "verified", "closed", None)]
    with app_ctx(app):
        calendar = Calendar(date(2026, 9, 1), date(2026, 11, 30))
        quiet = replay(CASE, before, opened_on=date(2026, 9, 7), following=date(2026, 11, 1), calendar=calendar)
        reopened = replay(CASE, [*before, ("reopen", True, date(2026, 10, 12), "closed", "in_progress", None)],
                          opened_on=date(2026, 9, 7), following=date(2026, 11, 1), calendar=calendar)
    assert not quiet.active and not quiet.open_at_start and not quiet.received
    assert reopened.active and reopened.is_open and not reopened.received and reopened.reopenings == 1
    assert not reopened.open_at_start  # closed when the month began
    with app_ctx(app):
        carried = replay(CASE, before[:3] + [("submit_result", True, date(2026, 10, 9), "in_progress",
                                              "pending_verification", {"finding": "true"})],
                         opened_on=date(2026, 9, 7), following=date(2026, 11, 1), calendar=calendar)
    assert carried.open_at_start and carried.active and not carried.received


def test_handing_a_closed_case_over_leaves_its_recurrence_waiting(app):
    """移交 of a closed case while a recurrence waits for a decision: the decision's due date still stands."""
    events = [("close", True, date(2026, 10, 5), "verified", "closed", None),
              ("recurrence", True, date(2026, 10, 6), "closed", "closed", {"due": "2026-10-12"}),
              ("hand_over", True, date(2026, 10, 8), "closed", "closed", None)]
    with app_ctx(app):
        facts = replay(CASE, events, opened_on=date(2026, 9, 1), following=date(2026, 11, 1),
                       calendar=Calendar(date(2026, 9, 1), date(2026, 11, 30)))
    assert facts.overdue and facts.state == "closed" and facts.recurrences_raised == 1


def test_the_calendar_counts_up_to_its_last_day_when_that_is_a_working_day(app):
    with app_ctx(app):
        calendar = Calendar(date(2026, 10, 1), date(2026, 10, 30))  # a Friday
        assert calendar.days[-1] == date(2026, 10, 30)
        assert calendar.between(date(2026, 10, 26), date(2026, 10, 30)) == 4 == \
            working_days_between(date(2026, 10, 26), date(2026, 10, 30))
