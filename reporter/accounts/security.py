"""Role checks every endpoint uses: `@roles_required(...)` and `actor()`."""
from functools import wraps

from flask_jwt_extended import current_user, verify_jwt_in_request

from reporter.accounts.models import User
from reporter.errors import Forbidden

BEARER_DOC = {"security": [{"bearerAuth": []}]}
# The error responses every signed-in operation may give (flask-smorest's responses in the one error shape).
AUTH_ERRORS = ((401, "UNAUTHORIZED"), (403, "FORBIDDEN"))


def _with_doc(func, roles: tuple[str, ...]):
    """Mark the view as needing a bearer token; document its roles (`x-roles`), 401 and 403 when roles are named."""
    apidoc = getattr(func, "_apidoc", {})
    manual = dict(apidoc.get("manual_doc", {}))
    manual.update(BEARER_DOC)
    if roles:
        manual["x-roles"] = list(roles)
    response = dict(apidoc.get("response", {}))
    responses = {code: list(docs) for code, docs in response.get("responses", {}).items()}
    for code, name in AUTH_ERRORS[:2 if roles else 1]:
        responses.setdefault(code, [name])
    response["responses"] = responses
    func._apidoc = {**apidoc, "manual_doc": manual, "response": response}
    return func


def roles_required(*roles: str, fresh: bool = False, refresh: bool = False):
    """Require a valid token and (when roles are named) at least one of the roles; 401/403 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request(fresh=fresh, refresh=refresh)
            if roles and not current_user.has_role(*roles):
                raise Forbidden("Your role does not allow this", error="forbidden")
            return view(*args, **kwargs)

        return _with_doc(wrapper, roles)

    return decorator


def login_required(view=None, *, fresh: bool = False):
    """Any signed-in user."""
    if view is None:
        return roles_required(fresh=fresh)
    return roles_required()(view)


def actor() -> User:
    """The signed-in user of this request."""
    return current_user
