"""Consent: a versioned notice in Chinese; submitting a report, a supplement or a claim needs the current version
accepted (403 consent_required); reading one's own reports does not."""
from tests.privacy.conftest import publish
from tests.reports.conftest import report_body
from tests.rewards.support import claim_body, make_reward


def test_the_notice_is_public_versioned_and_in_chinese(client, town):
    body = client.get("/api/v1/privacy-notice").get_json()
    assert body["current"]["version"] == 1 and "隐私政策" in body["current"]["title"]
    assert "注销" in body["current"]["body"] and [v["version"] for v in body["versions"]] == [1]
    assert publish(client, town.h("admin")) == 2
    body = client.get("/api/v1/privacy-notice").get_json()
    assert body["current"]["version"] == 2 and [v["version"] for v in body["versions"]] == [2, 1]
    assert client.get("/api/v1/privacy-notice/1").get_json()["version"] == 1
    assert client.get("/api/v1/privacy-notice/9").status_code == 404


def test_only_admins_publish(client, town):
    town.resident("wang")
    for who in ("wang", "city_sup"):
        resp = client.post("/api/v1/privacy-notice", headers=town.h(who), json={"title": "t", "body": "b"})
        assert resp.status_code == 403
    assert client.post("/api/v1/privacy-notice", json={"title": "t", "body": "b"}).status_code == 401


def test_a_report_needs_the_current_notice_accepted(client, town):
    headers = town.resident("li", consent=False)
    photo = town.upload("li")
    refused = client.post("/api/v1/reports", json=report_body([photo]), headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"] == "consent_required"
    assert client.get("/api/v1/reports/mine", headers=headers).status_code == 200  # reading still works
    stale = client.post("/api/v1/me/consents", json={"version": 7}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["error"] == "notice_outdated"
    accepted = client.post("/api/v1/me/consents", json={"version": 1}, headers=headers)
    assert accepted.status_code == 201
    again = client.post("/api/v1/me/consents", json={"version": 1}, headers=headers)
    assert again.status_code == 201 and again.get_json() == accepted.get_json()  # the first acceptance, kept
    assert client.post("/api/v1/reports", json=report_body([photo]), headers=headers).status_code == 201


def test_a_new_version_must_be_accepted_before_a_supplement_or_a_claim(app, client, town, desk):
    headers = town.resident("zhao")
    report = town.submit("zhao").get_json()
    reward_id = make_reward(app, town.ids["zhao"])
    desk.to_notified(reward_id)
    version = publish(client, town.h("admin"))
    supplement = client.post(f"/api/v1/reports/{report['id']}/supplements", json={"text": "又砍了两棵"},
                             headers=headers)
    assert supplement.status_code == 403 and supplement.get_json()["error"] == "consent_required"
    claim = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                        headers={**headers, "If-Match": desk.etag(reward_id)})
    assert claim.status_code == 403 and claim.get_json()["error"] == "consent_required"
    assert town.submit("zhao").status_code == 403
    mine = client.get("/api/v1/me/consents", headers=headers).get_json()
    assert mine["current_version"] == version and not mine["accepted_current"]
    assert client.post("/api/v1/me/consents", json={"version": version}, headers=headers).status_code == 201
    mine = client.get("/api/v1/me/consents", headers=headers).get_json()
    assert mine["accepted_current"] and [c["notice_version"] for c in mine["consents"]] == [1, version]
    assert all(c["accepted_at"] for c in mine["consents"])
    assert client.post(f"/api/v1/reports/{report['id']}/supplements", json={"text": "又砍了两棵"},
                       headers=headers).status_code == 201
    assert client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                       headers={**headers, "If-Match": desk.etag(reward_id)}).status_code == 200
