"""Security headers on every response and CORS for configured origins only."""
from flask import Flask, request
from flask_cors import CORS

_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data:; frame-ancestors 'none'")


def register_security(app: Flask) -> None:
    """Headers that keep browsers from sniffing, framing or caching API answers; CORS from CORS_ORIGINS."""
    if app.config["CORS_ORIGINS"]:
        CORS(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
             expose_headers=["ETag", "X-Request-ID", "Retry-After"], allow_headers=[
                 "Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"], max_age=600)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy",
                           _DOCS_CSP if request.path.startswith("/api/docs") else _API_CSP)
        if response.mimetype == "application/json":
            headers.setdefault("Cache-Control", "no-store")
        if request.is_secure or app.config["REPORTER_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
