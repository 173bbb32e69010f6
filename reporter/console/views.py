"""The console's pages: each parses its form or query, calls the service the API calls, and renders."""
import io

import marshmallow as ma
from flask import current_app, flash, redirect, render_template, request, send_file, url_for

from reporter.cases import schemas as case_schemas
from reporter.cases import services as cases
from reporter.cases.api import detail_body
from reporter.cases.scope import CASE_READER_ROLES
from reporter.common.limits import client_ip
from reporter.common.pagination import paginate
from reporter.common.spreadsheets import XLSX
from reporter.console import auth, labels, work
from reporter.console.pages import actor, bp, page
from reporter.errors import AppError, PreconditionFailed
from reporter.extensions import db, limiter
from reporter.geo import services as geo
from reporter.geo.models import Grid
from reporter.geo.schemas import location_out
from reporter.media.services import create_upload
from reporter.org.services import units_query
from reporter.routing.services import all_categories

PHOTO_FIELD = "photos"  # the file input of submit_result and verify; its uploads become the action's photo_ids
EXPORT_LIMIT = 50_000


# Sign-in -----------------------------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            auth.sign_in(request.form.get("username", ""), request.form.get("password", ""), client_ip())
            return redirect(auth.safe_next(request.args.get("next")))
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

@page("/", title="我的待办", roles=CASE_READER_ROLES, order=10)
def home():
    return render_template("console/home.html", groups=work.for_user(actor()))


# Case list and export ----------------------------------------------------------------------------------------------

def _list_args(schema=case_schemas.CaseListArgs) -> tuple[dict, dict]:
    """GET /cases's (or another list's) query parameters from the page's query string (the same schema), and the
    errors (then the schema's defaults)."""
    raw = {key: (values if key == "status" else values[-1])
           for key, values in request.args.to_dict(flat=False).items() if any(values)}
    raw.pop("coord_system", None)
    try:
        return schema().load(raw), {}
    except ma.ValidationError as exc:
        return schema().load({}), exc.messages


@page("/cases", title="案件列表", roles=CASE_READER_ROLES, order=20)
def case_list():
    args, errors = _list_args()
    found = paginate(cases.list_cases(actor(), args), args["page"], args["page_size"])
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

def _render_case(case, *, status=200, message=None, failed_action=None, form=None, errors=None):
    user = actor()
    detail = detail_body(case, "wgs84", user)
    return render_template(
        "console/case.html", case=case, detail=detail, message=message, failed_action=failed_action,
        form=form or {}, errors=errors or {}, units=_dispatch_units(detail),
        categories={c.code: c.name for c in all_categories()}), status


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
    return render_template("console/map.html", args=args, errors=errors, query=request.args,
                           categories=all_categories())


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


@page("/map/outlines/<any(counties, grids):layer>.geojson", roles=CASE_READER_ROLES)
def map_outlines(layer):
    """County or grid outlines (the map without tiles), in the tiles' coordinate system."""
    if layer == "counties":
        rows = geo.counties()
        return geo.feature_collection(rows, _coord_system(), lambda c: {"adcode": c.adcode, "name": c.name})
    stmt = geo.grids_query(request.args.get("county") or None)
    if request.args.get("grid", "").isdecimal():
        stmt = stmt.where(Grid.id == int(request.args["grid"]))
    rows = list(db.session.execute(stmt).scalars())
    return geo.feature_collection(rows, _coord_system(),
                                  lambda g: {"id": g.id, "code": g.code, "county_adcode": g.county_adcode})


def _coord_system() -> str:
    return "gcj02" if request.args.get("coord_system") == "gcj02" else "wgs84"
