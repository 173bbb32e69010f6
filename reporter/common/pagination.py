"""Paginate a SQLAlchemy select into the list shape of API.md."""
from sqlalchemy import Select, func, select

from reporter.extensions import db


def paginate(stmt: Select, page: int, page_size: int, *, scalars: bool = True) -> dict:
    """Run `stmt` for one page and count the whole result."""
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    paged = stmt.limit(page_size).offset((page - 1) * page_size)
    result = db.session.execute(paged)
    items = list(result.scalars()) if scalars else list(result)
    return {"items": items, "total": total, "page": page, "page_size": page_size}
