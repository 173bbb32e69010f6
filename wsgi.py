"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and the app `flask …` finds in this folder."""
import click

from reporter import create_app
from reporter.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    if click.get_current_context(silent=True) is None:
        raise  # gunicorn: the worker fails to boot with the reason in its log, and the master stops
    # `flask …` (the operator's command line): one line and exit status 1, not a traceback.
    raise SystemExit(f"Error: {exc}") from None
