"""Column helpers shared by the models."""
import uuid
from datetime import datetime

from sqlalchemy import DateTime, TypeDecorator

from reporter.common.timeutil import as_utc, utcnow


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite keeps them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else as_utc(value)


def new_uuid() -> str:
    """A random UUID as text (the primary key of client-visible objects)."""
    return str(uuid.uuid4())


__all__ = ["UTCDateTime", "new_uuid", "utcnow"]
