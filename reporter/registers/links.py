"""Cases near a registered site belong to its history: a report or a patrol observation within
`SITE_LINK_DISTANCE_M` of a site whose kind has the case's category is linked to it when the case opens; when more
than one site is that near, a supervisor confirms which (or none)."""
import math

from sqlalchemy import delete, select

from reporter.accounts.models import User
from reporter.cases.models import Case
from reporter.cases.scope import supervises
from reporter.cases.services import get_case, subscribe
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, Forbidden, ValidationFailed
from reporter.extensions import db
from reporter.registers.geometry import distance_to_site
from reporter.registers.models import Site, SiteCandidate, SiteCase, SiteKind
from reporter.registers.settings import setting

LINKED_SOURCES = ("citizen_report", "patrol")  # reports and patrol observations


def sites_near(category: str, lat: float, lng: float, radius_m: float) -> list[tuple[float, Site]]:
    """Sites of the kinds of this category within radius_m of the point (a polygon: of its edge), nearest first."""
    kinds = select(SiteKind.code).where(SiteKind.category == category)
    reach = radius_m + 5000  # a polygon's inner point may lie up to a few km from its edge
    dlat = reach / 111_320
    dlng = reach / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    rows = db.session.execute(select(Site).where(Site.kind.in_(kinds), Site.lat.between(lat - dlat, lat + dlat),
                                                 Site.lng.between(lng - dlng, lng + dlng))).scalars()
    near = [(distance_to_site(s.geometry, s.lat, s.lng, lat, lng), s) for s in rows]
    return sorted(((d, s) for d, s in near if d <= radius_m), key=lambda item: (item[0], item[1].id))


def link_new_case(case: Case, _event) -> None:
    """'case.opened' → the site the case belongs to, or candidates for a supervisor when several are near."""
    if case.source not in LINKED_SOURCES:
        return
    near = sites_near(case.category, case.lat, case.lng, float(setting("SITE_LINK_DISTANCE_M")))
    if len(near) == 1:
        db.session.add(SiteCase(case_id=case.id, site_id=near[0][1].id, distance_m=round(near[0][0], 1), at=utcnow()))
    for distance, site in near if len(near) > 1 else ():
        db.session.add(SiteCandidate(case_id=case.id, site_id=site.id, distance_m=round(distance, 1)))


def wire() -> None:
    """Subscribe to the case events (idempotent)."""
    subscribe("case.opened", link_new_case)


def pending_links(actor: User) -> list[dict]:
    """Cases in the supervisor's area waiting for a choice between nearby sites, with the candidates."""
    from reporter.cases.scope import visibility_clause

    rows = db.session.execute(select(SiteCandidate, Site.code, Site.name, Site.kind).join(Site)
                              .join(Case, Case.id == SiteCandidate.case_id).where(visibility_clause(actor))
                              .order_by(SiteCandidate.case_id, SiteCandidate.distance_m, Site.id)).all()
    out: dict[int, dict] = {}
    for candidate, code, name, kind in rows:
        entry = out.setdefault(candidate.case_id, {"case_id": candidate.case_id, "candidates": []})
        entry["candidates"].append({"site_id": candidate.site_id, "code": code, "name": name, "kind": kind,
                                    "distance_m": candidate.distance_m})
    return list(out.values())


def confirm_link(case_id: int, site_id: int | None, actor: User) -> dict:
    """A supervisor's choice among a case's candidate sites (None: none of them); committed."""
    try:
        case = get_case(case_id, actor)
        if not supervises(actor, case):
            raise Forbidden("Only a supervisor of the case's area links it to a site")
        candidates = dict(db.session.execute(select(SiteCandidate.site_id, SiteCandidate.distance_m)
                                             .where(SiteCandidate.case_id == case.id)).all())
        if db.session.get(SiteCase, case.id) is not None:
            raise Conflict("The case already belongs to a site", error="already_linked")
        if not candidates:
            raise Conflict("No choice of site is waiting for this case", error="nothing_to_confirm")
        if site_id is not None and site_id not in candidates:
            raise ValidationFailed(errors={"json": {"site_id": ["Not one of the sites near the case"]}})
        if site_id is not None:
            db.session.add(SiteCase(case_id=case.id, site_id=site_id, distance_m=candidates[site_id],
                                    linked_by=actor.id, at=utcnow()))
        db.session.execute(delete(SiteCandidate).where(SiteCandidate.case_id == case.id))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {"case_id": case.id, "site_id": site_id}
