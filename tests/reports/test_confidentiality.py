"""Anonymity and confidentiality: nothing identifying is stored for anonymous reports, units never see who reported,
supervisors and the reward desk reveal identity only with a reason (audited), contacts are encrypted at rest."""
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from reporter.audit.models import AuditEvent
from reporter.reports.models import Report
from tests.api.test_frame import assert_error
from tests.reports.conftest import Town


def test_anonymous_report_stores_no_contact_and_is_followed_by_code_and_pin(town):
    town.resident("anon")
    created = town.submit("anon", anonymous=True, contact=None, claim_pin="246810").get_json()
    row = town.query(lambda s: s.get(Report, created["id"]))
    assert row.anonymous and row.contact_ciphertext is None
    assert row.claim_pin_hash and "246810" not in row.claim_pin_hash

    tracked = town.client.get("/api/v1/reports/track", query_string={"code": created["tracking_code"].lower(),
                                                                      "pin": "246810"})
    assert tracked.status_code == 200
    body = tracked.get_json()
    assert body["status"] == "submitted" and [e["status"] for e in body["timeline"]] == ["submitted"]
    assert "contact" not in body and "id" not in body

    town.do(created["case_id"], "city_sup", "accept", public_comment="已受理")
    assert town.client.get("/api/v1/reports/track", query_string={
        "code": created["tracking_code"], "pin": "246810"}).get_json()["status"] == "accepted"

    wrong_pin = town.client.get("/api/v1/reports/track", query_string={"code": created["tracking_code"],
                                                                        "pin": "000000"})
    unknown = town.client.get("/api/v1/reports/track", query_string={"code": "ABCDEFGHJK", "pin": "246810"})
    assert wrong_pin.status_code == unknown.status_code == 404
    assert wrong_pin.get_json() == unknown.get_json()


def test_a_named_report_cannot_be_tracked_without_a_pin(town):
    town.resident("named")
    created = town.submit("named").get_json()
    resp = town.client.get("/api/v1/reports/track", query_string={"code": created["tracking_code"], "pin": "123456"})
    assert_error(resp, 404)


def test_tracking_is_rate_limited_per_client(make_app, users, wechat):
    app = make_app(RATELIMIT_REPORT_TRACK="3/minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/reports/track?code=ABCDEFGHJK&pin=123456").status_code == 404
    limited = client.get("/api/v1/reports/track?code=ABCDEFGHJK&pin=123456")
    assert_error(limited, 429, "rate_limited")
    assert "Retry-After" in limited.headers


def test_officers_see_the_case_without_any_identity(town):
    town.resident("named")
    town.resident("anon")
    named = town.submit("named").get_json()
    anon = town.submit("anon", anonymous=True, contact=None, claim_pin="135790").get_json()
    assert anon["case_id"] == named["case_id"]  # the same problem: one case
    case_id = named["case_id"]
    for who, action in (("city_sup", "accept"), ("city_sup", "dispatch")):
        town.do(case_id, who, action)
    resp = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h("officer"))
    assert resp.status_code == 200
    raw = resp.get_data(as_text=True)
    section = resp.get_json()["sections"]["reports"]
    assert [r["reporter"] for r in section] == ["举报人", "举报人"]
    assert all(set(r) >= {"id", "description", "photos"} for r in section)
    for secret in ("张三", "13800138000", "openid-named", "openid-anon", named["tracking_code"],
                   anon["tracking_code"], "anonymous", "wants_reward", "flags"):
        assert secret not in raw, secret
    ids = {town.ids["named"], town.ids["anon"]}
    assert not _user_ids_in(resp.get_json()) & ids

    desk = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h("city_sup")).get_json()["sections"]["reports"]
    assert [(r["primary"], r["anonymous"]) for r in desk] == [(True, False), (False, True)]
    assert "13800138000" not in json.dumps(desk, ensure_ascii=False)


def _user_ids_in(body) -> set:
    """Every value stored under a key that names a user in the JSON (reporter_id, user_id, actor_id …)."""
    found = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("reporter_id", "reporter_user_id", "user_id", "uploader_id", "actor_id", "created_by"):
                found.add(value)
            found |= _user_ids_in(value)
    elif isinstance(body, list):
        for item in body:
            found |= _user_ids_in(item)
    return found


