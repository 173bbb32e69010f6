"""What each audience sees of a report, composed from the services (the schemas give the shapes)."""
from reporter.accounts.models import User
from reporter.cases.services import case_events, case_photos, recurrences_of
from reporter.extensions import db
from reporter.geo.schemas import location_out
from reporter.media.services import uploads_out
from reporter.reports import crypto, services
from reporter.reports.models import Report
from reporter.reports.schemas import DeskReportOut, RecurrenceOut, UnitReportOut


def _location(report: Report, coord_system: str) -> dict:
    return location_out(report.lat, report.lng, coord_system, accuracy_m=report.accuracy_m, address=report.address)


def resident_view(report: Report, coord_system: str = "wgs84") -> dict:
    """The reporter's own report: everything they sent, and the case's public progress."""
    contact = crypto.decrypt_contact(report.contact_ciphertext) if report.contact_ciphertext else None
    return {
        "id": report.id, "tracking_code": report.tracking_code, "status": report.status,
        "category": report.category, "county": report.county, "zone": report.zone, "created_at": report.created_at,
        "case_id": report.case_id, "description": report.description, "anonymous": report.anonymous,
        "wants_reward": report.wants_reward, "location": _location(report, coord_system),
        "occurred_at": report.occurred_at, "contact": contact,
        "photos": uploads_out(services.photos_of(report), coord_system),
        "supplements": services.supplements_of(report), "supplements_total": services.supplement_count(report),
        "feedback": services.feedback_of(report),
        "timeline": services.timeline(report),
    }


def tracked_view(report: Report) -> dict:
    """What the tracking code and PIN show."""
    return {"tracking_code": report.tracking_code, "status": report.status, "category": report.category,
            "county": report.county, "created_at": report.created_at, "timeline": services.timeline(report)}


def staff_view(report: Report, viewer: User, *, primary_id: str | None = None) -> dict:
    """A report as staff see it: units get "举报人" only; the supervisors' desk also flags and the primary."""
    base = {"id": report.id, "created_at": report.created_at, "description": report.description,
            "address": report.address, "location": _location(report, "wgs84"),
            "photos": uploads_out(services.photos_of(report), viewer=viewer),
            "supplements": services.supplements_of(report), "supplements_total": services.supplement_count(report)}
    if not viewer.has_role(*services.STAFF_READERS):
        return UnitReportOut().dump(base)
    return DeskReportOut().dump({**base, "anonymous": report.anonymous, "wants_reward": report.wants_reward,
                                 "joined_existing": report.joined_existing, "primary": report.id == primary_id,
                                 "flags": report.flags})


def case_section(case, viewer: User) -> list[dict]:
    """The "reports" section of GET /cases/{id}, for this reader."""
    primary = services.primary_report(case.id)
    return [staff_view(r, viewer, primary_id=primary.id if primary else None)
            for r in services.reports_of_case(case.id)]


def recurrence_section(case, viewer: User) -> list[dict]:
    """The "recurrences" section of GET /cases/{id} for supervisors and the desk (疑似反弹回潮): each report that
    came after the case closed, its photos beside the closing evidence, the decision and its deadline."""
    if not viewer.has_role(*services.STAFF_READERS):
        return []
    rows = recurrences_of([case.id])[case.id]
    if not rows:
        return []
    results = [e for e in case_events(case.id) if e.action == "submit_result"]
    evidence_ids = set((results[-1].data or {}).get("photo_ids") or []) if results else set()
    evidence = [p for p in case_photos(case, "wgs84", viewer) if p["id"] in evidence_ids]
    out = []
    for row in rows:
        report = db.session.get(Report, row["report_id"])
        out.append({**row, "due": case.recurrence_due if row["state"] == "pending" else None,
                    "location": _location(report, "wgs84"), "description": report.description,
                    "photos": uploads_out(services.photos_of(report), "wgs84", viewer), "closing_evidence": evidence})
    return RecurrenceOut(many=True).dump(out)
