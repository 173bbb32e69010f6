"""The command groups of `flask …`: an operator's mistake is one line on stderr and exit status 1, never a traceback.

Every feature's CLI group is an `AppGroup` from here. Its `invoke` turns what a command may meet in normal use — a
service's refusal (AppError, with its field messages), a file or folder that is not there or not writable (OSError),
the database out of reach — into a `click.ClickException`, which click prints as ``Error: …`` and exits 1. A
misconfigured environment fails before any command runs, while the app loads (see `wsgi.py`).
"""
import click
from flask.cli import AppGroup as FlaskAppGroup
from sqlalchemy.exc import OperationalError

from reporter.config import ConfigError
from reporter.errors import AppError


def _field_messages(errors, path=()) -> list[str]:
    """{"query": {"month": ["Use YYYY-MM"]}} → ["month: Use YYYY-MM"] (the location level dropped)."""
    if isinstance(errors, dict):
        return [m for key, value in errors.items() for m in _field_messages(value, (*path, str(key)))]
    if isinstance(errors, list | tuple):
        return [m for value in errors for m in _field_messages(value, path)]
    name = ".".join(path[1:] if len(path) > 1 else path)
    return [f"{name}: {errors}" if name else str(errors)]


def one_line(exc: BaseException) -> str:
    """What an operator needs to read about `exc`, on one line."""
    if isinstance(exc, AppError):
        details = _field_messages(exc.errors) if exc.errors else []
        generic = details and exc.message == type(exc).message  # "The request is not valid": the fields say more
        return "; ".join(details if generic else [exc.message, *details])
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {exc.filename}"
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "unreachable"
        return f"the database is unavailable: {reason}"
    return " ".join(str(exc).split())


class AppGroup(FlaskAppGroup):
    """flask's AppGroup whose commands end in one line and a non-zero exit on the errors operators meet."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (AppError, ConfigError, OSError, OperationalError) as exc:
            raise click.ClickException(one_line(exc)) from None
