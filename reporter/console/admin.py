"""Administration pages (admins): staff accounts, units, categories, grids and their inspectors, working-day years,
the notification outbox and the privacy notice. Each page parses its form and calls the service its API view calls
(`reporter/accounts/api.py`, `geo/api.py`, `workdays/api.py`, `notify/api.py`, `privacy/api.py`), so roles, checks
and audit are the API's."""
import json

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for

from reporter.accounts import schemas as account_schemas
from reporter.accounts import services as accounts
from reporter.accounts.models import User
from reporter.accounts.roles import ADMIN, AUDITOR, INSPECTOR, RESIDENT, STAFF_ROLES
from reporter.common.pagination import paginate
from reporter.common.timeutil import cst_date, utcnow
from reporter.console import labels
from reporter.console.pages import actor, page
from reporter.errors import AppError
from reporter.extensions import db
from reporter.geo import schemas as geo_schemas
from reporter.geo import services as geo
from reporter.notify import schemas as notify_schemas
from reporter.notify import services as outbox
from reporter.org import schemas as org_schemas
from reporter.org import services as org
from reporter.privacy import consent
from reporter.privacy import schemas as privacy_schemas
from reporter.routing.services import all_categories
from reporter.workdays import services as workdays

ADMINS = (ADMIN,)
ACCOUNT_READERS = (ADMIN, AUDITOR)  # GET /admin/users
UPLOAD_LIMIT = 256 * 1024  # a holiday-year file is a few kilobytes


# Shared parsing ----------------------------------------------------------------------------------------------------

