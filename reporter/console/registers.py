"""The console's registers and campaigns (问题台账, 站点台账, 专项整治): each page parses its form or query, calls the
service `reporter/registers/api.py` calls with the signed-in user, and renders; service errors become messages next to
the fields."""
import base64
import binascii
import io

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, send_file, url_for

from reporter.accounts.models import User
from reporter.cases.models import SOURCE_NAMES
from reporter.cases.scope import CASE_READER_ROLES
from reporter.common.pagination import paginate
from reporter.common.spreadsheets import XLSX
from reporter.common.timeutil import cst_date, utcnow
from reporter.console import labels
from reporter.console.pages import actor, attempt, page
from reporter.console.views import EXPORT_LIMIT, PHOTO_FIELD, _coord_system, _list_args
from reporter.errors import AppError
from reporter.extensions import db
from reporter.geo.models import ZONE_NAMES
from reporter.geo.schemas import location_out
from reporter.geo.services import counties
from reporter.media.services import create_upload, get_upload, upload_out
from reporter.registers import campaigns, kinds, problem_sheets, problems, schemas, site_sheets, sites
from reporter.registers.models import STEP_NAMES, STEPS
from reporter.registers.scope import SITE_READER_ROLES
from reporter.routing.services import all_categories

IMPORT_MAX_BYTES = 5 * 1024 * 1024  # a checked sheet rides back to the page for 确认导入 (base64 in the form)
MAP_LIMIT = 5000


def _zh(exc: AppError) -> str:
    return labels.error_text(exc.error, exc.message)


def _refusal(exc: AppError) -> AppError:
    """Not allowed / not there: the console's error page, never a message on the form."""
    return exc.status in (403, 404)


def _people(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name or u.username for u in db.session.query(User).filter(User.id.in_(ids))}


# 问题台账 -------------------------------------------------------------------------------------------------------------

@page("/registers/problems", title="问题台账", roles=CASE_READER_ROLES, order=70)
def problem_register():
    """GET /registers/problems: the case list's filters and `year`, the officials' columns."""
    args, errors = _list_args(schemas.RegisterArgs)
    found = paginate(problems.register_query(actor(), args), args["page"], args["page_size"])
    found["items"] = problems.register_rows(found["items"], (args["page"] - 1) * args["page_size"] + 1)
    return render_template("console/registers/problems.html", found=found, args=args, errors=errors,
                           query=request.args, sources=SOURCE_NAMES, categories=all_categories(),
                           counties=counties(), this_year=cst_date(utcnow()).year)


@page("/registers/problems/export.xlsx", roles=CASE_READER_ROLES)
def problem_register_export():
    """GET /registers/problems/export: the filtered register (or year register) as the officials' workbook."""
    args, _errors = _list_args(schemas.RegisterArgs)
    found = list(db.session.execute(problems.register_query(actor(), args).limit(EXPORT_LIMIT)).scalars())
    body = problem_sheets.export_xlsx(problems.register_rows(found), args.get("year"))
    name = f"problem-register-{args['year']}.xlsx" if args.get("year") else "problem-register.xlsx"
    return send_file(io.BytesIO(body), mimetype=XLSX, as_attachment=True, download_name=name)


@page("/registers/problems/template.xlsx", roles=("supervisor",))
def problem_template():
    return send_file(io.BytesIO(problem_sheets.template_xlsx()), mimetype=XLSX, as_attachment=True,
                     download_name="problem-import-template.xlsx")


# 站点台账 -------------------------------------------------------------------------------------------------------------

def _site_args() -> tuple[dict, dict]:
    args, errors = _list_args(schemas.SiteListArgs)
    return args, errors


def _kind_or_first(args: dict):
    found = kinds.all_kinds()
    chosen = next((k for k in found if k.code == args.get("kind")), found[0] if found else None)
    return found, chosen


