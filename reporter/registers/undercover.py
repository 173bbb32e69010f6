"""Undercover checks (暗访, item 17): recorded per county and day; coverage of the Qinling counties in a period
("对相关县实现暗访全覆盖": every Qinling county checked at least once)."""
from datetime import date

from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.cases.scope import supervisor_county
from reporter.common.timeutil import utcnow
from reporter.errors import Forbidden
from reporter.extensions import db
from reporter.geo.models import County
from reporter.registers.models import UndercoverCheck


def record_check(actor: User, data: dict) -> UndercoverCheck:
    """A check as the city office (any county) or a county's supervisors (their own) record it; committed."""
    county = supervisor_county(actor)
    if county is not None and county != data["county_adcode"]:
        raise Forbidden("A county's supervisors record checks in their own county")
    try:
        check = UndercoverCheck(**data, recorded_by=actor.id, recorded_at=utcnow())
        db.session.add(check)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return check


def checks_query(actor: User, args: dict):
    stmt = select(UndercoverCheck).order_by(UndercoverCheck.checked_on.desc(), UndercoverCheck.id.desc())
    county = supervisor_county(actor) if actor.has_role("supervisor") else None
    if county:
        stmt = stmt.where(UndercoverCheck.county_adcode == county)
    if args.get("county"):
        stmt = stmt.where(UndercoverCheck.county_adcode == args["county"])
    if args.get("since"):
        stmt = stmt.where(UndercoverCheck.checked_on >= args["since"])
    if args.get("until"):
        stmt = stmt.where(UndercoverCheck.checked_on <= args["until"])
    return stmt


def coverage(since: date, until: date, county: str | None = None) -> dict:
    """Per Qinling county: checks, places and problems in the period; covered when at least one check."""
    counts = {row[0]: row[1:] for row in db.session.execute(
        select(UndercoverCheck.county_adcode, func.count(), func.sum(UndercoverCheck.places),
               func.sum(UndercoverCheck.problems_found))
        .where(UndercoverCheck.checked_on >= since, UndercoverCheck.checked_on <= until)
        .group_by(UndercoverCheck.county_adcode))}
    stmt = select(County.adcode, County.name).where(County.in_qinling.is_(True)).order_by(County.adcode)
    if county:
        stmt = stmt.where(County.adcode == county)
    rows = []
    for adcode, name in db.session.execute(stmt):
        checks, places, problems = counts.get(adcode, (0, 0, 0))
        rows.append({"adcode": adcode, "name": name, "checks": checks, "places": int(places or 0),
                     "problems_found": int(problems or 0), "covered": checks > 0})
    return {"since": since, "until": until, "counties": rows,
            "covered": sum(r["covered"] for r in rows), "of": len(rows),
            "all_covered": bool(rows) and all(r["covered"] for r in rows)}


def bulletin_rows(month, county: str | None) -> list[dict]:
    """The month's coverage of the Qinling counties (暗访全覆盖), for the bulletin."""
    from datetime import timedelta

    from reporter.common.timeutil import CST

    first = month.start.astimezone(CST).date()
    last = (month.end.astimezone(CST) - timedelta(days=1)).date()
    return coverage(first, last, county)["counties"]
