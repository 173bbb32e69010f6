"""A private database per test run (parallel runs never collide) and fast per-test cleanup."""
import os
import re
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@contextmanager
def private_database(tmp_dir):
    """Yield a database URL of our own: a fresh PostgreSQL database, or a SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_dir}/test.db"
        return
    url = make_url(base)
    name = f"reporter_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class WriteTracker:
    """Remembers which tables were written since the last reset (from the SQL sent to the database)."""

    def __init__(self):
        self.tables: set[str] = set()
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _params, _context, _many):
        match = _WRITE.match(statement)
        if match:
            self.tables.add(match.group(1).lower())

    def take(self) -> set[str]:
        tables, self.tables = self.tables, set()
        return tables
