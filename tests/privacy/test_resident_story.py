"""A resident's whole story: sign in → decline the notice, then accept it → report → a copy of their data → claim
the reward → cancel. Afterwards the unit, the auditor and the reward desk see nothing that identifies the person
beyond the payee record finance keeps for the paid reward, and the ledger still balances."""
import itertools

from tests.rewards.support import claim_body

_n = itertools.count(1)
OPENID = "openid-story-resident"


def _every_page(client, path: str, headers: dict) -> str:
    text, page = "", 1
    while True:
        body = client.get(f"{path}{'&' if '?' in path else '?'}page={page}&page_size=100", headers=headers)
        assert body.status_code == 200, body.get_json()
        text += body.get_data(as_text=True)
        if page * 100 >= body.get_json()["total"]:
            return text
        page += 1


def test_sign_in_consent_report_copy_claim_cancel(app, client, wechat, users, town, desk):
    # Sign in from the mini-program; the notice is shown; the resident declines (does not accept) and tries anyway.
    wechat.login_code("story-code-1", OPENID)
    signed_in = client.post("/api/v1/auth/wechat", json={"code": "story-code-1"}).get_json()
    headers = {"Authorization": f"Bearer {signed_in['access_token']}"}
    town.ids["story"], town._headers["story"] = signed_in["user"]["id"], headers
    notice = client.get("/api/v1/privacy-notice").get_json()["current"]
    declined = town.submit("story")
    assert declined.status_code == 403 and declined.get_json()["error"] == "consent_required"
    # Then accepts, and reports.
    assert client.post("/api/v1/me/consents", json={"version": notice["version"]}, headers=headers).status_code == 201
    report = town.submit("story").get_json()
    case_id = report["case_id"]
    copy = client.get("/api/v1/me/data", headers=headers).get_json()
    assert [r["id"] for r in copy["reports"]] == [report["id"]] and copy["reports"][0]["contact"]["name"] == "张三"
    # The case is handled and closed; the reward desk proposes, approves and tells; the resident claims.
    town.close(case_id)
    [reward] = client.get(f"/api/v1/rewards?case_id={case_id}", headers=desk.officer_h).get_json()["items"]
    desk.to_notified(reward["id"], 1_000_00)
    payee = claim_body()
    claimed = client.post(f"/api/v1/rewards/{reward['id']}/claim", json=payee,
                          headers={**headers, "If-Match": desk.etag(reward["id"])})
    assert claimed.status_code == 200
    # Cancel: the claimed reward is to be paid (its payee record kept); then finance pays it.
    wechat.login_code("story-code-2", OPENID)
    fresh = client.post("/api/v1/auth/wechat", json={"code": "story-code-2"}).get_json()
    cancelled = client.post("/api/v1/me/cancellation", json={"claimed_rewards": "pay"},
                            headers={"Authorization": f"Bearer {fresh['access_token']}"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["rewards"]["payee_records_kept"] == [reward["id"]]
    assert desk.pay(reward["id"], "ICBC-2026-STORY-1").status_code == 200

    identifying = [OPENID, "张三", "13800138000", payee["real_name"], payee["id_number"], payee["payout_account"]]
    unit = town.h("officer")
    auditor = users.headers(users.make("auditor"))
    seen = {
        "unit": client.get(f"/api/v1/cases/{case_id}", headers=unit).get_data(as_text=True),
        "auditor": client.get(f"/api/v1/cases/{case_id}", headers=auditor).get_data(as_text=True)
        + _every_page(client, "/api/v1/audit-events", auditor)
        + _every_page(client, "/api/v1/rewards", auditor),
        "desk": client.get(f"/api/v1/rewards/{reward['id']}", headers=desk.officer_h).get_data(as_text=True)
        + _every_page(client, f"/api/v1/rewards/decisions?case_id={case_id}", desk.officer_h)
        + client.get(f"/api/v1/rewards/{reward['id']}/ledger", headers=desk.officer_h).get_data(as_text=True),
    }
    for who, text in seen.items():
        for secret in identifying:
            assert secret not in text, (who, secret)
    # Finance keeps, and alone reads, the payee record of the paid reward.
    kept = client.get(f"/api/v1/rewards/{reward['id']}/payee", headers=desk.approver_h).get_json()
    assert kept["name"] == payee["real_name"] and kept["id_number"] == payee["id_number"]
    assert client.get(f"/api/v1/rewards/{reward['id']}/payee", headers=desk.officer_h).status_code == 403
    budgets = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()
    assert all(row["consistent"] for row in budgets) and sum(row["paid_fen"] for row in budgets) == 1_000_00
    # The same WeChat account later: a new, unrelated account.
    wechat.login_code("story-code-3", OPENID)
    again = client.post("/api/v1/auth/wechat", json={"code": "story-code-3"}).get_json()
    assert again["user"]["id"] != signed_in["user"]["id"]
    assert client.get("/api/v1/me/data", headers={"Authorization": f"Bearer {again['access_token']}"}).get_json()[
        "reports"] == []
