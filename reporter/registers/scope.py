"""Who sees which sites, and who may change one — as for cases: units their sites (from the responsibility list),
county supervisors their county, the city and read-all roles everything, inspectors the sites in their grids."""
from sqlalchemy import Select, select

from reporter.accounts.models import User
from reporter.cases.scope import READ_ALL_ROLES, area_scope, supervisor_county
from reporter.registers.models import Site, SiteUnit

SITE_READER_ROLES = ("officer", "supervisor", "inspector", *READ_ALL_ROLES)


def site_visibility(user: User):
    """The WHERE clause selecting the sites this user may read (the cases' rule, on the site's place and units)."""
    return area_scope(user, county=Site.county_adcode, grid=Site.grid_id, of_unit=lambda unit_id: Site.unit_set.in_(
        select(SiteUnit.unit_set).where(SiteUnit.unit_id == unit_id)))


def visible_sites_query(user: User) -> Select:
    """`select(Site)` limited to the sites the user may read."""
    return select(Site).where(site_visibility(user))


def manages_county(user: User, county_adcode: str | None) -> bool:
    """A supervisor of the city, or of this county: registers, edits and imports its sites."""
    if not user.has_role("supervisor"):
        return False
    county = supervisor_county(user)
    return county is None or county == county_adcode


def leads(user: User, site: Site) -> bool:
    """An officer of a unit leading the site's kind of work there (records its state and documents)."""
    from reporter.extensions import db

    if not user.has_role("officer") or user.unit_id is None:
        return False
    return db.session.execute(select(SiteUnit).where(SiteUnit.unit_set == site.unit_set,
                                                     SiteUnit.unit_id == user.unit_id,
                                                     SiteUnit.relation == "lead")).first() is not None


def answers_for(user: User, site: Site) -> bool:
    """May record the site's state and add to its file: its county's (or the city's) supervisors, its lead units."""
    return manages_county(user, site.county_adcode) or leads(user, site)
