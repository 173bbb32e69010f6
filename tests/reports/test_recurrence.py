"""Recurrence after closure (反弹回潮): a report near a recently closed case of its category is never shelved on it.

It raises a possible recurrence (an event, a deadline, the supervisors' work list with the new photos beside the
closing evidence, "under review" for the reporter); a supervisor reopens the case, opens a new case from the report or
rejects it as the same problem — each with the reporter's timeline and the reward outcome."""
from datetime import timedelta

from sqlalchemy import select, update

from reporter.cases.models import Case, CaseEvent, Recurrence
from reporter.cases.services import recurrences_of, sweep_overdue
from reporter.common.timeutil import utcnow
from reporter.notify.models import OutboxMessage
from reporter.reports.models import Report
from reporter.rewards.models import EligibilityDecision, Reward
from tests.reports.conftest import NINGSHAN, RESULT

NEAR = (NINGSHAN[0] + 0.0015, NINGSHAN[1])  # ~170 m north: inside the duplicate radius


def _closed_case_with_recurrence(town):
    """A first resident's report closed (finding 属实, rewarded); a second resident reports the same place again."""
    town.resident("first")
    town.resident("again")
    first = town.submit("first").get_json()
    town.close(first["case_id"])
    again = town.submit("again", where=NEAR)
    assert again.status_code == 201, again.get_json()
    return first, again.get_json()


def _timeline(town, who, report_id):
    body = town.client.get(f"/api/v1/reports/{report_id}", headers=town.h(who)).get_json()
    return body["status"], [(e["status"], e["public_comment"]) for e in body["timeline"]]


def _decide(town, case_id, decision, reason, **extra):
    return town.act(case_id, "city_sup", "decide_recurrence", decision=decision, reason=reason, **extra)


def _decisions(town, report_id):
    return town.query(lambda s: [(d.eligible, {r["check"]: r for r in d.reasons}) for d in s.execute(
        select(EligibilityDecision).where(EligibilityDecision.report_id == report_id)
        .order_by(EligibilityDecision.id)).scalars()])


def test_a_report_near_a_closed_case_raises_a_recurrence_for_the_supervisors(town):
    first, again = _closed_case_with_recurrence(town)
    case_id = first["case_id"]
    assert again["case_id"] == case_id and again["status"] == "under_review"
    case = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h("city_sup")).get_json()
    assert case["state"] == "closed"
    assert case["events"][-1]["action"] == "recurrence" and case["events"][-1]["actor_id"] is None
    assert case["deadlines"]["recurrence"]["due"] == case["due_on"] is not None
    assert "decide_recurrence" in case["allowed_actions"]
    [raised] = case["sections"]["recurrences"]
    assert raised["report_id"] == again["id"] and raised["state"] == "pending" and raised["due"] == case["due_on"]
    assert len(raised["photos"]) == 1 and len(raised["closing_evidence"]) == 1  # the new photo beside the evidence
    assert raised["closing_evidence"][0]["id"] in [p["id"] for p in case["photos"]]

    pending = town.client.get("/api/v1/cases?recurrence=pending", headers=town.h("city_sup")).get_json()
    assert [c["id"] for c in pending["items"]] == [case_id]
    officer = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h("officer")).get_json()
    assert officer["sections"]["recurrences"] == []  # the supervisors' desk, not the unit's

    status, timeline = _timeline(town, "again", again["id"])
    assert status == "under_review" and [s for s, _ in timeline] == ["under_review"]
    status, timeline = _timeline(town, "first", first["id"])  # the first reporter's story is unchanged
    assert status == "closed" and "under_review" not in [s for s, _ in timeline]
    # A plain reopening does not bypass the pending decision.
    etag = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h("city_sup")).headers["ETag"]
    resp = town.client.post(f"/api/v1/cases/{case_id}/actions", json={"action": "reopen", "reason": "回头看"},
                            headers={**town.h("city_sup"), "If-Match": etag})
    assert resp.status_code == 409 and resp.get_json()["error"] == "action_unavailable"


def test_reopened_for_failed_rectification_the_recurrence_is_rewarded_again(town):
    first, again = _closed_case_with_recurrence(town)
    case_id = first["case_id"]
    assert _decide(town, case_id, "reopen", "现场复查发现违建已重新搭建") == "in_progress"
    case = town.query(lambda s: s.get(Case, case_id))
    assert case.reopen_count == 1 and case.recurrence_due is None and case.recurrence_met is True
    status, timeline = _timeline(town, "again", again["id"])
    assert status == "in_progress"
    assert timeline == [("under_review", None), ("in_progress", "经核查整改不到位，已重新交办处理")]
    assert town.client.get("/api/v1/cases?recurrence=pending", headers=town.h("city_sup")).get_json()["total"] == 0

    for who, action, payload in (("officer", "submit_result", {**RESULT, "photo_ids": [town.upload(
            "officer", "evidence")]}), ("city_sup", "verify", {"result": "pass"}), ("city_sup", "close", {})):
        town.act(case_id, who, action, **payload)
    status, timeline = _timeline(town, "again", again["id"])
    assert status == "closed" and [s for s, _ in timeline][-2:] == ["verified", "closed"]
    [(eligible, reasons)] = _decisions(town, again["id"])
    assert eligible and "recurs after closing may be rewarded again" in reasons["first_reporter"]["text"]
    decisions = _decisions(town, first["id"])  # rewarded at the first closing, not again
    assert [e for e, _ in decisions] == [True, False]
    assert "only the recurrence's first reporter counts" in decisions[1][1]["first_reporter"]["text"]
    rewards = town.query(lambda s: sorted(r.report_id for r in s.execute(
        select(Reward).where(Reward.case_id == case_id)).scalars()))
    assert rewards == sorted([first["id"], again["id"]])


