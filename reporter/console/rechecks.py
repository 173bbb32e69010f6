"""回头看 at the console: supervisors schedule a re-check of closed problems and follow its items; the grid's
inspector (or a supervisor) records what they found on site — `failed` reopens the case. Each page calls the service
`GET/POST /registers/rechecks…` calls, with the signed-in user."""
from flask import flash, redirect, render_template, request, url_for

from reporter.cases.models import SOURCE_NAMES
from reporter.cases.scope import READ_ALL_ROLES
from reporter.common.pagination import paginate
from reporter.common.timeutil import cst_date, utcnow
from reporter.console import labels
from reporter.console.pages import actor, attempt, page
from reporter.console.views import PHOTO_FIELD
from reporter.extensions import db
from reporter.media.services import create_upload
from reporter.registers import rechecks, schemas
from reporter.registers.rechecks import RESULT_NAMES
from reporter.routing.services import all_categories

READERS = ("supervisor", "inspector", *READ_ALL_ROLES)
TASKS_SHOWN = 200  # an inspector's waiting items shown at once (oldest first)
STATUS_NAMES = {"pending": "待复核", "confirmed": "整改到位", "failed": "未到位，已重新办理"}


def _page_number() -> int:
    return max(1, int(request.args["page"])) if request.args.get("page", "").isdecimal() else 1


def _render_list(*, status=200, form=None, errors=None, message=None):
    user = actor()
    batches = paginate(rechecks.batches_query(user), _page_number(), 20) \
        if user.has_role("supervisor", *READ_ALL_ROLES) else None
    tasks = list(db.session.execute(rechecks.tasks_query(user).limit(TASKS_SHOWN)).scalars()) \
        if user.has_role("inspector") else None
    return render_template("console/registers/rechecks.html", batches=batches, tasks=tasks, form=form or {},
                           errors=errors or {}, message=message, sources=SOURCE_NAMES, categories=all_categories(),
                           status_names=STATUS_NAMES, today=cst_date(utcnow()), query=request.args), status


@page("/registers/rechecks", title="回头看", roles=READERS, order=73)
def recheck_list():
    """Batches in the caller's scope (supervisors, readers) and the items waiting in the inspector's grids."""
    return _render_list()


@page("/registers/rechecks/new", roles=("supervisor",), methods=("POST",))
def recheck_schedule():
    """POST /registers/rechecks: all closed problems of a source (county, category), or a random sample."""
    form = request.form
    raw = {key: form.get(key) for key in ("title", "source", "county_adcode", "category", "sample", "due_on")
           if form.get(key)}
    batch, refused = attempt(lambda: rechecks.schedule(actor(), schemas.RecheckIn().load(raw)), _words)
    if refused:
        return _render_list(status=refused.status, form=form, errors=refused.errors, message=refused.message)
    flash(f"已安排回头看「{batch.title}」。")
    return redirect(url_for("console.recheck_detail", batch_id=batch.id))


def _words(error: str, message: str) -> str:
    if error == "nothing_to_recheck":
        return "范围内没有可回头看的已结案问题，或都已在回头看中。"
    if error == "no_supervisor":
        return "没有在岗的督查人员可以重新办理该案件，复核结果未记录；请先配置督查账号。"
    return labels.error_text(error, message)


def _render_batch(batch_id: int, *, status=200, failed_item=None, errors=None, message=None):
    batch, items = rechecks.batch_items(batch_id, actor())
    return render_template("console/registers/recheck.html", batch=batch, items=items, status_names=STATUS_NAMES,
                           sources=SOURCE_NAMES, failed_item=failed_item, errors=errors or {}, message=message,
                           may_record=actor().has_role("supervisor", "inspector")), status


@page("/registers/rechecks/<int:batch_id>", roles=READERS)
def recheck_detail(batch_id):
    return _render_batch(batch_id)


@page("/registers/rechecks/items/<int:item_id>", roles=("supervisor", "inspector"), methods=("POST",))
def recheck_result(item_id):
    """POST /registers/rechecks/items/{id}: the on-site finding, with photos taken there."""
    form = request.form
    back = int(form["batch_id"]) if form.get("batch_id", "").isdecimal() else None
    raw = {"result": form.get("result") or None, "note": form.get("note") or None}

    def step():
        data = schemas.RecheckResultIn().load({k: v for k, v in raw.items() if v is not None})
        photos = [f for f in request.files.getlist(PHOTO_FIELD) if f and f.filename]
        if photos:
            data["photo_ids"] = [create_upload(actor().id, f.stream, "evidence").id for f in photos]
        return rechecks.record_result(item_id, actor(), data)

    item, refused = attempt(step, _words)
    if refused and back is None:
        return _render_list(status=refused.status, errors={item_id: refused.errors}, message=refused.message)
    if refused:
        return _render_batch(back, status=refused.status, failed_item=item_id, errors=refused.errors,
                             message=refused.message)
    flash(f"已记录：{RESULT_NAMES[item.status]}。")
    return redirect(url_for("console.recheck_detail", batch_id=item.batch_id) if back
                    else url_for("console.recheck_list"))
