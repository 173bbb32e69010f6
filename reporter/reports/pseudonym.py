"""Keyed pseudonyms of residents: what staff-readable records keep instead of a resident's account id.

A resident's act on one report (claiming its reward, say) is recorded with HMAC-SHA256(key, report id | user id)
instead of the user id: staff reading the audit log see "举报人" and the report id; two reports of one person get
unrelated pseudonyms; only this module, holding the key, can tell whose act it was (`resolve`, run server-side by
`flask reports resolve-pseudonym`). The key is derived (HKDF) from CONTACT_ENCRYPTION_KEYS: the first key makes new
pseudonyms and every configured key resolves, so the contact-key rotation keeps old records resolvable.
"""
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from reporter.accounts.models import User
from reporter.audit.services import record
from reporter.extensions import db

REPORTER = "举报人"  # how staff views name a resident
_INFO = b"reporter: resident pseudonym v1"


def _derived(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def _keys() -> list[bytes]:
    raw = current_app.config["CONTACT_ENCRYPTION_KEYS"]
    return [_derived(k.strip()) for k in raw.split(",") if k.strip()]


def _mac(key: bytes, user_id: int, report_id: str) -> str:
    return hmac.new(key, f"{report_id}|{user_id}".encode(), hashlib.sha256).hexdigest()


def of(user_id: int, report_id: str) -> str:
    """The pseudonym of this resident for this report (under the newest key)."""
    return _mac(_keys()[0], user_id, report_id)


def resolve(report_id: str, value: str) -> int | None:
    """Whose pseudonym it is for that report (any configured key), or None: for server-side accountability only."""
    keys = _keys()
    for user_id in db.session.execute(select(User.id).order_by(User.id).execution_options(yield_per=1000)).scalars():
        if any(hmac.compare_digest(_mac(key, user_id, report_id), value) for key in keys):
            return user_id
    return None


def record_resident_act(user_id: int, report_id: str, action: str, target_type: str, target_id, *,
                        details: dict | None = None):
    """Audit a resident's act on one of their reports: no account id, the report id and the keyed pseudonym."""
    return record(None, action, target_type, target_id, details={"report_id": report_id, **(details or {})},
                  actor_pseudonym=of(user_id, report_id))
