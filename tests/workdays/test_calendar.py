"""Chinese working days: statutory holidays, adjusted working days, admin-loaded years, the Monday–Friday fallback."""
import json
import logging
from datetime import date

from reporter.workdays import services
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx


def test_deadlines_skip_national_day_and_count_the_adjusted_weekend_days(app):
    with app_ctx(app):
        # 2024: 1–7 October off; Sunday 29 September and Saturday 12 October are working days
        assert services.is_working_day(date(2024, 9, 29)) and services.is_working_day(date(2024, 10, 12))
        assert not services.is_working_day(date(2024, 10, 2))
        assert services.add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)
        assert services.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
        assert services.add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)  # the adjusted Saturday
        assert services.add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)
        assert services.working_days_between(date(2024, 9, 30), date(2024, 10, 12)) == 5
        assert services.working_days_between(date(2024, 10, 12), date(2024, 10, 12)) == 0
        assert services.add_working_days(date(2024, 9, 30), 0) == date(2024, 9, 30)


def test_unknown_year_is_estimated_from_the_statutory_holidays_with_a_warning(app, caplog):
    services._warned_years.discard(2099)
    with app_ctx(app), caplog.at_level(logging.WARNING, logger="reporter.workdays.services"):
        assert services.calendar_source(2099) == "statutory-estimate"
        assert not services.is_working_day(date(2099, 1, 1))     # a Thursday: 元旦 all the same
        assert services.is_working_day(date(2099, 1, 2))         # no swapped rest day
        assert not services.is_working_day(date(2099, 1, 3))     # Saturday
        assert services.add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)
        assert services.calendar_source(2100) == "weekdays"      # beyond the lunar calendar: Monday–Friday
    assert any("2099" in r.getMessage() for r in caplog.records)


def test_admin_loads_a_year_without_a_release_and_it_overrides_the_library(client, users, app):
    admin = users.headers(users.make("admin"))
    body = {"holidays": [{"date": "2099-01-01", "name": "元旦"}, {"date": "2099-01-02", "name": "元旦"}],
            "workdays": [{"date": "2099-01-03", "name": "元旦调休"}], "source": "test notice"}
    resp = client.put("/api/v1/workdays/years/2099", json=body, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert [d["date"] for d in resp.get_json()["holidays"]] == ["2099-01-01", "2099-01-02"]
    check = client.get("/api/v1/workdays/check?date=2098-12-31&add=1", headers=admin).get_json()
    assert check["deadline"] == "2099-01-03"  # 1 and 2 January off, Saturday the 3rd worked
    with app_ctx(app):
        assert services.calendar_source(2099) == "loaded"
        assert not services.is_working_day(date(2099, 1, 1))
    assert client.get("/api/v1/workdays/years", headers=admin).get_json()[0]["year"] == 2099
    assert_error(client.put("/api/v1/workdays/years/2099", json=body, headers=users.headers(users.make("supervisor"))),
                 403)
    assert client.delete("/api/v1/workdays/years/2099", headers=admin).status_code == 204
    with app_ctx(app):
        assert services.calendar_source(2099) == "statutory-estimate"
        assert not services.is_working_day(date(2099, 1, 3))  # the loaded make-up Saturday is gone


def test_a_loaded_year_must_be_consistent(client, users):
    admin = users.headers(users.make("admin"))
    resp = client.put("/api/v1/workdays/years/2099", headers=admin,
                      json={"holidays": [{"date": "2098-12-31"}], "workdays": []})
    assert_error(resp, 422)
    assert "holidays" in resp.get_json()["errors"]["json"]
    for year in (1999, 2100, 10000):  # the years a calendar can be loaded for are documented: 2000 … 2099
        assert_error(client.put(f"/api/v1/workdays/years/{year}", headers=admin, json={"holidays": []}), 404)


def test_cli_load_year(app, tmp_path):
    path = tmp_path / "2099.json"
    path.write_text(json.dumps({"year": 2099, "holidays": ["2099-10-01", "2099-10-02"], "workdays": ["2099-10-10"]}))
    result = app.test_cli_runner().invoke(args=["workdays", "load-year", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 holidays, 1 adjusted" in result.output
    with app_ctx(app):
        assert not services.is_working_day(date(2099, 10, 1))
        assert services.is_working_day(date(2099, 10, 10))  # a Saturday
    shown = app.test_cli_runner().invoke(args=["workdays", "show-library", "2024"])
    assert "2024-10-01" in shown.output and "2024-10-12" in shown.output
