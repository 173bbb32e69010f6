"""Case endpoints of API.md "Officials" and the inspectors' verification tasks: parse, call a service, dump."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.cases import schemas, services
from reporter.cases.scope import CASE_READER_ROLES
from reporter.common.concurrency import IF_MATCH, etag_of, expected_version
from reporter.common.pagination import paginate
from reporter.common.schemas import lean_dumper
from reporter.common.timeutil import cst_date, utcnow
from reporter.geo.schemas import CoordSystemArgs
from reporter.media.services import register_visibility

blp = Blueprint("cases", __name__, url_prefix="/cases", description="Cases (案件): the closed loop from 立案 to 结案")
tasks_blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Inspectors' on-site verification tasks")
blueprints = [blp, tasks_blp]
register_visibility("case", services.can_see_case)  # who may see a case's photos: whoever may read the case
_dump_case_page = lean_dumper(schemas.CasePage)

def detail_body(case, coord_system: str, user) -> dict:
    """A case as this reader sees it in GET /cases/{id} (the console's case page shows the same)."""
    return schemas.case_detail(
        case, coord_system, cst_date(utcnow()), events=services.case_events(case.id),
        photos=services.case_photos(case, coord_system, user), sections=services.detail_sections(case, user),
        allowed_actions=services.actions_for(case, user))


def _detail_response(case, coord_system: str, status: int = 200):
    body = detail_body(case, coord_system, actor())
    return body, status, {"ETag": etag_of("case", case.id, case.version)}


@blp.route("")
class Cases(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @blp.arguments(schemas.CaseListArgs(), location="query")  # one instance: not built again per request
    @blp.response(200, schemas.CasePage)
    def get(self, args):
        """Cases in the caller's scope, filtered, sorted (newest, age, deadline) and paginated."""
        page = paginate(services.list_cases(actor(), args), args["page"], args["page_size"], one_trip=True)
        today = cst_date(utcnow())
        page["items"] = [schemas.case_item(case, args["coord_system"], today) for case in page["items"]]
        return current_app.json.response(_dump_case_page(page))  # CasePage's output, dumped lean

    @roles_required("supervisor")
    @blp.arguments(schemas.StaffCaseIn)
    @blp.response(201, schemas.CaseDetailOut, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.doc(**links(201, GetCase=link("GET", "/api/v1/cases/{case_id}", case_id=ID),
                     Act=link("POST", "/api/v1/cases/{case_id}/actions", case_id=ID)))
    def post(self, data):
        """Enter a case found by video surveillance, undercover inspection or referred by a superior."""
        location = data.pop("location")
        case = services.enter_case(actor(), {**data, "lat": location["lat"], "lng": location["lng"],
                                             "address": location.get("address")})
        return _detail_response(case, location["input_coord_system"], 201)


@blp.route("/<int:case_id>")
class CaseDetail(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @blp.arguments(CoordSystemArgs, location="query")
    @blp.response(200, schemas.CaseDetailOut, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, args, case_id):
        """A case with its routing explanation, deadlines, photos, history and actions open to the caller."""
        return _detail_response(services.get_case(case_id, actor()), args["coord_system"])


@blp.route("/<int:case_id>/actions")
class CaseActions(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @blp.arguments(schemas.ActionIn)
    @blp.arguments(CoordSystemArgs, location="query")
    @blp.response(200, schemas.CaseDetailOut, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.doc(**IF_MATCH)
    def post(self, data, args, case_id):
        """Take an action of the workflow (If-Match required): 409 when not allowed now, 403 when not for you."""
        case = services.perform(case_id, data["action"], actor(), data,
                                expected_version=expected_version("case", case_id))
        return _detail_response(case, args["coord_system"])


@tasks_blp.route("")
class Tasks(MethodView):
    @roles_required("inspector")
    @tasks_blp.arguments(schemas.TaskArgs, location="query")
    @tasks_blp.response(200, schemas.TaskPage)
    def get(self, args):
        """Cases waiting for on-site verification in the caller's grids, with their location."""
        page = paginate(services.verification_tasks(actor()), args["page"], args["page_size"])
        today = cst_date(utcnow())
        page["items"] = [schemas.case_item(case, args["coord_system"], today) for case in page["items"]]
        return page
