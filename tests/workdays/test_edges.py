"""Working days at their edges: the weekday rule in every kind of year (loaded, library, statutory estimate,
Monday–Friday fallback), both ends of a span, one year's load and unload leaving the others alone, and a holiday
file refused whole when a date is bad or a day is listed twice."""
import logging
from datetime import date, timedelta

import pytest

from reporter.errors import ValidationFailed
from reporter.workdays import services
from tests.conftest import app_ctx

# 2099: 1 January a Thursday; 5–9 January Monday–Friday, 10–11 January the weekend
MON, FRI, SAT, SUN, NEXT_MON = (date(2099, 1, 5), date(2099, 1, 9), date(2099, 1, 10), date(2099, 1, 11),
                                date(2099, 1, 12))


def week(year: int, month: int = 3) -> list[date]:
    """Monday to Sunday of a week in March (no statutory holiday in March)."""
    first = date(year, month, 8)
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


WORKING_WEEK = [True, True, True, True, True, False, False]


@pytest.fixture(autouse=True)
def _forget_loaded_years(app):
    yield
    with app_ctx(app):
        for year in services.loaded_years():
            services.unload_year(year["year"])


def errors_of(excinfo) -> dict:
    return excinfo.value.errors["json"]


def test_a_loaded_year_keeps_monday_to_friday_for_the_days_it_does_not_list(app):
    with app_ctx(app):
        services.load_year(2099, ["2099-01-07"], ["2099-01-17"], source="t")
        assert services.calendar_source(2099) == "loaded"
        assert [services.is_working_day(d) for d in week(2099)] == WORKING_WEEK
        assert [services.is_working_day(MON + timedelta(days=n)) for n in range(7)] == [
            True, True, False, True, True, False, False]      # Wednesday the 7th listed off
        assert services.is_working_day(date(2099, 1, 17))     # a Saturday listed on
        assert not services.is_working_day(date(2099, 1, 18))  # the Sunday after it is not


def test_an_estimated_year_keeps_monday_to_friday_and_takes_the_statutory_days_off(app):
    with app_ctx(app):
        assert services.calendar_source(2099) == "statutory-estimate"
        assert [services.is_working_day(d) for d in week(2099)] == WORKING_WEEK
        assert [services.estimated_is_working_day(d) for d in week(2099)] == WORKING_WEEK
        assert not services.is_working_day(date(2099, 1, 1)) and not services.estimated_is_working_day(
            date(2099, 1, 1))                                    # 元旦 on a Thursday
        assert services.is_working_day(date(2099, 1, 2)) and services.estimated_is_working_day(date(2099, 1, 2))


def test_the_fallback_year_is_monday_to_friday(app, caplog):
    services._warned_years.discard(2100)
    with app_ctx(app), caplog.at_level(logging.WARNING, logger="reporter.workdays.services"):
        assert services.calendar_source(2100) == "weekdays" and services.statutory_holidays(2100) is None
        assert [services.is_working_day(d) for d in week(2100)] == WORKING_WEEK
        assert services.is_working_day(date(2100, 1, 1))         # no estimate: 元旦 2100 (a Friday) counts
        assert [services.estimated_is_working_day(d) for d in week(2100)] == WORKING_WEEK
        services.is_working_day(date(2100, 1, 4))
    warnings = [r.getMessage() for r in caplog.records if "2100" in r.getMessage()]
    assert len(warnings) == 1 and "counting Monday–Friday" in warnings[0]


