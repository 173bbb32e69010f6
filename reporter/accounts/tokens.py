"""JWT issuing and the flask-jwt-extended callbacks mapped to the one error shape."""
import re
from datetime import timedelta
from functools import cache

from flask import current_app, g
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTDecodeError
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from reporter.accounts.models import AuthSession, RefreshToken, User
from reporter.common.schemas import MAX_DB_INTEGER
from reporter.errors import error_response
from reporter.extensions import db


def issue_tokens(user: User, session: AuthSession, *, fresh: bool) -> dict:
    """A new access/refresh pair for the session; the refresh jti is recorded (caller commits)."""
    claims = {"sid": session.id}
    fresh_for = timedelta(minutes=current_app.config["FRESH_LOGIN_MINUTES"]) if fresh else False
    access = create_access_token(identity=str(user.id), additional_claims=claims, fresh=fresh_for)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    jti = decode_token(refresh)["jti"]
    db.session.add(RefreshToken(jti=jti, session_id=session.id))
    return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer"}


_USER_ID = re.compile(r"[1-9][0-9]{0,9}")  # `sub`: a user id as issue_tokens writes it
_TOKEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # `sid` (a session's UUID) and `jti` (the library's UUID)


def user_id_of(payload: dict) -> int:
    """The user id a verified token names; JWTDecodeError (401 `invalid_token`) when its `sub`, `sid` or `jti` has
    a shape we never issue — only a holder of the signing key can make one, and it must not reach the database."""
    sub, sid, jti = payload.get("sub"), payload.get("sid"), payload.get("jti")
    if not (isinstance(sub, str) and _USER_ID.fullmatch(sub) and int(sub) <= MAX_DB_INTEGER
            and all(isinstance(claim, str) and _TOKEN_ID.fullmatch(claim) for claim in (sid, jti))):
        raise JWTDecodeError("The token's claims are not ones this server issues")
    return int(sub)


@cache
def _session_user() -> Select:
    """The one query of every signed-in request (built once): the token's session with its revocation, and its user
    with roles and unit, by primary keys (`:sid`, `:uid`)."""
    return (select(User, AuthSession.revoked_at).join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.id == bindparam("sid"), User.id == bindparam("uid"))
            .options(joinedload(User.role_rows)))


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Revocation from the database (shared by all workers) and errors in our shape, never `{"msg": …}`."""

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        # One query per request: the session's revocation and its user (with roles and unit) together.
        if not payload.get("sid"):
            return True
        user_id = user_id_of(payload)
        row = db.session.execute(_session_user(), {"sid": payload["sid"], "uid": user_id}).unique().first()
        if row is None or row.revoked_at is not None:
            return True
        g.token_user = row.User
        return False

    @jwt.user_lookup_loader
    def _lookup(_header, payload):
        user = g.pop("token_user", None)
        if user is None or user.id != user_id_of(payload) or not user.is_active:
            return None
        g.user_id = user.id
        return user

    @jwt.user_lookup_error_loader
    def _lookup_error(_header, _payload):
        return error_response(401, "unauthorized", "The account is unknown or disabled")

    @jwt.unauthorized_loader
    def _missing(reason: str):
        return error_response(401, "unauthorized", "Sign-in required: send Authorization: Bearer <token>")

    @jwt.invalid_token_loader
    def _invalid(reason: str):
        return error_response(401, "invalid_token", "The token is not valid")

    @jwt.expired_token_loader
    def _expired(_header, _payload):
        return error_response(401, "token_expired", "The token has expired")

    @jwt.revoked_token_loader
    def _revoked_response(_header, _payload):
        return error_response(401, "token_revoked", "The token has been revoked")

    @jwt.needs_fresh_token_loader
    def _needs_fresh(_header, _payload):
        return error_response(401, "fresh_token_required",
                              "This action needs a fresh sign-in (password, or WeChat in the mini-program)")

    @jwt.token_verification_failed_loader
    def _claims_failed(_header, _payload):
        return error_response(401, "invalid_token", "The token is not valid")
