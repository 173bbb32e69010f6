"""Years without a published table: the statutory holidays the law fixes (元旦; 春节 除夕–初三; 清明; 劳动节 1–2 May;
端午; 中秋; 国庆 1–3 October), counted off, no make-up working days, labelled `statutory-estimate`."""
from datetime import date, timedelta

import chinese_calendar
import pytest

from reporter.workdays import services

STATUTORY_DAYS = 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 (全国年节及纪念日放假办法, as amended for 2025)


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_estimate_hits_every_statutory_holiday_of_a_published_year(year):
    estimate = services.statutory_holidays(year)
    assert len(estimate) == STATUTORY_DAYS
    assert set(estimate.values()) == {"元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆"}
    for day, name in estimate.items():  # every statutory holiday is a day off in the published table
        assert not chinese_calendar.is_workday(day), (day, name)
    for day in days_of(year):
        estimated = services.estimated_is_working_day(day)
        published = chinese_calendar.is_workday(day)
        if estimated and not published:  # a rest day the State Council swapped in: the estimate cannot know it
            assert day not in estimate and chinese_calendar.get_holiday_detail(day)[1] is not None, day
        elif published and not estimated:  # a make-up working day (调休上班), always a weekend day
            assert day.weekday() >= 5 and day in chinese_calendar.workdays, day


def test_the_2025_and_2026_spring_festivals_run_from_chuxi_to_chusan():
    assert [d for d, n in services.statutory_holidays(2025).items() if n == "春节"] == [
        date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)]
    assert [d for d, n in services.statutory_holidays(2026).items() if n == "春节"] == [
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19)]
    assert services.statutory_holidays(2026)[date(2026, 4, 5)] == "清明"  # from the solar terms


def test_a_year_without_a_table_counts_its_statutory_holidays(app):
    year = 2031  # no published table in any release yet
    with app.app_context():
        assert services.calendar_source(year) == "statutory-estimate"
        assert not services.is_working_day(date(year, 1, 1))    # 元旦, a Wednesday
        assert not services.is_working_day(date(year, 10, 2))   # 国庆, a Thursday
        assert services.is_working_day(date(year, 10, 6))       # after 国庆's three days: no swapped rest days
        assert not services.is_working_day(date(year, 10, 4))   # a Saturday stays a rest day (no make-up days)
        assert services.add_working_days(date(year - 1, 12, 31), 1) == date(year, 1, 2)


def test_deadlines_across_new_year_into_an_unpublished_year(app, client, users):
    if chinese_calendar.holidays and max(d.year for d in chinese_calendar.holidays) >= 2027:
        pytest.skip("this chinesecalendar release already knows 2027")
    with app.app_context():
        # 2027-01-01 (元旦) is a Friday: the first working day after New Year's Eve 2026 is Monday the 4th
        assert not services.is_working_day(date(2027, 1, 1))
        assert services.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    check = client.get("/api/v1/workdays/check?date=2026-12-30&add=2",
                       headers=users.headers(users.make("resident"))).get_json()
    assert check["deadline"] == "2027-01-04"
    assert check["source"] == "library"  # the start date's year
    assert check["years"] == [{"year": 2026, "source": "library"}, {"year": 2027, "source": "statutory-estimate"}]
