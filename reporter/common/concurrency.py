"""ETag / If-Match for objects that carry a `version` (optimistic concurrency)."""
from flask import request

from reporter.errors import PreconditionRequired

IF_MATCH = {"parameters": [{
    "in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
    "description": "the ETag of the object as last read (or `*`): 412 when it has changed since, 428 when missing",
}]}
"""`@blp.doc(**IF_MATCH)` on every operation that changes an object only at the version the client saw."""


def etag_of(kind: str, obj_id, version: int) -> str:
    """A strong ETag naming the object and its version."""
    return f'"{kind}-{obj_id}-v{version}"'


NO_VERSION = -1  # what an If-Match naming another object, or nothing we issued, expects: never current


def expected_version(kind: str, obj_id, *, required: bool = True) -> int | None:
    """The version of `kind` `obj_id` the client's If-Match names: None for `*`, NO_VERSION when no tag names this
    object (so the service's compare answers 412 — after the 404/409/403 the request would get without it,
    RFC 9110 §13.2.1); 428 when the header is missing, unless not `required` (then None: no condition)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    prefix = f'"{kind}-{obj_id}-v'
    for tag in (t.strip().removeprefix("W/") for t in header.split(",")):
        if tag == "*":
            return None
        if tag.startswith(prefix) and tag.endswith('"') and tag[len(prefix):-1].isdigit():
            return int(tag[len(prefix):-1])
    return NO_VERSION
