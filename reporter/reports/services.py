"""The report rules: submission in one transaction, following (own, by code and PIN), supplements, feedback,
revealing a reporter's identity, and who reported a case first."""
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from reporter.accounts.models import User
from reporter.accounts.passwords import hash_password, verify_password
from reporter.audit.services import record
from reporter.cases.models import Case
from reporter.cases.scope import visible_cases_query
from reporter.cases.services import find_nearby_open_case, open_case, public_timeline, raise_recurrence
from reporter.cases.workflow import OPEN_STATES
from reporter.common.db import new_uuid
from reporter.common.limits import FailureLimit
from reporter.common.text import fold
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.geo.services import locate
from reporter.idempotency.services import Claim
from reporter.media.models import Upload
from reporter.media.services import attach_uploads
from reporter.privacy.consent import require_consent
from reporter.reports import crypto, evidence
from reporter.reports.models import Report, ReportFeedback, ReportSupplement
from reporter.reports.schemas import ReportCreatedOut
from reporter.routing.services import active_category_codes

# Read aloud over the phone without confusion: no 0/O, 1/I/L.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10  # 31**10 ≈ 8·10**14 codes: not guessable at any rate the limits allow
REPORT_TARGET = "report"
STAFF_READERS = ("supervisor", "reward_officer", "reward_approver", "auditor")  # may see flags, never identity here
IDENTITY_READERS = ("supervisor", "reward_officer", "reward_approver")  # may reveal it, with a reason, audited
SUPPLEMENTS_SHOWN = 10  # supplements that travel with a report view; the rest are paged (GET …/supplements)


def new_tracking_code() -> str:
    """A random code from the read-aloud alphabet, not yet used by any report."""
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
        if db.session.execute(select(Report.id).where(Report.tracking_code == code)).first() is None:
            return code


# 查询码 brute force from many addresses: wrong PINs counted per submitted code, shared by every worker.
TRACK_CODE_FAILURES = FailureLimit("RATELIMIT_TRACK_CODE_FAILURES", "5/hour", "track_code")


def normalize_code(code: str) -> str:
    """A tracking code as typed or read aloud: case, spaces, dashes and full-width characters do not matter."""
    return fold(code).upper()


def _check_place(category: str, lat: float, lng: float):
    """The place of the point; 422 with field errors for an unknown category or a point outside Ankang."""
    errors = {}
    if category not in set(active_category_codes()):
        errors["category"] = ["Unknown or inactive category."]
    place = locate(lat, lng)
    if not place.in_ankang:
        errors["location"] = ["The point is outside Ankang."]
    if errors:
        raise ValidationFailed(errors={"json": errors})
    return place


def submit_report(user: User, data: dict, claim: Claim | None, *, at: datetime | None = None) -> Report:
    """举报: the report, its photos, a routed case (or the earlier case it duplicates), flags, the idempotency
    claim and the outbox — committed together."""
    require_consent(user)
    at = at or utcnow()
    loc = data["location"]
    lat, lng = loc["lat"], loc["lng"]
    place = _check_place(data["category"], lat, lng)
    try:
        report = Report(id=new_uuid(), tracking_code=new_tracking_code(), reporter_id=user.id,
                        category=data["category"], description=data["description"], lat=lat, lng=lng,
                        coord_system=loc.get("input_coord_system", loc["coord_system"]),
                        accuracy_m=loc.get("accuracy_m"), address=loc.get("address"),
                        county_adcode=place.county_adcode, zone=place.zone, occurred_at=data.get("occurred_at"),
                        anonymous=data["anonymous"], wants_reward=data["wants_reward"], created_at=at)
        if data["anonymous"]:
            report.claim_pin_hash = hash_password(data["claim_pin"]) if data.get("claim_pin") else None
        elif data.get("contact"):
            report.contact_ciphertext = crypto.encrypt_contact(data["contact"])
        photos = attach_uploads(data["photo_ids"], user.id, REPORT_TARGET, report.id, purposes=("report",))
        existing = find_nearby_open_case(data["category"], lat, lng,
                                         current_app.config.get("REPORT_DUPLICATE_RADIUS_M", 250),
                                         current_app.config.get("REPORT_DUPLICATE_CLOSED_DAYS", 30), at)
        if existing is not None:
            report.case, report.joined_existing = existing, True
        else:
            report.case = open_case(source="citizen_report", category=data["category"], lat=lat, lng=lng,
                                    description=data["description"], actor=user, address=loc.get("address"),
                                    occurred_at=data.get("occurred_at"), at=at)
        report.flags = (evidence.exif_flags(photos, lat, lng, data.get("occurred_at") or at)
                        + evidence.reuse_flags(photos, user.id))
        db.session.add(report)
        db.session.flush()
        if existing is not None and existing.state == "closed":  # 疑似反弹回潮: never shelved on the closed case
            raise_recurrence(existing, report.id, at)
        if claim is not None:
            claim.complete(201, ReportCreatedOut().dump(report))
        db.session.commit()
    except StaleDataError:  # another report raised a recurrence on the same closed case at the same moment
        db.session.rollback()
        raise Conflict("The case changed meanwhile; submit the report again", error="conflict") from None
    except BaseException:
        db.session.rollback()
        raise
    return report


