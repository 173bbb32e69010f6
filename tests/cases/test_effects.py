"""The workflow's side effects one by one, on a case that is not saved: stage clocks and whether a deadline was met,
counters, what events keep, the extension limits, supervision flags, closing and reopening."""
from datetime import UTC, date, datetime

import pytest

from reporter.cases import effects as fx
from reporter.cases.models import Case
from reporter.errors import ValidationFailed
from reporter.workdays.services import add_working_days
from tests.conftest import app_ctx

AT = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
TODAY = date(2026, 5, 6)


def step(case=None, today=TODAY, **payload) -> fx.Step:
    return fx.Step(case=case or Case(), actor=None, payload=payload, at=AT, today=today)


def test_default_deadlines_and_stages():
    assert fx.STAGES == ("accept", "sign", "handle", "verify", "recurrence")
    assert fx.DEFAULT_DEADLINE_DAYS == {"accept": 2, "sign": 1, "handle": 15, "verify": 5, "recurrence": 5}


def test_deadline_days_come_from_the_routing_rule_else_the_default(app):
    with app_ctx(app):
        case = Case(routing={"deadline_days": {"handle": 10, "sign": 0}})
        assert fx.deadline_days(case, "handle") == 10
        assert fx.deadline_days(case, "sign") == 1          # 0 is no setting
        assert fx.deadline_days(case, "verify") == 5
        assert fx.deadline_days(Case(routing=None), "accept") == 2
        assert fx.deadline_days(Case(routing={}), "handle") == 15


def test_the_recurrence_decision_days_come_from_the_setting(app):
    with app_ctx(app):
        old = app.config.get("CASE_RECURRENCE_DECISION_DAYS")
        try:
            app.config["CASE_RECURRENCE_DECISION_DAYS"] = 3
            assert fx.deadline_days(Case(routing={"deadline_days": {"recurrence": 9}}), "recurrence") == 3
            app.config["CASE_RECURRENCE_DECISION_DAYS"] = None
            assert fx.deadline_days(Case(), "recurrence") == 5
        finally:
            app.config["CASE_RECURRENCE_DECISION_DAYS"] = old


@pytest.mark.parametrize("stage", fx.STAGES)
def test_starting_a_stage_sets_its_deadline_in_working_days_and_clears_met(app, stage):
    with app_ctx(app):
        case = Case(routing={})
        setattr(case, f"{stage}_met", True)
        effect = fx.start_stage(stage)
        assert effect.__name__ == f"start_{stage}"
        effect(step(case))
        assert getattr(case, f"{stage}_due") == add_working_days(TODAY, fx.deadline_days(case, stage))
        assert getattr(case, f"{stage}_met") is None


@pytest.mark.parametrize("today, met", [(date(2026, 5, 5), True), (date(2026, 5, 6), True), (date(2026, 5, 7), False)])
def test_a_stage_ended_on_its_due_day_met_its_deadline(today, met):
    case = Case(handle_due=date(2026, 5, 6))
    fx.end_stage("handle")(step(case, today=today))
    assert case.handle_met is met
    case = Case(handle_due=None)
    fx.end_stage("handle")(step(case, today=today))
    assert case.handle_met is True
    assert fx.end_stage("verify").__name__ == "end_verify"


def test_counters_start_from_nothing():
    case = Case(return_count=None, rework_count=2)
    fx.count("return_count")(step(case))
    fx.count("rework_count")(step(case))
    assert (case.return_count, case.rework_count) == (1, 3)
    assert fx.count("reopen_count").__name__ == "count_reopen_count"


def test_keep_copies_only_the_given_fields_that_are_set():
    s = step(reason_code="insufficient", other="x", empty=None)
    fx.keep("reason_code", "empty", "missing")(s)
    assert s.data == {"reason_code": "insufficient"}
    assert fx.keep("days", "reason").__name__ == "keep_days_reason"


def test_release_unit_keeps_the_unit_and_reason():
    case = Case(current_unit_id=7)
    s = step(case, reason="不属于本单位职责")
    fx.release_unit(s)
    assert case.current_unit_id is None and s.data == {"unit_id": 7, "reason": "不属于本单位职责"}