def test_the_estimate_warns_once_per_year_and_says_what_it_counts(app, caplog):
    services._warned_years.discard(2099)
    with app_ctx(app), caplog.at_level(logging.WARNING, logger="reporter.workdays.services"):
        for day in week(2099):
            services.is_working_day(day)
    warnings = [r.getMessage() for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1 and "statutory holidays only" in warnings[0] and "load-year" in warnings[0]


def test_a_library_year_follows_the_published_table(app):
    with app_ctx(app):
        assert services.calendar_source(2024) == "library"
        assert [services.is_working_day(d) for d in week(2024)] == WORKING_WEEK
        assert not services.is_working_day(date(2024, 10, 1)) and services.is_working_day(date(2024, 10, 12))


def test_working_days_between_excludes_the_start_and_includes_the_end(app):
    with app_ctx(app):
        between = services.working_days_between
        assert between(FRI - timedelta(days=1), FRI) == 1      # Thursday → Friday: Friday
        assert between(FRI, SAT) == 0 and between(FRI, SUN) == 0
        assert between(FRI, NEXT_MON) == 1                     # the Monday, not the Friday
        assert between(SUN, NEXT_MON) == 1
        assert between(MON, NEXT_MON) == 5                     # Tuesday … Friday and the next Monday
        assert between(MON - timedelta(days=1), FRI) == 5
        assert between(MON, MON) == 0 and between(NEXT_MON, MON) == 0
        assert between(date(2099, 12, 31), date(2100, 1, 1)) == 1  # across years, into the fallback


def test_add_working_days_counts_from_the_day_after(app):
    with app_ctx(app):
        assert services.add_working_days(FRI, 1) == NEXT_MON
        assert services.add_working_days(SAT, 1) == NEXT_MON
        assert services.add_working_days(MON, 4) == FRI
        assert services.add_working_days(MON, 5) == NEXT_MON
        assert services.add_working_days(SAT, 0) == SAT and services.add_working_days(SAT, -1) == SAT


def test_add_working_days_walks_ten_years_and_no_further(app):
    start = date(2101, 1, 3)  # Monday–Friday years: no holidays in the way
    with app_ctx(app):
        last = start + timedelta(days=3660)
        while not services.is_working_day(last):
            last -= timedelta(days=1)
        n = services.working_days_between(start, last)
        assert services.add_working_days(start, n) == last
        beyond = services.add_working_days(start - timedelta(days=1), n + (start.weekday() < 5))
        assert beyond == last
        with pytest.raises(ValidationFailed, match="too far ahead"):
            services.add_working_days(last, services.working_days_between(last, start + timedelta(days=3660)) + 1
                                      + services.working_days_between(start, last))


def test_loading_or_unloading_a_year_leaves_the_other_years_alone(app):
    with app_ctx(app):
        services.load_year(2098, ["2098-03-04"], ["2098-03-07"], source="a")
        services.load_year(2099, ["2099-03-04"], ["2099-03-07"], source="b")
        services.load_year(2099, ["2099-03-05"], [], source="c")   # replacing 2099 only
        years = {y["year"]: y for y in services.loaded_years()}
        assert [h["date"] for h in years[2098]["holidays"]] == [date(2098, 3, 4)]
        assert [w["date"] for w in years[2098]["workdays"]] == [date(2098, 3, 7)]
        assert [h["date"] for h in years[2099]["holidays"]] == [date(2099, 3, 5)] and years[2099]["workdays"] == []
        assert years[2099]["source"] == "c" and years[2098]["source"] == "a"
        assert services.is_working_day(date(2099, 3, 4)) and not services.is_working_day(date(2099, 3, 5))
        services.unload_year(2099)
        assert [y["year"] for y in services.loaded_years()] == [2098]
        assert services.calendar_source(2098) == "loaded" and services.calendar_source(2099) != "loaded"
        assert not services.is_working_day(date(2098, 3, 4)) and services.is_working_day(date(2098, 3, 7))
        services.unload_year(2098)
        assert services.loaded_years() == []


def test_load_year_answers_what_it_loaded(app):
    with app_ctx(app):
        summary = services.load_year(2099, ["2099-01-01", {"date": "2099-01-02", "name": "元旦"}],
                                     [{"date": "2099-01-03"}], source="国办发明电", actor_id=None)
        assert summary == {"year": 2099, "holidays": 2, "workdays": 1, "source": "国办发明电"}
        [year] = services.loaded_years()
        assert year["holidays"] == [{"date": date(2099, 1, 1), "name": ""}, {"date": date(2099, 1, 2), "name": "元旦"}]
        assert year["workdays"] == [{"date": date(2099, 1, 3), "name": ""}]


@pytest.mark.parametrize("holidays, workdays, field, number", [
    (["2099-02-30"], [], "holidays", 0),
    (["2099-01-01", "not a date"], [], "holidays", 1),
    ([{"date": None}], [], "holidays", 0),
    ([], ["2099-01-03", "2099/01/10"], "workdays", 1),
    (["2099-01-01", "2098-12-31"], [], "holidays", 1),
    (["2099-10-01", "2099-10-02", "2099-10-01"], [], "holidays", 2),
    ([], ["2099-10-10", {"date": "2099-10-10", "name": "again"}], "workdays", 1),
])
def test_a_bad_date_or_a_day_listed_twice_refuses_the_whole_file(app, holidays, workdays, field, number):
    with app_ctx(app):
        services.load_year(2099, ["2099-05-06"], [], source="before")
        with pytest.raises(ValidationFailed) as excinfo:
            services.load_year(2099, holidays, workdays, source="bad")
        assert list(errors_of(excinfo)) == [field] and list(errors_of(excinfo)[field]) == [number]
        [kept] = services.loaded_years()
        assert kept["source"] == "before" and [h["date"] for h in kept["holidays"]] == [date(2099, 5, 6)]


def test_every_bad_entry_is_named(app):
    with app_ctx(app), pytest.raises(ValidationFailed) as excinfo:
        services.load_year(2099, ["bad", "2099-01-01", "2099-99-01", "2098-01-01"], ["also bad"])
    assert errors_of(excinfo) == {"holidays": {0: ["not an ISO date"], 2: ["not an ISO date"], 3: ["not in 2099"]},
                                  "workdays": {0: ["not an ISO date"]}}


def test_a_day_both_off_and_on_is_refused(app):
    with app_ctx(app), pytest.raises(ValidationFailed) as excinfo:
        services.load_year(2099, ["2099-01-01", "2099-01-03"], ["2099-01-03", "2099-01-10"])
    assert errors_of(excinfo) == {"workdays": {"_schema": ["also listed as holidays: ['2099-01-03']"]}}


def test_library_year_lists_the_weekday_holidays_and_weekend_workdays(app):
    year = services.library_year(2024)
    assert year["year"] == 2024
    assert "2024-10-01" in year["holidays"] and "2024-10-08" not in year["holidays"]
    assert year["holidays"][0] == "2024-01-01"                   # from the year's first day
    assert "2024-03-09" not in year["holidays"]                 # an ordinary Saturday is no holiday to list
    assert services.library_year(2018)["holidays"][-1] == "2018-12-31"  # the year's last day counts
    assert "2024-10-12" in year["workdays"] and all(date.fromisoformat(d).weekday() >= 5 for d in year["workdays"])
    with pytest.raises(ValidationFailed):
        services.library_year(2099)


def test_the_lunar_and_solar_holidays_fall_on_their_published_days():
    # 端午 is the 5th of the 5th lunar month, 中秋 the 15th of the 8th, 清明 the solar term
    for year, qingming, dragon_boat, mid_autumn in ((2025, date(2025, 4, 4), date(2025, 5, 31), date(2025, 10, 6)),
                                                   (2026, date(2026, 4, 5), date(2026, 6, 19), date(2026, 9, 25))):
        days = services.statutory_holidays(year)
        assert [d for d, n in days.items() if n == "清明"] == [qingming]
        assert [d for d, n in days.items() if n == "端午"] == [dragon_boat]
        assert [d for d, n in days.items() if n == "中秋"] == [mid_autumn]
        assert [d for d, n in days.items() if n == "国庆"] == [date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)]
        assert [d for d, n in days.items() if n == "劳动节"] == [date(year, 5, 1), date(year, 5, 2)]
        assert [d for d, n in days.items() if n == "元旦"] == [date(year, 1, 1)]
