"""Claim a key before the work, complete it inside the work's own transaction, replay it afterwards.

The first request inserts the key as `running` (committed at once, so a concurrent repeat sees it and gets 409).
The business step stores its response on the key in the same commit as its data (`Claim.complete`), so a retry after
a dropped response — or after a crash at any point — either replays exactly that response or finds nothing committed
and may run again once the lease has run out.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from reporter.common.timeutil import as_utc, utcnow
from reporter.errors import Conflict, ValidationFailed
from reporter.extensions import db
from reporter.idempotency.models import IdempotencyKey


@dataclass(frozen=True)
class Replay:
    """The stored first response of a repeated request."""

    status_code: int
    body: dict


@dataclass(frozen=True)
class Claim:
    """The right to do the work for a key."""

    key_id: int

    def complete(self, status_code: int, body: dict) -> None:
        """Record the response in the caller's transaction (committed with the work itself)."""
        db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == self.key_id)
                           .values(state="done", status_code=status_code, response=body))

    def release(self) -> None:
        """Give the key up after a failure, so that a retry runs the work again."""
        db.session.rollback()
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == self.key_id,
                                                        IdempotencyKey.state == "running"))
        db.session.commit()


def fingerprint(method: str, path: str, body) -> str:
    """A stable digest of what the request asks for."""
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate_key(key: str) -> None:
    if not 1 <= len(key) <= 255:
        raise ValidationFailed("Idempotency-Key must be 1–255 characters",
                               errors={"headers": {"Idempotency-Key": ["Length must be between 1 and 255."]}})


_IN_PROGRESS = "A request with this Idempotency-Key is still being processed"
_CLAIM_ATTEMPTS = 3


def begin(user_id: int, key: str, digest: str) -> Claim | Replay:
    """Claim the key, or replay its first response; 409 while the first is running, 422 for another body.

    A key released by a failed first request between our insert and our lookup is claimed again (a few times at
    most, then 409): the caller never sees the race.
    """
    _validate_key(key)
    lease = timedelta(seconds=current_app.config.get("IDEMPOTENCY_LEASE_S", 60))
    for _attempt in range(_CLAIM_ATTEMPTS):
        now = utcnow()
        row = IdempotencyKey(user_id=user_id, key=key, fingerprint=digest, lease_until=now + lease)
        db.session.add(row)
        try:
            db.session.commit()
            return Claim(row.id)
        except IntegrityError:
            db.session.rollback()
        existing = db.session.execute(
            select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        ).scalar_one_or_none()
        if existing is not None:
            return _held(existing, digest, now, lease)
    raise Conflict(_IN_PROGRESS, error="request_in_progress")


def _held(existing: IdempotencyKey, digest: str, now, lease: timedelta) -> Claim | Replay:
    """The key is someone's already: replay its answer, refuse another body, 409 while it runs, or take it over."""
    if existing.fingerprint != digest:
        raise ValidationFailed("This Idempotency-Key was used with a different request",
                               error="idempotency_mismatch")
    if existing.state == "done":
        return Replay(existing.status_code, existing.response)
    if as_utc(existing.lease_until) > now:
        raise Conflict(_IN_PROGRESS, error="request_in_progress")
    # The first request died without committing its work: take the key over.
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == existing.id, IdempotencyKey.state == "running",
               IdempotencyKey.lease_until == existing.lease_until)
        .values(lease_until=now + lease)
    ).rowcount
    db.session.commit()
    if taken != 1:
        raise Conflict(_IN_PROGRESS, error="request_in_progress")
    return Claim(existing.id)


def purge(older_than: timedelta) -> int:
    """Forget keys older than `older_than` (kept at least 24 h); returns how many."""
    cutoff = utcnow() - max(older_than, timedelta(hours=24))
    count = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount
    db.session.commit()
    return count
