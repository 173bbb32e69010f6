"""The privacy notice and consent: publish a version (admins), accept the current one (residents), and the rule that
submitting anything needs the current version accepted."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from reporter.accounts.models import User
from reporter.audit.services import record
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, Forbidden, NotFound
from reporter.extensions import db
from reporter.privacy.models import Consent, PrivacyNotice


def current_notice() -> PrivacyNotice | None:
    """The notice in force: the highest published version."""
    return db.session.execute(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()).limit(1)).scalar()


def notices() -> list[PrivacyNotice]:
    """Every published version, newest first."""
    return list(db.session.execute(select(PrivacyNotice).order_by(PrivacyNotice.version.desc())).scalars())


def notice(version: int) -> PrivacyNotice:
    """One published version; 404 when unknown."""
    found = db.session.execute(select(PrivacyNotice).where(PrivacyNotice.version == version)).scalar()
    if found is None:
        raise NotFound("No such version of the privacy notice")
    return found


def publish(actor: User, data: dict) -> PrivacyNotice:
    """A new version (the next number); from now on every resident must accept it before submitting again."""
    version = (db.session.execute(select(func.max(PrivacyNotice.version))).scalar() or 0) + 1
    published = PrivacyNotice(version=version, title=data["title"], body=data["body"],
                              summary_of_changes=data.get("summary_of_changes", ""), published_by=actor.id,
                              published_at=utcnow())
    db.session.add(published)
    try:
        db.session.flush()
    except IntegrityError:  # another admin published the same number at the same moment
        db.session.rollback()
        raise Conflict("Another version was published at the same time; reload and try again") from None
    record(actor.id, "privacy_notice.publish", "privacy_notice", version)
    db.session.commit()
    return published


def consents_of(user_id: int) -> list[Consent]:
    """What the user accepted, oldest first."""
    return list(db.session.execute(select(Consent).where(Consent.user_id == user_id).order_by(Consent.id)).scalars())


def accepted_current(user: User) -> bool:
    """Whether the user accepted the version in force (no version published: nothing can be accepted)."""
    current = current_notice()
    return current is not None and db.session.execute(
        select(Consent.id).where(Consent.user_id == user.id, Consent.notice_version == current.version)
    ).first() is not None


def accept(user: User, version: int) -> Consent:
    """同意: the resident accepts the version in force; accepting it again answers the first acceptance."""
    current = current_notice()
    if current is None or version != current.version:
        raise Conflict("Only the current version of the privacy notice can be accepted; reload it",
                       error="notice_outdated", errors={"json": {"version": [
                           f"The current version is {current.version if current else 'not published'}."]}})
    existing = db.session.execute(select(Consent).where(Consent.user_id == user.id,
                                                        Consent.notice_version == version)).scalar()
    if existing is not None:
        return existing
    consent = Consent(user_id=user.id, notice_version=version, accepted_at=utcnow())
    db.session.add(consent)
    try:
        db.session.commit()
    except IntegrityError:  # the same acceptance sent twice at once
        db.session.rollback()
        return db.session.execute(select(Consent).where(Consent.user_id == user.id,
                                                        Consent.notice_version == version)).scalar_one()
    return consent


def require_consent(user: User) -> None:
    """403 consent_required unless the user accepted the current notice (the mini-program then shows it)."""
    if not accepted_current(user):
        current = current_notice()
        in_force = f"Version {current.version} is in force." if current else "None is published yet."
        raise Forbidden("Accept the current privacy notice first", error="consent_required",
                        errors={"privacy_notice": [in_force]})
