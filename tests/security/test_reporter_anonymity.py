"""Issue 14 §1: no staff view carries a resident's user id, openid or anything that links two reports of one person.

One resident files a named and an anonymous report (two cases), both are rewarded, claimed and paid; then every
staff reading of the API is walked as every staff role, looking for the resident's (deliberately unusual) user id,
their openid and the server-side pseudonyms."""
import json
import re

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from reporter.accounts.models import User, UserRole
from reporter.audit.models import AuditEvent
from reporter.reports import pseudonym
from tests.conftest import app_ctx, consent_over_http
from tests.rewards.support import claim_body
from tests.rewards.test_end_to_end import Place

RESIDENT_ID = 7_654_321  # no other number in these answers looks like it
OPENID = "oQX7654321-resident-openid"
ELSEWHERE = (33.3400, 108.3400)  # 宁陕县, 3.8 km from the first report: a case of its own
STAFF = ("supervisor", "officer", "reward_officer", "reward_approver", "auditor", "admin", "inspector")
# Where a resident's account id is the point of the page: the admin's user list (no other staff view carries an id
# to join it with), and the audited ways to identity.
DELIBERATE = {"/api/v1/admin/users"}


@pytest.fixture()
def story(app, client, users, wechat):
    """The resident's two rewarded, claimed and paid reports, and everything staff could open about them."""
    with app_ctx(app) as session:
        session.add(User(id=RESIDENT_ID, wechat_openid=OPENID, display_name="微信用户",
                         role_rows=[UserRole(role="resident")]))
        session.commit()
    wechat.login_code("anon-story-code", OPENID)
    signed_in = client.post("/api/v1/auth/wechat", json={"code": "anon-story-code"}).get_json()
    assert signed_in["user"]["id"] == RESIDENT_ID
    resident_h = {"Authorization": f"Bearer {signed_in['access_token']}"}
    consent_over_http(client, resident_h)
    place = Place(app, client, users, wechat)
    named = place.report(resident_h)
    anonymous = place.report(resident_h, anonymous=True, claim_pin="246810",
                             location={"lat": ELSEWHERE[0], "lng": ELSEWHERE[1]})
    assert named["case_id"] != anonymous["case_id"]
    rewards = []
    for report, proof in ((named, {}), (anonymous, {"tracking_code": anonymous["tracking_code"], "pin": "246810"})):
        place.close(report["case_id"])
        [reward] = place.rewards_of(report["case_id"])
        place.desk.to_notified(reward["id"])
        claimed = client.post(f"/api/v1/rewards/{reward['id']}/claim", json=claim_body(**proof), headers=resident_h)
        assert claimed.status_code == 200, claimed.get_json()
        assert place.desk.pay(reward["id"], f"BANK-{reward['id']:08d}").status_code == 200
        rewards.append(reward)
    photos = [p["id"] for r in (named, anonymous) for p in client.get(
        f"/api/v1/reports/{r['id']}", headers=resident_h).get_json()["photos"]]
    return {"place": place, "reports": (named, anonymous), "rewards": rewards, "photos": photos,
            "resident_h": resident_h}


def _staff_paths(client, story) -> list[str]:
    """Every GET of the document without path parameters, and the ones about these reports, rewards and photos."""
    doc = client.get("/api/openapi.json").get_json()
    paths = [p for p, ops in doc["paths"].items() if "get" in ops and "{" not in p and p not in DELIBERATE
             and not p.endswith(".xlsx")]
    for reward in story["rewards"]:
        paths += [f"/api/v1/rewards/{reward['id']}", f"/api/v1/rewards/{reward['id']}/ledger"]
    for report in story["reports"]:
        paths += [f"/api/v1/cases/{report['case_id']}", f"/api/v1/rewards/decisions?case_id={report['case_id']}"]
    paths += [f"/api/v1/uploads/{photo}" for photo in story["photos"]]
    paths += ["/api/v1/audit-events?action=reward.claim", "/api/v1/stats/map/cases?month=" + _this_month()]
    return paths


def _this_month() -> str:
    from reporter.common.timeutil import CST, utcnow

    return utcnow().astimezone(CST).strftime("%Y-%m")


def _readable(resp) -> str:
    """What a staff member can read in an answer: JSON or text as it is; workbooks and documents (zip files) by
    their members' text; other binaries (PDF streams, images) as bytes decoded leniently."""
    import io
    import zipfile

    data = resp.get_data()
    if resp.mimetype.startswith(("application/json", "text/")):
        return data.decode(resp.mimetype_params.get("charset", "utf-8"), "replace")
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("latin-1")


def test_no_staff_view_carries_the_residents_id_openid_or_pseudonym(app, client, users, story):
    with app_ctx(app) as session:
        secrets_ = {str(RESIDENT_ID), OPENID}
        pseudonyms = {getattr(e, "actor_pseudonym", None) for e in session.execute(select(AuditEvent)).scalars()}
    secrets_ |= pseudonyms - {None}
    seen = 0
    for role in STAFF:
        unit = {"supervisor": "city.qinling_office", "officer": "610923.forestry",
                "inspector": "610923.forestry"}.get(role)
        headers = users.headers(users.make(role, unit_code=unit))
        for path in _staff_paths(client, story):
            resp = client.get(path, headers=headers)
            if resp.status_code != 200:
                continue
            seen += 1
            text = _readable(resp)
            for secret in secrets_:
                assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text), \
                    f"{role} GET {path} carries {secret}"
    assert seen > 60
    assert len(pseudonyms - {None}) == 2  # one per claimed report, kept server-side


