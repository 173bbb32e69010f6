"""Reward integrity: the payee's ID number as a blind index recognises one person behind several accounts, the yearly
cap per payee, staff exclusion by ID number, and the desk's flags — which never link an anonymous report to anyone."""
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from reporter.audit.models import AuditEvent
from reporter.reports.crypto import blind_index
from reporter.rewards.models import Reward, StaffIdNumber
from tests.conftest import app_ctx
from tests.reports.conftest import NINGSHAN, town  # noqa: F401  (residents, photos and case staff)
from tests.rewards.support import Desk, claim_body, make_reward, reward_row, set_policy, valid_id_number

OTHER_ID = valid_id_number("61092319851111002")
FLAG_KEYS = {"kind", "count", "text"}


def _claim(client, users, resident, reward_id, id_number=None, **extra):
    body = claim_body(**({"id_number": id_number} if id_number else {}), **extra)
    return client.post(f"/api/v1/rewards/{reward_id}/claim", json=body, headers=users.headers(resident))


def _claimed(app, client, users, desk, resident, id_number=None, amount_fen=50_000, **reward_kwargs):
    reward_id = make_reward(app, resident, **reward_kwargs)
    desk.to_notified(reward_id, amount_fen)
    extra = {}
    if reward_kwargs.get("anonymous"):
        extra = {"tracking_code": reward_row(app, reward_id)["tracking_code"], "pin": reward_kwargs["pin"]}
    resp = _claim(client, users, resident, reward_id, id_number, **extra)
    assert resp.status_code == 200, resp.get_json()
    return reward_id


def _desk_view(client, desk, reward_id):
    return client.get(f"/api/v1/rewards/{reward_id}", headers=desk.approver_h).get_json()


def test_a_second_account_with_the_same_id_number_is_flagged_by_kind_and_count_only(app, client, users):
    desk = Desk(client, users)
    first, second = users.make("resident"), users.make("resident")
    named = _claimed(app, client, users, desk, first)
    anonymous = _claimed(app, client, users, desk, second, anonymous=True, pin="246810")
    with app.app_context():
        expected = blind_index(valid_id_number())
    assert reward_row(app, named)["payee_index"] == reward_row(app, anonymous)["payee_index"] == expected

    flags = _desk_view(client, desk, anonymous)["flags"]
    assert flags == [{"kind": "id_number_several_accounts", "count": 2,
                      "text": "The payee's ID number is behind 2 accounts"}]
    assert all(set(flag) == FLAG_KEYS for flag in flags)  # nothing that points at an account or a report
    assert [f["kind"] for f in _desk_view(client, desk, named)["flags"]] == ["id_number_several_accounts"]
    # Before a claim, the account's earlier ID numbers inform the approval.
    pending = make_reward(app, second)
    assert [f["kind"] for f in _desk_view(client, desk, pending)["flags"]] == ["id_number_several_accounts"]
    alone = _claimed(app, client, users, desk, users.make("resident"), OTHER_ID)
    assert _desk_view(client, desk, alone)["flags"] == []


