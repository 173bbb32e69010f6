"""`/categories`, `/routing/preview` and the admin endpoints of the responsibility list (`/responsibility/…`)."""
import json

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, login_required, roles_required
from reporter.api_frame import ID, link, links
from reporter.common.concurrency import IF_MATCH, etag_of, expected_version
from reporter.common.pagination import paginate
from reporter.common.spreadsheets import XLSX
from reporter.geo.schemas import CoordSystemArgs, location_out
from reporter.routing import schemas, sheets, versions
from reporter.routing.models import ResponsibilityVersion
from reporter.routing.services import all_categories, route

categories_blp = Blueprint("categories", __name__, url_prefix="/categories", description="Problem categories")
routing_blp = Blueprint("routing", __name__, url_prefix="/routing", description="Routing a point and category")
list_blp = Blueprint("responsibility", __name__, url_prefix="/responsibility",
                     description="The responsibility list (责任清单): versions, rules, XLSX/JSON, gaps")
blueprints = [categories_blp, routing_blp, list_blp]

READERS = ("admin", "supervisor", "auditor")


def _etag(version: ResponsibilityVersion) -> dict:
    return {"ETag": etag_of("responsibility-version", version.id, version.version)}


def _matched(version_id: int) -> int | None:
    """The version the If-Match names (428 when missing); the service answers 404 / 409 first, then 412."""
    return expected_version("responsibility-version", version_id)


@categories_blp.route("")
class Categories(MethodView):
    @categories_blp.response(200, schemas.CategoryOut(many=True))
    def get(self):
        """The problem categories with their Chinese names (public)."""
        return all_categories()


@routing_blp.route("/preview")
class Preview(MethodView):
    @login_required
    @routing_blp.arguments(schemas.PreviewIn)
    @routing_blp.arguments(CoordSystemArgs, location="query")
    @routing_blp.response(200, schemas.PreviewOut)
    def post(self, data, args):
        """Exactly what a case of this category at this place would get: units, rule, version, deadlines, why."""
        point = data["location"]
        snapshot = route(data["category"], point["lat"], point["lng"], data["at"]).snapshot()
        snapshot["location"] = location_out(point["lat"], point["lng"], args["coord_system"])
        return snapshot


@list_blp.route("/versions")
class Versions(MethodView):
    @roles_required(*READERS)
    @list_blp.arguments(schemas.VersionListArgs, location="query")
    @list_blp.response(200, schemas.VersionPage)
    def get(self, args):
        """Versions of the list, newest first."""
        stmt = versions.versions_query()
        if args.get("status"):
            stmt = stmt.where(ResponsibilityVersion.status == args["status"])
        return paginate(stmt, args["page"], args["page_size"])

    @roles_required("admin")
    @list_blp.arguments(schemas.DraftIn)
    @list_blp.response(201, schemas.VersionDetailOut)
    @list_blp.doc(**links(201, **{name: link(method, f"/api/v1/responsibility/versions/{{version_id}}{tail}",
                                             version_id=ID)
                                  for name, method, tail in (("GetVersion", "GET", ""), ("AddRule", "POST", "/rules"),
                                                             ("Validate", "GET", "/validation"),
                                                             ("Gaps", "GET", "/gaps"),
                                                             ("Activate", "POST", "/activate"))}))
    def post(self, data):
        """Start a draft: a copy of the active version (409 while another draft is open)."""
        draft = versions.create_draft(actor_id=actor().id, title=data["title"])
        return draft, _etag(draft)


@list_blp.route("/versions/<int:version_id>")
class Version(MethodView):
    @roles_required(*READERS)
    @list_blp.response(200, schemas.VersionDetailOut)
    def get(self, version_id):
        """A version with its rules (ETag for the edits)."""
        version = versions.get_version(version_id)
        return version, _etag(version)

    @roles_required("admin")
    @list_blp.doc(**IF_MATCH)
    @list_blp.response(204)
    def delete(self, version_id):
        """Discard a draft (If-Match)."""
        versions.discard_draft(version_id, expected=_matched(version_id), actor_id=actor().id)


@list_blp.route("/versions/<int:version_id>/rules")
class Rules(MethodView):
    @roles_required("admin")
    @list_blp.doc(**IF_MATCH)
    @list_blp.arguments(schemas.RuleIn)
    @list_blp.response(201, schemas.RuleOut)
    def post(self, data, version_id):
        """Add a rule to a draft (If-Match)."""
        rule = versions.add_rule(version_id, data, expected=_matched(version_id), actor_id=actor().id)
        return rule, _etag(rule.list_version)


