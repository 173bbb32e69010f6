"""Rate-limit keys and settings (Flask-Limiter; Redis-backed when REDIS_URL is set, so workers share them)."""
from flask import current_app, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from flask_limiter.util import get_remote_address


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
