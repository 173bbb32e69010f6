"""The site rules: register, edit, change state (with why and evidence), the site's file of documents, its history
and its cases. Each service takes the caller, checks scope, and commits once."""
import hashlib
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from reporter.accounts.models import User
from reporter.cases.models import Case
from reporter.cases.workflow import OPEN_STATES
from reporter.common.downloads import safe_filename
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, Forbidden, NotFound, PreconditionFailed, UnsupportedMediaType, ValidationFailed
from reporter.extensions import db
from reporter.geo.schemas import location_out
from reporter.media.services import read_capped
from reporter.media.storage import document_key, storage
from reporter.registers.geometry import SitePlace, read_geometry
from reporter.registers.kinds import check_attributes, closing_states, get_kind, state_names
from reporter.registers.models import Site, SiteCase, SiteDocument, SiteEvent, SiteKind, SiteUnit
from reporter.registers.scope import answers_for, manages_county, visible_sites_query
from reporter.registers.settings import setting
from reporter.routing.services import route

__all__ = ["register_site", "edit_site", "change_state", "get_site", "list_sites", "site_events", "add_document",
           "document_file", "site_for_case", "cases_of_site", "site_ids_of_cases", "sites_of_cases", "units_for",
           "open_case_ids"]

# The first bytes of what a site's file accepts, and the type and extension the server gives it.
DOCUMENT_TYPES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
                  (b"\x89PNG\r\n\x1a\n", "image/png", ".png"))


def acting_role(actor: User) -> str:
    return next((r for r in ("supervisor", "officer", "inspector", "admin") if actor.has_role(r)),
                actor.roles[0] if actor.roles else "system")


def units_for(category: str, place: SitePlace, at: datetime | None = None) -> list[tuple[int, str]]:
    """The units answering for a site of this category at this place, from the responsibility list."""
    routed = route(category, place.lat, place.lng, at=at)
    pairs = [(u, "lead") for u in routed.lead_unit_ids] + [(u, "cooperating") for u in routed.cooperating_unit_ids]
    pairs += [(u, "supervising") for u in routed.supervising_unit_ids]
    if routed.government_unit_id:
        pairs.append((routed.government_unit_id, "government"))
    return list({u: (u, r) for u, r in reversed(pairs)}.values())[::-1]


def unit_set(pairs: list[tuple[int, str]]) -> str | None:
    """The name of the set of these (unit, relation) pairs, stored once (in the caller's transaction)."""
    if not pairs:
        return None
    name = hashlib.sha256(";".join(f"{u}:{r}" for u, r in sorted(pairs)).encode()).hexdigest()[:40]
    if db.session.execute(select(SiteUnit.unit_set).where(SiteUnit.unit_set == name).limit(1)).first() is None:
        db.session.execute(insert(SiteUnit), [{"unit_set": name, "unit_id": u, "relation": r} for u, r in pairs])
    return name


def _set_units(site: Site, pairs: list[tuple[int, str]]) -> None:
    site.unit_set = unit_set(pairs)


def append_event(site: Site, action: str, actor: User | None, *, seq: int, from_state=None, reason=None,
                 evidence=(), data=None, at=None) -> None:
    """Add one entry to the site's history (never changed afterwards)."""
    db.session.add(SiteEvent(site_id=site.id, seq=seq, action=action, actor_id=actor.id if actor else None,
                             actor_role=acting_role(actor) if actor else "system",
                             actor_unit_id=actor.unit_id if actor else None, at=at or utcnow(),
                             from_state=from_state, to_state=site.state, reason=reason,
                             evidence=list(evidence), data=data or {}))


def _place(kind: SiteKind, data: dict) -> SitePlace:
    return read_geometry(data["geometry"], data.get("coord_system", "wgs84"), kind.geometry)


def _check_state(kind: SiteKind, state: str | None) -> str:
    names = state_names(kind)
    if state is None:
        return kind.states[0]["code"]
    if state not in names:
        raise ValidationFailed(errors={"json": {"state": [f"A {kind.name} is one of {', '.join(names)}"]}})
    return state


