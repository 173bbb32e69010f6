"""The workflow through the API: the full loop, 409 for every illegal transition, 403 for every wrong role."""
from datetime import timedelta

import pytest

from reporter.cases.workflow import ACTIONS, STATES, TRANSITIONS, allowed_actions
from reporter.common.timeutil import cst_date, utcnow
from tests.api.test_frame import assert_error
from tests.cases.conftest import RESULT_FALSE, STAFF_ENTRY, TO_STATE, drive, etag_of

FUTURE = (cst_date(utcnow()) + timedelta(days=10)).isoformat()
VALID = {
    "accept": {}, "reject": {"reason_code": "insufficient"}, "dispatch": {}, "sign": {},
    "return": {"reason": "不属于本单位职责"}, "submit_result": RESULT_FALSE,
    "request_extension": {"days": 5, "reason": "需要联合执法"}, "decide_extension": {"approve": True},
    "verify": {"result": "pass"}, "close": {}, "reopen": {"reason": "回头看发现问题反弹"},
    "supervise": {"level": "county", "due": FUTURE, "reason": "群众反映强烈"},
    "hand_over": {"to": "police", "reason": "涉嫌滥伐林木罪"},
    "decide_recurrence": {"decision": "reject", "reason": "与已办结问题相同"},
}
SUPERVISORS = {"city_sup", "county_sup"}
MAY = {t.action: ({"officer"} if t.permits[0].role == "officer" else SUPERVISORS)
       | ({"inspector"} if any(p.role == "inspector" for p in t.permits) else set()) for t in TRANSITIONS}
READERS = ("city_sup", "county_sup", "officer", "city_officer", "inspector", "auditor")


def test_full_loop_leaves_a_complete_history(world):
    w = world
    resp = w.client.post("/api/v1/cases", json=STAFF_ENTRY, headers=w.h("city_sup"))
    assert resp.status_code == 201, resp.get_json()
    case = resp.get_json()
    case_id = case["id"]
    assert case["state"] == "submitted" and case["source"] == "video"
    assert case["number"].startswith("QL") and case["number"].endswith(f"-{case_id:06d}")
    assert case["county_adcode"] == "610923" and case["routing"]["lead_units"][0]["id"] == w.unit["610923.forestry"]
    assert resp.headers["ETag"] == f'"case-{case_id}-v1"'

    steps = [
        ("city_sup", "accept", {"public_comment": "已立案"}, "accepted"),
        ("city_sup", "dispatch", {}, "dispatched"),
        ("officer", "sign", {}, "in_progress"),
        ("officer", "submit_result", {"finding": "true", "measures": "已责令停止砍伐并补植",
                                      "photo_ids": [w.upload("officer")]}, "pending_verification"),
        ("inspector", "verify", {"result": "fail", "reason": "补植不到位", "internal_comment": "现场仍有树桩"},
         "in_progress"),
        ("officer", "submit_result", {"finding": "true", "measures": "补植完成",
                                      "photo_ids": [w.upload("officer")]}, "pending_verification"),
        ("inspector", "verify", {"result": "pass", "photo_ids": [w.upload("inspector")]}, "verified"),
        ("city_sup", "close", {"public_comment": "问题已整改到位"}, "closed"),
        ("county_sup", "reopen", {"reason": "回头看发现新砍伐"}, "in_progress"),
        ("officer", "submit_result", {"finding": "partly_true", "measures": "再次整改",
                                      "photo_ids": [w.upload("officer")]}, "pending_verification"),
        ("county_sup", "verify", {"result": "pass"}, "verified"),
        ("city_sup", "close", {}, "closed"),
    ]
    for who, action, payload, state in steps:
        resp = w.act(case_id, who, action, **payload)
        assert resp.status_code == 200, (action, resp.get_json())
        assert resp.get_json()["state"] == state

    body = w.get(case_id).get_json()
    assert body["finding"] == "partly_true" and body["closed_at"] is not None
    assert (body["rework_count"], body["reopen_count"], body["return_count"]) == (1, 1, 0)
    assert len(body["photos"]) == 4 and all(p["url"] for p in body["photos"])
    events = body["events"]
    assert [e["seq"] for e in events] == list(range(1, len(steps) + 2)) and body["version"] == len(events)
    assert [e["action"] for e in events] == ["open"] + [s[1] for s in steps]
    assert [e["to_state"] for e in events] == ["submitted"] + [s[3] for s in steps]
    assert all(e["from_state"] == prev["to_state"] for prev, e in zip(events, events[1:], strict=False))
    fail = events[5]
    assert fail["actor_id"] == w.inspector and fail["actor_role"] == "inspector"
    assert fail["internal_comment"] == "现场仍有树桩" and fail["data"]["reason"] == "补植不到位"
    assert events[3]["actor_unit_id"] == w.unit["610923.forestry"] and events[3]["actor_role"] == "officer"
    assert body["deadlines"]["sign"]["met"] is True and body["deadlines"]["verify"]["met"] is True
    # Stage deadlines in workflow order, as a list and in the object's own key order on the wire (no sorting).
    assert [d["stage"] for d in body["stage_deadlines"]] == ["accept", "sign", "handle", "verify", "recurrence"]
    assert body["stage_deadlines"][1] == {"stage": "sign", **body["deadlines"]["sign"]}
    text = w.get(case_id).get_data(as_text=True)
    deadlines = text[text.index('"deadlines"'):]
    assert [deadlines.index(f'"{s}"') for s in ("accept", "sign", "handle", "verify")] == sorted(
        deadlines.index(f'"{s}"') for s in ("accept", "sign", "handle", "verify"))


