"""The console's pages: each parses its form or query, calls the service the API calls, and renders."""
import io

import marshmallow as ma
from flask import current_app, flash, redirect, render_template, request, send_file, url_for

from reporter.cases import schemas as case_schemas
from reporter.cases import services as cases
from reporter.cases.api import detail_body
from reporter.cases.scope import CASE_READER_ROLES
from reporter.cases.workflow import STAGE_OF_STATE
from reporter.common.limits import client_ip
from reporter.common.pagination import paginate
from reporter.common.spreadsheets import XLSX
from reporter.common.timeutil import cst_date, utcnow
from reporter.console import auth, labels, work
from reporter.console.pages import actor, bp, landing, page
from reporter.errors import AppError, PreconditionFailed, ValidationFailed
from reporter.extensions import db, limiter
from reporter.geo import services as geo
from reporter.geo.models import ZONE_NAMES, Grid
from reporter.geo.schemas import location_out
from reporter.media.services import create_upload
from reporter.org.services import units_query
from reporter.reports import schemas as report_schemas
from reporter.reports import services as reports
from reporter.routing.models import STAGES as ROUTING_STAGES
from reporter.routing.services import all_categories
from reporter.stats import schemas as stats_schemas
from reporter.stats import services as stats
from reporter.stats.services import STATS_ROLES

PHOTO_FIELD = "photos"  # the file input of submit_result and verify; its uploads become the action's photo_ids
EXPORT_LIMIT = 50_000


# Sign-in -----------------------------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = auth.sign_in(request.form.get("username", ""), request.form.get("password", ""), client_ip())
            target = request.args.get("next")
            return redirect(auth.safe_next(target) if target else landing(user))
        except AppError as exc:
            error = labels.error_text(exc.error, exc.message)
    return render_template("console/login.html", error=error, reauth=False), 401 if error else 200


@page("/reauth", methods=("GET", "POST"))
def reauth():
    """确认身份: the password again before a sensitive step (the API's fresh token)."""
    error = None
    if request.method == "POST":
        try:
            auth.refresh(actor().username or "", request.form.get("password", ""), client_ip())
            return redirect(auth.safe_next(request.args.get("next")))
        except AppError as exc:
            error = labels.error_text(exc.error, exc.message)
    return render_template("console/login.html", error=error, reauth=True), 401 if error else 200


@bp.route("/logout", methods=["POST"])
def logout():
    auth.sign_out()
    return redirect(url_for("console.login"))


# My work -----------------------------------------------------------------------------------------------------------

@page("/", title="我的待办", roles=CASE_READER_ROLES, order=10, home=True)
def home():
    return render_template("console/home.html", groups=work.for_user(actor()))


# Case list and export ----------------------------------------------------------------------------------------------

def _list_args(schema=case_schemas.CaseListArgs) -> tuple[dict, dict]:
    """GET /cases's (or another list's) query parameters from the page's query string (the same schema), and the
    errors (then the schema's defaults)."""
    raw = {key: (values if key == "status" else values[-1])
           for key, values in request.args.to_dict(flat=False).items() if any(values)}
    raw.pop("coord_system", None)
    raw.pop("month", None)  # the map's patrol-coverage month, not a case filter
    try:
        return schema().load(raw), {}
    except ma.ValidationError as exc:
        return schema().load({}), exc.messages


@page("/cases", title="案件列表", roles=CASE_READER_ROLES, order=20)
def case_list():
    args, errors = _list_args()
    found = paginate(cases.list_cases(actor(), args), args["page"], args["page_size"], one_trip=True)  # as the API
    return render_template("console/cases.html", found=found, args=args, errors=errors,
                           categories=all_categories(), query=request.args)


@page("/cases/export.xlsx", roles=CASE_READER_ROLES)
def case_export():
    """The filtered list as the problem register's workbook (问题台账: 序号 … 销号时间; at most EXPORT_LIMIT rows),
    made by the registers feature exactly as `GET /registers/problems/export` makes it."""
    from reporter.registers import problem_sheets, problems

    args, _errors = _list_args()
    found = list(db.session.execute(cases.list_cases(actor(), args).limit(EXPORT_LIMIT)).scalars())
    out = io.BytesIO(problem_sheets.export_xlsx(problems.register_rows(found), None))
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name="problem-register.xlsx")


# A case and its actions --------------------------------------------------------------------------------------------

