"""责任清单 in the console: versions (active, drafts, history), a draft's rules as an editable table, validation and
gaps before activation, activation against the version the page was rendered at, XLSX export and import, a draft's
diff against the active version, and the routing preview. Every step calls `reporter.routing.versions` / `sheets` /
`services` exactly as `reporter/routing/api.py` does, with the signed-in official as the actor."""
import io
import re

import marshmallow as ma
from flask import flash, redirect, render_template, request, send_file, url_for

from reporter.common.spreadsheets import XLSX
from reporter.console import labels
from reporter.console.pages import Refused, actor, attempt, page
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.geo import services as geo
from reporter.geo.models import ZONE_LEVELS
from reporter.org.services import unit_kinds
from reporter.routing import schemas, sheets, versions
from reporter.routing.api import READERS
from reporter.routing.models import STAGES
from reporter.routing.reference import DEFAULT_DAYS
from reporter.routing.services import all_categories, route

STALE = "责任清单已被他人修改，以下是最新内容，请确认后重新操作。"
_ERRORS = {"invalid_transition": "只有草稿可以修改、生效或删除；已生效和已停用的版本保持原样。"}
_SPLIT = re.compile(r"[、,，;；\s]+")


def _expected() -> int:
    """The version counter the page was rendered at (the console's If-Match); -1 when missing, which is stale."""
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return -1


def _words(error: str, message: str) -> str:
    return _ERRORS.get(error) or labels.error_text(error, message)


def _choices() -> dict:
    kinds = unit_kinds()
    return {"categories": all_categories(), "counties": geo.counties(), "zones": ZONE_LEVELS, "kinds": kinds,
            "kind_names": {k.code: k.name for k in kinds}, "stages": STAGES}


# Versions ----------------------------------------------------------------------------------------------------------

@page("/rlist", title="责任清单", roles=READERS, order=80)
def rlist_versions():
    return _render_versions()


def _render_versions(status=200, message=None):
    found = list(db.session.execute(versions.versions_query()).scalars())
    groups = {state: [v for v in found if v.status == state] for state in ("active", "draft", "retired")}
    return render_template("console/rlist/versions.html", groups=groups, message=message), status


@page("/rlist/drafts", roles=("admin",), methods=("POST",))
def rlist_draft_new():
    """新建草稿: a copy of the active version (refused while another draft is open)."""
    draft, refused = attempt(lambda: versions.create_draft(actor_id=actor().id,
                                                           title=request.form.get("title", "").strip()[:200]), _words)
    if refused:
        return _render_versions(refused.status, refused.message)
    flash(f"已新建草稿第{draft.number}版。")
    return redirect(url_for("console.rlist_version", version_id=draft.id))


@page("/rlist/<int:version_id>", roles=READERS)
def rlist_version(version_id):
    return _render_version(versions.get_version(version_id))


def _render_version(version, *, status=200, message=None, rule_errors=None, rule_forms=None, activate_errors=None,
                    import_errors=None):
    """A version: its rules (a draft's as an editable table), and for a draft its validation, gaps and diff."""
    draft = version.status == "draft"
    choices = _choices()
    report = versions.validation_report(version) if draft else None
    rule_errors, rule_forms = rule_errors or {}, rule_forms or {}
    rows = []
    for rule in version.rules:
        key = str(rule.id)
        rows.append({"key": key, "id": rule.id, "position": rule.position,
                     "values": rule_forms.get(key) or _as_text(rule, choices["kind_names"]),
                     "errors": rule_errors.get(key) or (report["errors"].get(key) if report else None) or {}})
    blank = {f"{stage}_days": str(DEFAULT_DAYS[f"{stage}_days"]) for stage in STAGES}
    new_row = {"key": "new", "values": rule_forms.get("new") or blank, "errors": rule_errors.get("new") or {}}
    return render_template(
        "console/rlist/version.html", version=version, rows=rows, new_row=new_row, draft=draft, message=message,
        report=report, diff=versions.diff(version, versions.active_version()) if draft else None,
        activate_errors=activate_errors or {}, import_errors=import_errors, **choices), status


