"""The view side: `@idempotent` reads the header, replays, or hands the claim to the service."""
from functools import wraps

from flask import g, jsonify, request

from reporter.accounts.security import actor
from reporter.idempotency import services


def idempotent(view):
    """Honour `Idempotency-Key` on a POST; the view passes `current_claim()` to its service."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            g.idempotency_claim = None
            return view(*args, **kwargs)
        digest = services.fingerprint(request.method, request.path, request.get_json(silent=True))
        outcome = services.begin(actor().id, key, digest)
        if isinstance(outcome, services.Replay):
            # A finished Response passes the response schema untouched: the stored body is already dumped.
            response = jsonify(outcome.body)
            response.status_code = outcome.status_code
            response.headers["Idempotent-Replayed"] = "true"
            return response
        g.idempotency_claim = outcome
        try:
            return view(*args, **kwargs)
        except BaseException:
            outcome.release()
            raise

    return wrapper


def did_new_work(response) -> bool:
    """For rate limits (`deduct_when`): False for a replayed answer and for a 409 while the first request runs —
    a retry of something already counted is never counted again."""
    if response.headers.get("Idempotent-Replayed") == "true":
        return False
    if response.status_code == 409 and response.is_json:
        return (response.get_json(silent=True) or {}).get("error") != "request_in_progress"
    return True


def current_claim() -> "services.Claim | None":
    """The claim of this request, if it carries an Idempotency-Key."""
    return g.get("idempotency_claim")
