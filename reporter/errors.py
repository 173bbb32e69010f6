"""The one JSON error shape of API.md, for every exception.

``{"code": 422, "status": "Unprocessable Entity", "error": "validation_failed", "message": "...", "errors": {...}}``
"""
import logging
from http import HTTPStatus

from flask import Flask, g, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Stable machine codes by HTTP status, used when an error does not name its own.
DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
    507: "insufficient_storage",
}


class AppError(Exception):
    """A failure with a status, a stable code and a human message; raised by services and views."""

    status = 400
    error = "bad_request"
    message = "Bad request"

    def __init__(self, message: str | None = None, *, error: str | None = None, errors: dict | None = None,
                 headers: dict | None = None, status: int | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.error = error or self.error
        self.errors = errors
        self.headers = headers or {}
        if status is not None:
            self.status = status


class ValidationFailed(AppError):
    status, error, message = 422, "validation_failed", "The request is not valid"


class Unauthorized(AppError):
    status, error, message = 401, "unauthorized", "Sign-in required"


class Forbidden(AppError):
    status, error, message = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, error, message = 404, "not_found", "Not found"


class Conflict(AppError):
    status, error, message = 409, "conflict", "Conflict with the current state"


class InvalidTransition(AppError):
    status, error, message = 409, "invalid_transition", "This action is not allowed in the current state"


class PreconditionFailed(AppError):
    status, error, message = 412, "precondition_failed", "The object has changed; reload it and try again"


class PreconditionRequired(AppError):
    status, error, message = 428, "precondition_required", "This action needs an If-Match header"


class PayloadTooLarge(AppError):
    status, error, message = 413, "payload_too_large", "The request body is too large"


class UnsupportedMediaType(AppError):
    status, error, message = 415, "unsupported_media_type", "Unsupported media type"


class RateLimited(AppError):
    status, error, message = 429, "rate_limited", "Too many requests; try again later"


class ServiceUnavailable(AppError):
    status, error, message = 503, "service_unavailable", "A service this request needs is unavailable"


def error_body(status: int, error: str | None = None, message: str | None = None, errors=None) -> dict:
    """The error payload for a status."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {
        "code": status,
        "status": phrase,
        "error": error or DEFAULT_CODES.get(status, "error"),
        "message": message or phrase,
    }
    if errors:
        body["errors"] = _string_keys(errors)
    return body


def _string_keys(errors):
    """Field errors with every key a string: marshmallow keys list items by int and the schema by `_schema`,
    and a JSON object (sorted on output) cannot mix the two."""
    if isinstance(errors, dict):
        return {str(key): _string_keys(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_string_keys(value) for value in errors]
    return errors


def error_response(status: int, error: str | None = None, message: str | None = None, errors=None,
                   headers: dict | None = None):
    """A Flask response in the error shape."""
    resp = jsonify(error_body(status, error, message, errors))
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def http_exception_response(exc: HTTPException):
    """Map werkzeug/webargs/limiter HTTP errors to the error shape."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    message = data.get("message") or exc.description or None
    error = data.get("error")
    if status == 422 and errors and not error:
        error, message = "validation_failed", data.get("message") or "The request is not valid"
    if status == 429:
        message = "Too many requests; try again later"
        retry = getattr(exc, "retry_after", None)
        if retry:
            headers["Retry-After"] = str(int(retry))
    if status == 400 and not errors and "JSON" in (exc.description or ""):
        error, message = "malformed_json", "The body is not valid JSON"
    if status >= 500:
        message = "Internal server error"
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(status, error, message, errors, headers)


def register_errorhandlers(app: Flask) -> None:
    """Every exception ends in the one shape; unexpected ones are logged with the request id."""

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        return error_response(exc.status, exc.error, exc.message, exc.errors, exc.headers)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return error_response(422, "validation_failed", "The request is not valid", errors)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_exception_response(exc)
        from reporter.extensions import db

        db.session.rollback()
        if database_unavailable(exc):
            cause = getattr(exc, "orig", None) or exc
            log.warning("database unavailable (request %s): %s", g.get("request_id"), type(cause).__name__)
            return error_response(503, "database_unavailable", "The database does not answer; try again shortly",
                                  headers={"Retry-After": "5"})
        log.exception("unhandled error (request %s)", g.get("request_id"))
        return error_response(500, "internal_error", "Internal server error")


def database_unavailable(exc: Exception) -> bool:
    """Whether an error means the database cannot be reached or is shutting down (retrying later may work)."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    import psycopg

    orig = exc.orig
    if not isinstance(orig, psycopg.Error):
        return False
    # no SQLSTATE: the connection itself failed (refused, timed out, closed); 08 connection, 53 resources, 57 shutdown
    state = orig.sqlstate
    if state is None:
        return isinstance(orig, psycopg.OperationalError)
    return state[:2] in {"08", "53", "57"}
