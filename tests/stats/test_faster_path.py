"""The bulletin's faster path (idle cases counted in the database, event days and data read as text, deadlines kept
per distinct question, patrol rows as plain tuples) gives exactly the figures of the first, straightforward one
(tests/stats/reference.py) on generated histories: random walks through the workflow table with every kind of data,
events on either side of CST midnight and of month ends, custom and missing stage days, 督办, idle open cases.
The patrol side is checked in tests/patrols/test_figures_reference.py."""
import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from reporter.cases import workflow
from reporter.cases.models import Case, CaseEvent
from reporter.geo.models import County
from reporter.org.models import Unit
from reporter.stats.bulletin import MonthFacts, area_tables, case_facts, month_of, supervised_cases
from tests.conftest import app_ctx
from tests.stats import reference

MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11")
ROUTINGS = [{}, {"deadline_days": {"accept": 2, "sign": 1, "handle": 15, "verify": 5}},
            {"deadline_days": {"sign": 3, "handle": 0}}, {"deadline_days": None}, {"deadline_days": {"verify": "7"}}]


def _data(rng, action, units, current):
    if action == "dispatch":
        return {"unit_id": rng.choice(units)} if rng.random() < 0.9 else {}
    if action == "return":
        return {"unit_id": current, "reason": "不属于本单位职责"}
    if action == "decide_extension":
        return {"approve": rng.random() < 0.7, "days": rng.choice([0, 3, 10, "5", None])}
    if action == "submit_result":
        return {"finding": rng.choice(["true", "partly_true", "false", None]), "measures": "已处理"}
    if action == "supervise":
        due = rng.choice([None, "2026-09-15", "2026-10-30", "2026-11-02", "2026-12-20"])
        return {"level": rng.choice(["city", "county"]), **({"due": due} if due else {})}
    if action == "reject":
        return {"reason_code": "insufficient"}
    return {}


def _instant(rng, after: datetime) -> datetime:
    """Some hours or days later; now and then a moment either side of midnight in China (16:00 UTC)."""
    at = after + timedelta(minutes=rng.randrange(1, 60 * 24 * rng.choice([1, 3, 10, 30])))
    if rng.random() < 0.2:
        edge = at.replace(hour=16, minute=0, second=0, microsecond=0)
        at = max(after + timedelta(microseconds=1), edge + timedelta(microseconds=rng.choice([-1, 0, 1])))
    return at


def generate(session, n: int, seed: int) -> None:
    rng = random.Random(seed)
    counties = list(session.execute(select(County.adcode)).scalars())
    units = list(session.execute(select(Unit.id)).scalars())
    cases, events = [], []
    for case_id in range(1, n + 1):
        created = datetime(2026, 6, 20, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 160 * 86400))
        routed = rng.choice(units)
        state, at, unit = rng.choice(workflow.INITIAL_STATES), created, None
        history = [("open", None, state, created, {})]
        level = sup_due = finding = None
        for _ in range(rng.randrange(0, 14)):
            if state == "closed" and rng.random() < 0.4:  # a report near the closed case: a possible recurrence
                at = _instant(rng, at)
                due = rng.choice([None, "2026-09-15", "2026-10-30", "2026-11-02"])
                history.append(("recurrence", state, state, at, {"report_id": "r", **({"due": due} if due else {})}))
            choices = [t for t in workflow.TRANSITIONS if t.state == state and t.action != "hand_over"]
            if not choices:
                break
            t = rng.choice(choices)
            at = _instant(rng, at)
            to = state if t.to is workflow.SAME else t.to
            data = _data(rng, t.action, units, unit)
            if t.when:  # the payload chooses the row (verify pass / fail, the recurrence's decision)
                data = {**data, t.when[0]: t.when[1], "reason": "生成"}
            unit = data.get("unit_id", routed) if t.action == "dispatch" else None if t.action == "return" else unit
            level = data["level"] if t.action == "supervise" else level
            sup_due = date.fromisoformat(data["due"]) if t.action == "supervise" and data.get("due") else sup_due
            finding = data["finding"] if t.action == "submit_result" else finding
            history.append((t.action, state, to, at, data))
            state = to
        for seq, (action, from_state, to_state, when, data) in enumerate(history, start=1):
            events.append({"case_id": case_id, "seq": seq, "action": action, "actor_role": "supervisor", "at": when,
                           "from_state": from_state, "to_state": to_state, "data": data})
        cases.append({"id": case_id, "source": rng.choice(["citizen_report", "patrol", "video"]),
                      "category": rng.choice(["illegal_logging", "illegal_mining"]), "description": "生成",
                      "lat": 33.3, "lng": 108.3, "county_adcode": rng.choice(counties),
                      "routing": rng.choice(ROUTINGS), "routed_unit_id": routed, "current_unit_id": unit,
                      "state": state, "finding": finding, "supervision_level": level, "supervision_due": sup_due,
                      "due_on": rng.choice([None, date(2026, 8, 3), date(2026, 9, 30), date(2026, 10, 31),
                                            date(2026, 11, 1), date(2026, 12, 1)]),
                      "version": len(history), "created_at": created, "updated_at": at,
                      "last_event_at": max((h[3] for h in history), default=None)})
    session.execute(insert(Case), cases)
    session.execute(insert(CaseEvent), events)
    session.commit()


def test_case_figures_match_the_first_definition(app):
    with app_ctx(app) as session:
        generate(session, 600, seed=20261128)
        for label in MONTHS:
            month = month_of(label)
            for county in (None, "610923"):
                fast, slow = case_facts(month, county), reference.case_facts(month, county)
                assert fast.cases.keys() <= slow.keys()
                assert {i: slow[i] for i in fast.cases} == fast.cases, (label, county)
                idle = sum(n for _, _, n, _ in fast.idle)
                assert idle + len(fast.cases) == len(slow), (label, county)
                assert area_tables(month, fast) == area_tables(month, MonthFacts(slow)), (label, county)
                assert supervised_cases(month, fast.cases) == supervised_cases(month, slow), (label, county)
        assert any(f.supervision_level for f in fast.cases.values())  # the data reached the interesting paths
        assert any(n for _, _, n, _ in case_facts(month_of("2026-10")).idle)

