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


class UnitKind(db.Model):
    """What a unit does (林业局, 水利局 …): rules name kinds, routing resolves a kind per county ("纵向到底")."""

    __tablename__ = "unit_kinds"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # the generic Chinese name, e.g. 林业局
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class DataStamp(db.Model):
    """A token that changes whenever a body of reference data changes, so per-process caches know to rebuild."""

    __tablename__ = "data_stamps"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(36))
