"""Patrol endpoints of API.md "Inspectors' patrols" (offline first): parse, call a service, dump."""
from flask.views import MethodView
from flask_jwt_extended import get_jwt_identity
from flask_smorest import Blueprint

from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.cases import schemas as case_schemas
from reporter.common.concurrency import etag_of
from reporter.common.limits import setting
from reporter.common.pagination import paginate
from reporter.common.timeutil import cst_date, utcnow
from reporter.extensions import limiter
from reporter.geo.schemas import location_out
from reporter.patrols import reactions, schemas, services

blp = Blueprint("patrols", __name__, url_prefix="/patrols",
                description="Inspectors' patrols (网格员巡查), offline first")
blueprints = [blp]
reactions.wire()

READERS = ("inspector", "supervisor", "auditor", "admin")


def _patrol(patrol, status: int = 200):
    return patrol, status, {"ETag": etag_of("patrol", patrol.id, patrol.version)}


def _record(add, data: dict, patrol_id):
    """Add a check-in or observation; 201 when new, 200 with the stored one on a repeat."""
    row, created = add(actor(), patrol_id, data)
    body = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    body["location"] = location_out(row.lat, row.lng, data["location"]["input_coord_system"],
                                    accuracy_m=row.accuracy_m, address=getattr(row, "address", None))
    return body, 201 if created else 200


@blp.route("")
class Patrols(MethodView):
    @roles_required("inspector")
    @blp.arguments(schemas.PatrolIn)
    @blp.response(201, schemas.PatrolOut)
    @blp.doc(**links(201, **{name: link(method, f"/api/v1/patrols/{{patrol_id}}{tail}", patrol_id=ID)
                             for name, method, tail in (("GetPatrol", "GET", ""), ("AddPoints", "POST", "/points"),
                                                        ("CheckIn", "POST", "/checkins"),
                                                        ("Observe", "POST", "/observations"),
                                                        ("Finish", "POST", "/finish"), ("GetTrack", "GET", "/track"),
                                                        ("GetTasks", "GET", "/tasks"))}))
    @blp.alt_response(200, schema=schemas.PatrolOut, description="A repeat of the same patrol")
    def post(self, data):
        """Start a patrol with the phone's UUID (201); the same again answers 200, different data 409."""
        patrol, created = services.create_patrol(actor(), data)
        return _patrol(patrol, 201 if created else 200)

    @roles_required(*READERS)
    @blp.arguments(schemas.PatrolListArgs, location="query")
    @blp.response(200, schemas.PatrolPage)
    def get(self, args):
        """Patrols, newest first: supervisors filter by inspector, grid and day range; inspectors see their own."""
        return paginate(services.patrols_query(actor(), args), args["page"], args["page_size"])


@blp.route("/figures")
class Figures(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.FiguresArgs, location="query")
    @blp.response(200, schemas.MonthFiguresOut)
    def get(self, args):
        """An inspector's patrol days of a month (CST): figures, whether each counts and why, valid days vs target."""
        return services.month_figures_for(actor(), args.get("inspector"), args["month"])


@blp.route("/<uuid:patrol_id>")
class PatrolItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, schemas.PatrolOut)
    def get(self, patrol_id):
        """A patrol and its effort summary."""
        return _patrol(services.get_patrol(actor(), patrol_id))


def _inspector_key() -> str:
    return f"inspector:{get_jwt_identity()}"  # the view has verified the token already


@blp.route("/<uuid:patrol_id>/points")
class Points(MethodView):
    @roles_required("inspector")
    @limiter.limit(setting("RATELIMIT_PATROL_POINTS", "300/minute"), key_func=_inspector_key)
    @blp.arguments(schemas.PointsIn)
    @blp.response(200, schemas.PointsOut)
    @blp.alt_response(413, description="More points than the batch limit (1000)")
    @blp.alt_response(409, description="The patrol's raw points are past their retention (`points_erased`)")
    def post(self, data, patrol_id):
        """Upload a batch of fixes (≤ 1000, any order, repeats absorbed); all-or-nothing; late ones recompute."""
        return services.add_points(actor(), patrol_id, data["points"])


@blp.route("/<uuid:patrol_id>/checkins")
class Checkins(MethodView):
    @roles_required("inspector")
    @blp.arguments(schemas.CheckinIn)
    @blp.response(201, schemas.CheckinOut)
    @blp.alt_response(200, schema=schemas.CheckinOut, description="A repeat of the same check-in")
    def post(self, data, patrol_id):
        """Check in (打卡) at a checkpoint, once per client id."""
        return _record(services.add_checkin, data, patrol_id)


@blp.route("/<uuid:patrol_id>/observations")
class Observations(MethodView):
    @roles_required("inspector")
    @blp.arguments(schemas.ObservationIn)
    @blp.response(201, schemas.ObservationOut)
    @blp.alt_response(200, schema=schemas.ObservationOut, description="A repeat of the same observation")
    def post(self, data, patrol_id):
        """Record an observation once per client id; a problem opens one case and answers its case_id."""
        return _record(services.add_observation, data, patrol_id)


@blp.route("/<uuid:patrol_id>/finish")
class Finish(MethodView):
    @roles_required("inspector")
    @blp.arguments(schemas.FinishIn)
    @blp.response(200, schemas.PatrolOut)
    def post(self, data, patrol_id):
        """Finish the patrol: the effort summary, with reasons and flags (the same finish again: same answer)."""
        return _patrol(services.finish(actor(), patrol_id, data["ended_at"]))


@blp.route("/<uuid:patrol_id>/track")
class Track(MethodView):
    @roles_required(*READERS)
    @blp.arguments(schemas.PatrolTrackArgs, location="query")
    @blp.response(200, schemas.PatrolTrackOut)
    def get(self, args, patrol_id):
        """The track as a GeoJSON Feature (LineString), optionally simplified to `simplify` metres."""
        return services.track_feature(actor(), patrol_id, args["coord_system"], args.get("simplify"))


@blp.route("/<uuid:patrol_id>/tasks")
class Tasks(MethodView):
    @roles_required("inspector")
    @blp.arguments(case_schemas.TaskArgs, location="query")
    @blp.response(200, case_schemas.TaskPage)
    def get(self, args, patrol_id):
        """Cases waiting for on-site verification (现场核查) in this patrol's grid."""
        page = paginate(services.patrol_tasks(actor(), patrol_id), args["page"], args["page_size"])
        today = cst_date(utcnow())
        page["items"] = [case_schemas.case_item(case, args["coord_system"], today) for case in page["items"]]
        return page


@blp.route("/<uuid:patrol_id>/tasks/<int:case_id>/verify")
class Verify(MethodView):
    @roles_required("inspector")
    @blp.arguments(schemas.PatrolVerifyIn)
    @blp.response(200, schemas.VerifiedOut)
    def post(self, data, patrol_id, case_id):
        """Verify a case on site from the patrol (pass, or fail with a reason); `version` guards a stale view."""
        case = services.verify_from_patrol(actor(), patrol_id, case_id, data)
        return {"case_id": case.id, "state": case.state, "version": case.version}
