"""Stats endpoints: the monthly bulletin (JSON, XLSX, CSV), map layers, the dashboard, typical cases (public too)."""
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.cases.scope import CASE_READER_ROLES
from reporter.common.pagination import paginate
from reporter.common.schemas import lean_dumper
from reporter.common.spreadsheets import XLSX
from reporter.stats import dashboard, schemas, services
from reporter.stats.services import STATS_ROLES

blp = Blueprint("stats", __name__, url_prefix="/stats",
                description="Monthly bulletin and ranking (月通报、月排名), map layers, dashboard, typical cases")
public_blp = Blueprint("public", __name__, url_prefix="/public", description="Typical cases (典型案例), no sign-in")
blueprints = [blp, public_blp]
dashboard.subscribe_invalidation()  # every case event refreshes the console's figures
_dump_bulletin = lean_dumper(schemas.BulletinOut)  # BulletinOut's output for thousands of rows, dumped lean


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/monthly")
class Monthly(MethodView):
    @roles_required(*STATS_ROLES)
    @blp.arguments(schemas.MonthlyArgs, location="query")
    @blp.response(200, schemas.BulletinOut)
    @blp.doc(responses={200: {  # one answer, three forms: the document lists each
        "description": "`format=json` (default): the bulletin; `xlsx`: the workbook; `csv`: one table (UTF-8, BOM)",
        "content": {"text/csv": {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args):
        """The month's bulletin as of the month's end (CST): per county, unit and inspector, 督办 cases, rankings."""
        if args["format"] == "json":
            return current_app.json.response(_dump_bulletin(services.monthly(actor(), args["month"],
                                                                             args.get("county"))))
        return _file(*services.monthly_file(actor(), args["month"], args["format"], county=args.get("county"),
                                            table=args["table"]))


@blp.route("/monthly.xlsx")
class MonthlyWorkbook(MethodView):
    @roles_required(*STATS_ROLES)
    @blp.arguments(schemas.MonthlyArgs, location="query")
    @blp.response(200, content_type=XLSX)
    def get(self, args):
        """The bulletin as an XLSX workbook: one sheet per table, Chinese headers, percent and yuan formats."""
        return _file(*services.monthly_file(actor(), args["month"], "xlsx", county=args.get("county")))


@blp.route("/monthly/document")
class MonthlyDocument(MethodView):
    @roles_required(*STATS_ROLES)
    @blp.arguments(schemas.DocumentArgs, location="query")
    @blp.response(200, description="the 月通报 as issued: DOCX (editable) or PDF (GB/T 9704 layout)")
    @blp.doc(responses={200: {"content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
            "schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args):
        """The month's bulletin as the document the city office issues: narrative, tables, charts, 督办, 典型案例."""
        return _file(*services.monthly_document(actor(), args["month"], args["format"], county=args.get("county"),
                                                number=args.get("number")))


@blp.route("/map/cases")
class CasesLayer(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @blp.arguments(schemas.LayerArgs, location="query")
    @blp.response(200, description="GeoJSON FeatureCollection of points")
    def get(self, args):
        """Cases as GeoJSON points (the case list's scope and filters; no people, no free text)."""
        return services.cases_layer(actor(), args)


@blp.route("/map/density")
class DensityLayer(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @blp.arguments(schemas.DensityArgs, location="query")
    @blp.response(200, description="GeoJSON FeatureCollection of cell centres weighted by `count`")
    def get(self, args):
        """A density grid of the same cases for a heat map."""
        return services.density_layer(actor(), args)


@blp.route("/map/coverage")
class CoverageLayer(MethodView):
    @roles_required(*STATS_ROLES)
    @blp.arguments(schemas.CoverageArgs, location="query")
    @blp.response(200, description="GeoJSON FeatureCollection of grids with the month's patrol coverage")
    def get(self, args):
        """Patrol coverage per grid for a month."""
        return services.coverage_layer(args["month"], args["coord_system"],
                                       services.county_scope(actor(), args.get("county")))


@blp.route("/dashboard")
class Dashboard(MethodView):
    @roles_required(*STATS_ROLES)
    @blp.arguments(schemas.DashboardArgs, location="query")
    @blp.response(200, description="open cases by state and age, overdue by unit, today's patrols")
    def get(self, args):
        """The officials' console figures, cached for a few seconds and refreshed on every case event."""
        return services.dashboard_figures(actor(), args.get("county"))


@blp.route("/typical-cases")
class TypicalCases(MethodView):
    @roles_required("supervisor")
    @blp.arguments(schemas.PublishIn)
    @blp.response(201, schemas.PublicCaseOut)
    @blp.doc(**links(201, Withdraw=link("POST", "/api/v1/stats/typical-cases/{published_id}/withdraw",
                                        published_id=ID),
                     GetPublic=link("GET", "/api/v1/public/cases/{published_id}", published_id=ID)))
    def post(self, data):
        """Publish a closed case as a typical case (典型案例): a sanitised copy with the title and summary given."""
        return services.public_view(services.publish(actor(), data["case_id"], title=data["title"],
                                                     summary=data["summary"], photo_ids=data["photo_ids"]))


@blp.route("/typical-cases/<int:published_id>/withdraw")
class WithdrawTypicalCase(MethodView):
    @roles_required("supervisor")
    @blp.arguments(schemas.WithdrawIn)
    @blp.response(204)
    def post(self, data, published_id):
        """Take a typical case down (kept for the record)."""
        services.withdraw(actor(), published_id, data["reason"])


@public_blp.route("/cases")
class PublicCases(MethodView):
    # Deliberately public: typical cases are published for exposure; the stored copy holds nothing personal.
    @public_blp.arguments(schemas.PublicPageArgs, location="query")
    @public_blp.response(200, schemas.PublicCasePage)
    def get(self, args):
        """Published typical cases, newest first (no sign-in)."""
        page = paginate(services.public_query(), args["page"], args["page_size"])
        page["items"] = [services.public_view(p) for p in page["items"]]
        return page


@public_blp.route("/cases/<int:published_id>")
class PublicCase(MethodView):
    # Deliberately public, like the list.
    @public_blp.response(200, schemas.PublicCaseOut)
    def get(self, published_id):
        """One published typical case (no sign-in)."""
        return services.public_view(services.get_public(published_id))