def test_a_new_violation_at_a_closed_place_becomes_a_new_case_routed_as_usual(town):
    first, again = _closed_case_with_recurrence(town)
    case_id = first["case_id"]
    assert _decide(town, case_id, "new_case", "原违建已拆除，此为新建的另一处") == "closed"
    report = town.client.get(f"/api/v1/reports/{again['id']}", headers=town.h("again")).get_json()
    new_id = report["case_id"]
    assert new_id != case_id and report["status"] == "submitted"
    new = town.client.get(f"/api/v1/cases/{new_id}", headers=town.h("city_sup")).get_json()
    assert new["source"] == "citizen_report" and new["routing"]["lead_units"]  # routed as usual
    assert [r["id"] for r in new["sections"]["reports"]] == [again["id"]]
    assert town.query(lambda s: recurrences_of([case_id])[case_id][0]["new_case_id"]) == new_id
    status, timeline = _timeline(town, "again", again["id"])
    assert [s for s, _ in timeline] == ["under_review", "new_case", "submitted"]

    town.close(new_id)
    [(eligible, reasons)] = _decisions(town, again["id"])
    assert eligible and "new violation" in reasons["first_reporter"]["text"]
    assert town.query(lambda s: s.get(Case, case_id).state) == "closed"


def test_the_same_problem_already_closed_is_rejected_and_the_reporter_told_why(town):
    first, again = _closed_case_with_recurrence(town)
    case_id = first["case_id"]
    assert _decide(town, case_id, "reject", "现场核实为原拆除后的残留建材，已清理完毕") == "closed"
    status, timeline = _timeline(town, "again", again["id"])
    assert status == "rejected"
    assert timeline == [("under_review", None),
                        ("rejected", "经核查与已办结问题相同，不予重复受理：现场核实为原拆除后的残留建材，已清理完毕")]
    [(eligible, reasons)] = _decisions(town, again["id"])
    assert not eligible and "repeats a closed case is not rewarded" in reasons["not_a_repeat"]["text"]
    told = town.query(lambda s: [(m.kind, m.data["report_id"]) for m in s.execute(
        select(OutboxMessage).where(OutboxMessage.recipient_id == town.ids["again"])).scalars()])
    assert told == [("report_rejected", again["id"])]
    _, first_timeline = _timeline(town, "first", first["id"])
    assert "rejected" not in [s for s, _ in first_timeline]
    event = town.query(lambda s: s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                           .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one())
    assert event.action == "decide_recurrence" and event.data["decision"] == "reject"
    assert event.data["report_ids"] == [again["id"]] and event.actor_id == town.ids["city_sup"]


def test_an_open_case_at_the_place_takes_the_report_before_a_closed_one(town):
    first, again = _closed_case_with_recurrence(town)
    _decide(town, first["case_id"], "new_case", "新问题")
    new_id = town.query(lambda s: s.get(Report, again["id"]).case_id)
    town.resident("third")
    third = town.submit("third", where=(NINGSHAN[0] + 0.0005, NINGSHAN[1])).get_json()  # nearer the closed case
    assert third["case_id"] == new_id and third["status"] == "submitted"
    assert town.query(lambda s: s.execute(select(Recurrence).where(Recurrence.report_id == third["id"])).first()) \
        is None


def test_an_undecided_recurrence_is_raised_as_overdue(town):
    first, _again = _closed_case_with_recurrence(town)
    case_id = first["case_id"]
    due = town.query(lambda s: s.get(Case, case_id).recurrence_due)
    town.query(lambda s: (s.execute(update(Case).where(Case.id == case_id)
                                    .values(recurrence_due=due - timedelta(days=30),
                                            due_on=due - timedelta(days=30))), s.commit()))
    with town.app.app_context():
        assert case_id in sweep_overdue(utcnow())
    event = town.query(lambda s: s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                           .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one())
    assert event.action == "overdue" and event.data["stage"] == "recurrence"


def test_a_registered_sites_history_shows_the_recurrences_of_its_cases(town):
    """A farmstay closed after rectification is reported again: its register entry shows the recurrence and, once
    decided, how (DOMAIN.md: the site's history lists its cases and its recurrences)."""
    from reporter.registers.sites import site_for_case

    created = town.client.post("/api/v1/registers/sites", headers=town.h("city_sup"), json={
        "kind": "farmstay", "code": "NJL-R1", "name": "河边农家", "operator": "宁陕县河边农家乐有限公司",
        "geometry": {"type": "Point", "coordinates": [NINGSHAN[1], NINGSHAN[0]]},
        "attributes": {"problems": ["乱排乱放"], "outcome": "提升改造"}})
    assert created.status_code == 201, created.get_json()
    site_id = created.get_json()["id"]
    town.resident("first")
    town.resident("again")
    first = town.submit("first", category="farmstay").get_json()
    assert town.query(lambda s: site_for_case(first["case_id"]).id) == site_id
    town.close(first["case_id"], to_officers_unit=True)
    again = town.submit("again", where=NEAR, category="farmstay").get_json()
    history = town.client.get(f"/api/v1/registers/sites/{site_id}/history", headers=town.h("city_sup")).get_json()
    assert [(r["case_id"], r["report_id"], r["state"]) for r in history["recurrences"]] == [
        (first["case_id"], again["id"], "pending")]
    assert _decide(town, first["case_id"], "reopen", "整改不到位，污水管仍通河道") == "in_progress"
    history = town.client.get(f"/api/v1/registers/sites/{site_id}/history", headers=town.h("city_sup")).get_json()
    assert [r["state"] for r in history["recurrences"]] == ["reopened"]
    assert history["recurrences"][0]["decided_at"] is not None
