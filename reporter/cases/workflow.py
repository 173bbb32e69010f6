"""The case workflow as data: one table of transitions (state × action → next state, who, payload, side effects).

`reporter.cases.services.perform` is the only code that applies it.
"""
from collections.abc import Callable
from dataclasses import dataclass

import marshmallow as ma

from reporter.accounts.models import User
from reporter.cases import effects as fx
from reporter.cases import payloads as p
from reporter.cases.models import Case
from reporter.cases.scope import handles, inspects, supervises

STATES = ("submitted", "accepted", "dispatched", "in_progress", "pending_verification", "verified", "closed",
          "rejected")
INITIAL_STATES = ("submitted", "accepted")  # citizen reports and staff entries / patrol-found problems
OPEN_STATES = STATES[:6]
# A closed case's clock runs only while a possible recurrence (疑似反弹回潮) waits for a supervisor's decision.
STAGE_OF_STATE = {"submitted": "accept", "accepted": "accept", "dispatched": "sign", "in_progress": "handle",
                  "pending_verification": "verify", "closed": "recurrence"}
SAME = None  # `to` of an action that sets a flag and leaves the state as it is


@dataclass(frozen=True)
class Permit:
    """A role, and the object-level condition under which that role may take the action."""

    role: str
    allows: Callable[[User, Case], bool]


SUPERVISOR = (Permit("supervisor", supervises),)   # 秦岭办 of the case's county, or of the city
OFFICER = (Permit("officer", handles),)            # 经办人 of the unit the case is dispatched to
VERIFIER = SUPERVISOR + (Permit("inspector", inspects),)  # or 网格员 of the case's grid, on site


def _extension_available(case: Case) -> str | None:
    if case.extension_used:
        return "The case has already had its one extension"
    if case.extension_requested_days:
        return "An extension request is already waiting for a decision"
    return None


def _extension_pending(case: Case) -> str | None:
    return None if case.extension_requested_days else "No extension request is waiting for a decision"


def _recurrence_pending(case: Case) -> str | None:
    return None if case.recurrence_due else "No possible recurrence is waiting for a decision"


def _no_recurrence_pending(case: Case) -> str | None:
    return "A possible recurrence is waiting for a decision: decide it (decide_recurrence)" \
        if case.recurrence_due else None


@dataclass(frozen=True)
class Transition:
    """One row of the table."""

    state: str
    action: str
    to: str | None
    permits: tuple[Permit, ...]
    schema: type[ma.Schema]
    effects: tuple[Callable[[fx.Step], None], ...]
    event: str  # published to the reactions table once the event is appended
    when: tuple[str, object] | None = None  # payload field and value selecting this row (verify pass / fail)
    guard: Callable[[Case], str | None] | None = None  # a reason the action cannot happen now (409)

    def target(self, case: Case) -> str:
        """The state the case is in after this transition."""
        return case.state if self.to is SAME else self.to


