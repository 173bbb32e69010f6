"""Admin endpoints of the responsibility list: draft, edit, validate, gaps, activate; audit; concurrency."""
from sqlalchemy import select

from reporter.audit.models import AuditEvent
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.routing.helpers import draft, etag

BASE = "/api/v1/responsibility/versions"
RULE = {"category": "illegal_logging", "county_adcode": "610923", "lead_kinds": ["forestry"],
        "cooperating_kinds": ["public_security"], "accept_days": 1, "sign_days": 1, "handle_days": 5,
        "verify_days": 2}


def test_version_one_is_the_2022_list_and_readers_can_see_it(client, users):
    listed = client.get(BASE, headers=users.headers(users.make("supervisor"))).get_json()
    assert listed["total"] == 1
    v1 = listed["items"][0]
    assert (v1["number"], v1["status"], v1["rule_count"]) == (1, "active", 40)
    detail = client.get(f"{BASE}/{v1['id']}", headers=users.headers(users.make("auditor"))).get_json()
    logging_rule = next(r for r in detail["rules"] if r["category"] == "illegal_logging" and r["zone"] is None)
    assert logging_rule["lead_kinds"] == ["forestry"]
    assert logging_rule["cooperating_kinds"] == ["natural_resources", "public_security"]
    assert_error(client.get(BASE, headers=users.headers(users.make("officer"))), 403)
    assert client.get(f"{BASE}/{v1['id']}/gaps", headers=users.headers(users.make("admin"))).get_json() == []


def test_draft_edit_and_activate_with_audit(client, users, app):
    admin_id = users.make("admin")
    admin = users.headers(admin_id)
    version, tag = draft(client, admin)
    assert version["status"] == "draft" and version["rule_count"] == 40
    assert_error(client.post(BASE, json={}, headers=admin), 409)           # one draft at a time
    url = f"{BASE}/{version['id']}/rules"
    assert_error(client.post(url, json=RULE, headers=admin), 428)
    added = client.post(url, json=RULE, headers={**admin, "If-Match": tag})
    assert added.status_code == 201, added.get_json()
    assert_error(client.post(url, json=RULE, headers={**admin, "If-Match": tag}), 412)   # stale ETag
    tag = added.headers["ETag"]
    assert_error(client.post(url, json=RULE, headers={**admin, "If-Match": tag}), 409)   # same scope twice
    tag = etag(client, admin, version["id"])
    bad = client.post(url, json={**RULE, "county_adcode": None, "lead_kinds": ["tea_bureau"]},
                      headers={**admin, "If-Match": tag})
    assert_error(bad, 422)
    assert "lead_kinds" in bad.get_json()["errors"]["json"]
    rule_id = added.get_json()["id"]
    tag = etag(client, admin, version["id"])
    changed = client.put(f"{url}/{rule_id}", json={**RULE, "handle_days": 8}, headers={**admin, "If-Match": tag})
    assert changed.status_code == 200 and changed.get_json()["handle_days"] == 8
    check = client.get(f"{BASE}/{version['id']}/validation", headers=admin).get_json()
    assert check == {"valid": True, "errors": {}, "gaps": []}
    activated = client.post(f"{BASE}/{version['id']}/activate", json={},
                            headers={**admin, "If-Match": changed.headers["ETag"]})
    assert activated.status_code == 200 and activated.get_json()["status"] == "active"
    statuses = {v["number"]: v["status"] for v in client.get(BASE, headers=admin).get_json()["items"]}
    assert statuses == {1: "retired", 2: "active"}
    with app_ctx(app) as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.actor_id == admin_id)
                                  .order_by(AuditEvent.id)).scalars().all()
    assert actions == ["responsibility.draft", "responsibility.rule_add", "responsibility.rule_update",
                       "responsibility.activate"]