def test_supervisors_reveal_identity_with_a_reason_and_each_reveal_is_audited(town):
    town.resident("named")
    town.resident("anon")
    named = town.submit("named").get_json()
    anon = town.submit("anon", where=(33.35, 108.36), anonymous=True, contact=None).get_json()
    url = f"/api/v1/reports/{named['id']}/identity"
    assert_error(town.client.post(url, json={"reason": "核实举报线索"}, headers=town.h("officer")), 403)
    assert_error(town.client.post(url, json={}, headers=town.h("city_sup")), 422)
    assert_error(town.client.post(url, json={"reason": "核实举报线索"}, headers=town.h("other_county_sup")), 404)
    shown = town.client.post(url, json={"reason": "核实举报线索"}, headers=town.h("city_sup")).get_json()
    assert shown == {"report_id": named["id"], "anonymous": False, "reporter_user_id": town.ids["named"],
                     "contact": {"name": "张三", "phone": "13800138000"}}
    desk = town.client.post(url, json={"reason": "奖励核发需要联系举报人"}, headers=town.h("reward_officer"))
    assert desk.status_code == 200
    hidden = town.client.post(f"/api/v1/reports/{anon['id']}/identity", json={"reason": "核实举报线索"},
                              headers=town.h("city_sup")).get_json()
    assert hidden["contact"] is None and hidden["reporter_user_id"] is None
    events = town.query(lambda s: [(e.actor_id, e.target_id, e.reason) for e in s.execute(
        select(AuditEvent).where(AuditEvent.action == "report.identity_revealed").order_by(AuditEvent.id)).scalars()])
    assert events == [(town.ids["city_sup"], named["id"], "核实举报线索"),
                      (town.ids["reward_officer"], named["id"], "奖励核发需要联系举报人"),
                      (town.ids["city_sup"], anon["id"], "核实举报线索")]


def test_another_resident_gets_404(town):
    town.resident("owner")
    town.resident("nosy")
    created = town.submit("owner").get_json()
    for method, path, body in (("get", "", None), ("post", "/supplements", {"text": "补充"}),
                               ("post", "/feedback", {"rating": 1})):
        resp = getattr(town.client, method)(f"/api/v1/reports/{created['id']}{path}", json=body,
                                            headers=town.h("nosy"))
        assert_error(resp, 404)
    assert town.client.get("/api/v1/reports/mine", headers=town.h("nosy")).get_json()["total"] == 0
    assert_error(town.client.get("/api/v1/reports/not-a-report", headers=town.h("owner")), 404)


def test_contacts_are_encrypted_at_rest_and_the_key_rotates(town, make_app):
    town.resident("named")
    created = town.submit("named").get_json()
    stored = town.query(lambda s: s.execute(text("SELECT contact_ciphertext FROM reports")).scalar_one())
    assert "13800138000" not in stored and "张三" not in stored

    old_key = town.app.config["CONTACT_ENCRYPTION_KEYS"]
    rotated = make_app(CONTACT_ENCRYPTION_KEYS=f"a-brand-new-contact-key-2027,{old_key}")
    result = CliRunner().invoke(rotated.cli, ["reports", "rotate-contact-key"], obj=_script_info(rotated))
    assert result.exit_code == 0 and "re-encrypted 1 contacts" in result.output
    new_only = make_app(CONTACT_ENCRYPTION_KEYS="a-brand-new-contact-key-2027")
    headers = {"Authorization": town.h("named")["Authorization"]}
    detail = new_only.test_client().get(f"/api/v1/reports/{created['id']}", headers=headers).get_json()
    assert detail["contact"] == {"name": "张三", "phone": "13800138000"}


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


__all__ = ["Town"]