def test_record_result_and_verification_without_photos():
    case = Case()
    s = step(case, finding="partly_true", measures="已补植", reason="部分属实")
    fx.record_result(s)
    assert (case.finding, case.measures) == ("partly_true", "已补植")
    assert s.data == {"finding": "partly_true", "measures": "已补植", "reason": "部分属实"}
    v = step(case, result="fail", reason="补植不到位")
    fx.record_verification(v)
    assert v.data == {"result": "fail", "reason": "补植不到位"}


@pytest.mark.parametrize("days, limit, allowed", [(15, None, True), (16, None, False), (5, 5, True), (6, 5, False)])
def test_an_extension_asks_for_at_most_the_policy_maximum(app, monkeypatch, days, limit, allowed):
    # monkeypatch puts the setting back as it was (absent included): a limit left behind would refuse later tests'
    # extensions
    if limit is None:
        monkeypatch.delitem(app.config, "CASE_EXTENSION_MAX_DAYS", raising=False)
    else:
        monkeypatch.setitem(app.config, "CASE_EXTENSION_MAX_DAYS", limit)
    with app_ctx(app):
        case = Case()
        s = step(case, days=days, reason="需要联合执法")
        if allowed:
            fx.request_extension(s)
            assert (case.extension_requested_days, case.extension_reason) == (days, "需要联合执法")
            assert s.data == {"days": days, "reason": "需要联合执法"}
        else:
            with pytest.raises(ValidationFailed) as excinfo:
                fx.request_extension(s)
            assert excinfo.value.errors["json"]["days"] == [f"At most {limit or 15} working days"]
            assert case.extension_requested_days is None


def test_deciding_an_extension(app):
    with app_ctx(app):
        case = Case(extension_requested_days=5, extension_reason="需要联合执法", handle_due=date(2026, 5, 8))
        with pytest.raises(ValidationFailed):
            fx.decide_extension(step(case, approve=True, days=6))
        s = step(case, approve=True, days=5)
        fx.decide_extension(s)
        assert case.handle_due == add_working_days(date(2026, 5, 8), 5) and case.extension_used is True
        assert s.public_comment == "办理期限延长5个工作日：需要联合执法"
        assert s.data == {"approve": True, "requested_days": 5, "reason": "需要联合执法", "days": 5}
        assert case.extension_requested_days is None and case.extension_reason is None
        case = Case(extension_requested_days=4, extension_reason="r", handle_due=None, extension_used=False)
        s = step(case, approve=True)
        fx.decide_extension(s)
        assert case.handle_due == add_working_days(TODAY, 4)
        case = Case(extension_requested_days=4, extension_reason="r", handle_due=date(2026, 5, 8),
                    extension_used=False)
        s = step(case, approve=False)
        fx.decide_extension(s)
        assert case.handle_due == date(2026, 5, 8) and case.extension_used is False and s.public_comment is None
        assert s.data == {"approve": False, "requested_days": 4, "reason": "r"}


def test_closing_and_reopening():
    case = Case(verify_due=date(2026, 5, 1), verify_met=True)
    fx.mark_closed(step(case))
    assert case.closed_at == AT
    s = step(case, reason="回头看")
    fx.reopen(s)
    assert case.closed_at is None and case.verify_due is None and case.verify_met is None
    assert s.data == {"reason": "回头看"}


def test_recurrence_public_texts():
    assert fx.RECURRENCE_PUBLIC == {"reopen": "经核查整改不到位，已重新交办处理",
                                    "new_case": "经核查为同一地点的新问题，已另行立案办理",
                                    "reject": "经核查与已办结问题相同，不予重复受理"}


def test_hand_over():
    case = Case()
    s = step(case, to="police", reason="涉嫌滥伐林木罪")
    fx.hand_over(s)
    assert case.handed_over_to == "police" and s.data == {"to": "police", "reason": "涉嫌滥伐林木罪"}
