"""奖励: the reward desk's pages. Each parses its form, calls the service `reporter.rewards.api` calls and renders.

Two people decide a reward and a third pays it (the services refuse the same person); approving, paying, raising a
budget and registering an ID number ask for the password again (fresh sign-in). The reporter is "举报人" on every
page (never an account, nickname or tracking code); the payee appears only on the payment page, and every view of
it is audited by `services.payee_details`.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import wraps

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.accounts.roles import ADMIN, AUDITOR, REWARD_APPROVER, REWARD_OFFICER, STAFF_ROLES
from reporter.common.pagination import paginate
from reporter.common.timeutil import CST, FIRST_YEAR, LAST_YEAR, utcnow
from reporter.console import labels
from reporter.console.pages import actor, error_page, page
from reporter.errors import AppError, Forbidden, NotFound
from reporter.extensions import db
from reporter.rewards import integrity, ledger, policies, schemas, services
from reporter.rewards.models import REWARD_STATES
from reporter.rewards.workflow import TRANSITIONS

DESK = (REWARD_OFFICER, REWARD_APPROVER, AUDITOR)  # who reads the desk (the API's DESK)
PAGE_SIZE = 20
# The desk's one-form actions (approve and pay have pages of their own: they need a fresh sign-in).
FORM_ACTIONS = {"propose": schemas.ProposeIn, "reject": schemas.RejectIn, "notify": None}


def _in_words(view):
    """A refusal that leaves the page (unknown reward, wrong role, not claimed) in the reward desk's words."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except AppError as exc:
            return error_page(exc.status, "", labels.reward_error_text(exc.error, exc.message))

    return wrapper


