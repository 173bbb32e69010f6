"""Rate-limit keys and settings (Flask-Limiter; Redis-backed when REDIS_URL is set, so workers share them)."""
import hashlib

from flask import current_app, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from flask_limiter.util import get_remote_address
from limits import parse

from reporter.extensions import limiter


def user_or_ip() -> str:
    """Limit signed-in users by their id (any device) and everyone else by address."""
    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:  # an invalid token is refused by the view itself; limit by address here
        identity = None
    return f"user:{identity}" if identity else f"ip:{get_remote_address()}"


def client_ip() -> str:
    """The client's address (behind the trusted proxy, werkzeug's ProxyFix gives the real one)."""
    return f"ip:{get_remote_address() or request.remote_addr}"


def setting(name: str, default: str):
    """A limit string from the configuration, read per request (so tests and operators can change it)."""
    return lambda: current_app.config.get(name, default)


class FailureLimit:
    """Failures counted per key (a tracking code, say) in the rate limiter's storage — Redis when REDIS_URL is set,
    so every worker counts together; past the limit the key is locked until its window ends.

    The limit is a setting in Flask-Limiter's notation ("5/hour"), read per call. Keys are hashed before they reach
    the storage (a tracking code is itself a secret). With rate limiting disabled nothing is counted or locked."""

    def __init__(self, setting_name: str, default: str, scope: str):
        self.setting_name, self.default, self.scope = setting_name, default, scope

    def _limit(self):
        return parse(current_app.config.get(self.setting_name, self.default))

    @staticmethod
    def _key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def locked(self, key: str) -> bool:
        """Whether the key has used up its failures for the current window."""
        return limiter.enabled and not limiter.limiter.test(self._limit(), self.scope, self._key(key))

    def fail(self, key: str) -> None:
        """Count one failure of the key."""
        if limiter.enabled:
            limiter.limiter.hit(self._limit(), self.scope, self._key(key))
