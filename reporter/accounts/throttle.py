"""Failed sign-ins throttle one (username, address) pair with growing delays (OWASP ASVS 2.2.1, soft lock-out).

Nothing here locks an account: the owner signs in from any other address, and a name that does not exist is
throttled exactly like one that does, so the answers reveal nothing. Counters live in the rate limiter's storage
(Redis when REDIS_URL is set, so every worker and instance shares them) and expire by themselves.
"""
import hashlib
import math
import time

from flask import current_app

from reporter.errors import RateLimited
from reporter.extensions import limiter


def _keys(username: str, address: str) -> tuple[str, str]:
    pair = hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()[:32]
    return f"login-failures/{pair}", f"login-delay/{pair}"


def _storage():
    """The limiter's storage, or None when rate limits are off (RATELIMIT_ENABLED=0: tests, benchmarks)."""
    return limiter.storage if limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True) else None


def check(username: str, address: str) -> None:
    """429 `login_throttled` with Retry-After while the pair waits out its delay."""
    _failures, delay = _keys(username, address)
    storage = _storage()
    if storage is not None and storage.get(delay) > 0:
        wait = max(1, math.ceil(storage.get_expiry(delay) - time.time()))
        raise RateLimited("Too many failed sign-ins from this address; wait before trying again",
                          error="login_throttled", headers={"Retry-After": str(wait)})


def failed(username: str, address: str) -> None:
    """Count a failure; from LOGIN_MAX_FAILURES on, each one starts a delay twice as long as the one before."""
    cfg = current_app.config
    storage = _storage()
    if storage is None:
        return
    failures_key, delay_key = _keys(username, address)
    failures = storage.incr(failures_key, cfg["LOGIN_FAILURE_MEMORY_S"])
    over = failures - cfg["LOGIN_MAX_FAILURES"]
    if over >= 0:
        seconds = min(cfg["LOGIN_DELAY_S"] * 2 ** min(over, 32), cfg["LOGIN_DELAY_MAX_S"])
        storage.incr(delay_key, max(1, int(seconds)))


def succeeded(username: str, address: str) -> None:
    """A right password from the pair forgets its failures."""
    storage = _storage()
    for key in _keys(username, address) if storage is not None else ():
        storage.clear(key)