def query_args(schema: ma.Schema, *, many: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """A list page's query string through the API's argument schema: (arguments, errors); on errors the defaults."""
    raw = {key: (values if key in many else values[-1])
           for key, values in request.args.to_dict(flat=False).items() if any(values)}
    try:
        return schema.load(raw), {}
    except ma.ValidationError as exc:
        return schema.load({}), exc.messages


def service_errors(exc: AppError) -> dict:
    """An AppError as field messages for the page (403 and 404 stay error pages)."""
    if exc.status in (403, 404):
        raise exc
    fields = (exc.errors or {}).get("json") or {}
    return {**fields, "_": [labels.ADMIN_ERRORS.get(exc.error) or labels.error_text(exc.error, exc.message)]}


def _form_text(name: str) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value or None


# Staff accounts ----------------------------------------------------------------------------------------------------

@page("/admin/users", title="账号管理", roles=ACCOUNT_READERS, order=90, home=True)
def admin_users():
    args, errors = query_args(account_schemas.UserArgs())
    found = paginate(accounts.users_query(args), args["page"], args["page_size"])
    return render_template("console/admin/users.html", found=found, args=args, errors=errors, query=request.args,
                           roles=STAFF_ROLES, units=_units())


def _units() -> list:
    return list(db.session.execute(org.units_query()).scalars())


def _account_form(*, new: bool) -> dict:
    raw = {"roles": request.form.getlist("roles"), "unit_code": _form_text("unit_code"),
           "display_name": _form_text("display_name")}
    if new:
        raw.update(username=_form_text("username"), password=request.form.get("password") or None)
    else:
        raw["is_active"] = request.form.get("is_active") == "true"
    return {key: value for key, value in raw.items() if value is not None or key == "unit_code"}


@page("/admin/users/new", roles=ADMINS, methods=("GET", "POST"))
def admin_user_new():
    """新建账号: POST /admin/users."""
    errors = {}
    if request.method == "POST":
        try:
            data = account_schemas.UserIn().load(_account_form(new=True))
            user = accounts.create_user(data["username"], data["password"], data["roles"],
                                        unit_code=data.get("unit_code"), display_name=data.get("display_name"),
                                        actor_id=actor().id)
            flash(f"已新建账号 {user.username}。")
            return redirect(url_for("console.admin_user", user_id=user.id))
        except ma.ValidationError as exc:
            errors = exc.messages
        except AppError as exc:
            errors = service_errors(exc)
    return render_template("console/admin/user.html", user=None, form=request.form, errors=errors,
                           roles=STAFF_ROLES, units=_units()), 422 if errors else 200


@page("/admin/users/<int:user_id>", roles=ADMINS, methods=("GET", "POST"))
def admin_user(user_id):
    """An account: roles, unit, name, enabled (PATCH /admin/users/<id>; a role change or disabling ends its
    sessions, the console's too)."""
    user = db.session.get(User, user_id)
    if user is None or not set(user.roles) - {RESIDENT}:  # residents are not administered here
        abort(404)
    errors = {}
    if request.method == "POST":
        try:
            changes = account_schemas.UserPatch().load(_account_form(new=False))
            accounts.update_user(user_id, changes, actor_id=actor().id)
            flash("已保存。角色变更或停用后，该账号须重新登录。")
            return redirect(url_for("console.admin_user", user_id=user_id))
        except ma.ValidationError as exc:
            errors = exc.messages
        except AppError as exc:
            errors = service_errors(exc)
    return render_template("console/admin/user.html", user=user, form=request.form, errors=errors,
                           roles=STAFF_ROLES, units=_units(), grids=geo.grids_assigned_to(user.id)), \
        422 if errors else 200


# Units and categories (reference data: loaded by `flask reference load`, read here) ------------------------------

@page("/admin/units", title="单位", roles=ADMINS, order=91)
def admin_units():
    args, errors = query_args(org_schemas.UnitArgs())
    found = paginate(org.units_query(args.get("kind"), args.get("county"), args.get("level")), args["page"],
                     args["page_size"])
    return render_template("console/admin/units.html", found=found, errors=errors, query=request.args,
                           kinds={k.code: k.name for k in org.unit_kinds()}, counties=geo.counties())


@page("/admin/categories", title="问题类别", roles=ADMINS, order=92)
def admin_categories():
    return render_template("console/admin/categories.html", categories=all_categories())


# Grids and inspectors ----------------------------------------------------------------------------------------------

@page("/admin/grids", title="网格与网格员", roles=ADMINS, order=93)
def admin_grids():
    args, errors = query_args(geo_schemas.GridArgs())
    found = paginate(geo.grids_query(args.get("county")), args["page"], args["page_size"])
    inspectors = {grid.id: geo.inspector_ids_of_grid(grid.id) for grid in found["items"]}
    return render_template("console/admin/grids.html", found=found, errors=errors, query=request.args,
                           counties=geo.counties(), inspectors=inspectors, people=_people(inspectors.values()))


def _people(id_lists) -> dict[int, User]:
    wanted = {uid for ids in id_lists for uid in ids}
    return {uid: db.session.get(User, uid) for uid in sorted(wanted)}


@page("/admin/grids/<int:grid_id>", roles=ADMINS)
def admin_grid(grid_id):
    grid = geo.get_grid(grid_id)
    assigned = geo.inspector_ids_of_grid(grid.id)
    candidates = db.session.execute(accounts.users_query({"role": INSPECTOR})).scalars()
    return render_template("console/admin/grid.html", grid=grid, assigned=_people([assigned]),
                           candidates=[u for u in candidates if u.id not in assigned and u.is_active])


@page("/admin/grids/<int:grid_id>/inspectors", roles=ADMINS, methods=("POST",))
def admin_grid_inspector(grid_id):
    """PUT or DELETE /geo/grids/<id>/inspectors/<user_id>."""
    try:
        user_id = int(request.form.get("user_id", ""))
    except ValueError:
        user_id = 0
    assign = request.form.get("assign") == "true"
    try:
        geo.set_inspector(grid_id, user_id, assign, actor_id=actor().id)
        flash("已指派网格员。" if assign else "已取消指派。")
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        flash("只能指派启用的网格员账号。")
    return redirect(url_for("console.admin_grid", grid_id=grid_id))


@page("/admin/grids/<any(counties, grids):layer>.geojson", roles=ADMINS)
def admin_grid_outlines(layer):
    """County or grid outlines for the grids map (the case map's outlines are for case readers)."""
    coord = "gcj02" if request.args.get("coord_system") == "gcj02" else "wgs84"
    if layer == "counties":
        return geo.feature_collection(geo.counties(), coord, lambda c: {"adcode": c.adcode, "name": c.name})
    if request.args.get("grid", "").isdecimal():
        rows = [geo.get_grid(int(request.args["grid"]))]
    else:
        rows = list(db.session.execute(geo.grids_query(request.args.get("county") or None)).scalars())
    return geo.feature_collection(rows, coord, lambda g: {
        "id": g.id, "code": g.code, "name": g.name, "inspectors": len(geo.inspector_ids_of_grid(g.id)),
        "url": url_for("console.admin_grid", grid_id=g.id)})


# Working-day years -------------------------------------------------------------------------------------------------

def year_sources() -> list[dict]:
    """Last year to three years ahead, each with where its working days come from."""
    this_year = cst_date(utcnow()).year
    return [{"year": year, "source": workdays.calendar_source(year)} for year in range(this_year - 1, this_year + 4)]


def _read_year_file(upload) -> dict:
    """The file `flask workdays load-year` reads: {"year", "holidays", "workdays", "source"}."""
    if upload is None or not upload.filename:
        raise ma.ValidationError({"file": ["请选择文件。"]})
    text = upload.stream.read(UPLOAD_LIMIT + 1)
    try:
        if len(text) > UPLOAD_LIMIT:
            raise ValueError("too large")
        data = json.loads(text.decode("utf-8-sig"))
        year = int(data["year"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ma.ValidationError({"file": ["不是节假日年份文件（JSON：year、holidays、workdays、source）。"]}) \
            from None
    if not isinstance(data.get("holidays"), list) or not isinstance(data.get("workdays", []), list):
        raise ma.ValidationError({"file": ["holidays 和 workdays 须为日期列表。"]})
    return {"year": year, "holidays": data["holidays"], "workdays": data.get("workdays", []),
            "source": str(data.get("source") or "")[:255]}


@page("/admin/workdays", title="工作日历", roles=ADMINS, methods=("GET", "POST"), order=94)
def admin_workdays():
    """Load a year from a file (PUT /workdays/years/<year>), forget one (DELETE), and where each year comes from."""
    errors = {}
    if request.method == "POST":
        try:
            if request.form.get("unload", "").isdecimal():
                year = int(request.form["unload"])
                workdays.unload_year(year, actor_id=actor().id)
                flash(f"已撤销 {year} 年的导入，按内置日历计算。")
            else:
                data = _read_year_file(request.files.get("file"))
                summary = workdays.load_year(data["year"], data["holidays"], data["workdays"],
                                             source=data["source"], actor_id=actor().id)
                flash(f"已导入 {summary['year']} 年：{summary['holidays']} 个节假日，"
                      f"{summary['workdays']} 个调休上班日。")
            return redirect(url_for("console.admin_workdays"))
        except ma.ValidationError as exc:
            errors = exc.messages
        except AppError as exc:
            errors = service_errors(exc)
    return render_template("console/admin/workdays.html", loaded=workdays.loaded_years(), sources=year_sources(),
                           errors=errors), 422 if errors else 200


@page("/admin/workdays/<int:year>.json", roles=ADMINS)
def admin_workdays_library(year):
    """The built-in calendar's year in the file format (a starting point, as `flask workdays show-library`)."""
    return workdays.library_year(year), 200, {"Content-Disposition": f'attachment; filename="workdays-{year}.json"'}


# The notification outbox -------------------------------------------------------------------------------------------

@page("/admin/outbox", title="通知发送", roles=ADMINS, order=95)
def admin_outbox():
    args, errors = query_args(notify_schemas.OutboxArgs())
    found = paginate(outbox.messages_query(args.get("state")), args["page"], args["page_size"])
    return render_template("console/admin/outbox.html", found=found, errors=errors, query=request.args,
                           backlog=outbox.backlog(),
                           items=notify_schemas.OutboxMessageOut(many=True).dump(found["items"]))


@page("/admin/outbox/<message_id>/retry", roles=ADMINS, methods=("POST",))
def admin_outbox_retry(message_id):
    """POST /admin/outbox/<id>/retry."""
    try:
        if outbox.retry_failed(message_id, actor_id=actor().id) is None:
            abort(404)
        flash("已重新排队发送。")
    except AppError as exc:
        flash(service_errors(exc)["_"][0])  # 403 and 404 stay error pages
    return redirect(url_for("console.admin_outbox", state=request.form.get("state") or None))


# The privacy notice ------------------------------------------------------------------------------------------------

@page("/admin/privacy", title="隐私政策", roles=ADMINS, methods=("GET", "POST"), order=96)
def admin_privacy():
    """The versions published (GET /privacy-notice) and a new version (POST /privacy-notice)."""
    errors = {}
    if request.method == "POST":
        raw = {key: request.form.get(key, "") for key in ("title", "body", "summary_of_changes")}
        try:
            published = consent.publish(actor(), privacy_schemas.NoticeIn().load(raw))
            flash(f"已发布第 {published.version} 版。举报人再次提交前须先同意新版本。")
            return redirect(url_for("console.admin_privacy"))
        except ma.ValidationError as exc:
            errors = exc.messages
        except AppError as exc:
            errors = service_errors(exc)
    versions = consent.notices()
    return render_template("console/admin/privacy.html", versions=versions, current=versions[0] if versions else None,
                           form=request.form, errors=errors), 422 if errors else 200