@list_blp.route("/versions/<int:version_id>/rules/<int:rule_id>")
class Rule(MethodView):
    @roles_required("admin")
    @list_blp.doc(**IF_MATCH)
    @list_blp.arguments(schemas.RuleIn)
    @list_blp.response(200, schemas.RuleOut)
    def put(self, data, version_id, rule_id):
        """Replace a draft rule (If-Match)."""
        rule = versions.update_rule(version_id, rule_id, data, expected=_matched(version_id), actor_id=actor().id)
        return rule, _etag(rule.list_version)

    @roles_required("admin")
    @list_blp.doc(**IF_MATCH)
    @list_blp.response(204)
    def delete(self, version_id, rule_id):
        """Remove a draft rule (If-Match)."""
        versions.delete_rule(version_id, rule_id, expected=_matched(version_id), actor_id=actor().id)


@list_blp.route("/versions/<int:version_id>/validation")
class Validation(MethodView):
    @roles_required(*READERS)
    @list_blp.response(200, schemas.ValidationOut)
    def get(self, version_id):
        """Invalid rules and the gap report of a version."""
        return versions.validation_report(versions.get_version(version_id))


@list_blp.route("/versions/<int:version_id>/gaps")
class Gaps(MethodView):
    @roles_required(*READERS)
    @list_blp.response(200, schemas.GapOut(many=True))
    def get(self, version_id):
        """Category × Qinling county pairs with a protection zone no rule covers."""
        return versions.gap_report(versions.get_version(version_id))


@list_blp.route("/versions/<int:version_id>/diff")
class Diff(MethodView):
    @roles_required(*READERS)
    @list_blp.arguments(schemas.DiffArgs, location="query")
    @list_blp.response(200, schemas.DiffOut)
    def get(self, args, version_id):
        """What a version changes against another (default: the active version): rules added, removed, changed."""
        version = versions.get_version(version_id)
        base = versions.get_version(args["against"]) if args["against"] else versions.active_version()
        return versions.diff(version, base)


@list_blp.route("/versions/<int:version_id>/activate")
class Activate(MethodView):
    @roles_required("admin")
    @list_blp.doc(**IF_MATCH)
    @list_blp.arguments(schemas.ActivateIn)
    @list_blp.response(200, schemas.VersionOut)
    def post(self, data, version_id):
        """Activate a draft (If-Match); gaps → 409 unless `force` with a `reason`."""
        version = versions.activate(version_id, expected=_matched(version_id), actor_id=actor().id,
                                    force=data["force"], reason=data["reason"])
        return version, _etag(version)


@list_blp.route("/versions/<int:version_id>/export")
class Export(MethodView):
    @roles_required(*READERS)
    @list_blp.arguments(schemas.ExportArgs, location="query")
    @list_blp.response(200, description="an XLSX workbook, or the JSON document `import` reads")
    def get(self, args, version_id):
        """Download a version as XLSX (one row per rule, Chinese headers and names) or JSON."""
        version = versions.get_version(version_id)
        if args["format"] == "json":
            body, mimetype = json.dumps(sheets.export_json(version), ensure_ascii=False, indent=1), "application/json"
        else:
            body, mimetype = sheets.export_xlsx(version), XLSX
        filename = f"responsibility-list-v{version.number}.{args['format']}"
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@list_blp.route("/versions/<int:version_id>/import")
class Import(MethodView):
    @roles_required("admin")
    @list_blp.doc(**IF_MATCH)
    @list_blp.arguments(schemas.ImportFileIn, location="files")
    @list_blp.response(200, schemas.VersionDetailOut)
    def post(self, files, version_id):
        """Replace a draft's rules with an XLSX or JSON file (If-Match); a bad file names row and column, changes
        nothing."""
        expected = _matched(version_id)
        versions.check_editable(version_id, expected)  # 404 / 409 / 412 before the file is read (422)
        upload = files["file"]
        rows = sheets.parse_upload(upload.filename or "", upload.read())
        version = versions.replace_rules(version_id, rows, expected=expected, actor_id=actor().id,
                                         source=upload.filename or "upload")
        return version, _etag(version)