@page("/registers/sites", title="站点台账", roles=SITE_READER_ROLES, order=71)
def site_register():
    """GET /registers/sites for one kind at a time: county, zone, state and words; export, template, import."""
    args, errors = _site_args()
    all_kinds, kind = _kind_or_first(args)
    if kind is None:
        abort(404)
    args["kind"] = kind.code
    found = paginate(sites.list_sites(actor(), args), args["page"], args["page_size"])
    found["items"] = [sites.site_out(site, "wgs84") for site in found["items"]]
    return render_template("console/registers/sites.html", found=found, args=args, errors=errors, kind=kind,
                           kinds=all_kinds, counties=counties(), zones=ZONE_NAMES, query=request.args,
                           states=kinds.state_names(kind))


@page("/registers/sites/map", roles=SITE_READER_ROLES)
def site_map():
    args, errors = _site_args()
    all_kinds, kind = _kind_or_first(args)
    if kind is None:
        abort(404)
    return render_template("console/registers/site_map.html", args=args, errors=errors, kind=kind, kinds=all_kinds,
                           counties=counties(), zones=ZONE_NAMES, query=request.args, states=kinds.state_names(kind),
                           uses_map=True)


@page("/registers/sites.geojson", roles=SITE_READER_ROLES)
def site_points():
    """The list's sites (same filters, same scope) as points in the tiles' coordinate system: the shape
    static/js/map.js draws (number, state, url, grid_id)."""
    args, _errors = _site_args()
    coord = _coord_system()
    features, state_names = [], {k.code: kinds.state_names(k) for k in kinds.all_kinds()}
    for site in db.session.execute(sites.list_sites(actor(), args).limit(MAP_LIMIT)).scalars():
        point = location_out(site.lat, site.lng, coord)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [point["lng"], point["lat"]]},
                         "properties": {"id": site.id, "number": f"{site.code} {site.name}", "grid_id": site.grid_id,
                                        "state": state_names[site.kind].get(site.state, site.state),
                                        "url": url_for("console.site_detail", site_id=site.id)}})
    return {"type": "FeatureCollection", "coord_system": coord, "features": features}


@page("/registers/kinds/<kind>/export.xlsx", roles=SITE_READER_ROLES)
def site_export(kind):
    """GET /registers/site-kinds/{kind}/export: the kind's register in the caller's scope."""
    found = kinds.get_kind(kind)
    rows = list(db.session.execute(sites.list_sites(actor(), {"kind": found.code})).scalars())
    return send_file(io.BytesIO(site_sheets.export_xlsx(found, rows)), mimetype=XLSX, as_attachment=True,
                     download_name=f"sites-{found.code}.xlsx")


@page("/registers/kinds/<kind>/template.xlsx", roles=SITE_READER_ROLES)
def site_template(kind):
    found = kinds.get_kind(kind)
    return send_file(io.BytesIO(site_sheets.template_xlsx(found)), mimetype=XLSX, as_attachment=True,
                     download_name=f"sites-{found.code}-template.xlsx")


def _sheet_of_form() -> tuple[bytes, str, bool]:
    """The sheet of an import form: the file chosen (检查), or the checked sheet sent back (确认导入)."""
    commit = request.form.get("mode") == "commit"
    if commit:
        try:
            data = base64.b64decode(request.form.get("sheet", ""), validate=True)
        except (ValueError, binascii.Error):
            raise ValueError("文件内容有误，请重新选择。") from None
        filename = request.form.get("filename") or "upload.xlsx"
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValueError("请选择要导入的 Excel 文件。")
        data, filename = upload.read(), upload.filename
    if not data or len(data) > IMPORT_MAX_BYTES:
        raise ValueError("文件为空或超过 5 MB。")
    return data, filename[:100], commit


