"""Residents' reports (API.md "Residents' reports") and the supervisors' regrouping of reports into cases."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.roles import RESIDENT, REWARD_APPROVER, REWARD_OFFICER, SUPERVISOR
from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.common.limits import client_ip, setting, user_or_ip
from reporter.common.pagination import paginate
from reporter.extensions import limiter
from reporter.idempotency.http import current_claim, did_new_work, idempotent
from reporter.reports import grouping, reactions, schemas, services, views

reports = Blueprint("reports", __name__, url_prefix="/reports", description="Residents' reports (有奖举报)")
merges = Blueprint("case_merges", __name__, url_prefix="/case-merges", description="Merging cases (并案)")
blueprints = [reports, merges]

reactions.wire()


@reports.route("")
class Reports(MethodView):
    # Only new submissions count: a retry that replays the first answer, or a 409 while it runs, does not.
    decorators = [limiter.limit(setting("RATELIMIT_REPORT_SUBMIT", "30/hour"), key_func=user_or_ip,
                                methods=["POST"], deduct_when=did_new_work),
                  limiter.limit(setting("RATELIMIT_REPORT_SUBMIT_IP", "200/hour"), key_func=client_ip,
                                methods=["POST"], deduct_when=did_new_work)]

    @roles_required(RESIDENT)
    @reports.arguments(schemas.ReportIn)
    @reports.response(201, schemas.ReportCreatedOut)
    @reports.doc(**links(201, **{name: link(method, f"/api/v1/reports/{{report_id}}{tail}", report_id=ID)
                                 for name, method, tail in (("GetReport", "GET", ""),
                                                            ("AddSupplement", "POST", "/supplements"),
                                                            ("GiveFeedback", "POST", "/feedback"))}))
    @idempotent
    def post(self, data):
        """Submit a report with 1–9 photos (send an Idempotency-Key: a retry returns the first answer)."""
        return services.submit_report(actor(), data, current_claim())


@reports.route("/mine")
class MyReports(MethodView):
    @roles_required(RESIDENT)
    @reports.arguments(schemas.MineArgs, location="query")
    @reports.response(200, schemas.ReportPage)
    def get(self, args):
        """The signed-in resident's reports, newest first."""
        return paginate(services.my_reports_query(actor()), args["page"], args["page_size"])


@reports.route("/track")
class Track(MethodView):
    decorators = [limiter.limit(setting("RATELIMIT_REPORT_TRACK", "10/minute"), key_func=client_ip)]

    @reports.arguments(schemas.TrackArgs, location="query")
    @reports.response(200, schemas.TrackOut)
    def get(self, args):
        """Follow an anonymous report by tracking code and claim PIN (no sign-in; deliberately public)."""
        return views.tracked_view(services.track(args["code"], args["pin"]))

    @reports.arguments(schemas.TrackArgs)
    @reports.response(200, schemas.TrackOut)
    def post(self, data):
        """The same as GET with code and PIN in the body, so the PIN stays out of URLs and proxy logs."""
        return views.tracked_view(services.track(data["code"], data["pin"]))


@reports.route("/<report_id>")
class OwnReport(MethodView):
    @roles_required(RESIDENT)
    @reports.arguments(schemas.ReportArgs, location="query")
    @reports.response(200, schemas.ReportOut)
    def get(self, args, report_id: str):
        """One's own report with the public timeline of its case."""
        return views.resident_view(services.own_report(actor(), report_id), args["coord_system"])


@reports.route("/<report_id>/supplements")
class Supplements(MethodView):
    decorators = [limiter.limit(setting("RATELIMIT_REPORT_SUPPLEMENT", "20/hour"), key_func=user_or_ip,
                                methods=["POST"])]

    @roles_required()
    @reports.arguments(schemas.SupplementArgs, location="query")
    @reports.response(200, schemas.SupplementPage)
    def get(self, args, report_id: str):
        """A report's supplements, oldest first, in pages (its reporter, or staff who may read its case)."""
        report = services.readable_report(actor(), report_id)
        return paginate(services.supplements_query(report), args["page"], args["page_size"])

    @roles_required(RESIDENT)
    @reports.arguments(schemas.SupplementIn)
    @reports.response(201, schemas.SupplementOut)
    def post(self, data, report_id: str):
        """Add text or photos to one's own report while its case is open."""
        return services.add_supplement(actor(), report_id, data)


@reports.route("/<report_id>/feedback")
class Feedback(MethodView):
    @roles_required(RESIDENT)
    @reports.arguments(schemas.FeedbackIn)
    @reports.response(201, schemas.FeedbackOut)
    def post(self, data, report_id: str):
        """Rate the outcome (1–5) once the case is closed; once."""
        return services.give_feedback(actor(), report_id, data)


@reports.route("/<report_id>/identity")
class Identity(MethodView):
    @roles_required(SUPERVISOR, REWARD_OFFICER, REWARD_APPROVER)
    @reports.arguments(schemas.RevealIn)
    @reports.response(200, schemas.RevealOut)
    def post(self, data, report_id: str):
        """Reveal who reported (supervisors, reward desk) with a reason; every reveal is audited."""
        return services.reveal_identity(actor(), report_id, data["reason"])


@reports.route("/<report_id>/split")
class Split(MethodView):
    @roles_required(SUPERVISOR)
    @reports.arguments(schemas.SplitIn)
    @reports.response(200, schemas.SplitOut)
    def post(self, data, report_id: str):
        """Split a report off its case into a case of its own (拆分)."""
        return grouping.split_report(actor(), report_id, data["reason"])


@merges.route("")
class Merges(MethodView):
    @roles_required(SUPERVISOR)
    @merges.arguments(schemas.MergeIn)
    @merges.response(200, schemas.MergeOut)
    def post(self, data):
        """Merge a case waiting for acceptance into another case of the same problem (并案)."""
        return grouping.merge_cases(actor(), data["from_case_id"], data["into_case_id"], data["reason"])
