"""Undercover checks (暗访) at their edges: who records where, the list in the caller's county with its filters
(each end of a period included, newest first), and coverage of the Qinling counties over a period, a county and a
bulletin month (its first and last CST day included, the days around it not)."""
from datetime import date

import pytest

from reporter.registers.undercover import bulletin_rows, coverage
from reporter.stats.bulletin import month_of
from tests.conftest import app_ctx

PATH = "/api/v1/registers/undercover-checks"
CHECKS = [  # (county, day, places, problems found)
    ("610923", "2022-04-30", 1, 0), ("610923", "2022-05-01", 2, 1), ("610902", "2022-05-12", 4, 3),
    ("610923", "2022-05-12", 3, 0), ("610921", "2022-05-31", 5, 2), ("610922", "2022-06-01", 6, 1),
]


@pytest.fixture()
def checks(world) -> dict[tuple[str, str], int]:
    ids = {}
    for county, day, places, problems in CHECKS:
        resp = world.client.post(PATH, headers=world.h("city_sup"), json={
            "county_adcode": county, "checked_on": day, "team": "市秦岭办暗访组", "places": places,
            "problems_found": problems})
        assert resp.status_code == 201, resp.get_json()
        ids[county, day] = resp.get_json()["id"]
    return ids


def _listed(world, who="city_sup", **query) -> list[tuple[str, str]]:
    resp = world.client.get(PATH, headers=world.h(who), query_string={"page_size": 50, **query})
    assert resp.status_code == 200, resp.get_json()
    return [(c["county_adcode"], c["checked_on"]) for c in resp.get_json()["items"]]


def test_a_county_records_its_own_checks_only_and_the_city_any(world):
    own = world.client.post(PATH, headers=world.h("county_sup"), json={"county_adcode": "610923",
                                                                        "checked_on": "2022-05-03"})
    assert own.status_code == 201, own.get_json()
    assert (own.get_json()["recorded_by"], own.get_json()["county_adcode"]) == (world.county_sup, "610923")
    for county in ("610902", "610929"):  # either side of 宁陕's code
        refused = world.client.post(PATH, headers=world.h("county_sup"), json={"county_adcode": county,
                                                                                "checked_on": "2022-05-03"})
        assert refused.status_code == 403, county
    assert world.client.post(PATH, headers=world.h("city_sup"), json={"county_adcode": "610929",
                                                                       "checked_on": "2022-05-03"}).status_code == 201


def test_the_list_is_the_callers_county_filtered_both_ends_included_newest_first(world, checks):
    everything = [(c, d) for c, d, _p, _f in CHECKS]
    newest_first = sorted(everything, key=lambda check: (check[1], checks[check]), reverse=True)
    assert _listed(world) == newest_first
    assert _listed(world, who="auditor") == newest_first
    assert _listed(world, who="county_sup") == [c for c in newest_first if c[0] == "610923"]
    assert _listed(world, who="other_county_sup") == [("610902", "2022-05-12")]
    assert _listed(world, county="610921") == [("610921", "2022-05-31")]
    assert _listed(world, since="2022-05-12") == [c for c in newest_first if c[1] >= "2022-05-12"]
    assert _listed(world, until="2022-05-12") == [c for c in newest_first if c[1] <= "2022-05-12"]
    assert _listed(world, since="2022-05-12", until="2022-05-12") == [("610923", "2022-05-12"),
                                                                       ("610902", "2022-05-12")]
    assert _listed(world, who="county_sup", county="610902") == []
    assert world.client.get(PATH, headers=world.h("officer")).status_code == 403


def test_coverage_counts_each_county_within_the_period_both_ends_included(world, checks):
    resp = world.client.get(f"{PATH}/coverage", headers=world.h("city_sup"),
                            query_string={"since": "2022-05-01", "until": "2022-05-31"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    rows = {r["adcode"]: (r["checks"], r["places"], r["problems_found"], r["covered"]) for r in body["counties"]}
    assert rows == {"610902": (1, 4, 3, True), "610921": (1, 5, 2, True), "610922": (0, 0, 0, False),
                    "610923": (2, 5, 1, True), "610928": (0, 0, 0, False)}
    assert [r["adcode"] for r in body["counties"]] == sorted(rows)
    assert (body["covered"], body["of"], body["all_covered"]) == (3, 5, False)
    with app_ctx(world.app):
        whole = coverage(date(2022, 4, 30), date(2022, 6, 1))
        assert (whole["covered"], whole["of"], whole["all_covered"]) == (4, 5, False)
        one = coverage(date(2022, 5, 1), date(2022, 5, 31), "610923")
        assert [(r["adcode"], r["checks"]) for r in one["counties"]] == [("610923", 2)]
        assert (one["covered"], one["of"], one["all_covered"]) == (1, 1, True)
        assert coverage(date(2022, 5, 1), date(2022, 5, 31), "610922")["all_covered"] is False
        assert coverage(date(2022, 5, 1), date(2022, 5, 31), "610929")["all_covered"] is False  # not Qinling: no rows


def test_every_qinling_county_checked_is_full_coverage(world, checks):
    resp = world.client.post(PATH, headers=world.h("city_sup"), json={"county_adcode": "610928",
                                                                       "checked_on": "2022-05-20"})
    assert resp.status_code == 201
    with app_ctx(world.app):
        assert coverage(date(2022, 5, 1), date(2022, 5, 31))["all_covered"] is False  # 610922 checked in June
        full = coverage(date(2022, 5, 1), date(2022, 6, 1))
        assert (full["covered"], full["of"], full["all_covered"]) == (5, 5, True)


def test_a_bulletin_month_takes_its_first_and_last_cst_day(world, checks):
    with app_ctx(world.app):
        rows = {r["adcode"]: (r["checks"], r["places"]) for r in bulletin_rows(month_of("2022-05"), None)}
        assert rows == {"610902": (1, 4), "610921": (1, 5), "610922": (0, 0), "610923": (2, 5), "610928": (0, 0)}
        county = bulletin_rows(month_of("2022-05"), "610923")
        assert [(r["adcode"], r["checks"]) for r in county] == [("610923", 2)]
