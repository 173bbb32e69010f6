"""Counties, protection zones and grids, stored as GeoJSON geometries in WGS-84; grid ↔ inspector assignment."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db

ZONE_LEVELS = ("core", "key", "general")  # 核心保护区, 重点保护区, 一般保护区 — strictest first
ZONE_NAMES = {"core": "核心保护区", "key": "重点保护区", "general": "一般保护区"}


class County(db.Model):
    """A county (区县) of Ankang with its boundary."""

    __tablename__ = "counties"

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    in_qinling: Mapped[bool] = mapped_column(Boolean, default=False)  # 涉秦岭县（市、区）
    geometry: Mapped[dict] = mapped_column(JSON)  # GeoJSON geometry, WGS-84
    properties: Mapped[dict] = mapped_column(JSON, default=dict)


class ProtectionZone(db.Model):
    """A Qinling protection zone polygon: core, key or general."""

    __tablename__ = "protection_zones"
    __table_args__ = (CheckConstraint("level IN ('core', 'key', 'general')", name="known_zone_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16), index=True)
    county_adcode: Mapped[str | None] = mapped_column(ForeignKey("counties.adcode"), index=True)
    geometry: Mapped[dict] = mapped_column(JSON)
    properties: Mapped[dict] = mapped_column(JSON, default=dict)  # demo polygons say "illustrative": true


class Grid(db.Model):
    """A grid (网格) inside a county; its 15-digit code is county adcode + township + village + sequence."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    county_adcode: Mapped[str] = mapped_column(ForeignKey("counties.adcode"), index=True)
    geometry: Mapped[dict] = mapped_column(JSON)
    properties: Mapped[dict] = mapped_column(JSON, default=dict)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)  # cut by `flask geo make-grids`


class GridInspector(db.Model):
    """An inspector (网格员) assigned to a grid."""

    __tablename__ = "grid_inspectors"

    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