def register_site(actor: User, data: dict) -> Site:
    """A new site of a kind, with its place, units and first history entry; committed."""
    try:
        kind = get_kind(data["kind"])
        attributes = check_attributes(kind, data.get("attributes") or {})
        place = _place(kind, data)
        if not manages_county(actor, place.county_adcode):
            raise Forbidden("The site is outside your county")
        state = _check_state(kind, data.get("state"))
        if state in closing_states(kind):
            raise ValidationFailed(errors={"json": {"state": ["A new site cannot start closed off"]}})
        site = Site(kind=kind.code, code=data["code"], name=data["name"], operator=data.get("operator"),
                    address=data.get("address"), geometry=place.geometry, lat=place.lat, lng=place.lng,
                    county_adcode=place.county_adcode, zone=place.zone, grid_id=place.grid_id, state=state,
                    attributes=attributes)
        _set_units(site, units_for(kind.category, place))
        db.session.add(site)
        db.session.flush()
        append_event(site, "register", actor, seq=1, reason=data.get("reason"))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"A site with code {data['code']!r} is already registered for this kind",
                       error="duplicate_code") from None
    except BaseException:
        db.session.rollback()
        raise
    return site


def get_site(site_id: int, actor: User) -> Site:
    """A site the actor may read; 404 otherwise (its existence is not revealed)."""
    site = db.session.execute(visible_sites_query(actor).where(Site.id == site_id)).scalar_one_or_none()
    if site is None:
        raise NotFound("No such site")
    return site


def _guarded(site_id: int, actor: User, expected_version: int | None, allowed) -> Site:
    site = get_site(site_id, actor)
    if not allowed(actor, site):
        raise Forbidden("You may not change this site")
    if expected_version is not None and site.version != expected_version:
        raise PreconditionFailed()
    return site


EDITABLE = ("code", "name", "operator", "address", "attributes")


def edit_site(site_id: int, actor: User, data: dict, *, expected_version: int | None) -> Site:
    """Change a site's code, name, operator, place or fields (supervisors of its county); history records what
    changed; committed."""
    try:
        site = _guarded(site_id, actor, expected_version, lambda user, s: manages_county(user, s.county_adcode))
        kind = db.session.get(SiteKind, site.kind)
        changes = {}
        if "attributes" in data:
            data = {**data, "attributes": check_attributes(kind, data["attributes"] or {})}
        for name in EDITABLE:
            if name in data and data[name] != getattr(site, name):
                changes[name] = [getattr(site, name), data[name]]
                setattr(site, name, data[name])
        if "geometry" in data:
            place = _place(kind, data)
            if not manages_county(actor, place.county_adcode):
                raise Forbidden("The new place is outside your county")
            if place.geometry != site.geometry:
                changes["geometry"] = [site.geometry, place.geometry]
                site.geometry, site.lat, site.lng = place.geometry, place.lat, place.lng
                site.county_adcode, site.zone, site.grid_id = place.county_adcode, place.zone, place.grid_id
                _set_units(site, units_for(kind.category, place))
        if changes:
            seq = site.version + 1
            site.updated_at = utcnow()
            db.session.flush()
            append_event(site, "edit", actor, seq=seq, from_state=site.state, reason=data.get("reason"),
                         data={"changes": changes})
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise PreconditionFailed() from None
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another site of this kind has that code", error="duplicate_code") from None
    except BaseException:
        db.session.rollback()
        raise
    return site


def open_case_ids(site_id: int) -> list[int]:
    """The site's cases still open."""
    return list(db.session.execute(select(Case.id).join(SiteCase, SiteCase.case_id == Case.id)
                                   .where(SiteCase.site_id == site_id, Case.state.in_(OPEN_STATES))
                                   .order_by(Case.id)).scalars())


