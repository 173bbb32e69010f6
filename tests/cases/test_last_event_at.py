"""`cases.last_event_at` is the latest instant of the case's events after every kind of write that appends one:
opening (from a report), actions through the API and the service (a backdated one included), a possible recurrence
raised by a report near the closed case and its decision, and the overdue sweep. The bulletin finds a month's moved
and idle cases from this column alone."""
from datetime import timedelta

from sqlalchemy import func, or_, select

from reporter.accounts.models import User
from reporter.cases import services as cases
from reporter.cases.models import Case, CaseEvent
from reporter.common.timeutil import utcnow
from tests.conftest import app_ctx
from tests.reports.conftest import NINGSHAN, town  # noqa: F401  (residents, reports and the people who act)

NEAR = (NINGSHAN[0] + 0.0015, NINGSHAN[1])  # ~170 m north: joins the case, or raises a recurrence once closed


def _mismatches(town) -> list:  # noqa: F811
    """(case, column, latest event, version, events) for every case whose column is not its latest event's instant,
    or whose version did not move by exactly one per event (each event written with one UPDATE of the case)."""
    latest = (select(CaseEvent.case_id, func.max(CaseEvent.at).label("at"), func.count().label("n"))
              .group_by(CaseEvent.case_id).subquery())
    return town.query(lambda s: s.execute(
        select(Case.id, Case.last_event_at, latest.c.at, Case.version, latest.c.n)
        .outerjoin(latest, latest.c.case_id == Case.id)
        .where(or_(Case.last_event_at.is_distinct_from(latest.c.at), Case.version != latest.c.n))).all())


def _count(town, case_id: int) -> int:  # noqa: F811
    return town.query(lambda s: s.execute(select(func.count()).where(CaseEvent.case_id == case_id)).scalar())


def test_every_writer_of_case_events_moves_last_event_at(app, town):  # noqa: F811
    town.resident("first")
    town.resident("later")
    first = town.submit("first").get_json()
    case_id = first["case_id"]
    assert _count(town, case_id) == 1 and _mismatches(town) == []

    town.act(case_id, "city_sup", "accept")  # over HTTP
    assert _count(town, case_id) == 2 and _mismatches(town) == []

    with app_ctx(app) as session:  # a backdated action: the column stays at the latest instant, not the last written
        latest = session.get(Case, case_id).last_event_at
        cases.perform(case_id, "dispatch", session.get(User, town.ids["city_sup"]), {}, expected_version=None,
                      at=latest - timedelta(hours=3))
        assert session.get(Case, case_id).last_event_at == latest
    assert _count(town, case_id) == 3 and _mismatches(town) == []

    with app_ctx(app):  # the sweep, days later, records the missed deadline with an event of its own
        assert case_id in cases.sweep_overdue(at=utcnow() + timedelta(days=30))
    assert _count(town, case_id) == 4 and _mismatches(town) == []

    other = town.submit("first", where=(NINGSHAN[0] - 0.01, NINGSHAN[1])).get_json()["case_id"]
    town.close(other)
    again = town.submit("later", where=(NINGSHAN[0] - 0.01 + 0.0015, NINGSHAN[1])).get_json()
    assert again["case_id"] == other and again["status"] == "under_review"  # 疑似反弹回潮: an event, no new case
    assert _mismatches(town) == []
    town.do(other, "city_sup", "decide_recurrence", decision="reject", reason="与已办结问题相同")
    assert _mismatches(town) == []
    with app_ctx(app) as session:
        assert session.execute(select(func.count(Case.id)).where(Case.last_event_at.is_(None))).scalar() == 0
