"""Contact details encrypted at rest: Fernet keys from CONTACT_ENCRYPTION_KEYS (first encrypts, all decrypt).

Keys may be Fernet keys (urlsafe base64 of 32 bytes) or any passphrase, which is stretched to one with SHA-256,
so the secret generated for the embedded mode works as it is. Rotation: put the new key first, run
`flask reports rotate-contact-key` (it re-encrypts everything stored under these keys: report contacts and every
kind a feature registers with `register_ciphertexts`, e.g. reward payees), then drop the old key.

Blind indexes: a keyed hash (HMAC-SHA256 under PAYEE_INDEX_KEYS, first computes, all match) of one field of such a
ciphertext, stored beside it, so equal values (a payee's ID number) are found without decrypting anything. The same
command recomputes every registered index under the first key (`register_blind_index`).
"""
import base64
import hashlib
import hmac
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


def _index_keys() -> list[bytes]:
    raw = current_app.config["PAYEE_INDEX_KEYS"]
    return [k.strip().encode() for k in raw.split(",") if k.strip()]


def _normalized(value: str) -> bytes:
    return "".join(value.split()).upper().encode()


def blind_index(value: str) -> str:
    """The keyed hash of a value under the first key (case and spaces do not matter): what is stored."""
    return hmac.new(_index_keys()[0], _normalized(value), hashlib.sha256).hexdigest()


def blind_indexes(value: str) -> list[str]:
    """The keyed hash under every configured key: what a look-up matches (a stored index may predate a rotation)."""
    return [hmac.new(key, _normalized(value), hashlib.sha256).hexdigest() for key in _index_keys()]


_CIPHERTEXTS: dict[str, tuple[type, str]] = {}
_BLIND_INDEXES: dict[str, tuple[type, str, str, str]] = {}


def register_ciphertexts(name: str, model: type, column: str) -> None:
    """A column holding ciphertexts under the contact keys (`flask reports rotate-contact-key` re-encrypts it)."""
    _CIPHERTEXTS[name] = (model, column)


def register_blind_index(name: str, model: type, ciphertext_column: str, index_column: str, field: str) -> None:
    """A column holding the blind index of `field` of the ciphertexts in another column (rotated with them)."""
    _BLIND_INDEXES[name] = (model, ciphertext_column, index_column, field)


def blind_index_names() -> set[str]:
    """The names of the registered blind indexes."""
    return set(_BLIND_INDEXES)


def rotate_all(batch: int) -> dict[str, int]:
    """Re-encrypt every registered column under the first key and recompute every blind index under the first index
    key, `batch` rows per commit: {name: rows}."""
    done = {name: _rotate_column(model, column, batch) for name, (model, column) in _CIPHERTEXTS.items()}
    for name, (model, column, index_column, field) in _BLIND_INDEXES.items():
        done[name] = _reindex(model, column, index_column, field, batch)
    return done


def _reindex(model: type, column: str, index_column: str, field: str, batch: int) -> int:
    from reporter.extensions import db

    done, last = 0, None
    while True:
        # Every row with a ciphertext: rows stored before their index existed get one too.
        stmt = select(model).where(getattr(model, column).is_not(None)).order_by(model.id).limit(batch)
        rows = list(db.session.execute(stmt if last is None else stmt.where(model.id > last)).scalars())
        if not rows:
            return done
        for row in rows:
            setattr(row, index_column, blind_index(decrypt_contact(getattr(row, column))[field]))
        db.session.commit()
        done, last = done + len(rows), rows[-1].id


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
