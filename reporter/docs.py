"""Interactive API docs that work offline: Swagger UI 5 (it renders OpenAPI 3.1) served from the
flask-swagger-ui package's files — only its static assets are used, no CDN on government intranets."""
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, send_from_directory

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"

docs_assets = Blueprint("docs_assets", __name__)


@docs_assets.get("/api/docs/assets/<path:filename>")
def asset(filename: str):
    """One static Swagger UI file."""
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=86400)