def test_every_illegal_transition_from_every_state_is_409_naming_the_allowed_actions(world):
    for state in STATES:
        case_id = drive(world, state)
        allowed = allowed_actions(state)
        etag = etag_of(world.get(case_id))
        for action in ACTIONS:
            if action in allowed:
                continue
            resp = world.act(case_id, "city_sup", action, if_match=etag, **VALID[action])
            body = assert_error(resp, 409, "invalid_transition")
            assert body["errors"]["allowed_actions"] == allowed, (state, action)
            assert all(a in body["message"] for a in allowed)
        assert world.case(case_id).version == len(TO_STATE[state]) + 1


def test_every_action_by_every_wrong_role_is_403_and_changes_nothing(world):
    for state in STATES:
        case_id = drive(world, state)
        version = world.case(case_id).version
        etag = f'"case-{case_id}-v{version}"'
        for who in READERS:
            open_to_them = set(world.get(case_id, who).get_json()["allowed_actions"])
            for action in allowed_actions(state):
                if who in MAY[action]:
                    assert action in open_to_them, (state, action, who)
                    continue
                assert action not in open_to_them, (state, action, who)
                resp = world.act(case_id, who, action, if_match=etag, **VALID[action])
                assert_error(resp, 403, "forbidden")
        resp = world.act(case_id, "admin", allowed_actions(state)[0] if allowed_actions(state) else "accept")
        assert_error(resp, 403, "forbidden")
        assert world.case(case_id).version == version


def test_other_units_and_counties_cannot_see_a_case(world):
    case_id = drive(world, "dispatched")
    for who in ("other_officer", "other_county_sup", "other_inspector"):
        assert_error(world.get(case_id, who), 404, "not_found")
        assert_error(world.act(case_id, who, "sign", if_match=f'"case-{case_id}-v3"'), 404, "not_found")
        listed = world.client.get("/api/v1/cases", headers=world.h(who)).get_json()
        assert case_id not in [c["id"] for c in listed["items"]]
    for who in READERS:
        assert world.get(case_id, who).status_code == 200, who


@pytest.mark.parametrize("header, status, code", [
    (None, 428, "precondition_required"),
    ('"case-{id}-v1"', 412, "precondition_failed"),
    ('"case-999999-v2"', 412, "precondition_failed"),
])
def test_actions_need_a_current_if_match(world, header, status, code):
    case_id = drive(world, "accepted")
    if_match = header.format(id=case_id) if header else None
    resp = world.act(case_id, "city_sup", "dispatch", if_match=if_match)
    assert_error(resp, status, code)
    assert world.case(case_id).state == "accepted"


def test_a_stale_if_match_does_not_hide_a_refusal(world):
    """RFC 9110 §13.2.1: the answer the request gets without its precondition comes first (found by fuzzing)."""
    case_id = drive(world, "accepted")
    stale = f'"case-{case_id}-v1"'
    assert_error(world.act(case_id, "auditor", "dispatch", if_match=stale), 403, "forbidden")
    assert_error(world.act(case_id, "auditor", "dispatch", if_match='W/":>}"'), 403, "forbidden")
    assert_error(world.act(case_id, "other_officer", "sign", if_match='"case-1-v1"'), 404, "not_found")
    assert_error(world.act(case_id, "city_sup", "close", if_match=stale), 409)
    assert_error(world.act(case_id, "city_sup", "dispatch", if_match=stale), 412, "precondition_failed")


def test_detail_has_an_etag_that_follows_the_version(world):
    case_id = drive(world, "submitted")
    first = world.get(case_id)
    assert etag_of(first) == f'"case-{case_id}-v1"'
    world.act(case_id, "city_sup", "accept")
    assert etag_of(world.get(case_id)) == f'"case-{case_id}-v2"'
    stale = world.act(case_id, "city_sup", "dispatch", if_match=etag_of(first))
    assert_error(stale, 412, "precondition_failed")


def test_unknown_action_and_bad_payload_are_422(world):
    case_id = drive(world, "in_progress")
    assert_error(world.act(case_id, "officer", "approve_everything"), 422, "validation_failed")
    resp = world.act(case_id, "officer", "submit_result", finding="true", measures="已整改")
    body = assert_error(resp, 422, "validation_failed")
    assert "photo_ids" in body["errors"]["json"]
    resp = world.act(case_id, "officer", "sign_here", extra=1)
    assert_error(resp, 422, "validation_failed")
    # another action's field on this one (the document admits any field: each action has its own)
    resp = world.act(case_id, "officer", "request_extension", days=3, reason="雨季无法进场", result="pass")
    assert body_errors(resp) == {"result": ["Unknown field."]}


def body_errors(resp) -> dict:
    return assert_error(resp, 422, "validation_failed")["errors"]["json"]


def test_events_cannot_be_changed_through_the_api(world):
    case_id = drive(world, "accepted")
    for method in ("put", "patch", "delete"):
        resp = getattr(world.client, method)(f"/api/v1/cases/{case_id}", headers=world.h("city_sup"), json={})
        assert_error(resp, 405, "method_not_allowed")
    assert world.case(case_id).version == 2