def _render_case(case, *, status=200, message=None, failed_action=None, form=None, errors=None, revealed=None):
    user = actor()
    detail = detail_body(case, "wgs84", user)
    return render_template(
        "console/case.html", case=case, detail=detail, message=message, failed_action=failed_action,
        form=form or {}, errors=errors or {}, units=_dispatch_units(detail), revealed=revealed,
        unstarted=_unstarted_stages(case.state),
        may_reveal=user.has_role(*reports.IDENTITY_READERS),
        categories={c.code: c.name for c in all_categories()}), status


def _unstarted_stages(state: str) -> set[str]:
    """Stages after the case's current one: their clock has not started (the routing's provisional dates are counted
    from the submission and restart when the stage begins), so the page shows 未开始 rather than a date."""
    current = STAGE_OF_STATE.get(state)
    if current not in ROUTING_STAGES:
        return set()
    return set(ROUTING_STAGES[ROUTING_STAGES.index(current) + 1:])


def _dispatch_units(detail: dict) -> list:
    """The unit picker of 派遣: the routed lead unit(s) first, then every other active unit."""
    if "dispatch" not in detail["allowed_actions"]:
        return []
    routed = [u["id"] for u in detail["routing"].get("lead_units") or []]
    units = list(db.session.execute(units_query()).scalars())
    return sorted(units, key=lambda u: (u.id not in routed, routed.index(u.id) if u.id in routed else 0, u.name))


@page("/cases/<int:case_id>", roles=CASE_READER_ROLES)
def case_detail(case_id):
    return _render_case(cases.get_case(case_id, actor()))


@page("/cases/<int:case_id>/actions", roles=CASE_READER_ROLES, methods=("POST",))
def case_action(case_id):
    """One workflow action through `cases.services.perform`, with the version the page was rendered at."""
    form = request.form
    action = form.get("action", "")
    payload = {key: value for key, value in form.items() if key not in ("csrf_token", "action", "version")
               and value.strip() != ""}
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = -1
    try:
        photos = [f for f in request.files.getlist(PHOTO_FIELD) if f and f.filename]
        if photos:
            payload["photo_ids"] = [create_upload(actor().id, f.stream, "evidence").id for f in photos]
        cases.perform(case_id, action, actor(), payload, expected_version=version)
    except PreconditionFailed as exc:
        return _render_case(cases.get_case(case_id, actor()), status=409, failed_action=action,
                            message=labels.error_text(exc.error, exc.message))
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        fresh = cases.get_case(case_id, actor())
        message = labels.error_text(exc.error, exc.message)
        if fresh.version != version:  # refused because the page was stale: say so first
            message = labels.error_text("precondition_failed", "") + message
        return _render_case(fresh, status=exc.status, failed_action=action, form=form,
                            errors=(exc.errors or {}).get("json") or {}, message=message)
    flash(f"已{labels.ACTIONS.get(action, action)}。")
    return redirect(url_for("console.case_detail", case_id=case_id))


@page("/reports/<report_id>/identity", roles=reports.IDENTITY_READERS, methods=("POST",))
def report_identity(report_id):
    """查看举报人身份: the audited reveal of `POST /reports/{id}/identity`, shown once on the case page (never kept in
    a flash message or a URL)."""
    report = reports.staff_report(actor(), report_id)  # 404 outside the caller's scope
    try:
        data = report_schemas.RevealIn().load({"reason": request.form.get("reason", "").strip()})
    except ma.ValidationError as exc:
        return _render_case(cases.get_case(report.case_id, actor()), status=422,
                            errors={"reveal": {report.id: exc.messages.get("reason", [])}})
    revealed = report_schemas.RevealOut().dump(reports.reveal_identity(actor(), report.id, data["reason"]))
    return _render_case(cases.get_case(report.case_id, actor()), revealed=revealed)


# A new case --------------------------------------------------------------------------------------------------------