def check_can_enter(site: Site, kind: SiteKind, state: str) -> None:
    """409 when the state closes the site off (销号) while a case of the site is still open."""
    if state in closing_states(kind):
        still_open = open_case_ids(site.id)
        if still_open:
            raise Conflict(f"The site has open cases {still_open}; it cannot be closed off before they are closed",
                           error="open_cases", errors={"open_case_ids": still_open})


def change_state(site_id: int, actor: User, data: dict, *, expected_version: int | None) -> Site:
    """Move a site to another state of its kind, with the reason and evidence (documents of its file); committed."""
    try:
        site = _guarded(site_id, actor, expected_version, answers_for)
        kind = db.session.get(SiteKind, site.kind)
        state = _check_state(kind, data["state"])
        if state == site.state:
            raise Conflict(f"The site is already {state}", error="invalid_transition")
        evidence = data.get("evidence") or []
        known = set(db.session.execute(select(SiteDocument.id).where(SiteDocument.site_id == site.id,
                                                                     SiteDocument.id.in_(evidence))).scalars())
        if set(evidence) - known:
            raise ValidationFailed(errors={"json": {"evidence": ["Evidence must be documents of this site"]}})
        check_can_enter(site, kind, state)
        from_state, seq = site.state, site.version + 1
        site.state, site.updated_at = state, utcnow()
        db.session.flush()
        append_event(site, "state", actor, seq=seq, from_state=from_state, reason=data["reason"], evidence=evidence)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise PreconditionFailed() from None
    except BaseException:
        db.session.rollback()
        raise
    return site


def list_sites(actor: User, args: dict):
    """The select behind GET /registers/sites: scope, filters (kind, county, zone, state, q), newest code order."""
    stmt = visible_sites_query(actor)
    for name, column in (("kind", Site.kind), ("county", Site.county_adcode), ("zone", Site.zone),
                         ("state", Site.state), ("grid_id", Site.grid_id)):
        if args.get(name):
            stmt = stmt.where(column == args[name])
    if args.get("q"):
        pattern = "%" + args["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Site.name.ilike(pattern, escape="\\") | Site.code.ilike(pattern, escape="\\")
                          | Site.operator.ilike(pattern, escape="\\"))
    return stmt.order_by(Site.kind, Site.code)


def site_events(site_id: int) -> list[SiteEvent]:
    """The site's history, oldest first."""
    return list(db.session.execute(select(SiteEvent).where(SiteEvent.site_id == site_id)
                                   .order_by(SiteEvent.seq)).scalars())


def site_units(site: Site) -> list[dict]:
    """The units answering for the site."""
    from reporter.org.models import Unit

    rows = db.session.execute(select(SiteUnit.relation, Unit.id, Unit.code, Unit.name).join(Unit)
                              .where(SiteUnit.unit_set == site.unit_set).order_by(Unit.id))
    return [{"relation": r, "id": i, "code": c, "name": n} for r, i, c, n in rows]


def site_out(site: Site, coord_system: str) -> dict:
    """A site as the schemas dump it."""
    from reporter.common.concurrency import etag_of
    from reporter.geo.coords import geometry_from_wgs84

    kind = db.session.get(SiteKind, site.kind)
    data = {column.key: getattr(site, column.key) for column in Site.__table__.columns}
    data.update(geometry=geometry_from_wgs84(site.geometry, coord_system), coord_system=coord_system,
                location=location_out(site.lat, site.lng, coord_system), state_name=state_names(kind)[site.state],
                kind_name=kind.name, closed_off=site.state in closing_states(kind),
                etag=etag_of("site", site.id, site.version))
    return data


# Documents (一站一书) ---------------------------------------------------------------------------------------------

def _sniff(data: bytes) -> tuple[str, str]:
    for magic, content_type, extension in DOCUMENT_TYPES:
        if data.startswith(magic):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    raise UnsupportedMediaType("A site's file takes PDF, JPEG, PNG or WebP documents")