def test_tracking_by_post_keeps_the_pin_out_of_the_url_and_shares_the_limit(town, make_app):
    town.resident("anon2")
    created = town.submit("anon2", anonymous=True, contact=None, claim_pin="975310").get_json()
    resp = town.client.post("/api/v1/reports/track", json={"code": created["tracking_code"], "pin": "975310"})
    assert resp.status_code == 200 and resp.get_json()["tracking_code"] == created["tracking_code"]
    assert_error(town.client.post("/api/v1/reports/track", json={"code": created["tracking_code"], "pin": "1"}), 404)
    client = make_app(RATELIMIT_REPORT_TRACK="2/minute").test_client()
    client.get("/api/v1/reports/track?code=ABCDEFGHJK&pin=123456")
    client.post("/api/v1/reports/track", json={"code": "ABCDEFGHJK", "pin": "123456"})
    assert_error(client.post("/api/v1/reports/track", json={"code": "ABCDEFGHJK", "pin": "123456"}), 429)


def test_units_get_photo_and_place_the_desk_exif_time_and_position_and_nobody_the_camera(town):
    """Issue 14 §1: a rare phone model narrows who reported and links their reports; EXIF time and position are for
    the plausibility checks of supervisors and the reward desk, not for units."""
    from datetime import UTC, datetime, timedelta

    from tests.reports.conftest import FAR_AWAY, photo_bytes, report_body

    town.resident("named")
    taken = (datetime.now(UTC) - timedelta(days=10)).replace(microsecond=0)
    shot = photo_bytes(gps=FAR_AWAY, taken=taken, offset="+00:00", make="Vertu", model="Aster P Baroque SN-0042")
    photo_id = town.upload("named", data=shot)
    ids = [photo_id]
    created = town.client.post("/api/v1/reports", json=report_body(ids, anonymous=True, contact=None),
                               headers=town.h("named"))
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["case_id"]
    town.do(case_id, "city_sup", "accept")
    town.do(case_id, "city_sup", "dispatch")
    town.ids["auditor"] = town.users.make("auditor")
    views = {}
    for who in ("officer", "city_sup", "reward_officer", "auditor"):
        case = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h(who))
        assert case.status_code == 200, who
        upload = town.client.get(f"/api/v1/uploads/{photo_id}", headers=town.h(who))
        assert upload.status_code == 200, who
        [report] = case.get_json()["sections"]["reports"]
        [photo] = report["photos"]
        views[who] = (photo, upload.get_json(), case.get_data(as_text=True) + upload.get_data(as_text=True))
    for who, (photo, upload, raw) in views.items():
        for secret in ("Vertu", "Aster", "SN-0042"):
            assert secret not in raw, f"{who} sees the camera"
        assert photo["camera"] is None and upload["camera"] is None
        assert photo["url"] and photo["thumbnail_url"]
    unit_photo, unit_upload, _ = views["officer"]
    assert (unit_photo["gps"], unit_photo["taken_at"]) == (None, None)
    assert (unit_upload["gps"], unit_upload["taken_at"]) == (None, None)
    [unit_report] = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h("officer")).get_json()[
        "sections"]["reports"]
    assert unit_report["address"] == "宁陕县城关镇" and unit_report["location"]["lat"] == pytest.approx(33.3125)
    assert "flags" not in unit_report
    for who in ("city_sup", "reward_officer", "auditor"):
        photo, upload, _ = views[who]
        assert photo["gps"] == pytest.approx({"lat": FAR_AWAY[0], "lng": FAR_AWAY[1]})
        assert datetime.fromisoformat(photo["taken_at"]) == taken
        assert upload["gps"] == photo["gps"] and upload["taken_at"] == photo["taken_at"]
        # The plausibility flags carry the EXIF position and time they are about.
        [report] = town.client.get(f"/api/v1/cases/{case_id}", headers=town.h(who)).get_json()["sections"]["reports"]
        flags = {f["kind"]: f for f in report["flags"]}
        assert flags["exif_far"]["gps"] == pytest.approx({"lat": FAR_AWAY[0], "lng": FAR_AWAY[1]})
        assert flags["exif_far"]["distance_m"] > 3000
        assert datetime.fromisoformat(flags["exif_old"]["taken_at"]) == taken
    # The reporter keeps seeing everything their phone wrote.
    own = town.client.get(f"/api/v1/uploads/{photo_id}", headers=town.h("named")).get_json()
    assert own["camera"] == {"make": "Vertu", "model": "Aster P Baroque SN-0042"}
