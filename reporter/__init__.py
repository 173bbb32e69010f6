"""reporter: the backend of Ankang's Qinling ecological protection reporting system."""
import importlib
import os

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from reporter.common import jsonbody
from reporter.common.input_guard import register_input_guard
from reporter.config import load_config
from reporter.errors import PayloadTooLarge
from reporter.features import FEATURES
from reporter.web_security import register_security

jsonbody.install()  # before any feature's blueprint binds its argument parser


def create_app(config: dict | None = None) -> Flask:
    """App factory: config, extensions, blueprints, error handlers, CLI."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("REPORTER_INSTANCE") or None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, config))
    app.debug = bool(app.config.get("DEBUG"))
    app.json.ensure_ascii = False  # UTF-8 JSON: Chinese names readable on the wire
    app.json.sort_keys = False  # keys in the order the schemas give them (Flask 3 ignores JSON_SORT_KEYS)
    if app.config["PROXY_COUNT"]:  # behind nginx: trust its X-Forwarded-For/Proto for client addresses
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])
    from reporter.observability import configure_logging, register_request_hooks

    configure_logging(app)
    register_request_hooks(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_limits(app)
    register_input_guard(app)
    register_security(app)
    return app


def _feature_modules(suffix: str):
    for name in FEATURES:
        try:
            yield importlib.import_module(f"{name}.{suffix}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.{suffix}":
                raise


def register_extensions(app: Flask) -> None:
    """Configure the extension objects created in extensions.py."""
    from reporter.extensions import api, db, jwt, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    from reporter.accounts.tokens import register_jwt_callbacks

    register_jwt_callbacks(jwt)
    list(_feature_modules("models"))  # importing the models registers their tables
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas()


def _sqlite_pragmas() -> None:
    """Foreign keys on, WAL journal and a busy timeout for every SQLite connection."""
    if getattr(_sqlite_pragmas, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_conn, _record):
        if type(dbapi_conn).__module__.startswith("sqlite3"):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

    _sqlite_pragmas.done = True


def register_blueprints(app: Flask) -> None:
    """Every feature's flask-smorest blueprints, plus the offline docs assets."""
    from reporter.docs import docs_assets
    from reporter.extensions import api

    app.register_blueprint(docs_assets)
    for module in _feature_modules("api"):
        for blp in getattr(module, "blueprints", []):
            api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
        for blp in getattr(module, "flask_blueprints", []):  # outside the API and its OpenAPI document
            app.register_blueprint(blp)
    from reporter.metrics.api import instrument

    instrument(app)


def register_errorhandlers(app: Flask) -> None:
    """The one JSON error shape for everything."""
    from reporter.errors import register_errorhandlers as _register

    _register(app)


def register_commands(app: Flask) -> None:
    """Feature CLI groups and `flask reference load`."""
    from reporter.reference import reference_cli

    app.cli.add_command(reference_cli)
    for module in _feature_modules("cli"):
        for command in getattr(module, "commands", []):
            app.cli.add_command(command)


def register_limits(app: Flask) -> None:
    """Refuse bodies other than multipart uploads over MAX_JSON_BYTES, however they are sent."""

    @app.before_request
    def _json_body_limit():
        if request.mimetype == "multipart/form-data":
            return  # MAX_CONTENT_LENGTH (the upload limit) bounds these
        limit = app.config["MAX_JSON_BYTES"]
        too_large = PayloadTooLarge(f"The body is larger than {limit} bytes")
        if request.content_length is not None:
            if request.content_length > limit:
                raise too_large
            return
        # No Content-Length (Transfer-Encoding: chunked): read at most one byte past the limit, once; the views'
        # parsers use this cached copy.
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:
            raise too_large
