"""Interactive API docs that work offline: Swagger UI assets served from the swagger_ui_bundle package."""
from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

docs_assets = Blueprint("docs_assets", __name__)


@docs_assets.get("/api/docs/assets/<path:filename>")
def asset(filename: str):
    """One static Swagger UI file (no CDN on government intranets)."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
