"""Issue 14 §2/§5: unit-scoped roles need a fitting unit (API and CLI), one password rule for both, and LIKE
wildcards in a search are plain characters."""
import pytest
from sqlalchemy import select, update

from reporter.accounts.models import User
from reporter.extensions import db
from reporter.org.models import Unit
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx

PASSWORD = "a long enough password"


def create(client, admin, **body):
    return client.post("/api/v1/admin/users", headers=admin,
                       json={"username": "new.staff", "password": PASSWORD, **body})


@pytest.mark.parametrize("roles, unit", [
    (["supervisor"], None),                    # no unit: used to act on every county
    (["supervisor"], "city.forestry"),         # a city unit that is not the Qinling office: the same
    (["supervisor"], "610923.forestry"),       # a county bureau is not a Qinling office
    (["officer"], None),                       # an officer handles the cases of a unit
    (["officer", "supervisor"], "city.ecology"),
])
def test_unit_scoped_roles_need_a_fitting_unit(client, users, roles, unit):
    admin = users.headers(users.make("admin"))
    body = {"roles": roles, **({"unit_code": unit} if unit else {})}
    refused = assert_error(create(client, admin, **body), 422, "validation_failed")
    assert "unit_code" in refused["errors"]["json"]
    listed = client.get("/api/v1/admin/users", headers=admin, query_string={"q": "new.staff"}).get_json()
    assert listed["items"] == []


@pytest.mark.parametrize("roles, unit", [
    (["supervisor"], "city.qinling_office"), (["supervisor"], "610923.qinling_office"),
    (["officer"], "610923.forestry"), (["inspector"], None), (["reward_approver"], None),
])
def test_fitting_units_are_accepted(client, users, roles, unit):
    admin = users.headers(users.make("admin"))
    assert create(client, admin, roles=roles, unit_code=unit).status_code == 201


def test_a_change_cannot_break_the_rule_but_a_broken_account_can_be_disabled(client, users, app):
    admin = users.headers(users.make("admin"))
    sup = users.make("supervisor", unit_code="610923.qinling_office")
    for change in ({"unit_code": None}, {"unit_code": "city.forestry"}, {"roles": ["supervisor", "officer"],
                                                                         "unit_code": "city.water"}):
        assert_error(client.patch(f"/api/v1/admin/users/{sup}", headers=admin, json=change), 422)
    with app_ctx(app):
        assert db.session.get(User, sup).unit.code == "610923.qinling_office"
        db.session.execute(update(User).where(User.id == sup).values(unit_id=None))  # as an old release allowed
        db.session.commit()
    assert client.patch(f"/api/v1/admin/users/{sup}", headers=admin, json={"is_active": False}).status_code == 200


def test_a_supervisor_left_without_a_unit_sees_no_county(client, users, app):
    sup = users.make("supervisor", unit_code="610923.qinling_office")
    with app_ctx(app):
        db.session.execute(update(User).where(User.id == sup).values(unit_id=None))
        db.session.commit()
    from tests.cases.conftest import STAFF_ENTRY

    city = users.headers(users.make("supervisor", unit_code="city.qinling_office"))
    case = client.post("/api/v1/cases", headers=city, json=STAFF_ENTRY)
    assert case.status_code == 201, case.get_json()
    assert client.get("/api/v1/cases", headers=users.headers(sup)).get_json()["items"] == []
    assert client.get(f"/api/v1/cases/{case.get_json()['id']}", headers=users.headers(sup)).status_code == 404


def test_the_cli_reports_accounts_breaking_the_rule(app, users):
    runner = app.test_cli_runner()
    fine = runner.invoke(args=["users", "check-scope"])
    assert fine.exit_code == 0, fine.output
    bad = users.make("supervisor", username="old.sup", unit_code="city.qinling_office")
    with app_ctx(app):
        forestry = db.session.execute(select(Unit.id).where(Unit.code == "city.forestry")).scalar_one()
        db.session.execute(update(User).where(User.id == bad).values(unit_id=forestry))
        db.session.commit()
    report = runner.invoke(args=["users", "check-scope"])
    assert report.exit_code == 1
    assert f"user {bad} old.sup roles=supervisor unit=city.forestry" in report.output


def test_the_cli_refuses_what_the_api_refuses(app, client, users):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "--username", "cli.user", "--role", "auditor", "--password", "a"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    api = create(client, users.headers(users.make("admin")), username="api.user", password="a", roles=["auditor"])
    assert "password" in assert_error(api, 422)["errors"]["json"]
    unitless = runner.invoke(args=["users", "create", "--username", "cli.sup", "--role", "supervisor",
                                   "--password", PASSWORD])
    assert unitless.exit_code != 0 and "need a unit" in unitless.output
    users.make("auditor", username="cli.existing")
    reset = runner.invoke(args=["users", "set-password", "--username", "cli.existing", "--password", "b"])
    assert reset.exit_code != 0 and "at least 10 characters" in reset.output
    with app_ctx(app):
        assert db.session.execute(select(User).where(User.username.in_(["cli.user", "cli.sup"]))).first() is None
    assert client.post("/api/v1/auth/login", json={"username": "cli.existing", "password": "b"}).status_code == 401


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%", "a%", "_u"])
def test_like_wildcards_in_the_user_search_are_plain_characters(client, users, q):
    admin = users.headers(users.make("admin", username="plain.admin"))
    users.make("auditor", username="other.auditor")
    listed = client.get("/api/v1/admin/users", headers=admin, query_string={"q": q}).get_json()
    assert listed["items"] == [], [u["username"] for u in listed["items"]]


def test_a_wildcard_in_a_name_is_found_literally(client, users, app):
    admin = users.headers(users.make("admin"))
    target = users.make("auditor", username="audit_1")
    users.make("auditor", username="auditx1")
    listed = client.get("/api/v1/admin/users", headers=admin, query_string={"q": "t_1"}).get_json()
    assert [u["id"] for u in listed["items"]] == [target]