T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    T("submitted", "accept", "accepted", SUPERVISOR, p.AcceptIn, (), "case.accepted"),  # 立案
    T("submitted", "reject", "rejected", SUPERVISOR, p.RejectIn,  # 不予受理
      (fx.duplicate_target, fx.end_stage("accept"), fx.keep("reason_code")), "case.rejected"),
    T("accepted", "dispatch", "dispatched", SUPERVISOR, p.DispatchIn,  # 派遣
      (fx.end_stage("accept"), fx.dispatch_to_unit, fx.start_stage("sign")), "case.dispatched"),
    T("dispatched", "sign", "in_progress", OFFICER, p.SignIn,  # 签收
      (fx.end_stage("sign"), fx.start_stage("handle")), "case.signed"),
    T("dispatched", "return", "accepted", OFFICER, p.ReturnIn,  # 退回
      (fx.count("return_count"), fx.release_unit, fx.start_stage("accept")), "case.returned"),
    T("in_progress", "submit_result", "pending_verification", OFFICER, p.SubmitResultIn,  # 处置反馈
      (fx.record_result, fx.end_stage("handle"), fx.start_stage("verify")), "case.result_submitted"),
    T("in_progress", "request_extension", SAME, OFFICER, p.RequestExtensionIn,  # 延期申请
      (fx.request_extension,), "case.extension_requested", guard=_extension_available),
    T("in_progress", "decide_extension", SAME, SUPERVISOR, p.DecideExtensionIn,
      (fx.decide_extension,), "case.extension_decided", guard=_extension_pending),
    T("pending_verification", "verify", "verified", VERIFIER, p.VerifyIn,  # 核查通过
      (fx.record_verification, fx.end_stage("verify")), "case.verified", when=("result", "pass")),
    T("pending_verification", "verify", "in_progress", VERIFIER, p.VerifyIn,  # 核查不通过 → 返工
      (fx.record_verification, fx.end_stage("verify"), fx.count("rework_count")), "case.rework",
      when=("result", "fail")),
    T("verified", "close", "closed", SUPERVISOR, p.CloseIn, (fx.mark_closed,), "case.closed"),  # 结案
    T("closed", "reopen", "in_progress", SUPERVISOR, p.ReopenIn,
      (fx.count("reopen_count"), fx.reopen, fx.start_stage("handle")), "case.reopened", guard=_no_recurrence_pending),
    # 疑似反弹回潮: the decision on the reports that raised a possible recurrence on the closed case.
    T("closed", "decide_recurrence", "in_progress", SUPERVISOR, p.DecideRecurrenceIn,  # 整改不到位 → 重新办理
      (fx.end_stage("recurrence"), fx.decide_recurrence, fx.count("reopen_count"), fx.reopen,
       fx.start_stage("handle")), "case.recurrence_reopened", when=("decision", "reopen"), guard=_recurrence_pending),
    T("closed", "decide_recurrence", SAME, SUPERVISOR, p.DecideRecurrenceIn,  # 同址新问题 → 另行立案
      (fx.end_stage("recurrence"), fx.decide_recurrence), "case.recurrence_new_case", when=("decision", "new_case"),
      guard=_recurrence_pending),
    T("closed", "decide_recurrence", SAME, SUPERVISOR, p.DecideRecurrenceIn,  # 同一问题已办结 → 不予受理
      (fx.end_stage("recurrence"), fx.decide_recurrence), "case.recurrence_rejected", when=("decision", "reject"),
      guard=_recurrence_pending),
    *(T(state, "supervise", SAME, SUPERVISOR, p.SuperviseIn, (fx.flag_supervision,), "case.supervised")  # 督办
      for state in OPEN_STATES),
    *(T(state, "hand_over", SAME, SUPERVISOR, p.HandOverIn, (fx.hand_over,), "case.handed_over")  # 移交
      for state in (*OPEN_STATES, "closed")),
)

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
# Recorded by the system, not by an action (a possible recurrence: by a resident's report near a closed case).
SYSTEM_EVENTS = {"open": "case.opened", "overdue": "case.overdue", "recurrence": "case.recurrence_raised"}
EVENT_NAMES = tuple(dict.fromkeys([*SYSTEM_EVENTS.values(), *(t.event for t in TRANSITIONS)]))


def allowed_actions(state: str) -> list[str]:
    """Actions the table allows from a state (whoever takes them)."""
    return list(dict.fromkeys(t.action for t in TRANSITIONS if t.state == state))


def transitions_for(state: str, action: str) -> list[Transition]:
    """The rows for an action from a state (several when the payload chooses the outcome)."""
    return [t for t in TRANSITIONS if t.state == state and t.action == action]


def choose(rows: list[Transition], payload: dict) -> Transition:
    """The row whose `when` condition the validated payload meets."""
    return next(t for t in rows if t.when is None or payload.get(t.when[0]) == t.when[1])


def acting_role(rows: list[Transition], user: User, case: Case) -> str | None:
    """The role under which the user may take the rows' action on this case, the first of the row's permits that the
    user holds and whose object-level condition holds; None: not allowed. The only permission decision of the
    workflow: `perform` (the API's actions) and `actions_for` (the buttons a case shows) both ask it."""
    return next((permit.role for permit in rows[0].permits
                 if user.has_role(permit.role) and permit.allows(user, case)), None)


def due_on(case: Case):
    """The deadline of the stage the case is in (None when no clock runs)."""
    stage = STAGE_OF_STATE.get(case.state)
    return getattr(case, f"{stage}_due") if stage else None
