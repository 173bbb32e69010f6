"""Typical cases (典型案例曝光): a supervisor publishes a closed case; the public sees a sanitised copy made then.

The copy is built from a short allow-list of non-personal facts (category, county, zone, month, finding) plus the
supervisor's own title and summary, which are refused when they contain anything personal of the underlying records
(reporters' and payees' names, phones, openids, staff names, tracking codes of any case) or anything shaped like a
phone or ID number — compared folded (separators, spaces, full-width forms and letter case do not matter).
Photos appear only when the supervisor picks them; they are the media feature's re-encoded copies (no EXIF).
"""
import re

from sqlalchemy import select

from reporter.accounts.models import User
from reporter.audit.services import record
from reporter.cases.models import Case, CaseEvent
from reporter.cases.scope import supervises
from reporter.common.text import fold
from reporter.common.timeutil import CST, utcnow
from reporter.errors import Conflict, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.geo.models import County
from reporter.media.links import signed_url
from reporter.media.models import Upload
from reporter.reports import crypto
from reporter.reports.models import Report, ReportMove
from reporter.reports.services import REPORT_TARGET, TRACKING_ALPHABET, TRACKING_LENGTH
from reporter.rewards.models import Reward
from reporter.routing.models import Category
from reporter.stats.models import PublishedCase

FINDING_NAMES = {"true": "属实", "partly_true": "部分属实", "false": "不属实"}
# Matched against folded text (reporter.common.text.fold: no separators, half-width, lower case), so
# "138-0013-8000", "138 0013 8000" and "１３８００１３８０００" are all the mobile number they mean.
_PERSONAL_SHAPES = [(re.compile(r"1[3-9]\d{9}"), "a mobile phone number"),
                    (re.compile(r"\d{17}[\dx]"), "an ID number"),
                    (re.compile(r"0\d{2,3}\d{7,8}"), "a telephone number")]
_CODE_CHARS = set(TRACKING_ALPHABET)


def personal_strings(case_id: int) -> dict[str, str]:
    """Every personal value of the case's underlying records, each with what it is (for checks and tests)."""
    found: dict[str, str] = {}
    reports = list(db.session.execute(select(Report).where(Report.case_id == case_id)).scalars())
    rewards = list(db.session.execute(select(Reward).where(Reward.case_id == case_id)).scalars())
    people = {r.reporter_id for r in reports}
    people |= set(db.session.execute(select(CaseEvent.actor_id).where(
        CaseEvent.case_id == case_id, CaseEvent.actor_id.is_not(None))).scalars())
    people |= set(db.session.execute(select(ReportMove.actor_id).where(
        (ReportMove.from_case_id == case_id) | (ReportMove.to_case_id == case_id))).scalars())
    people |= {uid for r in rewards for uid in (r.proposed_by, r.approved_by, r.paid_by) if uid is not None}
    for user in db.session.execute(select(User).where(User.id.in_(people))).scalars():
        for value, what in ((user.display_name, "a person's name"), (user.username, "a user name"),
                            (user.wechat_openid, "a WeChat openid")):
            if value and len(value) >= 2:
                found[value] = what
    for reward in rewards:
        if reward.payee_ciphertext:
            payee = crypto.decrypt_contact(reward.payee_ciphertext)
            for key, what in (("name", "the payee's name"), ("id_number", "the payee's ID number"),
                              ("account", "the payee's account")):
                if payee.get(key):
                    found[str(payee[key])] = what
    for report in reports:
        found[report.tracking_code] = "a tracking code"
        found[report.id] = "a report id"
        found[report.created_at.isoformat()] = "the exact time of a report"
        if report.contact_ciphertext:
            contact = crypto.decrypt_contact(report.contact_ciphertext)
            for key in ("name", "phone"):
                if contact.get(key):
                    found[str(contact[key])] = f"the reporter's {key}"
    return found


def _tracking_codes_in(folded: str) -> bool:
    """Whether the folded text holds any report's tracking code (of any case): every run of TRACKING_LENGTH
    characters of the code alphabet is looked up."""
    upper = folded.upper()
    windows = {upper[i:i + TRACKING_LENGTH] for i in range(len(upper) - TRACKING_LENGTH + 1)}
    windows = sorted(w for w in windows if set(w) <= _CODE_CHARS)
    return any(db.session.execute(select(Report.id).where(Report.tracking_code.in_(windows[i:i + 500])).limit(1))
               .first() for i in range(0, len(windows), 500))


def _check_text(case_id: int, fields: dict[str, str]) -> None:
    """422 naming each field that carries something personal, however it is spelled (separators, spaces,
    full-width characters and letter case do not matter): the case's people and records, any tracking code, or
    anything shaped like a phone or ID number."""
    personal = {}
    for value, what in personal_strings(case_id).items():
        if len(folded := fold(value)) >= 2:
            personal.setdefault(folded, what)
    errors = {}
    for name, text in fields.items():
        folded = fold(text)
        problems = [f"contains {what}" for value, what in personal.items() if value in folded]
        problems += [f"looks like it contains {what}" for shape, what in _PERSONAL_SHAPES if shape.search(folded)]
        if _tracking_codes_in(folded):
            problems.append("contains a tracking code")
        if problems:
            errors[name] = sorted(set(problems))
    if errors:
        raise ValidationFailed("The text names or identifies a person", errors={"json": errors})


