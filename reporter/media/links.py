"""Signed, expiring image links: the mini-program's <image> tag cannot send an Authorization header."""
import time

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from reporter.errors import Forbidden
from reporter.media.settings import setting

VARIANTS = ("display", "thumbnail")
_SALT = "reporter.media.image-link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def signed_url(upload_id: str, variant: str) -> str:
    """A link to one variant of one upload, good for UPLOAD_URL_MAX_AGE_S seconds: under PUBLIC_BASE_URL when it
    is set, else relative — never built from the request's Host header, which any client can forge."""
    token = _serializer().dumps([upload_id, variant])
    path = url_for("uploads.UploadImage", upload_id=upload_id, variant=variant, sig=token)
    return (current_app.config.get("PUBLIC_BASE_URL") or "") + path


def check_signature(token: str, upload_id: str, variant: str) -> int:
    """Accept a link made by signed_url for exactly this upload and variant; 403 when forged or expired.

    Returns the seconds the link has left (a presigned link of the store must not outlive it).
    """
    max_age = int(setting("UPLOAD_URL_MAX_AGE_S"))
    try:
        signed, signed_at = _serializer().loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise Forbidden("This image link has expired; fetch the object again for a fresh one",
                        error="link_expired") from None
    except BadSignature:
        raise Forbidden("This image link is not valid", error="link_invalid") from None
    if signed != [upload_id, variant]:
        raise Forbidden("This image link is not valid", error="link_invalid")
    return max(0, int(signed_at.timestamp() + max_age - time.time()))