def _import_page(run, *, plan, done, back, **page):
    """An import in two steps: 检查 (the service's dry run: every bad row shown, nothing written), then 确认导入 of the
    very sheet checked (the service checks it again and writes all or nothing). `run(data, dry_run, filename)` is
    the service call; `plan(result)` and `done(result)` say what it will do and what it did."""
    shown = {"result": None, "problems": [], "message": None, "checked": None, "filename": None, "plan": None}
    status = 200
    if request.method == "POST":
        try:
            data, shown["filename"], commit = _sheet_of_form()
            result = run(data, not commit, shown["filename"])
        except ValueError as exc:
            shown["message"], status = str(exc), 422
        except AppError as exc:
            if _refusal(exc):
                raise
            shown["message"], status = _zh(exc), exc.status
            shown["problems"] = labels.import_problem_rows((exc.errors or {}).get("file"))
        else:
            if commit:
                flash(done(result))
                return redirect(back)
            shown.update(result=result, plan=plan(result), checked=base64.b64encode(data).decode("ascii"))
    return render_template("console/registers/import.html", back=back, **shown, **page), status


@page("/registers/kinds/<kind>/import", roles=("supervisor",), methods=("GET", "POST"))
def site_import(kind):
    """POST /registers/site-kinds/{kind}/import, checked first."""
    found = kinds.get_kind(kind)
    return _import_page(
        lambda data, dry_run, name: site_sheets.import_sites(found, data, actor(), dry_run=dry_run, source=name),
        plan=lambda r: (r["created"], f"共 {r['rows']} 行：将新增 {r['created']} 处，更新 {r['updated']} 处，"
                                      f"{r['unchanged']} 处不变。"),
        done=lambda r: f"已导入{found.name}台账：新增 {r['created']} 处，更新 {r['updated']} 处，"
                       f"未变 {r['unchanged']} 处。",
        back=url_for("console.site_register", kind=found.code), title=f"导入{found.name}台账",
        about="按编号新增或更新站点", template_url=url_for("console.site_template", kind=found.code),
        back_text=f"返回{found.name}台账")


@page("/registers/problems/import", roles=("supervisor",), methods=("GET", "POST"))
def problem_import():
    """POST /registers/problems/import (中央/省级反馈问题, 审计查出问题), checked first."""
    return _import_page(
        lambda data, dry_run, _name: problem_sheets.import_feedback(data, actor(), dry_run=dry_run),
        plan=lambda r: (r["rows"], f"共 {r['rows']} 行：将登记 {r['rows']} 个问题，按责任清单分派。"),
        done=lambda r: f"已登记 {len(r['case_ids'])} 个问题。",
        back=url_for("console.problem_register"), title="导入反馈问题", about="每行登记一个问题（案件）",
        template_url=url_for("console.problem_template"), back_text="返回问题台账")


# A site -----------------------------------------------------------------------------------------------------------

def _render_site(site_id: int, *, status=200, message=None, failed=None, form=None, errors=None):
    user = actor()
    site = sites.get_site(site_id, user)
    kind = kinds.get_kind(site.kind)
    events = sites.site_events(site.id)
    cases = sites.cases_of_site(site.id)
    documents = sites.documents_of(site.id)
    return render_template(
        "console/registers/site.html", site=sites.site_out(site, "wgs84"), kind=kind,
        units=sites.site_units(site), events=events, cases=cases, recurrences=sites.recurrences_of_site(cases),
        documents=documents, document_names={d.id: d.title for d in documents},
        states=kinds.state_names(kind), people=_people(e.actor_id for e in events),
        may_change=sites.answers_for(user, site), in_campaigns=campaigns.campaigns_of_site(site),
        categories={c.code: c.name for c in all_categories()}, zones=ZONE_NAMES,
        message=message, failed=failed, form=form or {}, errors=errors or {}, uses_map=True), status


@page("/registers/sites/<int:site_id>", roles=SITE_READER_ROLES)
def site_detail(site_id):
    return _render_site(site_id)


