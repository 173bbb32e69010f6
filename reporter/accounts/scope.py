"""Which unit a staff account needs for its roles: unit-scoped roles act only within their unit's area.

- officer (经办人): the unit whose cases they handle — required.
- supervisor (秦岭办): a Qinling office — the city one (`city.qinling_office`) for every county, a county's for that
  county. Any other unit, or none, would silently mean "every county" in the case scope, so it is refused.
- inspector (网格员): scoped by the grids they are assigned to, not by a unit; a home unit is optional and grants
  nothing.
"""
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.extensions import db
from reporter.org.models import Unit

CITY_SCOPE_UNIT = "city.qinling_office"  # 市秦岭办: the only unit whose supervisors act on every county
OFFICE_KIND = "qinling_office"
UNIT_SCOPED_ROLES = ("officer", "supervisor")


def scope_problem(roles, unit: Unit | None) -> str | None:
    """Why these roles cannot go with this unit (None when they can)."""
    roles = set(roles)
    if roles & set(UNIT_SCOPED_ROLES) and unit is None:
        return f"The role(s) {', '.join(sorted(roles & set(UNIT_SCOPED_ROLES)))} need a unit"
    if "supervisor" in roles and unit.kind != OFFICE_KIND:
        return (f"A supervisor belongs to a Qinling office ({CITY_SCOPE_UNIT} for the whole city, or a county's); "
                f"{unit.code} is not one")
    if "supervisor" in roles and unit.level == "city" and unit.code != CITY_SCOPE_UNIT:
        return f"Only {CITY_SCOPE_UNIT} gives a supervisor the whole city"
    return None


def accounts_breaking_scope() -> list[tuple[User, str]]:
    """Active staff accounts whose roles and unit break the rule, with the reason, by id."""
    users = db.session.execute(select(User).where(User.is_active.is_(True), User.username.is_not(None))
                               .order_by(User.id)).scalars()
    return [(user, problem) for user in users if (problem := scope_problem(user.roles, user.unit))]