def my_reports_query(user: User) -> Select:
    """The user's own reports, newest first."""
    return select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at.desc(), Report.id)


def own_report(user: User, report_id: str) -> Report:
    """One of the user's own reports; 404 for anyone else's (its existence is not revealed)."""
    report = db.session.get(Report, report_id)
    if report is None or report.reporter_id != user.id:
        raise NotFound("No such report")
    return report


def track(code: str, pin: str) -> Report:
    """An anonymous report by tracking code and claim PIN; an unknown code, a wrong PIN and a code locked after
    too many wrong PINs (`RATELIMIT_TRACK_CODE_FAILURES`, counted per submitted code, known or not) look the same."""
    key = normalize_code(code)
    locked = TRACK_CODE_FAILURES.locked(key)
    report = db.session.execute(select(Report).where(Report.tracking_code == key)).scalar()
    stored = report.claim_pin_hash if report is not None else None
    # The hash is checked whatever happens: no report, no PIN or a locked code spend the same time.
    if not verify_password(stored, pin) or locked:
        TRACK_CODE_FAILURES.fail(key)
        raise NotFound("No report matches this code and PIN")
    return report


def timeline(report: Report) -> list[dict]:
    """The public progress of the report's case (states and public comments; shared by every reporter of it).

    A report that raised a possible recurrence sees it from its own submission: under review, the decision, then
    the reopened case's progress, or the new case's, or nothing more once rejected."""
    recurrence = report.recurrence
    if recurrence is None:
        return public_timeline(report.case_id)
    own = public_timeline(recurrence.case_id, report_id=report.id, since=recurrence.raised_at,
                          recurrence_only=recurrence.state in ("new_case", "rejected"))
    return own + (public_timeline(report.case_id) if report.case_id != recurrence.case_id else [])


def photos_of(report: Report) -> list[Upload]:
    """The photos sent with the report and its supplements, oldest first."""
    return list(db.session.execute(select(Upload).where(Upload.attached_type == REPORT_TARGET,
                                                        Upload.attached_id == report.id)
                                   .order_by(Upload.attached_at, Upload.created_at, Upload.id)).scalars())


def supplements_query(report: Report) -> Select:
    """What the reporter added later, oldest first."""
    return select(ReportSupplement).where(ReportSupplement.report_id == report.id).order_by(ReportSupplement.id)


def supplements_of(report: Report, limit: int = SUPPLEMENTS_SHOWN) -> list[ReportSupplement]:
    """The first supplements, shown with the report; the rest are read in pages (GET …/supplements)."""
    return list(db.session.execute(supplements_query(report).limit(limit)).scalars())


def supplement_count(report: Report) -> int:
    """How many supplements the report has."""
    return db.session.execute(select(func.count()).where(ReportSupplement.report_id == report.id)).scalar_one()