def _fen(text: str | None) -> int | None:
    """Yuan typed by an official ("500", "1,200.50") as fen; None when it is not an amount."""
    try:
        value = Decimal((text or "").replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _version(form) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        return -1


def _may(user: User, action: str) -> bool:
    """Whether the user's roles may take the action (the API's role check of its endpoint)."""
    roles = TRANSITIONS[action].roles
    return user.has_role(*roles) if action != "pay" else True  # pay: the policy's finance roles, checked by the service


def _error_fields(exc: AppError | ma.ValidationError) -> dict:
    if isinstance(exc, ma.ValidationError):
        return exc.messages
    return (exc.errors or {}).get("json") or {}


def _names(ids) -> dict[int, str]:
    """Staff names for the ledger and the decisions (staff act in their own name; residents never appear)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids))).all()
    return {uid: display or username for uid, display, username in rows}


# The list ---------------------------------------------------------------------------------------------------------

@page("/rewards", title="奖励", roles=DESK, order=50, home=True)
@_in_words
def reward_list():
    """By state (待提名 … 已过期), with the case and the amount; the API's `GET /rewards` for the same user."""
    state = request.args.get("state") or None
    if state not in REWARD_STATES:
        state = None
    try:
        number = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        number = 1
    found = paginate(services.rewards_query(state), number, PAGE_SIZE)
    tier_names = {t.code: t.name for p in db.session.execute(policies.list_policies()).scalars() for t in p.tiers}
    return render_template("console/rewards/list.html", found=found, state=state, counts=services.state_counts(),
                           query={"state": state} if state else {}, tier_names=tier_names)


# One reward -------------------------------------------------------------------------------------------------------

def _render(reward_id: int, *, status=200, message=None, failed_action=None, form=None, errors=None,
            template="console/rewards/detail.html", **extra):
    reward = services.get_reward(reward_id)
    user = actor()
    shown = schemas.RewardOut().dump(reward)
    shown.pop("payee", None)  # the payee is shown on the payment page only
    policy = policies.get_policy(reward.policy_id)
    tiers = [{"code": t.code, "name": t.name, "range": policies.amount_range(policy, t, reward.finding,
                                                                            reward.share_count)}
             for t in sorted(policy.tiers, key=lambda t: t.min_fen)]
    decisions = [d for d in db.session.execute(services.decisions_query(reward.case_id)).scalars()
                 if d.reward_id == reward.id]
    entries = list(db.session.execute(ledger.entries_of(reward.id)).scalars())
    names = _names([reward.proposed_by, reward.approved_by, reward.paid_by, *(e.actor_id for e in entries)])
    actions = [a for a in shown["actions"] if _may(user, a)]
    return render_template(template, reward=reward, shown=shown, policy=policy, tiers=tiers,
                           decision=decisions[0] if decisions else None, entries=entries, names=names,
                           actions=actions, message=message, failed_action=failed_action, form=form or {},
                           errors=errors or {}, labels_flags=labels.REWARD_FLAGS, **extra), status


@page("/rewards/<int:reward_id>", roles=DESK)
@_in_words
def reward_detail(reward_id):
    return _render(reward_id)


@page("/rewards/<int:reward_id>/actions", roles=(REWARD_OFFICER, REWARD_APPROVER), methods=("POST",))
@_in_words
def reward_action(reward_id):
    """提名 / 不予奖励 / 通知举报人 through the reward services, with the version the page was rendered at."""
    form, user = request.form, actor()
    action = form.get("action", "")
    if action not in FORM_ACTIONS or not _may(user, action):
        raise Forbidden("Not an action of this role", error="forbidden")
    version = _version(form)
    try:
        if action == "propose":
            fen = _fen(form.get("amount_yuan"))
            if fen is None:
                raise ma.ValidationError({"amount_fen": ["请填写金额（元），最多两位小数。"]})
            data = schemas.ProposeIn().load({"tier": form.get("tier", ""), "amount_fen": fen,
                                             "reason": form.get("reason", "").strip()})
            services.propose(reward_id, user, expected_version=version, **data)
        elif action == "reject":
            data = schemas.RejectIn().load({"reason": form.get("reason", "").strip()})
            services.reject(reward_id, user, expected_version=version, **data)
        else:
            services.notify(reward_id, user, expected_version=version)
    except (AppError, ma.ValidationError) as exc:
        return _refused(reward_id, exc, action, version)
    flash(f"已{labels.REWARD_ACTIONS[action]}。")
    return redirect(url_for("console.reward_detail", reward_id=reward_id))


def _refused(reward_id: int, exc: AppError | ma.ValidationError, action: str, version: int,
             template="console/rewards/detail.html", **extra):
    """The page again with the refusal in words next to the fields; a stale page says so first."""
    if isinstance(exc, AppError) and exc.status == 404:
        raise exc
    errors = _error_fields(exc)
    if isinstance(exc, ma.ValidationError):
        status, message = 422, labels.error_text("validation_failed", "")
    else:
        status, message = exc.status, labels.reward_error_text(exc.error, exc.message)
        if exc.error == "validation_failed" and "yuan" in exc.message:  # an amount outside the tier's range
            message = _range_text(exc.message)
            errors = {**errors, "amount_fen": [message]}
    reward = services.get_reward(reward_id)
    if reward.version != version and not (isinstance(exc, AppError) and exc.error == "precondition_failed"):
        message = labels.REWARD_ERRORS["precondition_failed"] + message
    return _render(reward_id, status=status, message=message, failed_action=action, form=request.form,
                   errors=errors, template=template, **extra)


def _range_text(message: str) -> str:
    """"Tier general allows 300.00 to 1,000.00 yuan…" in Chinese."""
    import re

    found = re.search(r"allows ([\d,.]+) to ([\d,.]+) yuan", message)
    return f"金额超出所选档次的范围：应在 ¥{found.group(1)} 至 ¥{found.group(2)} 之间。" if found else message


# 审批: another person, a fresh sign-in ------------------------------------------------------------------------------

@page("/rewards/<int:reward_id>/approve", roles=(REWARD_APPROVER,), fresh=True, methods=("GET", "POST"))
@_in_words
def reward_approve(reward_id):
    """审批: the flags and the proposal beside the decision — 审批通过 or 不予奖励; the proposer is refused approving
    with the reason."""
    template = "console/rewards/approve.html"
    if request.method == "POST":
        version = _version(request.form)
        decision = "reject" if request.form.get("decision") == "reject" else "approve"
        try:
            if decision == "reject":
                data = schemas.RejectIn().load({"reason": request.form.get("reason", "").strip()})
                services.reject(reward_id, actor(), expected_version=version, **data)
            else:
                comment = request.form.get("comment", "").strip()
                data = schemas.ApproveIn().load({"comment": comment} if comment else {})
                services.approve(reward_id, actor(), expected_version=version, **data)
        except (AppError, ma.ValidationError) as exc:
            if isinstance(exc, AppError) and exc.status == 403 and exc.error != "same_person":
                raise
            return _refused(reward_id, exc, decision, version, template=template)
        flash("已审批通过，金额已在年度预算中预留。" if decision == "approve" else "已决定不予奖励，将告知举报人。")
        return redirect(url_for("console.reward_detail", reward_id=reward_id))
    return _render(reward_id, template=template)


# 登记支付: finance, a third person; the payee shown here only, every view audited -------------------------------------

@page("/rewards/<int:reward_id>/pay", roles=STAFF_ROLES, fresh=True, methods=("GET", "POST"))
@_in_words
def reward_pay(reward_id):
    template = "console/rewards/pay.html"
    payee = services.payee_details(reward_id, actor())  # finance only (403), claimed only (409); audited
    if request.method == "POST":
        version = _version(request.form)
        try:
            data = schemas.PayIn().load({"payment_reference": request.form.get("payment_reference", "").strip()})
            services.pay(reward_id, actor(), expected_version=version, **data)
        except (AppError, ma.ValidationError) as exc:
            if isinstance(exc, AppError) and exc.status == 403 and exc.error != "same_person":
                raise
            return _refused(reward_id, exc, "pay", version, template=template, payee=payee)
        flash("已登记支付。")
        return redirect(url_for("console.reward_detail", reward_id=reward_id))
    return _render(reward_id, template=template, payee=payee)


# Budgets ----------------------------------------------------------------------------------------------------------

def _this_year() -> int:
    return utcnow().astimezone(CST).year


@page("/rewards/budgets", title="奖励预算", roles=DESK, order=51)
@_in_words
def reward_budgets():
    """Per paying unit and year: allotted, committed, paid and available, summed from the ledger (`GET /budgets`)."""
    year = request.args.get("year", str(_this_year()))
    chosen = int(year) if year.isdecimal() and FIRST_YEAR <= int(year) <= LAST_YEAR else None
    return render_template("console/rewards/budgets.html", rows=ledger.balances(chosen), year=chosen,
                           years=range(_this_year() + 1, _this_year() - 5, -1),
                           may_raise=actor().has_role(REWARD_APPROVER, ADMIN))


@page("/rewards/budgets/<unit_code>/<int:year>", roles=(REWARD_APPROVER, ADMIN), fresh=True, methods=("GET", "POST"))
@_in_words
def reward_budget_raise(unit_code, year):
    """追加预算: a higher total with its reason (never lower), into the ledger and the audit log."""
    errors, message, status = {}, None, 200
    if request.method == "POST":
        total = _fen(request.form.get("total_yuan"))
        try:
            if total is None:
                raise ma.ValidationError({"total_fen": ["请填写新的年度总额（元）。"]})
            data = schemas.BudgetRaiseIn().load({"total_fen": total, "reason": request.form.get("reason", "")})
            services.raise_budget(actor(), unit_code, year, data["total_fen"], data["reason"].strip())
            flash(f"已追加 {year} 年度预算。")
            return redirect(url_for("console.reward_budgets", year=year))
        except ma.ValidationError as exc:
            errors, message, status = exc.messages, labels.error_text("validation_failed", ""), 422
        except AppError as exc:
            if exc.status in (403, 404):
                raise
            errors, status = _error_fields(exc), exc.status
            message = labels.reward_error_text(exc.error, exc.message)
    row = next((r for r in ledger.balances(year) if r["unit_code"] == unit_code), None)
    return render_template("console/rewards/budget_raise.html", row=row, unit_code=unit_code, year=year,
                           errors=errors, message=message, form=request.form), status


# Integrity --------------------------------------------------------------------------------------------------------

@page("/rewards/integrity", title="奖励诚信", roles=DESK, order=52)
@_in_words
def reward_integrity():
    """What each flag may show, the yearly cap per payee, the staff exclusion, and the claims refused."""
    return render_template("console/rewards/integrity.html", policy=policies.active_policy(),
                           flags=labels.REWARD_FLAGS, refused=services.with_claim_refusals())


@page("/rewards/id-number", title="身份证号登记", roles=STAFF_ROLES, fresh=True, methods=("GET", "POST"), order=199)
@_in_words
def staff_id_number():
    """Staff register their own ID number (an admin also another's, by username): no reward is paid to it."""
    me = actor()
    errors, message, status, done = {}, None, 200, None
    if request.method == "POST":
        target = me
        username = request.form.get("username", "").strip()
        if username and me.has_role(ADMIN):
            target = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        try:
            if target is None:
                raise NotFound("No such staff member")
            data = schemas.StaffIdNumberIn().load({"id_number": request.form.get("id_number", "").strip()})
            done = integrity.register_staff_id_number(me, target.id, data["id_number"])
            status = 200
        except ma.ValidationError as exc:
            errors, status = exc.messages, 422
            message = labels.error_text("validation_failed", "")
        except AppError as exc:
            if exc.status == 403:
                raise
            errors, status = {"username": [labels.reward_error_text(exc.error, exc.message)]}, exc.status
            message = errors["username"][0]
    return render_template("console/rewards/id_number.html", done=done, errors=errors, message=message,
                           registered_at=integrity.staff_id_number_registered_at(me.id),
                           is_admin=me.has_role(ADMIN), form=request.form), status