def test_the_desk_and_auditors_refer_to_the_reporter_as_jubaoren_with_the_report_id(client, users, story):
    auditor = users.headers(users.make("auditor"))
    named, anonymous = story["reports"]
    for reward, report in zip(story["rewards"], story["reports"], strict=True):
        desk = client.get(f"/api/v1/rewards/{reward['id']}", headers=auditor).get_json()
        assert "reporter_id" not in desk and desk["reporter"] == "举报人" and desk["report_id"] == report["id"]
        ledger = client.get(f"/api/v1/rewards/{reward['id']}/ledger", headers=auditor).get_json()["items"]
        [claimed] = [e for e in ledger if e["kind"] == "claimed"]
        assert claimed["actor_id"] is None and claimed["actor"] == "举报人"
        [decision] = client.get(f"/api/v1/rewards/decisions?case_id={report['case_id']}",
                                headers=auditor).get_json()["items"]
        assert "reporter_id" not in decision and decision["reporter"] == "举报人"
    claims = client.get("/api/v1/audit-events?action=reward.claim", headers=auditor).get_json()["items"]
    assert len(claims) == 2
    assert all(e["actor_id"] is None and e["actor"] == "举报人" for e in claims)
    assert {e["details"]["report_id"] for e in claims} == {named["id"], anonymous["id"]}
    # Filtering the log by the resident's account finds nothing to tie the two reports together.
    assert client.get(f"/api/v1/audit-events?actor_id={RESIDENT_ID}", headers=auditor).get_json()["total"] == 0


def test_only_the_reports_feature_resolves_the_pseudonym_kept_for_accountability(app, story):
    named, anonymous = story["reports"]
    with app_ctx(app) as session:
        events = {e.details["report_id"]: e for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == "reward.claim")).scalars()}
        kept = {report_id: event.actor_pseudonym for report_id, event in events.items()}
        assert all(event.actor_id is None for event in events.values())
        # One pseudonym per report: the two claims of one person do not look alike.
        assert kept[named["id"]] != kept[anonymous["id"]]
        assert pseudonym.resolve(named["id"], kept[named["id"]]) == RESIDENT_ID
        assert pseudonym.resolve(anonymous["id"], kept[anonymous["id"]]) == RESIDENT_ID
        assert pseudonym.resolve(named["id"], kept[anonymous["id"]]) is None
        assert json.dumps(kept).count(str(RESIDENT_ID)) == 0
    ran = CliRunner().invoke(app.cli, ["reports", "resolve-pseudonym", anonymous["id"], kept[anonymous["id"]]],
                             obj=ScriptInfo(create_app=lambda: app))
    assert ran.exit_code == 0 and ran.output.strip() == f"user {RESIDENT_ID}"


def test_the_audit_log_refuses_a_residents_account_as_actor(app, users):
    from reporter.audit.services import record

    resident, officer_resident = users.make("resident"), users.make("resident", "officer", unit_code="610923.forestry")
    with app_ctx(app) as session:
        with pytest.raises(ValueError, match="pseudonym"):
            record(resident, "report.something", "report", "r-1")
        session.rollback()
        record(officer_resident, "case.something", "case", 1)  # staff who also report act as staff here
        pseudonym.record_resident_act(resident, "r-1", "report.something", "report", "r-1")
        session.commit()
        events = session.execute(select(AuditEvent).where(AuditEvent.action.like("%.something"))
                                 .order_by(AuditEvent.id)).scalars().all()
        assert [(e.actor_id, bool(e.actor_pseudonym)) for e in events] == [(officer_resident, False), (None, True)]


def test_migration_0009_takes_the_residents_id_off_earlier_claims(app_config, tmp_path):
    """Claims recorded before 0009 lose the account id in the audit log and the ledger; the audit event gets the
    pseudonym the app would have written (a database of its own, migrated step by step)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from reporter import create_app
    from reporter.extensions import db

    own = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/before.db"})
    with own.app_context():
        upgrade(revision="0008")
        for statement in (
                "INSERT INTO users (id, wechat_openid, display_name, is_active, failed_logins, created_at) "
                "VALUES (42, 'o-42', '微信用户', 1, 0, '2026-01-01')",
                "INSERT INTO reward_policies (id, version, state, note, partly_true_percent, same_day_sharing, "
                "claim_window_days, paying_unit_code, yearly_budget_fen, finance_roles, excluded_user_ids, "
                "excluded_unit_codes, created_at) VALUES (9, 9, 'draft', '', 50, 0, 60, 'x', 1, '[]', '[]', '[]', "
                "'2026-01-01')",
                "INSERT INTO rewards (id, case_id, report_id, reporter_id, anonymous, policy_id, finding, "
                "share_count, state, version, created_at) "
                "VALUES (7, 1, 'report-1', 42, 1, 9, 'true', 1, 'claimed', 1, '2026-01-01')",
                "INSERT INTO audit_events (at, actor_id, action, target_type, target_id, details) "
                "VALUES ('2026-01-01', 42, 'reward.claim', 'reward', '7', '{}')",
                "INSERT INTO reward_ledger (reward_id, kind, actor_id, at, amount_fen, note) "
                "VALUES (7, 'claimed', 42, '2026-01-01', 0, '')"):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade(revision="0009")
        event = db.session.execute(text("SELECT actor_id, actor_pseudonym FROM audit_events")).one()
        assert event.actor_id is None and pseudonym.resolve("report-1", event.actor_pseudonym) == 42
        assert db.session.execute(text("SELECT actor_id FROM reward_ledger")).scalar_one() is None
        db.session.remove()
        db.engine.dispose()
