"""Text search in `q` parameters: the words are matched as typed, `%`, `_` and `\\` included."""
from sqlalchemy import or_


def contains(q: str, *columns):
    """A clause: any of the columns contains `q` (case-insensitive), LIKE wildcards escaped — the one way every
    search builds its pattern, so `q=%` finds a percent sign, not everything."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
