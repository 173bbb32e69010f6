"""我的待办: each role's work lists as filters of the case list (GET /cases), counted through the same service."""
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.cases import schemas as case_schemas
from reporter.cases import services as cases
from reporter.extensions import db

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


def _count(user: User, query: dict) -> int:
    args = case_schemas.CaseListArgs().load(query)
    stmt = cases.list_cases(user, args).order_by(None)
    return db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def for_user(user: User) -> list[dict]:
    """The user's work lists, per role they hold: title, count and the list's query."""
    return [{"role": role, "title": ROLE_TITLES[role],
             "items": [{"title": title, "query": query, "count": _count(user, query)} for title, query in lists]}
            for role, lists in WORK.items() if user.has_role(role)]
