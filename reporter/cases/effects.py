"""Side effects of the workflow's transitions: small functions the table in workflow.py names."""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.cases.models import Case, CaseUnit
from reporter.cases.scope import supervisor_county, visibility_clause
from reporter.errors import Forbidden, ValidationFailed
from reporter.extensions import db
from reporter.org.models import Unit
from reporter.workdays.services import add_working_days

STAGES = ("accept", "sign", "handle", "verify", "recurrence")  # 立案(and 派遣), 签收, 处置, 核查, 反弹回潮研判
DEFAULT_DEADLINE_DAYS = {"accept": 2, "sign": 1, "handle": 15, "verify": 5, "recurrence": 5}
RECURRENCE_PUBLIC = {  # what the reporters of the recurrence are told (their timeline's entry), unless the
    "reopen": "经核查整改不到位，已重新交办处理",  # supervisor writes a public comment of their own
    "new_case": "经核查为同一地点的新问题，已另行立案办理",
    "reject": "经核查与已办结问题相同，不予重复受理",
}


@dataclass
class Step:
    """One action being applied: the case, who acts, the validated payload, and what the event will record."""

    case: Case
    actor: User
    payload: dict
    at: datetime
    today: date
    data: dict = field(default_factory=dict)
    public_comment: str | None = None


def deadline_days(case: Case, stage: str) -> int:
    """Working days allowed for a stage, from the routing rule the case was routed by (the recurrence decision's
    from CASE_RECURRENCE_DECISION_DAYS)."""
    if stage == "recurrence":
        return int(current_app.config.get("CASE_RECURRENCE_DECISION_DAYS") or DEFAULT_DEADLINE_DAYS[stage])
    days = (case.routing or {}).get("deadline_days") or {}
    return int(days.get(stage) or DEFAULT_DEADLINE_DAYS[stage])


def start_stage(stage: str):
    """Effect: the stage's clock starts today (its deadline counted in working days)."""

    def effect(step: Step) -> None:
        setattr(step.case, f"{stage}_due", add_working_days(step.today, deadline_days(step.case, stage)))
        setattr(step.case, f"{stage}_met", None)

    effect.__name__ = f"start_{stage}"
    return effect


def end_stage(stage: str):
    """Effect: the stage ended today; record whether its deadline was met."""

    def effect(step: Step) -> None:
        due = getattr(step.case, f"{stage}_due")
        setattr(step.case, f"{stage}_met", due is None or step.today <= due)

    effect.__name__ = f"end_{stage}"
    return effect


def count(column: str):
    """Effect: add one to a counter (returns, reworks, reopenings)."""

    def effect(step: Step) -> None:
        setattr(step.case, column, (getattr(step.case, column) or 0) + 1)

    effect.__name__ = f"count_{column}"
    return effect


def keep(*fields: str):
    """Effect: copy payload fields into the event's data."""

    def effect(step: Step) -> None:
        step.data.update({name: step.payload[name] for name in fields if step.payload.get(name) is not None})

    effect.__name__ = f"keep_{'_'.join(fields)}"
    return effect


def duplicate_target(step: Step) -> None:
    """不予受理 as a duplicate: the case it repeats exists, the actor may see it, and it is another case (422 alike
    for a missing and an unseen case, so the answer reveals nothing)."""
    target = step.payload.get("duplicate_of")
    if target is None:
        return
    seen = db.session.execute(select(Case.id).where(Case.id == target, Case.id != step.case.id,
                                                    visibility_clause(step.actor))).scalar()
    if seen is None:
        raise ValidationFailed("duplicate_of names no other case you can see",
                               errors={"json": {"duplicate_of": ["No such case (or the case itself)"]}})
    step.data["duplicate_of"] = target


def involve_units(case: Case, units: list[tuple[int, str]]) -> None:
    """Record that units are involved in the case, each with its first relation (they can read it from now on)."""
    known = set(db.session.execute(select(CaseUnit.unit_id).where(CaseUnit.case_id == case.id)).scalars())
    for unit_id, relation in units:
        if unit_id not in known:
            known.add(unit_id)
            db.session.add(CaseUnit(case_id=case.id, unit_id=unit_id, relation=relation))


def dispatch_to_unit(step: Step) -> None:
    """派遣: to the routed unit, or to another active unit when a reason is given."""
    case, payload = step.case, step.payload
    unit_id = payload.get("unit_id") or case.routed_unit_id
    if unit_id != case.routed_unit_id:
        errors = {}
        if not payload.get("override_reason"):
            errors["override_reason"] = ["Dispatching to a unit other than the routed one needs a reason"]
        unit = db.session.execute(select(Unit).where(Unit.id == unit_id, Unit.is_active.is_(True))).scalar()
        if unit is None:
            errors["unit_id"] = ["Unknown or inactive unit"]
        if errors:
            raise ValidationFailed(errors={"json": errors})
        step.data.update(override=True, routed_unit_id=case.routed_unit_id,
                         override_reason=payload["override_reason"])
    if unit_id is None:
        raise ValidationFailed("The case has no routed unit; name one", errors={"json": {"unit_id": ["Required"]}})
    case.current_unit_id = unit_id
    step.data["unit_id"] = unit_id
    involve_units(case, [(unit_id, "handling")])


