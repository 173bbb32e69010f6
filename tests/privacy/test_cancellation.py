"""Cancellation (注销): a fresh WeChat sign-in; every session ends; the person is erased; the rewards are settled as
the resident chose; what stays is named with the reason; audited without identity; idempotent; a later sign-in
with the same WeChat account starts a new, unrelated account."""
import itertools
from pathlib import Path

from sqlalchemy import select

from reporter.accounts.models import User
from reporter.audit.models import AuditEvent
from reporter.media.models import Upload
from reporter.notify.models import OutboxMessage
from reporter.privacy.cancellation import cancel
from reporter.privacy.models import Consent
from reporter.reports.models import Report
from reporter.rewards.models import LedgerEntry, Reward
from tests.conftest import app_ctx, consent_over_http
from tests.rewards.support import claim_body, make_reward

CANCEL = "/api/v1/me/cancellation"
_n = itertools.count(1)


def sign_in(client, wechat, openid: str) -> dict:
    """A WeChat sign-in (fresh tokens) of this openid: the whole token answer."""
    code = f"cancel-code-{next(_n)}"
    wechat.login_code(code, openid)
    resp = client.post("/api/v1/auth/wechat", json={"code": code})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def balanced(client, desk) -> bool:
    rows = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()
    return all(row["consistent"] for row in rows)


def test_cancellation_needs_a_fresh_wechat_sign_in(client, wechat, town):
    tokens = sign_in(client, wechat, "openid-fresh")
    consent_over_http(client, bearer(tokens["access_token"]))
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).get_json()
    stale = client.post(CANCEL, json={}, headers=bearer(renewed["access_token"]))
    assert stale.status_code == 401 and stale.get_json()["error"] == "fresh_token_required"
    assert client.get("/api/v1/me", headers=bearer(renewed["access_token"])).status_code == 200  # nothing happened
    again = sign_in(client, wechat, "openid-fresh")
    assert client.post(CANCEL, json={}, headers=bearer(again["access_token"])).status_code == 200


def test_staff_cannot_cancel_here(client, town):
    assert client.post(CANCEL, json={}, headers=town.h("city_sup")).status_code == 403


def test_cancelling_erases_the_person_ends_every_session_and_a_new_sign_in_is_a_new_account(
        app, client, wechat, town):
    first = sign_in(client, wechat, "openid-zhang")
    second = sign_in(client, wechat, "openid-zhang")  # the same person on a second phone
    me = first["user"]["id"]
    town.ids["zhang"], town._headers["zhang"] = me, bearer(first["access_token"])
    consent_over_http(client, town.h("zhang"))
    report = town.submit("zhang").get_json()
    pending = town.upload("zhang")  # uploaded, never attached
    with app_ctx(app) as session:
        sha = session.get(Upload, pending).sha256
    stored = [p for p in Path(app.config["UPLOAD_ROOT"]).rglob(f"{sha}*")]
    assert stored

    answer = client.post(CANCEL, json={}, headers=town.h("zhang"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["erased"]["reports_made_anonymous"] == 1 and body["erased"]["pending_uploads"] == 1
    assert body["erased"]["sessions_ended"] == 2
    assert {k["what"] for k in body["kept"]} == {"cases_and_evidence", "reward_ledger"}
    assert all(k["why"] for k in body["kept"])

    for token in (first["access_token"], second["access_token"]):
        ended = client.get("/api/v1/me", headers=bearer(token))
        assert ended.status_code == 401 and ended.get_json()["error"] == "token_revoked"
    assert client.post("/api/v1/auth/refresh", headers=bearer(second["refresh_token"])).status_code == 401
    with app_ctx(app) as session:
        user = session.get(User, me)
        assert user.wechat_openid is None and user.display_name == "已注销用户" and not user.is_active
        stored_report = session.get(Report, report["id"])
        assert stored_report.anonymous and stored_report.contact_ciphertext is None
        assert session.get(Upload, pending) is None
        assert session.execute(select(Consent).where(Consent.user_id == me)).first() is None
        assert session.execute(select(OutboxMessage).where(OutboxMessage.recipient_id == me)).first() is None
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "account.cancel")).scalars()
        assert event.actor_id is None and event.target_id is None
        assert str(me) not in str(event.details) and "openid" not in str(event.details)
    assert not [p for p in Path(app.config["UPLOAD_ROOT"]).rglob(f"{sha}*")]  # the pending photo's files too

    # The case and its evidence stay, anonymous: staff see no name, phone or WeChat identity.
    case = client.get(f"/api/v1/cases/{report['case_id']}", headers=town.h("city_sup"))
    assert case.status_code == 200
    for secret in ("张三", "13800138000", "openid-zhang"):
        assert secret not in case.get_data(as_text=True)
    revealed = client.post(f"/api/v1/reports/{report['id']}/identity", json={"reason": "核实举报人身份以便回访"},
                           headers=town.h("city_sup")).get_json()
    assert revealed["anonymous"] and revealed["contact"] is None and revealed["reporter_user_id"] is None

    later = sign_in(client, wechat, "openid-zhang")
    assert later["user"]["id"] != me
    assert client.get("/api/v1/reports/mine", headers=bearer(later["access_token"])).get_json()["total"] == 0
    assert client.get("/api/v1/rewards/mine", headers=bearer(later["access_token"])).get_json()["total"] == 0
    assert client.get("/api/v1/me/consents", headers=bearer(later["access_token"])).get_json()["consents"] == []


