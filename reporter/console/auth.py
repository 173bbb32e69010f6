"""Console sign-in: a cookie session tied to the API's session record (`AuthSession`), so logout, a password or role
change, or a disabled account ends it exactly as it ends the API's tokens; CSRF on every POST (Flask-WTF); a fresh
sign-in (FRESH_LOGIN_MINUTES, as the API's fresh tokens) for sensitive steps."""
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from reporter.accounts import services as accounts
from reporter.accounts.models import User
from reporter.common.timeutil import utcnow
from reporter.errors import Forbidden
from reporter.extensions import db

csrf = CSRFProtect()
METHOD = "console"  # AuthSession.method of a console sign-in
_KEYS = ("sid", "uid", "fresh_until")


def configure(app: Flask) -> None:
    """Cookie flags and CSRF for the console (the API keeps bearer tokens and is not touched by either)."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")
                                               or app.config.get("REPORTER_ENV") == "production")
    if app.config.get("SESSION_COOKIE_NAME") in (None, "session"):
        app.config["SESSION_COOKIE_NAME"] = "console_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(app.config.get("CONSOLE_SESSION_HOURS", 12)))
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked by the console's before_request only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    csrf.init_app(app)


def protect() -> None:
    """CSRF check of every state-changing console request (400 with the console's message otherwise)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def sign_in(username: str, password: str, address: str) -> User:
    """Check the password as the API does and open a session record; the cookie carries only its id."""
    user = accounts.check_password(username, password, address)
    record = accounts.open_session(user, METHOD)
    db.session.commit()
    session.clear()
    session.permanent = True
    session.update(sid=record.id, uid=user.id, fresh_until=_fresh_until())
    return user


def refresh(username: str, password: str, address: str) -> None:
    """Fresh sign-in for a sensitive step: the same password check, the same session."""
    user = accounts.check_password(username, password, address)
    if user.id != session.get("uid"):
        raise Forbidden("Sign in again as yourself", error="forbidden")
    session["fresh_until"] = _fresh_until()


def sign_out() -> None:
    if session.get("sid"):
        accounts.logout(session["sid"])
    session.clear()


def current() -> User | None:
    """The signed-in user of a live session (None after logout, revocation or a disabled account)."""
    if "console_user" in g:
        return g.console_user
    sid, uid = session.get("sid"), session.get("uid")
    user = accounts.active_session_user(sid, uid) if sid and uid else None
    if user is None:
        for key in _KEYS:
            session.pop(key, None)
    else:
        g.user_id = user.id
    g.console_user = user
    return user


def is_fresh() -> bool:
    return (session.get("fresh_until") or 0) > utcnow().timestamp()


def safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, host or '//'), else the console's home."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("console.home")


def login_required(*roles: str, fresh: bool = False):
    """Signed in (else the sign-in page), holding one of `roles` (else 403), recently signed in when `fresh`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if roles and not user.has_role(*roles):
                abort(403)
            if fresh and not is_fresh():
                return redirect(url_for("console.reauth", next=request.full_path.rstrip("?")))
            return view(*args, **kwargs)

        wrapper.console_roles = roles
        return wrapper

    return decorator


def _fresh_until() -> float:
    return (utcnow() + timedelta(minutes=current_app.config["FRESH_LOGIN_MINUTES"])).timestamp()
