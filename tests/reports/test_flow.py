"""The mini-program flow end to end, through HTTP, with the WeChat stand-in: sign in, upload, report, follow,
the supervisor accepts, the case closes, the resident rates it and is told at each step."""
from reporter.notify.senders import WeChatSubscribeSender
from reporter.notify.services import deliver_due
from tests.conftest import app_ctx
from tests.reports.conftest import NINGSHAN

CREATED_KEYS = {"id", "tracking_code", "status", "category", "county", "zone", "created_at", "case_id"}


def deliver(town) -> dict:
    with app_ctx(town.app):
        return deliver_due(WeChatSubscribeSender(town.app.config))


def test_resident_reports_follows_and_rates(town, wechat):
    town.resident("wang")
    photos = [town.upload("wang") for _ in range(3)]
    from tests.reports.conftest import report_body

    resp = town.client.post("/api/v1/reports", json=report_body(photos),
                            headers={**town.h("wang"), "Idempotency-Key": "wang-1"})
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert set(created) == CREATED_KEYS
    assert created["status"] == "submitted" and created["category"] == "illegal_logging"
    assert created["county"] == {"adcode": "610923", "name": "宁陕县"}
    case_id = created["case_id"]

    mine = town.client.get("/api/v1/reports/mine", headers=town.h("wang")).get_json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == created["id"]
    detail = town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("wang")).get_json()
    assert [p["id"] for p in detail["photos"]] == photos
    assert detail["contact"] == {"name": "张三", "phone": "13800138000"}
    assert detail["location"]["lat"] == NINGSHAN[0]
    assert [e["status"] for e in detail["timeline"]] == ["submitted"]

    town.act(case_id, "city_sup", "accept", public_comment="已立案，转林业部门办理", internal_comment="内部:优先")
    detail = town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("wang")).get_json()
    assert detail["status"] == "accepted"
    assert detail["timeline"][-1]["status"] == "accepted"
    assert detail["timeline"][-1]["public_comment"] == "已立案，转林业部门办理"
    assert "内部" not in str(detail)
    assert set(detail["timeline"][-1]) == {"at", "status", "public_comment"}

    early = town.client.post(f"/api/v1/reports/{created['id']}/feedback", json={"rating": 5}, headers=town.h("wang"))
    assert early.status_code == 409 and early.get_json()["error"] == "case_not_closed"

    for who, action, payload in (("city_sup", "dispatch", {}), ("officer", "sign", {})):
        town.act(case_id, who, action, **payload)
    town.act(case_id, "officer", "submit_result", finding="true", measures="已责令停止砍伐",
             photo_ids=[town.upload("officer", "evidence")])
    town.act(case_id, "city_sup", "verify", result="pass")
    town.act(case_id, "city_sup", "close", public_comment="经查属实，已责令补种")

    detail = town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("wang")).get_json()
    assert detail["status"] == "closed"
    assert [e["status"] for e in detail["timeline"]][-1] == "closed"
    rated = town.client.post(f"/api/v1/reports/{created['id']}/feedback", json={"rating": 4, "comment": "处理及时"},
                             headers=town.h("wang"))
    assert rated.status_code == 201 and rated.get_json()["rating"] == 4
    again = town.client.post(f"/api/v1/reports/{created['id']}/feedback", json={"rating": 1}, headers=town.h("wang"))
    assert again.status_code == 409 and again.get_json()["error"] == "feedback_exists"
    assert town.client.get(f"/api/v1/reports/{created['id']}", headers=town.h("wang")).get_json()["feedback"][
        "rating"] == 4

    assert deliver(town)["sent"] == 2
    sent = [m["body"] for m in wechat.sent_messages]
    assert {m["touser"] for m in sent} == {"openid-wang"}
    assert [m["data"]["phrase2"]["value"] for m in sent] == ["已受理", "已办结"]
    assert sent[1]["data"]["thing3"]["value"] == "经查属实，已责令补种"
    assert all(f"id={created['id']}" in m["page"] for m in sent)
    assert sent[0]["data"]["character_string1"]["value"] == created["tracking_code"]