@page("/registers/sites/<int:site_id>/state", roles=("supervisor", "officer"), methods=("POST",))
def site_state(site_id):
    """POST /registers/sites/{id}/state with the version the page was rendered at (If-Match)."""
    form = request.form
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = -1
    raw = {"state": form.get("state") or None, "reason": form.get("reason") or None,
           "evidence": [int(v) for v in form.getlist("evidence") if v.isdecimal()]}
    _, refused = attempt(lambda: sites.change_state(
        site_id, actor(), schemas.StateIn().load({k: v for k, v in raw.items() if v is not None}),
        expected_version=version))
    if refused and refused.stale:
        return _render_site(site_id, status=409, failed="state", form=form,
                            message="站点已被他人更新，以下是最新内容，请确认后重新操作。")
    if refused:
        return _render_site(site_id, status=refused.status, failed="state", form=form, errors=refused.errors,
                            message=refused.message)
    flash("已变更站点状态。")
    return redirect(url_for("console.site_detail", site_id=site_id))


@page("/registers/sites/<int:site_id>/documents", roles=("supervisor", "officer"), methods=("POST",))
def site_document_add(site_id):
    """POST /registers/sites/{id}/documents: a PDF or photo into the site's file (一站一书)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_site(site_id, status=422, failed="document", errors={"file": ["请选择文件。"]},
                            message=labels.error_text("validation_failed", ""))
    _, refused = attempt(lambda: sites.add_document(site_id, actor(), upload.stream, upload.filename,
                                                    request.form.get("title") or None))
    if refused:
        return _render_site(site_id, status=refused.status, failed="document", form=request.form,
                            errors={"file": [refused.message]}, message=refused.message)
    flash("已加入站点档案。")
    return redirect(url_for("console.site_detail", site_id=site_id))


@page("/registers/sites/<int:site_id>/documents/<int:document_id>", roles=SITE_READER_ROLES)
def site_document(site_id, document_id):
    document, body = sites.document_file(site_id, document_id, actor())
    response = send_file(io.BytesIO(body), mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# 专项整治 -------------------------------------------------------------------------------------------------------------

@page("/registers/campaigns", title="专项整治", roles=SITE_READER_ROLES, order=72)
def campaign_list():
    args, _errors = _list_args(schemas.PageArgs)
    found = paginate(campaigns.campaigns_query(), args["page"], args["page_size"])
    return render_template("console/registers/campaigns.html", found=found, query=request.args,
                           kinds={k.code: k.name for k in kinds.all_kinds()})


def _progress_args() -> tuple[dict, dict]:
    raw = {k: v for k, v in request.args.items() if v and k in ("as_of", "county")}
    try:
        return schemas.ProgressArgs().load(raw), {}
    except ma.ValidationError as exc:
        return {}, exc.messages


@page("/registers/campaigns/<int:campaign_id>", roles=SITE_READER_ROLES)
def campaign_detail(campaign_id):
    return _render_campaign(campaign_id)


def _render_campaign(campaign_id: int, *, status=200, message=None, failed=None, form=None, errors=None):
    """GET …/progress (as of a day, a county), …/overdue, and the campaign's sites with their step."""
    user = actor()
    campaign = campaigns.get_campaign(campaign_id)
    args, arg_errors = _progress_args()
    as_of = args.get("as_of") or cst_date(utcnow())
    figures = campaigns.progress(campaign.id, as_of, actor=user, county=args.get("county"))
    overdue = list(db.session.execute(campaigns.overdue_query(campaign.id, user).limit(200)).scalars())
    listed = campaigns.campaign_sites(campaign.id, user, county=args.get("county"))
    names = {site.id: site for site, _steps in listed}
    chart = {"counties": [row["name"] or "秦岭范围外" for row in figures["counties"]],
             "series": [{"name": title, "data": [row[key] for row in figures["counties"]]}
                        for key, title in (("sites", "站点"), ("surveyed", "已排查"), ("accepted", "已验收"),
                                           ("closed", "已销号"), ("overdue", "超期"))]}
    return render_template("console/registers/campaign.html", campaign=campaigns.campaign_out(campaign),
                           figures=figures, as_of=as_of, args=args, errors=arg_errors, overdue=overdue, sites=listed,
                           site_names=names, counties=counties(), kind=kinds.get_kind(campaign.kind),
                           steps=STEPS, step_names=STEP_NAMES, zones=ZONE_NAMES, chart=chart,
                           next_steps=campaigns.next_steps, uses_chart=True, message=message, failed=failed,
                           form=form or {}, form_errors=errors or {}), status