def add_document(site_id: int, actor: User, stream, filename: str, title: str | None) -> SiteDocument:
    """Keep a PDF or photo in the site's file (type from its bytes, a safe name); one commit, no orphan file."""
    site = get_site(site_id, actor)
    if not answers_for(actor, site):
        raise Forbidden("You may not add to this site's file")
    data = read_capped(stream, setting("SITE_DOCUMENT_MAX_BYTES"))
    content_type, extension = _sniff(data)
    sha256 = hashlib.sha256(data).hexdigest()
    stem = safe_filename(filename or "", fallback="document").rsplit(".", 1)[0] or "document"
    key = document_key(sha256)
    store = storage()
    existed = store.exists(key)
    if not existed:
        store.put(key, data)
    try:
        document = SiteDocument(site_id=site.id, title=(title or stem)[:200], filename=f"{stem[:150]}{extension}",
                                content_type=content_type, bytes=len(data), sha256=sha256, storage_key=key,
                                uploaded_by=actor.id)
        db.session.add(document)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if not existed and not db.session.execute(select(SiteDocument.id).where(SiteDocument.sha256 == sha256)
                                                  ).first():
            store.delete(key)
        raise
    return document


def documents_of(site_id: int) -> list[SiteDocument]:
    return list(db.session.execute(select(SiteDocument).where(SiteDocument.site_id == site_id)
                                   .order_by(SiteDocument.id)).scalars())


def document_file(site_id: int, document_id: int, actor: User) -> tuple[SiteDocument, bytes]:
    """A document of a site the actor may read, with its bytes; 404 otherwise."""
    site = get_site(site_id, actor)
    document = db.session.execute(select(SiteDocument).where(SiteDocument.id == document_id,
                                                              SiteDocument.site_id == site.id)).scalar_one_or_none()
    if document is None:
        raise NotFound("No such document")
    with storage().open(document.storage_key) as fh:
        return document, fh.read()


# Cases of a site (for the recurrence and reward-desk features too) ------------------------------------------------

def site_for_case(case_id: int) -> Site | None:
    """The site a case belongs to, if any."""
    return db.session.execute(select(Site).join(SiteCase, SiteCase.site_id == Site.id)
                              .where(SiteCase.case_id == case_id)).scalar_one_or_none()


def site_ids_of_cases(case_ids: list[int]) -> dict[int, int]:
    """case id → site id for the cases that belong to a site (e.g. to count reward flags by site and operator)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(select(SiteCase.case_id, SiteCase.site_id)
                                   .where(SiteCase.case_id.in_(case_ids))).all())


def sites_of_cases(case_ids: list[int]) -> dict[int, dict]:
    """case id → {site_id, kind, code, operator} for the cases that belong to a site: what the reward desk's clustering
    flag counts by (site, and operator across sites)."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(SiteCase.case_id, Site.id, Site.kind, Site.code, Site.operator)
                              .join(Site, Site.id == SiteCase.site_id).where(SiteCase.case_id.in_(case_ids)))
    return {c: {"site_id": i, "kind": k, "code": code, "operator": o} for c, i, k, code, o in rows}


def recurrences_of_site(cases: list[Case]) -> list[dict]:
    """The recurrences raised on the site's cases after they closed (issue 15), oldest first."""
    from reporter.cases.services import recurrences_of

    found = recurrences_of([case.id for case in cases])
    return sorted((r for rows in found.values() for r in rows), key=lambda r: (r["raised_at"], r["case_id"]))


def cases_of_site(site_id: int) -> list[Case]:
    """The site's cases, oldest first."""
    return list(db.session.execute(select(Case).join(SiteCase, SiteCase.case_id == Case.id)
                                   .where(SiteCase.site_id == site_id).order_by(Case.created_at, Case.id)).scalars())


def count_by_kind(actor: User) -> dict[str, int]:
    return dict(db.session.execute(select(Site.kind, func.count()).where(
        Site.id.in_(visible_sites_query(actor).with_only_columns(Site.id))).group_by(Site.kind)).all())
