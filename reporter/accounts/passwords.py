"""Password hashing with Argon2id (memory-hard)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_DUMMY = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$1Lw4L6m5r9X3xGpNQnA4Zw"


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg.get("ARGON2_TIME_COST", 3),
        memory_cost=cfg.get("ARGON2_MEMORY_KIB", 65536),
        parallelism=cfg.get("ARGON2_PARALLELISM", 4),
    )


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; spends comparable time when there is no stored hash."""
    try:
        return _hasher().verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
