"""The workflow's effects at their edges, called directly on saved cases (no HTTP): 督办's due date and level, 不予受理
as a duplicate of another case the supervisor can see, 派遣 to another active unit, the units a case involves, and
each 反弹回潮 decision's effect on every pending report, the case, the reporters' text and the audit log.

Written from the rules (README "Case workflow", DOMAIN.md, the effects' docstrings)."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.audit.models import AuditEvent
from reporter.cases import effects as fx
from reporter.cases import services
from reporter.cases.models import Case, CaseUnit, Recurrence
from reporter.errors import Forbidden, ValidationFailed
from reporter.extensions import db
from reporter.org.models import Unit
from reporter.reports.models import Report
from tests.cases.conftest import HANBIN, NINGSHAN
from tests.conftest import app_ctx

AT = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
TODAY = date(2026, 5, 6)


@pytest.fixture()
def people(users):
    return {"city_sup": users.make("supervisor", unit_code="city.qinling_office"),
            "county_sup": users.make("supervisor", unit_code="610923.qinling_office"),
            "resident": users.make("resident")}


def user(people, who) -> User:
    return db.session.get(User, people[who])


def open_case(people, where=NINGSHAN, state="submitted") -> Case:
    return services.open_case(source="video", category="illegal_logging", lat=where[0], lng=where[1],
                              description="林区有人砍伐", actor=user(people, "city_sup"), state=state)


def step(case, actor, today=TODAY, **payload) -> fx.Step:
    return fx.Step(case=case, actor=actor, payload=payload, at=AT, today=today)


def unit_id(code) -> int:
    return db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()


# 挂牌督办: the due date may be today or later, never in the past -------------------------------------------------

@pytest.mark.parametrize("due, allowed", [(TODAY - timedelta(days=1), False), (TODAY, True),
                                          (TODAY + timedelta(days=1), True), (TODAY + timedelta(days=30), True)])
def test_a_supervision_is_due_today_or_later(app, people, due, allowed):
    with app_ctx(app):
        case = open_case(people)
        s = step(case, user(people, "city_sup"), level="county", due=due, reason="群众反映强烈")
        if allowed:
            fx.flag_supervision(s)
            assert (case.supervision_level, case.supervision_due) == ("county", due)
            assert s.data == {"level": "county", "due": due.isoformat(), "reason": "群众反映强烈"}
        else:
            with pytest.raises(ValidationFailed) as refused:
                fx.flag_supervision(s)
            assert refused.value.errors["json"]["due"] == ["The due date is in the past"]
            assert case.supervision_level is None and case.supervision_due is None and s.data == {}


# A county office flags county level only; the city office either level.
@pytest.mark.parametrize("who, level, allowed", [("city_sup", "city", True), ("city_sup", "county", True),
                                                 ("county_sup", "county", True), ("county_sup", "city", False)])
def test_only_the_city_office_flags_city_level_supervision(app, people, who, level, allowed):
    with app_ctx(app):
        case = open_case(people)
        s = step(case, user(people, who), level=level, due=TODAY, reason="重大")
        if allowed:
            fx.flag_supervision(s)
            assert case.supervision_level == level and s.data["level"] == level
        else:
            with pytest.raises(Forbidden):
                fx.flag_supervision(s)
            assert case.supervision_level is None and s.data == {}


# 不予受理 as a duplicate: the case it repeats exists, the actor may see it, and it is another case -----------------

def test_a_duplicate_of_another_visible_case_earlier_or_later_is_kept(app, people):
    with app_ctx(app):
        earlier, case, later = open_case(people), open_case(people), open_case(people)
        county_sup = user(people, "county_sup")
        for target in (earlier.id, later.id):
            s = step(case, county_sup, reason_code="duplicate", duplicate_of=target)
            fx.duplicate_target(s)
            assert s.data == {"duplicate_of": target}
        s = step(case, county_sup, reason_code="insufficient")  # not a duplicate: nothing to check or keep
        fx.duplicate_target(s)
        assert s.data == {}


@pytest.mark.parametrize("target", ["itself", "missing_above", "missing_below", "unseen_below", "unseen_above"])
def test_a_duplicate_of_itself_a_missing_or_an_unseen_case_is_refused_even_beside_visible_ones(app, people, target):
    with app_ctx(app):
        unseen_below = open_case(people, where=HANBIN)  # 汉滨: outside the 宁陕 office's area
        visible = open_case(people)
        case = open_case(people)
        also_visible = open_case(people)
        unseen_above = open_case(people, where=HANBIN)
        assert visible.id < case.id < also_visible.id
        duplicate_of = {"itself": case.id, "missing_above": unseen_above.id + 1_000, "missing_below": 0,
                        "unseen_below": unseen_below.id, "unseen_above": unseen_above.id}[target]
        s = step(case, user(people, "county_sup"), reason_code="duplicate", duplicate_of=duplicate_of)
        with pytest.raises(ValidationFailed) as refused:
            fx.duplicate_target(s)
        assert refused.value.errors["json"] == {"duplicate_of": ["No such case (or the case itself)"]}
        assert s.data == {}


def test_the_city_office_may_name_a_duplicate_in_any_county(app, people):
    with app_ctx(app):
        hanbin, case = open_case(people, where=HANBIN), open_case(people)
        s = step(case, user(people, "city_sup"), duplicate_of=hanbin.id)
        fx.duplicate_target(s)
        assert s.data == {"duplicate_of": hanbin.id}


# 派遣: the routed unit, or another active unit with a reason ------------------------------------------------------

def _relations(case) -> dict[int, str]:
    return dict(db.session.execute(select(CaseUnit.unit_id, CaseUnit.relation)
                                   .where(CaseUnit.case_id == case.id)).all())


def test_dispatching_to_the_routed_unit_needs_no_reason(app, people):
    with app_ctx(app):
        case = open_case(people, state="accepted")
        routed = case.routed_unit_id
        assert routed == unit_id("610923.forestry")
        before = _relations(case)
        assert before[routed] == "lead"
        s = step(case, user(people, "city_sup"))
        fx.dispatch_to_unit(s)
        assert case.current_unit_id == routed and s.data == {"unit_id": routed}
        db.session.flush()
        assert _relations(case) == before  # already involved: its first relation stays


@pytest.mark.parametrize("code", ["610923.water", "city.water"])  # a unit listed after the routed one, before it
def test_dispatching_to_another_active_unit_keeps_the_reason_and_involves_the_unit(app, people, code):
    with app_ctx(app):
        case = open_case(people, state="accepted")
        water = unit_id(code)
        assert water != case.routed_unit_id
        assert water not in _relations(case)
        s = step(case, user(people, "city_sup"), unit_id=water, override_reason="涉及河道")
        fx.dispatch_to_unit(s)
        assert case.current_unit_id == water
        assert s.data == {"override": True, "routed_unit_id": case.routed_unit_id, "override_reason": "涉及河道",
                          "unit_id": water}
        db.session.flush()
        assert _relations(case)[water] == "handling"


@pytest.mark.parametrize("target", ["unknown_below", "unknown_above", "inactive"])
def test_dispatching_to_an_unknown_or_inactive_unit_is_refused(app, people, target):
    with app_ctx(app):
        case = open_case(people, state="accepted")
        if target == "inactive":
            unit = db.session.get(Unit, unit_id("610923.water"))
            unit.is_active = False
            db.session.flush()
            chosen = unit.id
        else:
            chosen = {"unknown_below": -1, "unknown_above": 10_000_000}[target]
        s = step(case, user(people, "city_sup"), unit_id=chosen, override_reason="涉及河道")
        with pytest.raises(ValidationFailed) as refused:
            fx.dispatch_to_unit(s)
        assert refused.value.errors["json"] == {"unit_id": ["Unknown or inactive unit"]}
        assert case.current_unit_id is None and s.data == {}


def test_dispatching_to_another_unit_without_a_reason_is_refused(app, people):
    with app_ctx(app):
        case = open_case(people, state="accepted")
        s = step(case, user(people, "city_sup"), unit_id=unit_id("610923.water"))
        with pytest.raises(ValidationFailed) as refused:
            fx.dispatch_to_unit(s)
        assert list(refused.value.errors["json"]) == ["override_reason"]
        assert case.current_unit_id is None


def test_a_case_without_a_routed_unit_needs_one_named():
    s = step(Case(routed_unit_id=None, current_unit_id=None), None)
    with pytest.raises(ValidationFailed) as refused:
        fx.dispatch_to_unit(s)
    assert refused.value.errors["json"] == {"unit_id": ["Required"]}
    assert s.case.current_unit_id is None and s.data == {}


def test_a_unit_involved_in_other_cases_is_still_involved_in_this_one(app, people):
    with app_ctx(app):
        water = unit_id("610923.water")
        earlier, case, later = open_case(people), open_case(people), open_case(people)
        for other in (earlier, later):
            fx.involve_units(other, [(water, "cooperating")])
        db.session.flush()
        fx.involve_units(case, [(water, "handling")])
        db.session.flush()
        assert _relations(case)[water] == "handling"
        assert _relations(earlier)[water] == _relations(later)[water] == "cooperating"


def test_a_unit_named_twice_is_involved_once_with_its_first_relation(app, people):
    with app_ctx(app):
        case = open_case(people)
        water, ecology = unit_id("610923.water"), unit_id("610923.ecology")
        fx.involve_units(case, [(water, "cooperating"), (ecology, "handling"), (water, "handling")])
        db.session.flush()
        relations = _relations(case)
        assert relations[water] == "cooperating" and relations[ecology] == "handling"


# 反弹回潮 decided: every pending report of the case gets the decision ---------------------------------------------

def _report(people, case, n) -> str:
    report = Report(tracking_code=f"FX{n:06d}", reporter_id=people["resident"], case_id=case.id,
                    category="illegal_logging", description="又有人砍伐", lat=NINGSHAN[0], lng=NINGSHAN[1],
                    coord_system="wgs84")
    db.session.add(report)
    db.session.flush()
    return report.id


def _recurrences(people, reopen_count=0):
    """A closed case with two pending reports (the one raised first has the larger id), a report of the case decided
    before (one of each earlier outcome) and a pending report on each of two other closed cases, one opened before it
    and one after."""
    other, case, later = open_case(people), open_case(people), open_case(people)
    other.state = case.state = later.state = "closed"
    case.reopen_count = reopen_count
    case.recurrence_due = TODAY
    n = iter(range(1, 100))
    rows = {}
    for name, of, state, raised in [("other", other, "pending", AT - timedelta(hours=5)),
                                    ("old_new_case", case, "new_case", AT - timedelta(days=20)),
                                    ("old_rejected", case, "rejected", AT - timedelta(days=10)),
                                    ("second", case, "pending", AT - timedelta(hours=1)),
                                    ("first", case, "pending", AT - timedelta(hours=3)),
                                    ("later", later, "pending", AT - timedelta(hours=2))]:
        rows[name] = Recurrence(case_id=of.id, report_id=_report(people, of, next(n)), raised_at=raised, state=state)
        db.session.add(rows[name])
    db.session.flush()
    return case, rows


def _audit(case) -> list[tuple]:
    return [(e.action, e.reason, e.details) for e in db.session.execute(
        select(AuditEvent).where(AuditEvent.target_type == "case", AuditEvent.target_id == str(case.id))).scalars()]


@pytest.mark.parametrize("decision, state, told", [
    ("reopen", "reopened", "经核查整改不到位，已重新交办处理"),
    ("new_case", "new_case", "经核查为同一地点的新问题，已另行立案办理"),
    ("reject", "rejected", "经核查与已办结问题相同，不予重复受理：与已办结问题相同")])
def test_each_recurrence_decision_decides_every_pending_report_of_the_case(app, people, decision, state, told):
    with app_ctx(app):
        case, rows = _recurrences(people)
        sup = user(people, "city_sup")
        s = step(case, sup, decision=decision, reason="与已办结问题相同")
        fx.decide_recurrence(s)
        db.session.flush()
        for name in ("first", "second"):
            r = rows[name]
            assert (r.state, r.decided_at, r.reason) == (state, AT, "与已办结问题相同")
            assert r.closing == (1 if decision == "reopen" else None)  # the first reopening starts round 1
        assert [(r.state, r.decided_at, r.closing) for r in (rows["old_new_case"], rows["old_rejected"])] == [
            ("new_case", None, None), ("rejected", None, None)]
        for name in ("other", "later"):  # other cases' reports
            assert (rows[name].state, rows[name].decided_at) == ("pending", None)
        assert case.recurrence_due is None  # the decision's clock stops
        assert s.data == {"decision": decision, "reason": "与已办结问题相同",
                          "report_ids": [rows["first"].report_id, rows["second"].report_id]}  # as raised
        assert s.public_comment == told
        assert _audit(case) == [("case.recurrence_decided", "与已办结问题相同", {"decision": decision, "reports": 2})]


@pytest.mark.parametrize("reopen_count, closing", [(0, 1), (2, 3)])
def test_a_reopened_recurrence_counts_for_the_round_the_reopening_starts(app, people, reopen_count, closing):
    with app_ctx(app):
        case, rows = _recurrences(people, reopen_count=reopen_count)
        fx.decide_recurrence(step(case, user(people, "city_sup"), decision="reopen", reason="整改不到位"))
        assert rows["first"].closing == rows["second"].closing == closing


@pytest.mark.parametrize("decision", ["reopen", "new_case", "reject"])
def test_the_supervisors_own_public_comment_replaces_the_standard_sentence(app, people, decision):
    with app_ctx(app):
        case, _rows = _recurrences(people)
        s = step(case, user(people, "city_sup"), decision=decision, reason="内部理由", public_comment="感谢您的监督")
        fx.decide_recurrence(s)
        assert s.public_comment == "感谢您的监督"


# Only the recurrence decision's days come from CASE_RECURRENCE_DECISION_DAYS; every other stage keeps its rule's.
def test_the_recurrence_setting_changes_no_other_stage(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_RECURRENCE_DECISION_DAYS", 3)
    rule = {"accept": 4, "sign": 6, "handle": 12, "verify": 9}
    with app_ctx(app):
        for stage, days in rule.items():
            assert fx.deadline_days(Case(routing={"deadline_days": rule}), stage) == days
            assert fx.deadline_days(Case(routing={}), stage) == fx.DEFAULT_DEADLINE_DAYS[stage]
        assert fx.deadline_days(Case(routing={"deadline_days": {**rule, "recurrence": 8}}), "recurrence") == 3
