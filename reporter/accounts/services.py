"""Sign-in, token rotation, logout and user administration: each function commits once."""
from sqlalchemy import select, update

from reporter.accounts import throttle
from reporter.accounts.models import AuthSession, RefreshToken, User, UserRole
from reporter.accounts.passwords import hash_password, password_problem, verify_password
from reporter.accounts.roles import ALL_ROLES, RESIDENT
from reporter.accounts.scope import scope_problem
from reporter.accounts.tokens import issue_tokens
from reporter.accounts.wechat import exchange_code
from reporter.audit.services import record
from reporter.common.search import contains
from reporter.common.timeutil import utcnow
from reporter.errors import AppError, Unauthorized, ValidationFailed
from reporter.extensions import db
from reporter.org.models import Unit


def login_with_password(username: str, password: str, address: str) -> tuple[User, dict]:
    """Staff sign-in: tokens for the right password; 401 otherwise, the same work and answer for an unknown name;
    429 while this (username, address) pair waits out its delay (`throttle`)."""
    user = check_password(username, password, address)
    session = open_session(user, "password")
    tokens = issue_tokens(user, session, fresh=True)
    db.session.commit()
    return user, tokens


def check_password(username: str, password: str, address: str) -> User:
    """The active staff user with this name and password (throttled as `login_with_password` describes); 401
    otherwise. The API's sign-in and the console's sign-in and fresh re-entry share it."""
    throttle.check(username, address)
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    right = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not user.is_active or not right:
        throttle.failed(username, address)
        raise Unauthorized("Wrong username or password", error="invalid_credentials")
    throttle.succeeded(username, address)
    return user


def open_session(user: User, method: str) -> AuthSession:
    """A new sign-in session (flushed; the caller commits): the record logout and account changes revoke."""
    session = AuthSession(user_id=user.id, method=method)
    db.session.add(session)
    db.session.flush()
    return session


def active_session_user(session_id: str, user_id: int) -> User | None:
    """The user of a session that is neither revoked nor of a disabled account (the console's per-request check,
    the same rule as the API tokens' `token_in_blocklist_loader`)."""
    row = db.session.execute(
        select(User).join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.id == session_id, User.id == user_id, AuthSession.revoked_at.is_(None))
    ).unique().scalar_one_or_none()
    return row if row is not None and row.is_active else None


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
    _check_password(password)
    unit = _unit_by_code(unit_code) if unit_code else None
    _check_scope(roles, unit)
    user = User(username=username, password_hash=hash_password(password), display_name=display_name or username,
                unit=unit, role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    record(actor_id, "user.create", "user", user.id, details={"roles": sorted(set(roles)), "unit": unit_code})
    db.session.commit()
    return user


def set_password(username: str, password: str, *, actor_id: int | None = None) -> None:
    """Replace a user's password and end their sessions; audited."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AppError(f"Unknown user {username!r}", status=404, error="not_found")
    _check_password(password)
    user.password_hash = hash_password(password)
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
        stmt = stmt.where(contains(filters["q"], User.username, User.display_name))
    return stmt


def update_user(user_id: int, changes: dict, *, actor_id: int) -> User:
    """Change roles, unit, name or enabled state; disabling or changing roles ends the user's sessions. Audited."""
    user = db.session.get(User, user_id)
    if user is None:
        raise AppError("No such user", status=404, error="not_found")
    before = {"roles": user.roles, "unit": user.unit.code if user.unit else None, "is_active": user.is_active}
    wanted = sorted(set(changes["roles"])) if "roles" in changes else user.roles
    unit = (_unit_by_code(changes["unit_code"]) if changes["unit_code"] else None) if "unit_code" in changes \
        else user.unit
    if "roles" in changes or "unit_code" in changes:  # disabling or renaming a legacy account stays possible
        _check_scope(wanted, unit)
    if "roles" in changes:
        user.role_rows = [row for row in user.role_rows if row.role in wanted]
        user.role_rows.extend(UserRole(role=r) for r in wanted if r not in {row.role for row in user.role_rows})
    user.unit = unit
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


def _check_password(password: str) -> None:
    """422 for a password the one rule refuses (`passwords.password_problem`), from the API and the CLI alike."""
    if problem := password_problem(password):
        raise ValidationFailed(problem, errors={"json": {"password": [problem]}})


def _check_scope(roles, unit: Unit | None) -> None:
    """422 when unit-scoped roles lack a fitting unit (`accounts/scope.py`)."""
    if problem := scope_problem(roles, unit):
        raise ValidationFailed(problem, errors={"json": {"unit_code": [problem]}})


def _unit_by_code(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise AppError(f"Unknown unit {code!r}", status=422, error="validation_failed",
                       errors={"json": {"unit_code": ["Unknown unit."]}})
    return unit
