"""Reading units and unit kinds."""
from sqlalchemy import Select, select

from reporter.extensions import db
from reporter.org.models import Unit, UnitKind


def units_query(kind: str | None = None, county: str | None = None, level: str | None = None) -> Select:
    """Units filtered by kind, county adcode and level, city units first."""
    stmt = select(Unit).order_by(Unit.level, Unit.county_adcode.nulls_first(), Unit.code)
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if county:
        stmt = stmt.where(Unit.county_adcode == county)
    if level:
        stmt = stmt.where(Unit.level == level)
    return stmt


def unit_kinds() -> list[UnitKind]:
    """Every unit kind, in reference order."""
    return list(db.session.execute(select(UnitKind).order_by(UnitKind.sort_order, UnitKind.code)).scalars())