def test_an_active_version_is_never_edited(client, users):
    admin = users.headers(users.make("admin"))
    v1 = client.get(BASE, headers=admin).get_json()["items"][0]
    tag = etag(client, admin, v1["id"])
    assert_error(client.post(f"{BASE}/{v1['id']}/rules", json=RULE, headers={**admin, "If-Match": tag}), 409,
                 "invalid_transition")
    for stale in ('"responsibility-version-999-v1"', "garbage"):  # a stale tag does not hide why (RFC 9110)
        assert_error(client.post(f"{BASE}/{v1['id']}/rules", json=RULE, headers={**admin, "If-Match": stale}),
                     409, "invalid_transition")
    assert_error(client.post(BASE, json={}, headers=users.headers(users.make("supervisor"))), 403)


def test_gaps_refuse_activation_unless_forced_with_a_reason(client, users, app):
    admin = users.headers(users.make("admin"))
    version, tag = draft(client, admin)
    for rule in [r for r in version["rules"] if r["category"] == "wild_herbs"]:
        resp = client.delete(f"{BASE}/{version['id']}/rules/{rule['id']}", headers={**admin, "If-Match": tag})
        assert resp.status_code == 204
        tag = etag(client, admin, version["id"])
    gaps = client.get(f"{BASE}/{version['id']}/gaps", headers=admin).get_json()
    assert {(g["category"], g["county_name"]) for g in gaps} == {
        ("wild_herbs", name) for name in ("汉滨区", "汉阴县", "石泉县", "宁陕县", "旬阳市")}
    assert gaps[0]["zones"] == ["core", "key", "general"]
    refused = client.post(f"{BASE}/{version['id']}/activate", json={}, headers={**admin, "If-Match": tag})
    assert_error(refused, 409, "responsibility_gaps")
    assert len(refused.get_json()["errors"]["gaps"]) == 5
    assert_error(client.post(f"{BASE}/{version['id']}/activate", json={"force": True},
                             headers={**admin, "If-Match": tag}), 422)
    forced = client.post(f"{BASE}/{version['id']}/activate", json={"force": True, "reason": "科技局 rules pending"},
                         headers={**admin, "If-Match": tag})
    assert forced.status_code == 200
    with app_ctx(app) as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "responsibility.activate")).scalar_one()
    assert event.reason == "科技局 rules pending" and event.details["forced"] is True


def test_a_draft_can_be_discarded(client, users):
    admin = users.headers(users.make("admin"))
    version, tag = draft(client, admin)
    assert client.delete(f"{BASE}/{version['id']}", headers={**admin, "If-Match": tag}).status_code == 204
    assert_error(client.get(f"{BASE}/{version['id']}", headers=admin), 404)
    assert draft(client, admin)[0]["number"] == 2


def test_the_diff_names_rules_added_removed_and_changed_against_the_active_version(client, users):
    admin = users.headers(users.make("admin"))
    version, tag = draft(client, admin)
    assert client.get(f"{BASE}/{version['id']}/diff", headers=admin).get_json()["added"] == []
    herbs = [r for r in version["rules"] if r["category"] == "wild_herbs"]
    logging_rule = next(r for r in version["rules"] if r["category"] == "illegal_logging")
    row = {k: logging_rule[k] for k in ("category", "zone", "county_adcode", "lead_kinds", "cooperating_kinds",
                                        "accept_days", "sign_days", "verify_days", "note")}
    resp = client.put(f"{BASE}/{version['id']}/rules/{logging_rule['id']}", json={**row, "handle_days": 44},
                      headers={**admin, "If-Match": tag})
    assert resp.status_code == 200
    resp = client.delete(f"{BASE}/{version['id']}/rules/{herbs[0]['id']}",
                         headers={**admin, "If-Match": resp.headers["ETag"]})
    assert resp.status_code == 204
    diff = client.get(f"{BASE}/{version['id']}/diff", headers=admin).get_json()
    assert diff["base"]["number"] == version["number"] - 1 and diff["added"] == []
    assert [(r["category"], r["zone"]) for r in diff["removed"]] == [(herbs[0]["category"], herbs[0]["zone"])]
    assert diff["changed"][0]["changes"] == {"handle_days": {"before": logging_rule["handle_days"], "after": 44}}
    assert client.get(f"{BASE}/{version['id']}/diff", headers=users.headers(users.make("officer"))).status_code == 403
