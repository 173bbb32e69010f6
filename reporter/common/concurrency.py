"""ETag / If-Match for objects that carry a `version` (optimistic concurrency)."""
from flask import request

from reporter.errors import PreconditionFailed, PreconditionRequired

IF_MATCH = {"parameters": [{
    "in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
    "description": "the ETag of the object as last read (or `*`): 412 when it has changed since, 428 when missing",
}]}
"""`@blp.doc(**IF_MATCH)` on every operation that changes an object only at the version the client saw."""


def etag_of(kind: str, obj_id, version: int) -> str:
    """A strong ETag naming the object and its version."""
    return f'"{kind}-{obj_id}-v{version}"'


def check_if_match(current_etag: str) -> None:
    """428 when If-Match is missing, 412 when it is stale."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    candidates = {tag.strip() for tag in header.split(",")}
    if "*" not in candidates and current_etag not in candidates and f"W/{current_etag}" not in candidates:
        raise PreconditionFailed()
