"""The problem register (问题台账, work plan items 1 and 19): one row per problem with the columns officials keep,
the year register (《突出问题2022年台账》), its workbook, and problems entered many at once from a spreadsheet of
inspection or audit feedback items."""
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from reporter.accounts.models import User
from reporter.cases import services as cases
from reporter.cases.models import SOURCE_NAMES, Case, CaseUnit
from reporter.cases.scope import supervisor_county
from reporter.common.timeutil import CST
from reporter.extensions import db
from reporter.geo.models import ZONE_NAMES, County
from reporter.org.models import Unit

# 整改进展: where the problem is in the closed loop, as officials write it.
PROGRESS = {"submitted": "待受理", "accepted": "已立案待派遣", "dispatched": "已交办待签收", "in_progress": "整改中",
            "pending_verification": "整改完成待核查", "verified": "核查通过待销号", "closed": "已销号",
            "rejected": "不予受理"}
# (header, key) — the columns of the register, in the officials' order.
COLUMNS = [
    ("序号", "seq"), ("问题来源", "source_name"), ("反馈编号", "external_ref"), ("问题描述", "description"),
    ("所在县区", "county_name"), ("保护区", "zone_name"), ("牵头单位", "lead_units"), ("配合单位", "cooperating_units"),
    ("整改措施", "measures"), ("整改时限", "deadline"), ("整改进展", "progress"), ("是否销号", "closed_off"),
    ("销号时间", "closed_on"), ("回头看", "recheck_name"), ("案件编号", "number"),
]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The instants (UTC) a CST calendar year starts and ends."""
    start = datetime(year, 1, 1, tzinfo=CST).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=CST).astimezone(UTC)


def register_query(actor: User, args: dict):
    """The cases of the register: the case list's scope and filters; with `year`, those opened in the year or still
    open during it (rejected reports are not problems)."""
    stmt = cases.list_cases(actor, args)
    year = args.get("year")
    if year:
        start, end = year_bounds(year)
        stmt = stmt.where(Case.state != "rejected", Case.created_at < end,
                          or_(Case.closed_at.is_(None), Case.closed_at >= start))
    return stmt


def _unit_names(case_ids: list[int]) -> dict[tuple[int, str], list[str]]:
    """Names of the lead and cooperating units of each case, by (case, relation)."""
    names: dict[tuple[int, str], list[str]] = {}
    if not case_ids:
        return names
    rows = db.session.execute(select(CaseUnit.case_id, CaseUnit.relation, Unit.name).join(Unit)
                              .where(CaseUnit.case_id.in_(case_ids),
                                     CaseUnit.relation.in_(("lead", "cooperating")))
                              .order_by(CaseUnit.case_id, Unit.id))
    for case_id, relation, name in rows:
        names.setdefault((case_id, relation), []).append(name)
    return names


def register_rows(case_list: list[Case], first_seq: int = 1) -> list[dict]:
    """The register's rows for these cases (序号 counted from first_seq)."""
    from reporter.registers.rechecks import RESULT_NAMES, latest_results

    units = _unit_names([c.id for c in case_list])
    rechecks = latest_results([c.id for c in case_list])
    counties = dict(db.session.execute(select(County.adcode, County.name)).all())
    rows = []
    for seq, case in enumerate(case_list, start=first_seq):
        closed = case.state == "closed"
        rows.append({
            "seq": seq, "case_id": case.id, "number": case.number, "source": case.source,
            "source_name": SOURCE_NAMES[case.source], "external_ref": case.external_ref,
            "description": case.description, "county_adcode": case.county_adcode,
            "county_name": counties.get(case.county_adcode), "zone": case.zone,
            "zone_name": ZONE_NAMES.get(case.zone, "秦岭范围外"),
            "lead_units": "、".join(units.get((case.id, "lead"), [])),
            "cooperating_units": "、".join(units.get((case.id, "cooperating"), [])),
            "measures": case.measures, "deadline": case.handle_due, "state": case.state,
            "progress": PROGRESS[case.state], "closed_off": closed,
            "closed_on": case.closed_at.astimezone(CST).date() if closed and case.closed_at else None,
            "recheck": rechecks.get(case.id), "recheck_name": RESULT_NAMES.get(rechecks.get(case.id)),
        })
    return rows


def in_actor_county(actor: User, county_adcode: str | None) -> bool:
    """Whether a supervisor may enter a problem in this county (the city office: any)."""
    county = supervisor_county(actor)
    return county is None or county == county_adcode


def existing_refs(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Cases already registered for (source, external_ref) pairs: the id of each."""
    if not pairs:
        return {}
    clause = or_(*(and_(Case.source == s, Case.external_ref == r) for s, r in pairs))
    return {(s, r): i for s, r, i in db.session.execute(select(Case.source, Case.external_ref, Case.id)
                                                         .where(clause)).all()}
