"""Per-process caches of reference data (geography index, calendar, rules) that rebuild when the data changes.

A change bumps the data's stamp in the database (``bump``); every process compares its cached stamp with the
database at most every ``REFERENCE_CACHE_CHECK_SECONDS`` and rebuilds on a difference. The process that made the
change rebuilds at once.
"""
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from reporter.common.db import new_uuid
from reporter.extensions import db
from reporter.org.models import DataStamp

_EXTENSION = "reporter.stamped_caches"


@dataclass
class _Entry:
    token: tuple[str | None, ...]
    value: Any
    next_check: float


def current_tokens(names: tuple[str, ...]) -> tuple[str | None, ...]:
    """The stamps of bodies of data as the database has them now."""
    found = dict(db.session.execute(select(DataStamp.name, DataStamp.token).where(DataStamp.name.in_(names))).all())
    return tuple(found.get(name) for name in names)


def bump(name: str) -> None:
    """Mark a body of data changed (inside the caller's unit of work) and drop this process's copy."""
    stamp = db.session.get(DataStamp, name)
    if stamp is None:
        db.session.add(DataStamp(name=name, token=new_uuid()))
    else:
        stamp.token = new_uuid()
    db.session.flush()
    entries = current_app.extensions.get(_EXTENSION, {})
    for key in [key for key in entries if name in key]:
        entries.pop(key, None)


class StampedCache:
    """A value built once per process and app, rebuilt when one of the stamps it depends on changes."""

    def __init__(self, names: tuple[str, ...], build: Callable[[], Any]):
        self.names = names
        self.build = build

    def get(self) -> Any:
        """The cached value, rebuilt if the data changed since it was built."""
        app = current_app._get_current_object()
        entries = app.extensions.setdefault(_EXTENSION, {})
        entry = entries.get(self.names)
        now = time.monotonic()
        if entry is not None and now < entry.next_check:
            return entry.value
        token = current_tokens(self.names)
        if entry is None or entry.token != token:
            entry = _Entry(token, self.build(), 0.0)
            entries[self.names] = entry
        entry.next_check = now + app.config.get("REFERENCE_CACHE_CHECK_SECONDS", 2.0)
        return entry.value

    def invalidate(self) -> None:
        """Forget this process's copy (the next `get` rebuilds)."""
        current_app.extensions.get(_EXTENSION, {}).pop(self.names, None)
