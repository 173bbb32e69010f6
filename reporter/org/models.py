"""Units: who answers for what (city bureaus, county governments, county bureaus, oversight bodies)."""
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporter.extensions import db


class Unit(db.Model):
    """A unit of government: `kind` says what it does (forestry, water …), `level` city or county."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16))  # city | county
    county_adcode: Mapped[str | None] = mapped_column(String(6), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"
