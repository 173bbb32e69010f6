"""The console blueprint, its menu and the `page` decorator every console page is declared with.

A page names its path, its menu entry (optional) and the roles that may open it; the menu shows a user exactly the
pages their roles open, from the same declarations that guard them (part 2's pages add themselves the same way).
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma
from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from reporter.console import auth, filters, labels
from reporter.errors import AppError, PreconditionFailed
from reporter.extensions import db
from reporter.media.storage import redirect_origin

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static")


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    title: str
    roles: tuple[str, ...]
    order: int
    home: bool = False  # a page an official's day starts on (where sign-in lands)


MENU: list[MenuEntry] = []


def page(rule: str, *, title: str | None = None, roles: tuple[str, ...] = (), fresh: bool = False,
         methods=("GET",), order: int = 100, home: bool = False):
    """Route a console view behind sign-in and its roles; `title` puts it in the menu."""

    def decorator(view):
        guarded = auth.login_required(*roles, fresh=fresh)(view)
        bp.add_url_rule(rule, view.__name__, guarded, methods=list(methods))
        if title:
            MENU.append(MenuEntry(f"console.{view.__name__}", title, tuple(roles), order, home))
            MENU.sort(key=lambda e: e.order)
        return guarded

    return decorator


def menu_for(user) -> list[MenuEntry]:
    return [entry for entry in MENU if not entry.roles or user.has_role(*entry.roles)]


def landing(user) -> str:
    """Where a sign-in lands: the first page of the user's menu (我的待办 for case readers, 账号管理 for an admin)."""
    entries = menu_for(user)
    start = [e for e in entries if e.home] or entries
    return url_for(start[0].endpoint) if start else url_for("console.home")


def _csp() -> str:
    """No inline script or style; images from here, data: (Leaflet) and the configured tile server only."""
    tiles = current_app.config.get("MAP_TILE_URL") or ""
    tile_origin = ""
    if tiles.startswith(("http://", "https://")):
        scheme, rest = tiles.split("://", 1)
        tile_origin = " " + scheme + "://" + rest.split("/", 1)[0].split("{s}.")[-1]
        if "{s}." in rest.split("/", 1)[0]:
            tile_origin = " " + scheme + "://*." + rest.split("/", 1)[0].split("{s}.")[-1]
    store = redirect_origin()  # image links answered by a redirect to the object store
    if store:
        tile_origin += " " + store
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" + tile_origin +
            "; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


@bp.record_once
def _setup(state) -> None:
    auth.configure(state.app)
    filters.register(state.app)


@bp.before_request
def _before():
    auth.protect()


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = _csp()
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.context_processor
def _context():
    user = auth.current()
    return {"me": user, "menu": menu_for(user) if user else [], "labels": labels.ALL, "tile": tile_config(),
            "home_url": landing(user) if user else url_for("console.login")}


def tile_config() -> dict:
    """MAP_TILE_URL, its coordinate system (gcj02 | wgs84) and attribution; no URL: the outlines are the map."""
    cfg = current_app.config
    return {"url": cfg.get("MAP_TILE_URL") or "", "coord_system": cfg.get("MAP_TILE_COORD_SYSTEM") or "wgs84",
            "attribution": cfg.get("MAP_TILE_ATTRIBUTION") or ""}


def error_page(status: int, error: str, message: str):
    return render_template("console/error.html", status=status, text=labels.error_text(error, message)), status


@bp.errorhandler(AppError)
def _app_error(exc: AppError):
    return error_page(exc.status, exc.error, exc.message)


@bp.errorhandler(403)
def _forbidden(_exc):
    return error_page(403, "forbidden", "Forbidden")


@bp.errorhandler(404)
def _not_found(_exc):
    return error_page(404, "not_found", "Not found")


@bp.errorhandler(CSRFError)
def _csrf(_exc):
    return error_page(400, "csrf", "CSRF")


def wants_fragment() -> bool:
    return request.headers.get("HX-Request") == "true"


def actor():
    return g.console_user


@dataclass(frozen=True)
class Refused:
    """A form's step its schema or its service refused: what the page is rendered again with."""
    status: int
    message: str  # one sentence for the top of the form
    errors: dict = field(default_factory=dict)  # field → messages (the schema's, or the service's `errors.json`)
    stale: bool = False  # 412: the page was rendered at a version someone else has since changed
    error: str = ""  # the service's error code ("" for a schema refusal)
    details: dict = field(default_factory=dict)  # the service's whole `errors` (e.g. an import's rows)


def attempt(step: Callable, words: Callable[[str, str], str] = labels.error_text, *,
            propagate: tuple[int, ...] = (403, 404)):
    """Run a form's step (load its schema, call its service): `(result, None)`, or `(None, Refused)` with the session
    rolled back (a refused step may have moved a counter, so the page shows what is stored). Not allowed and not
    there (`propagate`: 403, 404) are not form errors: they go on to the console's error page."""
    try:
        return step(), None
    except ma.ValidationError as exc:
        db.session.rollback()
        return None, Refused(422, labels.error_text("validation_failed", ""), exc.messages)
    except AppError as exc:
        db.session.rollback()
        if exc.status in propagate:
            raise
        return None, Refused(exc.status, words(exc.error, exc.message), (exc.errors or {}).get("json") or {},
                             stale=isinstance(exc, PreconditionFailed), error=exc.error, details=exc.errors or {})