def test_unclaimed_rewards_are_forfeited_only_when_confirmed(app, client, town, desk):
    headers = town.resident("qian")
    eligible = make_reward(app, town.ids["qian"])
    notified = make_reward(app, town.ids["qian"])
    desk.to_notified(notified, 80_000)
    refused = client.post(CANCEL, json={}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"] == "forfeit_confirmation_required"
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # nothing happened
    with app_ctx(app) as session:
        assert session.get(Reward, notified).state == "notified" and session.get(User, town.ids["qian"]).is_active

    answer = client.post(CANCEL, json={"forfeit_unclaimed": True}, headers=headers)
    assert answer.status_code == 200
    assert sorted(answer.get_json()["rewards"]["forfeited"]) == sorted([eligible, notified])
    with app_ctx(app) as session:
        assert {session.get(Reward, r).state for r in (eligible, notified)} == {"expired"}
        notes = session.execute(select(LedgerEntry.note).where(LedgerEntry.reward_id == notified,
                                                               LedgerEntry.kind == "expired")).scalars().all()
        assert len(notes) == 1 and "注销" in notes[0]
    assert balanced(client, desk)
    rows = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()
    assert sum(row["committed_fen"] for row in rows) == 0  # the reserved 800 yuan went back


def _claimed_reward(app, client, town, desk, name: str) -> tuple[int, dict]:
    headers = town.resident(name)
    reward_id = make_reward(app, town.ids[name])
    desk.to_notified(reward_id, 60_000)
    claimed = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                          headers={**headers, "If-Match": desk.etag(reward_id)})
    assert claimed.status_code == 200, claimed.get_json()
    return reward_id, headers


def test_a_claimed_reward_is_paid_later_with_its_payee_record_kept(app, client, town, desk):
    reward_id, headers = _claimed_reward(app, client, town, desk, "sun")
    refused = client.post(CANCEL, json={}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"] == "claimed_reward_choice_required"
    answer = client.post(CANCEL, json={"claimed_rewards": "pay"}, headers=headers).get_json()
    assert answer["rewards"]["to_be_paid"] == [reward_id]
    [payees] = [k for k in answer["kept"] if k["what"] == "payee_records"]
    assert payees["reward_ids"] == [reward_id] and "finance" in payees["why"]
    assert desk.pay(reward_id).status_code == 200
    payee = client.get(f"/api/v1/rewards/{reward_id}/payee", headers=desk.approver_h).get_json()
    assert payee["name"] == "张秦岭"  # finance reads it as before
    assert balanced(client, desk)


def test_a_claimed_reward_can_be_forfeited_and_its_payee_details_go(app, client, town, desk):
    reward_id, headers = _claimed_reward(app, client, town, desk, "zhou")
    answer = client.post(CANCEL, json={"claimed_rewards": "forfeit"}, headers=headers).get_json()
    assert answer["rewards"]["forfeited"] == [reward_id] and answer["rewards"]["payee_records_kept"] == []
    with app_ctx(app) as session:
        reward = session.get(Reward, reward_id)
        assert reward.state == "expired" and reward.payee_ciphertext is None
    assert desk.pay(reward_id).status_code == 409
    assert balanced(client, desk)


def test_cancellation_is_idempotent(app, client, town):
    headers = town.resident("wu")
    town.submit("wu")
    assert client.post(CANCEL, json={}, headers=headers).status_code == 200
    repeat = client.post(CANCEL, json={}, headers=headers)  # a retry from the phone: the session is gone
    assert repeat.status_code == 401
    with app_ctx(app):
        again = cancel(town.ids["wu"])
    assert again["already_cancelled"] and again["erased"] == {}
    with app_ctx(app) as session:
        assert len(session.execute(select(AuditEvent).where(AuditEvent.action == "account.cancel")).all()) == 1


def test_nothing_is_queued_for_a_cancelled_account(app, client, town):
    headers = town.resident("zheng")
    report = town.submit("zheng").get_json()
    assert client.post(CANCEL, json={}, headers=headers).status_code == 200
    town.close(report["case_id"])  # the case goes on: accepted, closed — each would tell the reporter
    with app_ctx(app) as session:
        assert session.execute(select(OutboxMessage).where(
            OutboxMessage.recipient_id == town.ids["zheng"])).first() is None
