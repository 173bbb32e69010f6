"""回头看: a supervisor schedules a re-check of closed problems (all of a source, or a sample); the inspector of the
case's grid (or a supervisor) confirms on site, or the case reopens through the workflow; the register shows it."""
import random
import secrets
from datetime import date

from sqlalchemy import select

from reporter.accounts.models import User, UserRole
from reporter.cases import services as cases
from reporter.cases.models import Case
from reporter.cases.scope import inspects, supervises, supervisor_county, visibility_clause
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, Forbidden, NotFound
from reporter.extensions import db
from reporter.geo.models import GridInspector
from reporter.registers.models import RecheckBatch, RecheckItem

RESULT_NAMES = {"pending": "回头看待复核", "confirmed": "回头看整改到位", "failed": "回头看未到位，已重新整改"}


def schedule(actor: User, data: dict) -> RecheckBatch:
    """Pick the closed problems (in the supervisor's scope, none already waiting for a re-check), all or a seeded
    random sample, and make them items to re-check; committed. 422 when none match."""
    try:
        stmt = select(Case.id).where(Case.state == "closed", visibility_clause(actor),
                                     Case.id.not_in(select(RecheckItem.case_id).where(RecheckItem.status == "pending")))
        for name, column in (("source", Case.source), ("county_adcode", Case.county_adcode),
                             ("category", Case.category)):
            if data.get(name):
                stmt = stmt.where(column == data[name])
        ids = list(db.session.execute(stmt.order_by(Case.id)).scalars())
        if not ids:
            raise Conflict("No closed problem in your scope matches, or all are waiting for a re-check already",
                           error="nothing_to_recheck")
        seed = None
        if data.get("sample") and data["sample"] < len(ids):
            seed = secrets.randbits(31)
            ids = sorted(random.Random(seed).sample(ids, data["sample"]))
        batch = RecheckBatch(title=data["title"], source=data.get("source"), county_adcode=data.get("county_adcode"),
                             category=data.get("category"), sample_size=data.get("sample"), seed=seed,
                             due_on=data["due_on"], created_by=actor.id, created_at=utcnow())
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(RecheckItem(batch_id=batch.id, case_id=case_id, status="pending") for case_id in ids)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return batch


def batches_query(actor: User):
    """Batches with at least one problem the caller may read."""
    visible = select(RecheckItem.batch_id).join(Case, Case.id == RecheckItem.case_id).where(visibility_clause(actor))
    return select(RecheckBatch).where(RecheckBatch.id.in_(visible)).order_by(RecheckBatch.id.desc())


def batch_items(batch_id: int, actor: User) -> tuple[RecheckBatch, list[RecheckItem]]:
    batch = db.session.execute(batches_query(actor).where(RecheckBatch.id == batch_id)).scalar_one_or_none()
    if batch is None:
        raise NotFound("No such 回头看")
    items = db.session.execute(select(RecheckItem).join(Case, Case.id == RecheckItem.case_id)
                               .where(RecheckItem.batch_id == batch.id, visibility_clause(actor))
                               .order_by(RecheckItem.case_id)).scalars()
    return batch, list(items)


def pending_query(actor: User, *, due_before: date | None = None):
    """Items still to re-check among the problems the caller may read; `due_before`: only batches due before then."""
    stmt = (select(RecheckItem).join(Case, Case.id == RecheckItem.case_id)
            .where(RecheckItem.status == "pending", visibility_clause(actor)))
    if due_before is not None:
        stmt = stmt.join(RecheckBatch, RecheckBatch.id == RecheckItem.batch_id).where(RecheckBatch.due_on < due_before)
    return stmt.order_by(RecheckItem.id)


def tasks_query(inspector: User):
    """Items waiting for the inspector's visit: pending, in their grids."""
    grids = select(GridInspector.grid_id).where(GridInspector.user_id == inspector.id)
    return (select(RecheckItem).join(Case, Case.id == RecheckItem.case_id)
            .where(RecheckItem.status == "pending", Case.grid_id.in_(grids)).order_by(RecheckItem.id))


def record_result(item_id: int, actor: User, data: dict) -> RecheckItem:
    """The on-site finding: confirmed, or failed — then the case reopens (by the supervisor who scheduled the 回头看,
    the event naming who found it); one transaction."""
    from reporter.media.services import attach_uploads

    try:
        item = db.session.execute(select(RecheckItem).join(Case, Case.id == RecheckItem.case_id)
                                  .where(RecheckItem.id == item_id, visibility_clause(actor))).scalar_one_or_none()
        if item is None:
            raise NotFound("No such item to re-check")
        case = db.session.get(Case, item.case_id)
        if not (inspects(actor, case) or supervises(actor, case)):
            raise Forbidden("回头看 is checked by the inspector of the case's grid or a supervisor")
        if item.status != "pending":
            raise Conflict("This item has been re-checked already", error="invalid_transition")
        item.status, item.checked_by, item.checked_at = data["result"], actor.id, utcnow()
        item.note, item.photo_ids = data.get("note"), list(data.get("photo_ids") or [])
        if item.photo_ids:
            attach_uploads(item.photo_ids, actor.id, "recheck_item", str(item.id), purposes=("evidence", "patrol"))
        db.session.flush()
        if data["result"] == "failed":
            batch = db.session.get(RecheckBatch, item.batch_id)
            reopener = _reopener(case, actor, db.session.get(User, batch.created_by))
            # perform() commits this item with the reopening, or rolls both back
            comment = f"回头看 item {item.id}, checked by user {actor.id}: {data.get('note') or ''}"
            cases.perform(case.id, "reopen", reopener, {"reason": f"回头看「{batch.title}」复核未整改到位",
                                                         "internal_comment": comment[:2000]}, expected_version=None)
        else:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return item


def _reopener(case: Case, finder: User, scheduler: User | None) -> User:
    """Who reopens a case on a failed finding: the finder when they supervise it, else the supervisor who scheduled
    the 回头看 while they still may, else the first active supervisor of the case's county, then of the city (a
    scheduler who has left or lost the role must not stop the finding from being recorded)."""
    for user in (finder, scheduler):
        if user is not None and user.is_active and supervises(user, case):
            return user
    candidates = db.session.execute(select(User).where(User.is_active.is_(True)).join(User.role_rows)
                                    .where(UserRole.role == "supervisor").order_by(User.id)).scalars().unique()
    able = [user for user in candidates if supervises(user, case)]
    able.sort(key=lambda user: supervisor_county(user) is None)  # the county's own office first
    if not able:
        raise Conflict("No active supervisor can reopen this case; the finding was not recorded",
                       error="no_supervisor")
    return able[0]


def latest_results(case_ids: list[int]) -> dict[int, str]:
    """case id → the status of its latest 回头看 (for the register)."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(RecheckItem.case_id, RecheckItem.status).where(
        RecheckItem.case_id.in_(case_ids)).order_by(RecheckItem.id))
    return dict(rows.all())


def can_see_photos(user: User, item_id: str) -> bool:
    item = db.session.get(RecheckItem, int(item_id)) if item_id.isdigit() else None
    return item is not None and cases.can_see_case(user, str(item.case_id))
