"""Password hashing with Argon2id (memory-hard), and the one password rule of the API and the CLI."""
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH, MAX_LENGTH = 10, 256  # OWASP ASVS 2.1.1/2.1.2: at least 12 advised, 10 kept for existing accounts


def _parameters() -> tuple[int, int, int]:
    cfg = current_app.config
    return cfg.get("ARGON2_TIME_COST", 3), cfg.get("ARGON2_MEMORY_KIB", 65536), cfg.get("ARGON2_PARALLELISM", 4)


def _hasher() -> PasswordHasher:
    time_cost, memory_cost, parallelism = _parameters()
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@lru_cache(maxsize=8)
def _dummy_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_urlsafe(16))


def dummy_hash() -> str:
    """A hash of a random secret made with the configured parameters: verified when there is no account, so an
    unknown name costs the same work as a known one."""
    return _dummy_for(*_parameters())


def password_problem(password: str) -> str | None:
    """Why a new password is refused (None when it is acceptable): one rule for the API and the CLI."""
    if len(password) < MIN_LENGTH:
        return f"A password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"A password has at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; spends the same time when there is no stored hash."""
    try:
        return _hasher().verify(stored or dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