@page("/cases/new", title="新建案件", roles=("supervisor",), methods=("GET", "POST"), order=30)
def case_new():
    errors, form = {}, request.form
    if request.method == "POST":
        raw = {"source": form.get("source"), "category": form.get("category"), "description": form.get("description"),
               "location": {"lat": form.get("lat"), "lng": form.get("lng"),
                            "coord_system": form.get("coord_system") or "wgs84"}}
        if form.get("address"):
            raw["location"]["address"] = form["address"]
        try:
            data = case_schemas.StaffCaseIn().load({k: v for k, v in raw.items() if v not in (None, "")})
            location = data.pop("location")
            case = cases.enter_case(actor(), {**data, "lat": location["lat"], "lng": location["lng"],
                                              "address": location.get("address")})
            flash(f"已登记案件 {case.number}。")
            return redirect(url_for("console.case_detail", case_id=case.id))
        except ma.ValidationError as exc:
            errors = exc.messages
        except AppError as exc:
            if exc.status in (403, 404):
                raise
            errors = (exc.errors or {}).get("json") or {"_": [labels.error_text(exc.error, exc.message)]}
    return render_template("console/case_new.html", categories=all_categories(), form=form,
                           errors=errors), 422 if errors else 200



# The map ------------------------------------------------------------------------------------------------------------

MAP_LIMIT = 5000  # points drawn at most; the count says how many matched


@page("/map", title="地图", roles=CASE_READER_ROLES, order=40)
def case_map():
    args, errors = _list_args()
    case_query = {key: values for key, values in request.args.to_dict(flat=False).items() if key != "month"}
    return render_template("console/map.html", args=args, errors=errors, query=request.args, case_query=case_query,
                           coverage=_coverage_month() if actor().has_role(*STATS_ROLES) else None,
                           categories=all_categories())


def _coverage_month() -> dict:
    """The month whose patrol coverage the map shows: the one asked for, else this month (China time)."""
    asked = request.args.get("month", "")
    try:
        return {"month": stats_schemas.CoverageArgs().load({"month": asked})["month"], "error": None}
    except ma.ValidationError:
        this = cst_date(utcnow()).strftime("%Y-%m")
        return {"month": this, "error": "月份格式应为 YYYY-MM，已显示本月。" if asked else None}


@page("/map/cases.geojson", roles=CASE_READER_ROLES)
def map_cases():
    """The list's cases (same filters, same scope) as GeoJSON points in the tiles' coordinate system."""
    args, _errors = _list_args()
    coord = _coord_system()
    found = db.session.execute(cases.list_cases(actor(), args).limit(MAP_LIMIT)).scalars()
    features = []
    for case in found:
        point = location_out(case.lat, case.lng, coord)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [point["lng"], point["lat"]]},
                         "properties": {"id": case.id, "number": case.number, "grid_id": case.grid_id,
                                        "state": labels.STATES.get(case.state, case.state),
                                        "url": url_for("console.case_detail", case_id=case.id)}})
    return {"type": "FeatureCollection", "coord_system": coord, "features": features}


@page("/map/outlines/<any(counties, zones, grids):layer>.geojson", roles=CASE_READER_ROLES)
def map_outlines(layer):
    """County, protection zone or grid outlines (the map without tiles), in the tiles' coordinate system."""
    if layer == "counties":
        rows = geo.counties()
        return geo.feature_collection(rows, _coord_system(), lambda c: {"adcode": c.adcode, "name": c.name})
    if layer == "zones":
        rows = list(db.session.execute(geo.zones_query(request.args.get("county") or None)).scalars())
        return geo.feature_collection(rows, _coord_system(), lambda z: {
            "code": z.code, "name": z.name, "level": z.level, "level_name": ZONE_NAMES.get(z.level, z.level)})
    stmt = geo.grids_query(request.args.get("county") or None)
    if request.args.get("grid", "").isdecimal():
        stmt = stmt.where(Grid.id == int(request.args["grid"]))
    rows = list(db.session.execute(stmt).scalars())
    return geo.feature_collection(rows, _coord_system(),
                                  lambda g: {"id": g.id, "code": g.code, "county_adcode": g.county_adcode})


@page("/map/coverage.geojson", roles=STATS_ROLES)
def map_coverage():
    """A month's patrol coverage per grid (`GET /stats/map/coverage`: the same service and county scope)."""
    try:
        args = stats_schemas.CoverageArgs().load({"month": request.args.get("month", ""),
                                                   "coord_system": _coord_system()})
    except ma.ValidationError as exc:
        raise ValidationFailed("Invalid month", errors={"query": exc.messages}) from None
    return stats.coverage_layer(args["month"], args["coord_system"],
                                stats.county_scope(actor(), request.args.get("county") or None))


def _coord_system() -> str:
    return "gcj02" if request.args.get("coord_system") == "gcj02" else "wgs84"
