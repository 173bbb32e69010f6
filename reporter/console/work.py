"""我的待办: each role's work lists, counted through the same services the lists use.

Case work is a filter of the case list (GET /cases); register work (回头看 to re-check, campaign steps past their
deadline) is counted by the registers' own queries and links to their pages when the console has them.
"""
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.cases import schemas as case_schemas
from reporter.cases import services as cases
from reporter.common.timeutil import cst_date, utcnow
from reporter.extensions import db
from reporter.registers import campaigns, rechecks

# (title, the case list's query) per role; a count and a link to the filtered list each.
WORK = {
    "supervisor": [("待受理", {"status": "submitted"}),
                   ("待派遣", {"status": "accepted", "returned": "false"}),
                   ("退回待重派", {"status": "accepted", "returned": "true"}),
                   ("待核查结果", {"status": "pending_verification"}),
                   ("待结案", {"status": "verified"}),
                   ("超期", {"overdue": "true"}),
                   ("督办", {"supervised": "true", "status": "submitted,accepted,dispatched,in_progress,"
                                                             "pending_verification,verified"}),
                   ("延期申请", {"extension": "pending"}),
                   ("疑似反弹回潮", {"recurrence": "pending"})],
    "officer": [("待签收", {"status": "dispatched"}),
                ("处置中", {"status": "in_progress", "sort": "deadline"}),
                ("被核查退回", {"status": "in_progress", "reworked": "true"})],
    "inspector": [("待现场核查", {"status": "pending_verification", "sort": "deadline"})],
}
ROLE_TITLES = {"supervisor": "秦岭办", "officer": "经办人", "inspector": "网格员"}


def _tomorrow():
    return cst_date(utcnow()) + timedelta(days=1)


# (title, the register query counted for the user, the console page listing it — if the console has one)
REGISTER_WORK = {
    "supervisor": [("回头看待复核", lambda user: rechecks.pending_query(user), "console.recheck_list"),
                   ("回头看已到期", lambda user: rechecks.pending_query(user, due_before=_tomorrow()),
                    "console.recheck_list"),
                   ("专项整治超期", campaigns.open_overdue_query, "console.campaign_list")],
    "inspector": [("回头看待复核", rechecks.tasks_query, "console.recheck_list")],
}


def _count(stmt) -> int:
    return db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def _case_item(user: User, title: str, query: dict) -> dict:
    args = case_schemas.CaseListArgs().load(query)
    return {"title": title, "count": _count(cases.list_cases(user, args)),
            "url": url_for("console.case_list", **query)}


def _register_item(user: User, title: str, query, endpoint: str) -> dict:
    url = url_for(endpoint) if endpoint in current_app.view_functions else None
    return {"title": title, "count": _count(query(user)), "url": url}


def for_user(user: User) -> list[dict]:
    """The user's work lists, per role they hold: title, count and the link to the list."""
    groups = []
    for role, lists in WORK.items():
        if not user.has_role(role):
            continue
        items = [_case_item(user, title, query) for title, query in lists]
        items += [_register_item(user, *entry) for entry in REGISTER_WORK.get(role, [])]
        groups.append({"role": role, "title": ROLE_TITLES[role], "items": items})
    return groups
