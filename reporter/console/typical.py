"""典型案例 in the console: pick a closed case, write title and summary, pick photos; the personal-data check's
findings shown inline and the public page previewed before publishing (`publicity.preview`, the same checks as
`publicity.publish`, which `POST /stats/typical-cases` calls); the published page as the public sees it; withdraw
with a reason (`publicity.withdraw`)."""
import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from reporter.cases import schemas as case_schemas
from reporter.cases import services as cases
from reporter.console import labels
from reporter.console.pages import actor, page
from reporter.errors import AppError
from reporter.extensions import db
from reporter.routing.services import all_categories
from reporter.stats import publicity
from reporter.stats import schemas as stats_schemas
from reporter.stats.models import PublishedCase

ROLES = ("supervisor",)
CLOSED_SHOWN = 50  # the newest closed cases offered for publication


@page("/typical", title="典型案例", roles=ROLES, order=85)
def typical_list():
    """Published typical cases (public, newest first) and the supervisor's closed cases not yet published."""
    published = list(db.session.execute(publicity.public_query()).scalars())
    taken = set(db.session.execute(select(PublishedCase.case_id)).scalars())
    args = case_schemas.CaseListArgs().load({"status": "closed"})
    closed = [c for c in db.session.execute(cases.list_cases(actor(), args).limit(CLOSED_SHOWN)).scalars()
              if c.id not in taken]
    return render_template("console/typical/list.html", published=[publicity.public_view(p) for p in published],
                           closed=closed, category_names={c.code: c.name for c in all_categories()})


def _photos(case) -> list[dict]:
    return cases.case_photos(case, "wgs84", actor())


@page("/typical/new/<int:case_id>", roles=ROLES, methods=("GET", "POST"))
def typical_new(case_id):
    """The publication form: 检查并预览 runs every check and shows the public page; 发布 publishes."""
    case = cases.get_case(case_id, actor())  # 404 outside the supervisor's scope
    form, errors, preview, message, status = request.form, {}, None, None, 200
    if request.method == "POST":
        try:
            data = stats_schemas.PublishIn().load({
                "case_id": case_id, "title": form.get("title", "").strip(), "summary": form.get("summary", "").strip(),
                "photo_ids": form.getlist("photo_ids")})
            fields = {"title": data["title"], "summary": data["summary"], "photo_ids": data["photo_ids"]}
            if form.get("op") == "publish":
                published = publicity.publish(actor(), case_id, **fields)
                flash("典型案例已发布。以下是公众看到的页面。")
                return redirect(url_for("console.typical_detail", published_id=published.id))
            preview = publicity.preview(actor(), case_id, **fields)
        except ma.ValidationError as exc:
            errors, status = exc.messages, 422
        except AppError as exc:
            if exc.status in (403, 404):
                raise
            errors = {name: [labels.personal_finding(p) for p in problems] if isinstance(problems, list) else problems
                      for name, problems in ((exc.errors or {}).get("json") or {}).items()}
            message, status = labels.error_text(exc.error, exc.message), exc.status
    return render_template("console/typical/new.html", case=case, photos=_photos(case), form=form, errors=errors,
                           preview=preview, message=message), status


@page("/typical/<int:published_id>", roles=ROLES)
def typical_detail(published_id):
    """The published page exactly as the public reads it (`GET /public/cases/<id>`), and the withdraw form."""
    return _render_detail(publicity.get_public(published_id))


def _render_detail(published, *, errors=None, status=200):
    return render_template("console/typical/detail.html", view=publicity.public_view(published),
                           published=published, errors=errors or {}), status


@page("/typical/<int:published_id>/withdraw", roles=ROLES, methods=("POST",))
def typical_withdraw(published_id):
    published = publicity.get_public(published_id)
    try:
        data = stats_schemas.WithdrawIn().load({"reason": request.form.get("reason", "").strip()})
    except ma.ValidationError as exc:
        return _render_detail(published, errors=exc.messages, status=422)
    publicity.withdraw(actor(), published_id, data["reason"])
    flash("典型案例已撤下，公众不再能看到。")
    return redirect(url_for("console.typical_list"))
