"""Who sees which cases, and who may act on one: officers their unit's, county staff their county's, the city all."""
from sqlalchemy import Select, false, or_, select, true

from reporter.accounts.models import User
from reporter.accounts.scope import scope_problem
from reporter.cases.models import Case, CaseUnit
from reporter.geo.models import GridInspector

READ_ALL_ROLES = ("auditor", "reward_officer", "reward_approver")  # read everything, change nothing here
CASE_READER_ROLES = ("officer", "supervisor", "inspector", *READ_ALL_ROLES)


NO_AREA = "-"  # a county code that matches nothing


def supervisor_county(user: User) -> str | None:
    """The county a supervisor answers for; None for the city Qinling office (all counties); NO_AREA (nothing) for
    an account whose unit breaks the scope rule (`reporter/accounts/scope.py`, `flask users check-scope`)."""
    if scope_problem(["supervisor"], user.unit):
        return NO_AREA
    return user.unit.county_adcode


def supervises(user: User, case: Case) -> bool:
    """A supervisor whose area (city, or their county) contains the case."""
    if not user.has_role("supervisor"):
        return False
    county = supervisor_county(user)
    return county is None or county == case.county_adcode


def handles(user: User, case: Case) -> bool:
    """An officer of the unit the case is currently dispatched to."""
    return user.has_role("officer") and user.unit_id is not None and user.unit_id == case.current_unit_id


def inspects(user: User, case: Case) -> bool:
    """An inspector assigned to the case's grid (on-site verification)."""
    from reporter.geo.services import inspector_ids_of_grid

    return user.has_role("inspector") and case.grid_id is not None and user.id in inspector_ids_of_grid(case.grid_id)


def area_scope(user: User, *, county, grid, of_unit):
    """The WHERE clause of what a user may read among things placed in a county and grid and answered for by units
    (cases, registered sites): read-all roles and city supervisors everything, a county's supervisors their county,
    officers what `of_unit(unit_id)` selects for their unit, inspectors what lies in their grids."""
    if user.has_role(*READ_ALL_ROLES) or (user.has_role("supervisor") and supervisor_county(user) is None):
        return true()
    clauses = []
    if user.has_role("supervisor"):
        clauses.append(county == supervisor_county(user))
    if user.has_role("officer") and user.unit_id is not None:
        clauses.append(of_unit(user.unit_id))
    if user.has_role("inspector"):
        clauses.append(grid.in_(select(GridInspector.grid_id).where(GridInspector.user_id == user.id)))
    return or_(*clauses) if clauses else false()


def visibility_clause(user: User):
    """The WHERE clause selecting the cases this user may read."""
    return area_scope(user, county=Case.county_adcode, grid=Case.grid_id,
                      of_unit=lambda unit_id: Case.id.in_(select(CaseUnit.case_id).where(CaseUnit.unit_id == unit_id)))


def sees_all_handled_by(user: User, unit_id: int) -> bool:
    """Whether every case a unit is handling is visible to the user (so a list filtered by that unit needs no scope).

    True for city-wide readers and for the unit's own officers: dispatching always records the handling unit
    among the case's units (`effects.dispatch_to_unit`), which is what an officer's scope looks at.
    """
    if user.has_role(*READ_ALL_ROLES) or (user.has_role("supervisor") and supervisor_county(user) is None):
        return True
    return user.has_role("officer") and user.unit_id == unit_id


def visible_cases_query(user: User) -> Select:
    """`select(Case)` limited to the cases the user may read."""
    return select(Case).where(visibility_clause(user))
