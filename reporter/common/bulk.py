"""Helpers for reading many rows at once."""
import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
