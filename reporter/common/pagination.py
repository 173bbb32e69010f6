"""Paginate a SQLAlchemy select into the list shape of API.md."""
from sqlalchemy import Select, func, select

from reporter.extensions import db


def paginate(stmt: Select, page: int, page_size: int, *, scalars: bool = True, one_trip: bool = False) -> dict:
    """Run `stmt` for one page and count the whole result.

    `one_trip` (a select of one entity): the count rides along with the page as an uncorrelated scalar subquery,
    which the database evaluates once, so the list costs one round trip instead of two; only a page past the end
    (no rows to carry the count) is counted on its own.
    """
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    if one_trip and scalars:
        rows = db.session.execute(stmt.add_columns(counted.scalar_subquery().label("_total"))
                                  .limit(page_size).offset((page - 1) * page_size)).all()
        items = [row[0] for row in rows]
        total = rows[0][-1] if rows else (0 if page == 1 else db.session.execute(counted).scalar_one())
        return {"items": items, "total": total, "page": page, "page_size": page_size}
    total = db.session.execute(counted).scalar_one()
    paged = stmt.limit(page_size).offset((page - 1) * page_size)
    result = db.session.execute(paged)
    items = list(result.scalars()) if scalars else list(result)
    return {"items": items, "total": total, "page": page, "page_size": page_size}