def _pickable_photos(case_id: int, photo_ids: list[str]) -> list[str]:
    """The picked photos, each attached to the case or to one of its reports (422 otherwise)."""
    report_ids = select(Report.id).where(Report.case_id == case_id)
    known = set(db.session.execute(select(Upload.id).where(Upload.id.in_(photo_ids), Upload.state == "attached", (
        ((Upload.attached_type == "case") & (Upload.attached_id == str(case_id)))
        | ((Upload.attached_type == REPORT_TARGET) & Upload.attached_id.in_(report_ids))))).scalars())
    errors = {i: ["Not a photo of this case"] for i, pid in enumerate(photo_ids) if pid not in known}
    if errors:
        raise ValidationFailed(errors={"json": {"photo_ids": errors}})
    return list(photo_ids)


def _sanitised(case: Case, title: str, summary: str) -> dict:
    """The public facts of the case: no people, no exact times (months only), a location rounded to about 1 km."""
    county = db.session.get(County, case.county_adcode) if case.county_adcode else None
    category = db.session.get(Category, case.category)
    return {"title": title, "summary": summary, "category": case.category,
            "category_name": category.name if category else case.category,
            "county": {"adcode": county.adcode, "name": county.name} if county else None, "zone": case.zone,
            "reported_month": case.created_at.astimezone(CST).strftime("%Y-%m"),
            "closed_month": case.closed_at.astimezone(CST).strftime("%Y-%m"),
            "finding": case.finding, "finding_name": FINDING_NAMES.get(case.finding),
            "area": {"lat": round(case.lat, 2), "lng": round(case.lng, 2), "coord_system": "wgs84"},
            "supervised": case.supervision_level is not None}


def _checked_copy(actor: User, case_id: int, *, title: str, summary: str, photo_ids: list[str]) -> PublishedCase:
    """The typical case `publish` would store, every check passed (scope, closed, not yet published, nothing
    personal, the case's own photos); not added to the session."""
    case = db.session.get(Case, case_id)
    if case is None or not supervises(actor, case):
        raise NotFound("No such case")
    if case.state != "closed":
        raise Conflict("Only a closed case can be published", error="case_not_closed")
    if db.session.execute(select(PublishedCase.id).where(PublishedCase.case_id == case_id)).first():
        raise Conflict("This case is already published", error="already_published")
    _check_text(case_id, {"title": title, "summary": summary})
    return PublishedCase(case_id=case_id, title=title, summary=summary, payload=_sanitised(case, title, summary),
                         photo_ids=_pickable_photos(case_id, photo_ids), published_by=actor.id, published_at=utcnow())


def preview(actor: User, case_id: int, *, title: str, summary: str, photo_ids: list[str]) -> dict:
    """What the public would see if the case were published now (the same checks as `publish`; nothing stored)."""
    return public_view(_checked_copy(actor, case_id, title=title, summary=summary, photo_ids=photo_ids))


def publish(actor: User, case_id: int, *, title: str, summary: str, photo_ids: list[str]) -> PublishedCase:
    """Publish a closed case of the supervisor's area as a typical case (a sanitised copy); committed and audited."""
    try:
        published = _checked_copy(actor, case_id, title=title, summary=summary, photo_ids=photo_ids)
        db.session.add(published)
        db.session.flush()
        record(actor.id, "stats.case_published", "case", case_id, details={"published_id": published.id})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return published


def withdraw(actor: User, published_id: int, reason: str) -> None:
    """Take a typical case down (kept for the record, no longer public); committed and audited."""
    try:
        published = db.session.get(PublishedCase, published_id)
        case = db.session.get(Case, published.case_id) if published else None
        if published is None or published.withdrawn_at is not None or not supervises(actor, case):
            raise NotFound("No such published case")
        published.withdrawn_at = utcnow()
        record(actor.id, "stats.case_withdrawn", "case", published.case_id, reason=reason)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def public_query():
    """Published typical cases still public, newest first."""
    return (select(PublishedCase).where(PublishedCase.withdrawn_at.is_(None))
            .order_by(PublishedCase.published_at.desc(), PublishedCase.id.desc()))


def public_view(published: PublishedCase) -> dict:
    """What anyone may see: the stored sanitised copy, the publication month and signed links to the picked photos."""
    return {"id": published.id, **published.payload,
            "published_on": published.published_at.astimezone(CST).date().isoformat(),
            "photos": [{"url": signed_url(pid, "display"), "thumbnail_url": signed_url(pid, "thumbnail")}
                       for pid in published.photo_ids]}


def get_public(published_id: int) -> PublishedCase:
    """One public typical case; 404 when unknown or withdrawn."""
    published = db.session.get(PublishedCase, published_id)
    if published is None or published.withdrawn_at is not None:
        raise NotFound("No such published case")
    return published
