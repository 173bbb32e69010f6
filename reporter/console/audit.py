"""Audit pages (read only: nothing here changes anything): the audit log with its filters (GET /audit-events) and a
case's full history — its workflow events and every audit event about it or its reports."""
from datetime import date, timedelta

import marshmallow as ma
from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import false

from reporter.accounts import services as accounts
from reporter.accounts.models import User
from reporter.accounts.roles import ADMIN, AUDITOR, RESIDENT
from reporter.audit import schemas as audit_schemas
from reporter.audit import services as audit
from reporter.cases import schemas as case_schemas
from reporter.cases import services as cases
from reporter.common.pagination import paginate
from reporter.console.pages import actor, page
from reporter.extensions import db
from reporter.reports.services import reports_of_case

AUDIT_READERS = (AUDITOR, ADMIN)  # GET /audit-events
HISTORY_READERS = (AUDITOR,)      # a case's history: auditors read every case (cases.scope.READ_ALL_ROLES)
CST = "T00:00:00+08:00"


def _day(text: str | None, errors: dict, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = ["日期格式应为 年-月-日。"]
        return None


def _actor_id(name: str | None, errors: dict) -> int | None:
    """The account a username (or display name) names, through the admin users' search."""
    if not name:
        return None
    if name.isdecimal():
        return int(name)
    found = [u for u in db.session.execute(accounts.users_query({"q": name})).scalars()
             if name in (u.username, u.display_name)]
    if not found:
        errors["actor"] = ["没有这个账号。"]
        return None
    return found[0].id


def _log_args() -> tuple[dict, dict]:
    """The page's filters (操作人, 操作, 对象, 对象编号, 起止日期 in China time) as GET /audit-events's arguments."""
    q, errors = request.args, {}
    since, until = _day(q.get("from"), errors, "from"), _day(q.get("to"), errors, "to")
    raw = {key: q[key] for key in ("action", "target_type", "target_id", "page", "page_size") if q.get(key)}
    actor_id = _actor_id((q.get("actor") or "").strip(), errors)
    if actor_id is not None:
        raw["actor_id"] = actor_id
    if since:
        raw["from"] = since.isoformat() + CST
    if until:  # the whole last day
        raw["to"] = (until + timedelta(days=1)).isoformat() + CST
    try:
        return audit_schemas.AuditArgs().load(raw), errors
    except ma.ValidationError as exc:
        return audit_schemas.AuditArgs().load({}), {**errors, **exc.messages}


def people_of(actor_ids) -> dict[int, User]:
    """The staff accounts behind these ids (a resident's account is never named: anonymous reporters stay so)."""
    found = {uid: db.session.get(User, uid) for uid in sorted({i for i in actor_ids if i})}
    return {uid: user for uid, user in found.items() if user is not None and set(user.roles) - {RESIDENT}}


@page("/audit", title="审计日志", roles=AUDIT_READERS, order=97)
def audit_log():
    args, errors = _log_args()
    stmt = audit.events_query(args)
    if errors.get("actor"):  # an actor no account has: no event, rather than everyone's
        stmt = stmt.where(false())
    found = paginate(stmt, args["page"], args["page_size"])
    return render_template("console/audit/log.html", found=found, errors=errors, query=request.args,
                           people=people_of(e.actor_id for e in found["items"]))


@page("/audit/cases", roles=HISTORY_READERS)
def audit_case_lookup():
    """案件编号 (or id) → that case's history, through the case list's search (the reader's scope)."""
    number = (request.args.get("number") or "").strip()
    if number:
        args = case_schemas.CaseListArgs().load({"q": number[:100]})
        for case in db.session.execute(cases.list_cases(actor(), args).limit(20)).scalars():
            if number in (case.number, str(case.id)):
                return redirect(url_for("console.audit_case", case_id=case.id))
    abort(404)


@page("/audit/cases/<int:case_id>", roles=HISTORY_READERS)
def audit_case(case_id):
    case = cases.get_case(case_id, actor())
    events = cases.case_events(case.id)
    reports = reports_of_case(case.id)
    audited = list(db.session.execute(audit.events_query({"target_type": "case", "target_id": str(case.id)}))
                   .scalars())
    for report in reports:
        audited += db.session.execute(audit.events_query({"target_type": "report", "target_id": str(report.id)})) \
            .scalars()
    audited.sort(key=lambda e: e.id)
    return render_template("console/audit/case.html", case=case, events=events, audited=audited,
                           people=people_of([e.actor_id for e in events] + [e.actor_id for e in audited]))