def test_a_payee_differing_from_the_accounts_earlier_claims_is_flagged(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    _claimed(app, client, users, desk, resident)
    later = _claimed(app, client, users, desk, resident, OTHER_ID)
    assert _desk_view(client, desk, later)["flags"] == [
        {"kind": "payee_changed", "count": 1, "text": "The payee differs from 1 earlier claim(s) of the same account"}]
    assert _desk_view(client, desk, later)["state"] == "claimed"  # flags inform, they do not decide


def test_the_yearly_cap_per_payee_is_reached_across_accounts(app, client, users):
    set_policy(app, yearly_cap_fen=80_000)
    desk = Desk(client, users)
    first, second = users.make("resident"), users.make("resident")
    _claimed(app, client, users, desk, first, amount_fen=50_000)
    over = make_reward(app, second)
    desk.to_notified(over, 50_000)
    refused = _claim(client, users, second, over)
    assert refused.status_code == 409 and refused.get_json()["error"] == "yearly_cap_reached"
    view = _desk_view(client, desk, over)
    assert view["state"] == "notified" and [r["kind"] for r in view["claim_refusals"]] == ["yearly_cap"]
    assert "800.00 yuan" in view["claim_refusals"][0]["text"]
    assert _claim(client, users, second, over, OTHER_ID).status_code == 200  # another person's ID number
    assert reward_row(app, over)["state"] == "claimed"


def test_a_staff_id_number_is_refused_with_a_reason_only_the_desk_sees(app, client, users):
    desk = Desk(client, users)
    staff = users.make("officer", unit_code="610923.forestry", username="wang-officer")
    registered = client.put("/api/v1/rewards/staff-id-numbers/me", json={"id_number": valid_id_number()},
                            headers=users.headers(staff))
    assert registered.status_code == 200 and registered.get_json()["id_number"] == "610***********" + \
        valid_id_number()[-4:]
    relative = users.make("resident")
    reward_id = make_reward(app, relative)
    desk.to_notified(reward_id)
    refused = _claim(client, users, relative, reward_id)
    assert refused.status_code == 409 and refused.get_json()["error"] == "claim_refused"
    assert "staff" not in refused.get_json()["message"].lower()  # a neutral answer for the claimant
    mine = client.get("/api/v1/rewards/mine", headers=users.headers(relative)).get_json()["items"][0]
    assert mine["status"] == "awaiting_claim" and mine["reason"] is None
    view = _desk_view(client, desk, reward_id)
    assert view["state"] == "notified" and view["payee"] is None
    assert _claim(client, users, relative, reward_id).status_code == 409  # again: counted, not listed twice
    [refusal] = _desk_view(client, desk, reward_id)["claim_refusals"]
    assert refusal["kind"] == "staff_id_number" and refusal["attempts"] == 2 and "wang-officer" not in refusal["text"]
    with app_ctx(app) as session:
        audits = session.execute(select(AuditEvent).where(AuditEvent.action == "reward.claim_refused")).scalars()
        assert [(a.actor_id, a.details) for a in audits] == [(None, {"kind": "staff_id_number"})] * 2
    set_policy(app, exclude_staff_id_numbers=False)
    assert _claim(client, users, relative, reward_id).status_code == 200


def test_staff_id_numbers_are_registered_by_the_staff_member_or_an_admin_only(app, client, users):
    admin, staff, resident = users.make("admin"), users.make("supervisor", unit_code="city.qinling_office"), \
        users.make("resident")
    url = f"/api/v1/rewards/staff-id-numbers/{staff}"
    assert client.put(url, json={"id_number": OTHER_ID}, headers=users.headers(admin)).status_code == 200
    assert client.put(url, json={"id_number": OTHER_ID}, headers=users.headers(staff)).status_code == 403
    assert client.put(f"/api/v1/rewards/staff-id-numbers/{resident}", json={"id_number": OTHER_ID},
                      headers=users.headers(admin)).status_code == 404
    assert client.put("/api/v1/rewards/staff-id-numbers/me", json={"id_number": OTHER_ID},
                      headers=users.headers(resident)).status_code == 403
    bad = client.put("/api/v1/rewards/staff-id-numbers/me", json={"id_number": OTHER_ID[:-1] + "0"},
                     headers=users.headers(staff))
    assert bad.status_code == 422 and "check digit" in str(bad.get_json()["errors"])
    with app_ctx(app) as session:
        row = session.execute(select(StaffIdNumber).where(StaffIdNumber.user_id == staff)).scalar_one()
        assert OTHER_ID not in row.id_number_ciphertext and row.registered_by == admin
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "reward.staff_id_number_registered",
                                                        AuditEvent.target_id == str(staff))).first()


def test_rotating_the_index_key_recomputes_every_blind_index(app, client, users, make_app):
    desk = Desk(client, users)
    staff = users.make("officer", unit_code="610923.forestry")
    client.put("/api/v1/rewards/staff-id-numbers/me", json={"id_number": OTHER_ID}, headers=users.headers(staff))
    claimed = _claimed(app, client, users, desk, users.make("resident"))
    before = reward_row(app, claimed)["payee_index"]
    old = app.config["PAYEE_INDEX_KEYS"]
    rotated = make_app(PAYEE_INDEX_KEYS=f"a-brand-new-index-key-2027,{old}")
    result = CliRunner().invoke(rotated.cli, ["reports", "rotate-contact-key"],
                                obj=ScriptInfo(create_app=lambda: rotated))
    assert result.exit_code == 0, result.output
    assert "re-indexed 1 reward payee indexes" in result.output
    assert "re-indexed 1 staff ID number indexes" in result.output
    with rotated.app_context():
        assert reward_row(app, claimed)["payee_index"] == blind_index(valid_id_number()) != before
    new_only = make_app(PAYEE_INDEX_KEYS="a-brand-new-index-key-2027")
    new_client = new_only.test_client()
    relative = users.make("resident")
    reward_id = make_reward(new_only, relative)
    Desk(new_client, users).to_notified(reward_id)
    refused = new_client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(id_number=OTHER_ID),
                              headers=users.headers(relative))
    assert refused.status_code == 409 and refused.get_json()["error"] == "claim_refused"  # still recognised