def _as_text(rule, kind_names: dict) -> dict:
    """A rule as the table's fields show it: unit kinds by their Chinese names."""
    values = {name: "" if getattr(rule, name) is None else str(getattr(rule, name)) for name in versions.RULE_FIELDS}
    for name in ("lead_kinds", "cooperating_kinds"):
        values[name] = "、".join(kind_names.get(k, k) for k in getattr(rule, name))
    return values


def _rule_from_form(form) -> tuple[dict | None, dict]:
    """A rule row from a table row's fields (kinds by their Chinese names or codes), through the API's RuleIn."""
    kinds = unit_kinds()
    by_name = {k.name: k.code for k in kinds} | {k.code: k.code for k in kinds}
    raw, errors = {}, {}
    for name in ("lead_kinds", "cooperating_kinds"):
        words = [w for w in _SPLIT.split(form.get(name, "")) if w]
        unknown = [w for w in words if w not in by_name]
        if unknown:
            errors[name] = [f"未知的单位类型：{'、'.join(unknown)}"]
        raw[name] = [by_name[w] for w in words if w in by_name]
    raw.update({"category": form.get("category", ""), "zone": form.get("zone") or None,
                "county_adcode": form.get("county_adcode") or None, "note": form.get("note", "")})
    for stage in STAGES:
        raw[f"{stage}_days"] = form.get(f"{stage}_days", "").strip()
    try:
        row = schemas.RuleIn().load(raw)
    except ma.ValidationError as exc:
        return None, {**exc.messages, **errors}
    return (None, errors) if errors else (row, {})


def _render_refused(version_id: int, refused: Refused, **shown):
    """The version again as stored, with why the step was refused (a stale page: 409 and the reload sentence)."""
    if refused.stale:
        return _render_version(versions.get_version(version_id), status=409, message=STALE)
    return _render_version(versions.get_version(version_id), status=refused.status, message=refused.message, **shown)


def _rule_step(version_id: int, key: str, step):
    """Run a rule edit; re-render the version with the row's errors (or the stale-page message) when refused."""
    _, refused = attempt(step, _words)
    if refused:
        return _render_refused(version_id, refused, rule_errors={key: refused.errors or {"_": [refused.message]}},
                               rule_forms={key: request.form})
    return redirect(url_for("console.rlist_version", version_id=version_id, _anchor=f"rule-{key}"))


def _refused_row(version_id: int, key: str, errors: dict):
    return _render_refused(version_id, Refused(422, labels.error_text("validation_failed", ""), errors),
                           rule_errors={key: errors}, rule_forms={key: request.form})


@page("/rlist/<int:version_id>/rules", roles=("admin",), methods=("POST",))
def rlist_rule_add(version_id):
    row, errors = _rule_from_form(request.form)
    if errors:
        return _refused_row(version_id, "new", errors)
    return _rule_step(version_id, "new", lambda: versions.add_rule(version_id, row, expected=_expected(),
                                                                   actor_id=actor().id))


@page("/rlist/<int:version_id>/rules/<int:rule_id>", roles=("admin",), methods=("POST",))
def rlist_rule_edit(version_id, rule_id):
    """保存 or 删除 one row of a draft's table."""
    key = str(rule_id)
    if request.form.get("op") == "delete":
        return _rule_step(version_id, key, lambda: versions.delete_rule(version_id, rule_id, expected=_expected(),
                                                                        actor_id=actor().id))
    row, errors = _rule_from_form(request.form)
    if errors:
        return _refused_row(version_id, key, errors)
    return _rule_step(version_id, key, lambda: versions.update_rule(version_id, rule_id, row, expected=_expected(),
                                                                    actor_id=actor().id))


