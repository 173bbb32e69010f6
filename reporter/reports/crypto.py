"""Contact details encrypted at rest: Fernet keys from CONTACT_ENCRYPTION_KEYS (first encrypts, all decrypt).

Keys may be Fernet keys (urlsafe base64 of 32 bytes) or any passphrase, which is stretched to one with SHA-256,
so the secret generated for the embedded mode works as it is. Rotation: put the new key first, run
`flask reports rotate-contact-key` (it re-encrypts everything stored under these keys: report contacts and every
kind a feature registers with `register_ciphertexts`, e.g. reward payees), then drop the old key.
"""
import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def _keys() -> MultiFernet:
    raw = current_app.config["CONTACT_ENCRYPTION_KEYS"]
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    return MultiFernet([_fernet(k) for k in keys])


def encrypt_contact(contact: dict) -> str:
    """The ciphertext of a contact (name, phone) under the first key."""
    return _keys().encrypt(json.dumps(contact, ensure_ascii=False).encode()).decode()


def decrypt_contact(ciphertext: str) -> dict:
    """The contact behind a ciphertext, under any configured key."""
    try:
        return json.loads(_keys().decrypt(ciphertext.encode()))
    except InvalidToken:
        raise RuntimeError("Contact details cannot be decrypted with the configured keys") from None


def reencrypt(ciphertext: str) -> str:
    """The same contact under the first (newest) key."""
    return _keys().rotate(ciphertext.encode()).decode()


_CIPHERTEXTS: dict[str, tuple[type, str]] = {}


def register_ciphertexts(name: str, model: type, column: str) -> None:
    """A column holding ciphertexts under the contact keys (`flask reports rotate-contact-key` re-encrypts it)."""
    _CIPHERTEXTS[name] = (model, column)


def rotate_all(batch: int) -> dict[str, int]:
    """Re-encrypt every registered column under the first key, `batch` rows per commit: {name: rows}."""
    return {name: _rotate_column(model, column, batch) for name, (model, column) in _CIPHERTEXTS.items()}


def _rotate_column(model: type, column: str, batch: int) -> int:
    from reporter.extensions import db

    done, last, attribute = 0, None, getattr(model, column)
    while True:
        stmt = select(model).where(attribute.is_not(None)).order_by(model.id).limit(batch)
        rows = list(db.session.execute(stmt if last is None else stmt.where(model.id > last)).scalars())
        if not rows:
            return done
        for row in rows:
            setattr(row, column, reencrypt(getattr(row, column)))
        db.session.commit()
        done, last = done + len(rows), rows[-1].id