@page("/registers/campaigns/<int:campaign_id>/overdue/<int:overdue_id>/supervise", roles=("supervisor",),
      methods=("POST",))
def campaign_supervise(campaign_id, overdue_id):
    """POST …/overdue/{id}/supervise: 督办 an overdue step (city or county level, by when)."""
    form = request.form
    _, refused = attempt(lambda: campaigns.supervise_overdue(
        campaign_id, overdue_id, actor(), schemas.SuperviseIn().load({k: form.get(k) for k in ("level", "due")
                                                                      if form.get(k)})),
        propagate=(404,))  # a level that is not theirs is said on the form
    if refused:
        return _render_campaign(campaign_id, status=refused.status, failed=overdue_id, form=form,
                                errors=refused.errors, message=refused.message)
    flash("已督办。")
    return redirect(url_for("console.campaign_detail", campaign_id=campaign_id))


def _render_steps(campaign_id: int, site_id: int, *, status=200, message=None, form=None, errors=None):
    user = actor()
    campaign = campaigns.get_campaign(campaign_id)
    site = sites.get_site(site_id, user)
    recorded = campaigns.site_steps(campaign.id, site.id, user)
    done = {s.step: s for s in recorded}
    photos = {}
    for step in recorded:
        shown = []
        for upload_id in step.photo_ids:
            try:
                shown.append(upload_out(get_upload(user, upload_id), "wgs84", user))
            except AppError:
                continue
        photos[step.id] = shown
    if not campaigns.in_campaign(campaign, site):
        abort(404)
    may = [s for s in campaigns.next_steps(done) if campaigns.may_record(user, site, s, done)]
    return render_template("console/registers/steps.html", campaign=campaign, site=sites.site_out(site, "wgs84"),
                           recorded=recorded, photos=photos, may=may, step_names=STEP_NAMES,
                           people=_people(s.actor_id for s in recorded), today=cst_date(utcnow()),
                           message=message, form=form or {}, errors=errors or {}), status


@page("/registers/campaigns/<int:campaign_id>/sites/<int:site_id>", roles=SITE_READER_ROLES)
def campaign_site(campaign_id, site_id):
    return _render_steps(campaign_id, site_id)


@page("/registers/campaigns/<int:campaign_id>/sites/<int:site_id>/steps", roles=("supervisor", "officer", "inspector"),
      methods=("POST",))
def campaign_step(campaign_id, site_id):
    """POST …/sites/{site}/steps/{step}: 排查 / 整改 / 验收 (photos taken on site) / 销号."""
    form = request.form
    step = form.get("step", "")
    if step not in STEPS:
        return _render_steps(campaign_id, site_id, status=422, form=form, errors={"step": ["请选择环节。"]},
                             message=labels.error_text("validation_failed", ""))
    raw = {"compliant": form.get("compliant") == "true", "measures": form.get("measures") or None,
           "deadline": form.get("deadline") or None, "note": form.get("note") or None}

    def record():
        data = schemas.StepIn().load({k: v for k, v in raw.items() if v is not None})
        photos = [f for f in request.files.getlist(PHOTO_FIELD) if f and f.filename]
        if photos:
            data["photo_ids"] = [create_upload(actor().id, f.stream, "evidence").id for f in photos]
        return campaigns.record_step(campaign_id, site_id, step, actor(), data)

    _, refused = attempt(record)
    if refused:
        return _render_steps(campaign_id, site_id, status=refused.status, form=form, errors=refused.errors,
                             message=refused.message)
    flash(f"已记录{STEP_NAMES[step]}。")
    return redirect(url_for("console.campaign_site", campaign_id=campaign_id, site_id=site_id))
