"""Helpers for reading many rows at once."""
import gc
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Integer, TypeDecorator, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from reporter.extensions import db


class _IdArray(TypeDecorator):
    """A list of integer ids bound as one PostgreSQL array, sent in its text form (psycopg writes long lists of
    ints element by element; the server reads `{1,2,3}` at once)."""

    impl = ARRAY(Integer)
    cache_ok = True

    def bind_processor(self, dialect):
        return lambda ids: "{" + ",".join(map(str, ids)) + "}"


def among(column, ids: list[int], name: str = "ids"):
    """`column IN ids` for a long list of integers: one array parameter on PostgreSQL (one statement text, whatever
    the count); inline integers elsewhere (SQLite caps the number of bound parameters)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(name, list(ids), type_=_IdArray()))
    return column.in_(bindparam(name, list(ids), expanding=True, literal_execute=True))


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a computation allocates a great many short-lived objects.

    Reading a month's case events makes hundreds of thousands of rows and tuples, none in a reference cycle; each
    generation-2 pass this triggers walks the whole heap of the process (the app, SQLAlchemy's metadata, the rows so
    far) and finds nothing to free. Reference counting still frees everything as usual; the collector runs again as
    soon as the block ends (as before it, if it was already off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
