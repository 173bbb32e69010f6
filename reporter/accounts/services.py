"""Sign-in, token rotation, logout and user administration: each function commits once."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from reporter.accounts.models import AuthSession, RefreshToken, User, UserRole
from reporter.accounts.passwords import hash_password, verify_password
from reporter.accounts.roles import ALL_ROLES, RESIDENT
from reporter.accounts.tokens import issue_tokens
from reporter.accounts.wechat import exchange_code
from reporter.audit.services import record
from reporter.common.timeutil import as_utc, utcnow
from reporter.errors import AppError, RateLimited, Unauthorized
from reporter.extensions import db
from reporter.org.models import Unit


def _locked_for(user: User) -> int:
    """Seconds the account stays locked (0 when not locked)."""
    if user.locked_until is None:
        return 0
    remaining = (as_utc(user.locked_until) - utcnow()).total_seconds()
    return max(0, int(remaining) + 1)


def login_with_password(username: str, password: str) -> tuple[User, dict]:
    """Staff sign-in: tokens for the right password; 401 otherwise; 429 while locked out."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is not None and (wait := _locked_for(user)):
        raise RateLimited("Too many failed sign-ins; the account is locked for a while",
                          error="account_locked", headers={"Retry-After": str(wait)})
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        if user is not None:
            _count_failure(user)
        raise Unauthorized("Wrong username or password", error="invalid_credentials")
    user.failed_logins = 0
    user.locked_until = None
    session = AuthSession(user_id=user.id, method="password")
    db.session.add(session)
    db.session.flush()
    tokens = issue_tokens(user, session, fresh=True)
    db.session.commit()
    return user, tokens


def _count_failure(user: User) -> None:
    """Count a failed sign-in atomically and lock the account at the limit (committed)."""
    cfg = current_app.config
    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    db.session.refresh(user)
    if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
    db.session.commit()


def login_with_wechat(code: str) -> tuple[User, dict]:
    """Resident sign-in by wx.login code; a new openid becomes a new resident. The tokens are fresh for a while,
    as a password sign-in's are: cancelling the account (注销) needs a sign-in that recent."""
    openid = exchange_code(code)
    user = db.session.execute(select(User).where(User.wechat_openid == openid)).scalar_one_or_none()
    if user is None:
        user = User(wechat_openid=openid, display_name="微信用户", role_rows=[UserRole(role=RESIDENT)])
        db.session.add(user)
    elif not user.is_active:
        raise Unauthorized("The account is disabled", error="account_disabled")
    db.session.flush()
    session = AuthSession(user_id=user.id, method="wechat")
    db.session.add(session)
    db.session.flush()
    tokens = issue_tokens(user, session, fresh=True)
    db.session.commit()
    return user, tokens


def rotate_refresh_token(user: User, jti: str, session_id: str) -> dict:
    """Spend a refresh token for a new pair; a spent one revokes the whole family (401)."""
    spent = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == jti, RefreshToken.session_id == session_id, RefreshToken.spent_at.is_(None))
        .values(spent_at=utcnow())
    ).rowcount
    if spent != 1:
        revoke_session(session_id, "refresh_reuse")
        db.session.commit()
        raise Unauthorized("This refresh token was already used; the session has been closed",
                           error="token_reused")
    session = db.session.get(AuthSession, session_id)
    tokens = issue_tokens(user, session, fresh=False)
    db.session.commit()
    return tokens


def revoke_session(session_id: str, reason: str) -> None:
    """Mark a session revoked so all its tokens stop working (caller commits)."""
    db.session.execute(
        update(AuthSession).where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def logout(session_id: str) -> None:
    """End the session: its access and refresh tokens stop working."""
    revoke_session(session_id, "logout")
    db.session.commit()


def create_user(username: str, password: str, roles: list[str], *, unit_code: str | None = None,
                display_name: str | None = None, actor_id: int | None = None) -> User:
    """A staff user with roles (and a unit); audited."""
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if unknown:
        raise AppError(f"Unknown role(s): {', '.join(unknown)}", status=422, error="validation_failed")
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise AppError(f"User {username!r} exists", status=409, error="conflict",
                       errors={"json": {"username": ["Already taken."]}})
    unit = _unit_by_code(unit_code) if unit_code else None
    user = User(username=username, password_hash=hash_password(password), display_name=display_name or username,
                unit=unit, role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    record(actor_id, "user.create", "user", user.id, details={"roles": sorted(set(roles)), "unit": unit_code})
    db.session.commit()
    return user


def set_password(username: str, password: str, *, actor_id: int | None = None) -> None:
    """Replace a user's password, unlock the account and end their sessions; audited."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AppError(f"Unknown user {username!r}", status=404, error="not_found")
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow(), revoked_reason="password_changed"))
    record(actor_id, "user.set_password", "user", user.id)
    db.session.commit()


def users_query(filters: dict):
    """Users matching the admin filters (role, unit code, name), newest first."""
    stmt = select(User).order_by(User.id.desc())
    if filters.get("role"):
        stmt = stmt.where(User.role_rows.any(UserRole.role == filters["role"]))
    if filters.get("unit"):
        stmt = stmt.join(Unit, User.unit_id == Unit.id).where(Unit.code == filters["unit"])
    if filters.get("q"):
        like = f"%{filters['q']}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    return stmt


def update_user(user_id: int, changes: dict, *, actor_id: int) -> User:
    """Change roles, unit, name or enabled state; disabling or changing roles ends the user's sessions. Audited."""
    user = db.session.get(User, user_id)
    if user is None:
        raise AppError("No such user", status=404, error="not_found")
    before = {"roles": user.roles, "unit": user.unit.code if user.unit else None, "is_active": user.is_active}
    if "roles" in changes:
        wanted = sorted(set(changes["roles"]))
        user.role_rows = [row for row in user.role_rows if row.role in wanted]
        user.role_rows.extend(UserRole(role=r) for r in wanted if r not in {row.role for row in user.role_rows})
    if "unit_code" in changes:
        user.unit = _unit_by_code(changes["unit_code"]) if changes["unit_code"] else None
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "is_active" in changes:
        user.is_active = changes["is_active"]
    if changes.get("is_active") is False or ("roles" in changes and sorted(set(changes["roles"])) != before["roles"]):
        db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow(), revoked_reason="account_changed"))
    record(actor_id, "user.update", "user", user.id, details={"before": before, "changes": changes})
    db.session.commit()
    return user


def _unit_by_code(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise AppError(f"Unknown unit {code!r}", status=422, error="validation_failed",
                       errors={"json": {"unit_code": ["Unknown unit."]}})
    return unit