def release_unit(step: Step) -> None:
    """退回: the case goes back to the intake desk for re-dispatch; the reason is kept."""
    step.data.update(unit_id=step.case.current_unit_id, reason=step.payload["reason"])
    step.case.current_unit_id = None


def record_result(step: Step) -> None:
    """处置反馈: the finding, the measures taken and the evidence photos."""
    step.case.finding = step.payload["finding"]
    step.case.measures = step.payload["measures"]
    step.data.update(finding=step.payload["finding"], measures=step.payload["measures"])
    keep("reason")(step)
    attach_photos(step)


def attach_photos(step: Step) -> None:
    """Attach the payload's photos to the case (only the uploader, only once) and list them on the event."""
    photo_ids = step.payload.get("photo_ids") or []
    if photo_ids:
        from reporter.media.services import attach_uploads

        attach_uploads(photo_ids, step.actor.id, "case", step.case.id, field="photo_ids")
        step.data["photo_ids"] = list(photo_ids)


def record_verification(step: Step) -> None:
    """核查: pass or fail, with the reason and any on-site photos."""
    step.data["result"] = step.payload["result"]
    keep("reason")(step)
    attach_photos(step)


def request_extension(step: Step) -> None:
    """延期 requested: at most the policy's maximum of working days; waits for a supervisor's decision."""
    limit = current_app.config.get("CASE_EXTENSION_MAX_DAYS", 15)
    if step.payload["days"] > limit:
        raise ValidationFailed(errors={"json": {"days": [f"At most {limit} working days"]}})
    step.case.extension_requested_days = step.payload["days"]
    step.case.extension_reason = step.payload["reason"]
    keep("days", "reason")(step)


def decide_extension(step: Step) -> None:
    """Approve (moving the handle deadline, telling the reporter why) or deny the pending request."""
    case, payload = step.case, step.payload
    requested = case.extension_requested_days
    days = payload.get("days") or requested
    if days > requested:
        raise ValidationFailed(errors={"json": {"days": [f"At most the {requested} days requested"]}})
    step.data.update(approve=payload["approve"], requested_days=requested, reason=case.extension_reason)
    if payload["approve"]:
        case.handle_due = add_working_days(case.handle_due or step.today, days)
        case.extension_used = True
        step.data["days"] = days
        step.public_comment = payload.get("public_comment") or f"办理期限延长{days}个工作日：{case.extension_reason}"
    case.extension_requested_days = None
    case.extension_reason = None


def mark_closed(step: Step) -> None:
    """结案."""
    step.case.closed_at = step.at


def reopen(step: Step) -> None:
    """Reopen (回头看, complaint): back to the unit that handled it; verification starts over."""
    step.case.closed_at = None
    step.case.verify_due = step.case.verify_met = None
    step.data["reason"] = step.payload["reason"]


def decide_recurrence(step: Step) -> None:
    """疑似反弹回潮 decided: every pending report of the case gets the decision; the decision's clock stops.

    Reopened reports count for the new round of the case (its next closing decides their reward); for a new case
    and a rejection the reports feature reacts (it moves the reports to a new case, or tells the reporters why)."""
    from reporter.audit.services import record
    from reporter.cases.models import Recurrence

    decision, case = step.payload["decision"], step.case
    pending = list(db.session.execute(select(Recurrence).where(Recurrence.case_id == case.id,
                                                               Recurrence.state == "pending")
                                      .order_by(Recurrence.raised_at, Recurrence.id)).scalars())
    state = {"reopen": "reopened", "new_case": "new_case", "reject": "rejected"}[decision]
    for recurrence in pending:
        recurrence.state, recurrence.decided_at, recurrence.reason = state, step.at, step.payload["reason"]
        if decision == "reopen":
            recurrence.closing = (case.reopen_count or 0) + 1  # the round the reopening starts
    case.recurrence_due = None
    step.data.update(decision=decision, reason=step.payload["reason"], report_ids=[r.report_id for r in pending])
    told = RECURRENCE_PUBLIC[decision] + (f"：{step.payload['reason']}" if decision == "reject" else "")
    step.public_comment = step.payload.get("public_comment") or told
    record(step.actor.id, "case.recurrence_decided", "case", case.id, reason=step.payload["reason"],
           details={"decision": decision, "reports": len(pending)})


def flag_supervision(step: Step) -> None:
    """挂牌督办: a county office flags county level only; the city office either level."""
    if step.payload["level"] == "city" and supervisor_county(step.actor) is not None:
        raise Forbidden("Only the city Qinling office flags city-level supervision")
    if step.payload["due"] < step.today:
        raise ValidationFailed(errors={"json": {"due": ["The due date is in the past"]}})
    step.case.supervision_level = step.payload["level"]
    step.case.supervision_due = step.payload["due"]
    step.data.update(level=step.payload["level"], due=step.payload["due"].isoformat(), reason=step.payload["reason"])


def hand_over(step: Step) -> None:
    """移交 to 纪委监委 / 检察院 / 公安 with a reason (item 21)."""
    step.case.handed_over_to = step.payload["to"]
    step.data.update(to=step.payload["to"], reason=step.payload["reason"])
