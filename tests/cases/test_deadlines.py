"""Deadlines in Chinese working days, the one extension, and the overdue sweep."""
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from reporter.cases import services
from reporter.cases.models import CaseEvent
from tests.api.test_frame import assert_error
from tests.cases.conftest import drive
from tests.conftest import app_ctx

# 2025's National Day holiday: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
BEFORE_HOLIDAY = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in China
HANDLE_DUE_FROM_30_SEP = {15: date(2025, 10, 28), 10: date(2025, 10, 21)}


def test_deadlines_skip_the_national_day_holiday(world):
    case_id = world.open(at=BEFORE_HOLIDAY)
    case = world.case(case_id)
    days = case.routing["deadline_days"]
    assert (days["accept"], days["sign"], days["verify"]) == (2, 1, 5)
    assert case.accept_due == date(2025, 10, 10)   # 9 and 10 October: the first working days after the holiday
    assert case.sign_due == date(2025, 10, 9)
    assert case.handle_due == HANDLE_DUE_FROM_30_SEP[days["handle"]]  # Saturday 11 October counts
    assert case.due_on == case.accept_due and case.verify_due is None

    with app_ctx(world.app) as session:
        from reporter.accounts.models import User

        sup = session.get(User, world.city_sup)
        services.perform(case_id, "accept", sup, {}, expected_version=None, at=BEFORE_HOLIDAY)
        dispatched = services.perform(case_id, "dispatch", session.get(User, world.city_sup), {},
                                      expected_version=None, at=datetime(2025, 10, 10, 1, tzinfo=UTC))
        assert dispatched.accept_met is True and dispatched.sign_due == date(2025, 10, 11)  # a worked Saturday
        signed = services.perform(case_id, "sign", session.get(User, world.officer), {}, expected_version=None,
                                  at=datetime(2025, 10, 13, 1, tzinfo=UTC))
        assert signed.sign_met is False  # Monday 13 October: one working day late
        assert signed.due_on == signed.handle_due


def test_one_extension_moves_the_handle_deadline_and_tells_the_reporter_why(world):
    case_id = drive(world, "in_progress")
    due = world.case(case_id).handle_due
    too_long = world.act(case_id, "officer", "request_extension", days=16, reason="工程量大")
    assert "days" in assert_error(too_long, 422, "validation_failed")["errors"]["json"]
    assert world.act(case_id, "officer", "request_extension", days=10, reason="需协调林权纠纷").status_code == 200
    again = world.act(case_id, "officer", "request_extension", days=3, reason="再延")
    assert_error(again, 409, "action_unavailable")
    more = world.act(case_id, "city_sup", "decide_extension", approve=True, days=12)
    assert "days" in assert_error(more, 422)["errors"]["json"]
    resp = world.act(case_id, "county_sup", "decide_extension", approve=True, days=7)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["extension"] == {"used": True, "requested_days": None, "reason": None}
    from reporter.workdays.services import add_working_days

    with app_ctx(world.app):
        assert body["deadlines"]["handle"]["due"] == add_working_days(due, 7).isoformat()
        assert body["due_on"] == body["deadlines"]["handle"]["due"]
        timeline = services.public_timeline(case_id)
    assert timeline[-1]["public_comment"] == "办理期限延长7个工作日：需协调林权纠纷"
    assert timeline[-1]["status"] == "in_progress"
    third = world.act(case_id, "officer", "request_extension", days=2, reason="还要延")
    assert "one extension" in assert_error(third, 409, "action_unavailable")["message"]
    nothing_pending = world.act(case_id, "city_sup", "decide_extension", approve=False)
    assert_error(nothing_pending, 409, "action_unavailable")


def test_a_denied_extension_leaves_the_deadline_and_may_be_asked_again(world):
    case_id = drive(world, "in_progress")
    due = world.case(case_id).handle_due
    world.act(case_id, "officer", "request_extension", days=5, reason="雨季无法进场")
    resp = world.act(case_id, "city_sup", "decide_extension", approve=False, internal_comment="理由不充分")
    assert resp.get_json()["deadlines"]["handle"]["due"] == due.isoformat()
    assert resp.get_json()["extension"]["used"] is False
    assert world.act(case_id, "officer", "request_extension", days=5, reason="补充材料").status_code == 200


def overdue_events(app, case_id) -> list[CaseEvent]:
    with app_ctx(app) as session:
        return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                            CaseEvent.action == "overdue")).scalars())


def test_overdue_sweep_records_each_missed_deadline_once_and_raises_it(world):
    late = world.open(at=datetime(2025, 9, 1, 2, tzinfo=UTC))
    on_time = world.open()
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["cases", "sweep"])
    assert result.exit_code == 0 and f": {late}" in result.output
    events = overdue_events(world.app, late)
    assert len(events) == 1
    event = events[0]
    assert event.data["stage"] == "accept" and event.data["due_on"] == "2025-09-03"
    assert event.data["raised_to"] == [world.county_sup]  # the county's own Qinling office
    assert (event.from_state, event.to_state, event.actor_id) == ("submitted", "submitted", None)
    assert overdue_events(world.app, on_time) == []

    again = runner.invoke(args=["cases", "sweep"])
    assert again.exit_code == 0 and again.output.startswith("0 case(s)")
    assert len(overdue_events(world.app, late)) == 1
    world.act(late, "city_sup", "accept")  # still in the intake stage, still the same missed deadline
    with app_ctx(world.app):
        assert services.sweep_overdue() == []
    assert len(overdue_events(world.app, late)) == 1

    listed = world.client.get("/api/v1/cases?overdue=true", headers=world.h("county_sup")).get_json()
    assert [c["id"] for c in listed["items"]] == [late] and listed["items"][0]["overdue"] is True
    not_late = world.client.get("/api/v1/cases?overdue=false", headers=world.h("county_sup")).get_json()
    assert [c["id"] for c in not_late["items"]] == [on_time]

    world.act(late, "city_sup", "dispatch")  # a new stage with its own clock: no longer overdue
    with app_ctx(world.app) as session:
        assert services.sweep_overdue() == []
        total = session.execute(select(func.count()).select_from(CaseEvent)
                                .where(CaseEvent.case_id == late)).scalar_one()
    assert world.case(late).version == total
