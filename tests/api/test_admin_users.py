"""Admins manage staff accounts; auditors read the audit log; nobody else does either."""
from tests.api.test_frame import assert_error


def test_admin_creates_lists_and_changes_accounts_with_an_audit_trail(client, users):
    admin_id = users.make("admin")
    admin = users.headers(admin_id)
    created = client.post("/api/v1/admin/users", headers=admin, json={
        "username": "wang.officer", "password": "a long enough password", "roles": ["officer"],
        "unit_code": "city.forestry", "display_name": "王"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["roles"] == ["officer"] and body["unit"]["code"] == "city.forestry"
    assert "password" not in body and "password_hash" not in body and "wechat_openid" not in body
    login = client.post("/api/v1/auth/login", json={"username": "wang.officer", "password": "a long enough password"})
    assert login.status_code == 200
    token = {"Authorization": f"Bearer {login.get_json()['access_token']}"}

    listed = client.get("/api/v1/admin/users?role=officer", headers=admin).get_json()
    assert [u["username"] for u in listed["items"]] == ["wang.officer"]

    changed = client.patch(f"/api/v1/admin/users/{body['id']}", headers=admin,
                           json={"roles": ["officer", "inspector"]})
    assert changed.status_code == 200 and changed.get_json()["roles"] == ["inspector", "officer"]
    assert_error(client.get("/api/v1/me", headers=token), 401, "token_revoked")  # role change ends sessions

    client.patch(f"/api/v1/admin/users/{body['id']}", headers=admin, json={"is_active": False})
    assert_error(client.post("/api/v1/auth/login", json={"username": "wang.officer",
                                                         "password": "a long enough password"}), 401)

    auditor = users.headers(users.make("auditor"))
    log = client.get(f"/api/v1/audit-events?target_type=user&target_id={body['id']}", headers=auditor).get_json()
    assert [e["action"] for e in log["items"]] == ["user.update", "user.update", "user.create"]
    assert all(e["actor_id"] == admin_id for e in log["items"])


def test_account_input_is_validated(client, users):
    admin = users.headers(users.make("admin"))
    bad = client.post("/api/v1/admin/users", headers=admin, json={
        "username": "x y", "password": "short", "roles": ["resident"], "unit_code": "nowhere"})
    errors = assert_error(bad, 422, "validation_failed")["errors"]["json"]
    assert {"username", "password", "roles"} <= set(errors)
    unknown_unit = client.post("/api/v1/admin/users", headers=admin, json={
        "username": "li", "password": "a long enough password", "roles": ["officer"], "unit_code": "nowhere"})
    assert "unit_code" in assert_error(unknown_unit, 422)["errors"]["json"]
    users.make("officer", username="taken")
    dup = client.post("/api/v1/admin/users", headers=admin, json={
        "username": "taken", "password": "a long enough password", "roles": ["officer"]})
    assert_error(dup, 409, "conflict")
    assert_error(client.patch("/api/v1/admin/users/999999", headers=admin, json={"is_active": False}), 404)


def test_only_admins_manage_and_only_auditors_or_admins_read_the_log(client, users):
    for role in ("officer", "supervisor", "resident", "reward_approver"):
        headers = users.headers(users.make(role))
        assert_error(client.get("/api/v1/admin/users", headers=headers), 403)
        assert_error(client.get("/api/v1/audit-events", headers=headers), 403)
    auditor = users.headers(users.make("auditor"))
    assert client.get("/api/v1/admin/users", headers=auditor).status_code == 200
    assert_error(client.post("/api/v1/admin/users", headers=auditor, json={
        "username": "sneaky", "password": "a long enough password", "roles": ["admin"]}), 403)
    assert_error(client.get("/api/v1/audit-events"), 401)