@page("/rlist/<int:version_id>/activate", roles=("admin",), methods=("POST",))
def rlist_activate(version_id):
    """生效: gaps refuse it unless forced with a reason (the service decides)."""
    form = request.form
    force, reason = form.get("force") == "true", form.get("reason", "").strip() or None
    version, refused = attempt(lambda: versions.activate(version_id, expected=_expected(), actor_id=actor().id,
                                                         force=force, reason=reason), _words)
    if refused:
        return _render_refused(version_id, refused, activate_errors=refused.errors)
    flash(f"第{version.number}版已生效。")
    return redirect(url_for("console.rlist_version", version_id=version.id))


@page("/rlist/<int:version_id>/discard", roles=("admin",), methods=("POST",))
def rlist_discard(version_id):
    _, refused = attempt(lambda: versions.discard_draft(version_id, expected=_expected(), actor_id=actor().id),
                         _words)
    if refused:
        return _render_refused(version_id, refused)
    flash("草稿已删除。")
    return redirect(url_for("console.rlist_versions"))


# XLSX --------------------------------------------------------------------------------------------------------------

@page("/rlist/<int:version_id>/export.xlsx", roles=READERS)
def rlist_export(version_id):
    version = versions.get_version(version_id)
    return send_file(io.BytesIO(sheets.export_xlsx(version)), mimetype=XLSX, as_attachment=True,
                     download_name=f"responsibility-list-v{version.number}.xlsx")


@page("/rlist/<int:version_id>/import", roles=("admin",), methods=("POST",))
def rlist_import(version_id):
    """Replace a draft's rules with a workbook; a bad file changes nothing and its errors are listed row by row."""
    expected = _expected()
    upload = request.files.get("file")

    def step():
        versions.check_editable(version_id, expected)
        if upload is None or not upload.filename:
            raise ValidationFailed("请选择要导入的 XLSX 文件。")
        rows = sheets.parse_upload(upload.filename, upload.read())
        return versions.replace_rules(version_id, rows, expected=expected, actor_id=actor().id, source=upload.filename)

    version, refused = attempt(step, _words)
    if refused:
        problems = labels.import_problem_rows(refused.details.get("file"))
        return _render_refused(version_id, refused,
                               import_errors=problems or [{"row": "", "column": "", "problem": refused.message}])
    flash(f"已导入 {len(version.rules)} 条规则。")
    return redirect(url_for("console.rlist_version", version_id=version_id))


# Routing preview ---------------------------------------------------------------------------------------------------

@page("/rlist/preview", title="分派预览", roles=READERS, order=81)
def rlist_preview():
    """Pick a point and a category: where a case would go under the active version, and why."""
    query, result, errors = request.args, None, {}
    if query.get("category") or query.get("lat"):
        raw = {"category": query.get("category", ""), "location": {
            "lat": query.get("lat", ""), "lng": query.get("lng", ""), "coord_system": query.get("coord_system") or
            "wgs84"}}

        def step():
            data = schemas.PreviewIn().load(raw)
            point = data["location"]
            return route(data["category"], point["lat"], point["lng"]).snapshot()

        result, refused = attempt(step, _words)
        if refused:
            errors = dict(refused.errors) or {"_": [refused.message]}
    if "location" in errors and isinstance(errors["location"], dict):
        errors.update({f"location.{k}": v for k, v in errors.pop("location").items()})
    return render_template("console/rlist/preview.html", query=query, result=result, errors=errors,
                           categories=all_categories()), 422 if errors else 200


@page("/rlist/preview/counties.geojson", roles=READERS)
def rlist_counties():
    """The county outlines the preview's map is drawn on (the case map's are for case readers; an admin is not)."""
    coord = "gcj02" if request.args.get("coord_system") == "gcj02" else "wgs84"
    return geo.feature_collection(geo.counties(), coord, lambda c: {"adcode": c.adcode, "name": c.name})