def test_reports_clustering_on_one_place_are_flagged_without_linking_them(town):  # noqa: F811
    town.resident("regular")
    desk = Desk(town.client, town.users)
    near = [(NINGSHAN[0] + 0.0005 * k, NINGSHAN[1]) for k in range(3)]
    reports = [town.submit("regular", where=where, category=category, anonymous=True, contact=None,
                           claim_pin="135790").get_json()
               for where, category in zip(near, ("illegal_logging", "forest_fire", "wildlife"), strict=True)]
    town.close(reports[0]["case_id"])
    reward_id = town.query(lambda s: s.execute(select(Reward.id).where(Reward.report_id == reports[0]["id"]))
                           .scalar_one())
    flags = _desk_view(town.client, desk, reward_id)["flags"]
    assert flags == [{"kind": "reports_cluster_on_place", "count": 3,
                      "text": "3 reports of this account or ID number concern one place (within 500 m)"}]
    body = str(_desk_view(town.client, desk, reward_id))
    assert all(r["id"] not in body and r["tracking_code"] not in body for r in reports[1:])


def test_cancelled_accounts_are_left_out_of_the_several_accounts_flag(app, client, users):
    """An account cancelled under the personal-information rules (`users.cancelled_at`) no longer counts."""
    from sqlalchemy import update

    from reporter.accounts.models import User
    from reporter.common.timeutil import utcnow

    desk = Desk(client, users)
    first, cancelled = users.make("resident"), users.make("resident")
    kept = _claimed(app, client, users, desk, first)
    _claimed(app, client, users, desk, cancelled)
    assert [f["kind"] for f in _desk_view(client, desk, kept)["flags"]] == ["id_number_several_accounts"]
    with app_ctx(app) as session:
        session.execute(update(User).where(User.id == cancelled).values(cancelled_at=utcnow()))
        session.commit()
    assert _desk_view(client, desk, kept)["flags"] == []


def test_reports_clustering_on_one_registered_site_or_operator_are_flagged(town):  # noqa: F811
    """Issue 18: with the registers, the desk's clustering flag also counts by registered site and by operator
    (two farmstays of one company far apart), as a kind and a count only."""
    operator = "宁陕县秦岭山居旅游有限公司"
    far = (NINGSHAN[0] + 0.03, NINGSHAN[1])  # ~3 km north: no distance cluster with the first site
    for code, (lat, lng) in (("NJL-A", NINGSHAN), ("NJL-B", far)):
        made = town.client.post("/api/v1/registers/sites", headers=town.h("city_sup"), json={
            "kind": "farmstay", "code": code, "name": f"山居{code}", "operator": operator,
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "attributes": {"problems": ["乱排乱放"], "outcome": "提升改造"}})
        assert made.status_code == 201, made.get_json()
    town.resident("neighbour")
    desk = Desk(town.client, town.users)
    reports = [town.submit("neighbour", where=where, category="farmstay").get_json()
               for where in (NINGSHAN, (NINGSHAN[0] + 0.0004, NINGSHAN[1]), far)]
    town.close(reports[2]["case_id"], to_officers_unit=True)
    reward_id = town.query(lambda s: s.execute(select(Reward.id).where(Reward.report_id == reports[2]["id"]))
                           .scalar_one())
    flags = _desk_view(town.client, desk, reward_id)["flags"]
    assert flags == [{"kind": "reports_cluster_on_operator", "count": 3,
                      "text": "3 reports of this account or ID number concern sites of one operator"}]
    assert operator not in str(_desk_view(town.client, desk, reward_id))


def test_the_policy_carries_the_yearly_cap_and_the_staff_exclusion(app, client, users):
    admin = users.make("admin")
    body = {"tiers": [{"code": "general", "name": "一般", "min_fen": 30_000, "max_fen": 100_000}],
            "yearly_budget_fen": 10_000_000, "yearly_cap_fen": 500_000}
    created = client.post("/api/v1/rewards/policies", json=body, headers=users.headers(admin))
    assert created.status_code == 201, created.get_json()
    policy = created.get_json()
    assert (policy["yearly_cap_fen"], policy["yearly_cap_yuan"], policy["exclude_staff_id_numbers"]) == \
        (500_000, "5,000.00", True)
    uncapped = client.post("/api/v1/rewards/policies", json={**body, "yearly_cap_fen": None,
                                                             "exclude_staff_id_numbers": False},
                           headers=users.headers(admin)).get_json()
    assert (uncapped["yearly_cap_fen"], uncapped["exclude_staff_id_numbers"]) == (None, False)
    zero = client.post("/api/v1/rewards/policies", json={**body, "yearly_cap_fen": 0}, headers=users.headers(admin))
    assert zero.status_code == 422