def readable_report(user: User, report_id: str) -> Report:
    """The user's own report, or one whose case the staff member may read; 404 otherwise."""
    report = db.session.get(Report, report_id)
    if report is not None and report.reporter_id == user.id:
        return report
    return staff_report(user, report_id)


def feedback_of(report: Report) -> ReportFeedback | None:
    """The reporter's rating, if given."""
    return db.session.get(ReportFeedback, report.id)


def add_supplement(user: User, report_id: str, data: dict) -> ReportSupplement:
    """补充材料: more text or photos on one's own report while its case is open."""
    require_consent(user)
    report = own_report(user, report_id)
    if report.case.state not in OPEN_STATES:
        raise Conflict("The case is no longer open; supplements are not accepted", error="case_not_open")
    limit = current_app.config.get("REPORT_MAX_SUPPLEMENTS", 20)
    try:
        # The report's row lock serialises one reporter's concurrent supplements, so the cap holds.
        db.session.execute(select(Report.id).where(Report.id == report.id).with_for_update())
        if supplement_count(report) >= limit:
            raise Conflict(f"A report takes at most {limit} supplements; the case's staff may be asked directly",
                           error="supplement_limit")
        supplement = ReportSupplement(report_id=report.id, text=data.get("text"), photo_ids=data["photo_ids"],
                                      created_at=utcnow())
        if data["photo_ids"]:
            attach_uploads(data["photo_ids"], user.id, REPORT_TARGET, report.id, purposes=("report",))
        db.session.add(supplement)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return supplement


def give_feedback(user: User, report_id: str, data: dict) -> ReportFeedback:
    """The reporter's rating (1–5) of a closed case, once."""
    report = own_report(user, report_id)
    if report.case.state != "closed":
        raise Conflict("Feedback is possible once the case is closed", error="case_not_closed")
    if feedback_of(report) is not None:
        raise Conflict("Feedback was already given for this report", error="feedback_exists")
    feedback = ReportFeedback(report_id=report.id, case_id=report.case_id, rating=data["rating"],
                              comment=data.get("comment"), created_at=utcnow())
    db.session.add(feedback)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Feedback was already given for this report", error="feedback_exists") from None
    return feedback


def staff_report(user: User, report_id: str) -> Report:
    """A report whose case the staff member may read; 404 otherwise."""
    report = db.session.get(Report, report_id)
    if report is None or not can_read_case(user, report.case_id):
        raise NotFound("No such report")
    return report


def can_read_case(user: User, case_id: int) -> bool:
    """Whether the staff member may read the case (their scope)."""
    return db.session.execute(visible_cases_query(user).where(Case.id == case_id).with_only_columns(Case.id)) \
        .first() is not None


def reveal_identity(user: User, report_id: str, reason: str) -> dict:
    """Who reported, for a supervisor or the reward desk, with a reason; every reveal is an audit event."""
    report = staff_report(user, report_id)
    contact = None if report.anonymous or not report.contact_ciphertext \
        else crypto.decrypt_contact(report.contact_ciphertext)
    record(user.id, "report.identity_revealed", "report", report.id, reason=reason,
           details={"case_id": report.case_id, "anonymous": report.anonymous})
    db.session.commit()
    return {"report_id": report.id, "anonymous": report.anonymous, "contact": contact,
            "reporter_user_id": None if report.anonymous else report.reporter_id}


def reports_of_case(case_id: int) -> list[Report]:
    """The reports of a case, earliest first (the first is the one that opened it, unless merged or split)."""
    return list(db.session.execute(select(Report).where(Report.case_id == case_id)
                                   .order_by(Report.created_at, Report.id)).scalars())


def primary_report(case_id: int) -> Report | None:
    """The case's first valid report (earliest submission not rejected): its reporter is the primary reporter."""
    case = db.session.get(Case, case_id)
    if case is None or case.state == "rejected":
        return None
    reports = reports_of_case(case_id)
    return reports[0] if reports else None


crypto.register_ciphertexts("contacts", Report, "contact_ciphertext")
