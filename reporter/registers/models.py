"""Registers of regulated sites (小水电站, 矿山, 尾矿库, 农家乐, 入河排污口, 景区建筑 …): their kinds, the sites, each
site's immutable history, its documents (一站一书) and the cases that belong to it."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict
from reporter.extensions import db

GEOMETRIES = ("point", "polygon", "any")  # what a kind's sites may be drawn as (a mine or pond: a polygon too)


class SiteKind(db.Model):
    """A kind of regulated site: its fields (validated per site), its states, and the responsibility-list category
    that gives its lead and cooperating units. Seeded kinds ship with the system; admins add more."""

    __tablename__ = "site_kinds"
    __table_args__ = (CheckConstraint("geometry IN ('point', 'polygon', 'any')", name="known_site_geometry"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    geometry: Mapped[str] = mapped_column(String(8), default="point")
    # [{"key", "label" (the sheet's header), "type": text|integer|number|bool|date|choice|choices, "choices"?,
    #   "required"?}]
    fields: Mapped[list] = mapped_column(JSON, default=list)
    # [{"code", "name", "closes"?: true}] — the first is a new site's state; `closes` marks 销号 (closed off)
    states: Mapped[list] = mapped_column(JSON, default=list)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class Site(db.Model):
    """A regulated site: the officials' code (unique per kind), operator (an organisation), geometry (WGS-84
    GeoJSON) with the county, zone and grid worked out from it, its state and its kind's fields."""

    __tablename__ = "sites"
    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_sites_kind_code"),
        Index("ix_sites_kind_lat", "kind", "lat"),
        Index("ix_sites_county_kind", "county_adcode", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(ForeignKey("site_kinds.code"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str | None] = mapped_column(String(200), index=True)  # an organisation, never a person's data
    geometry: Mapped[dict] = mapped_column(JSON)  # Point or Polygon, WGS-84
    lat: Mapped[float] = mapped_column(Float)  # the point, or a point inside the polygon (for distances)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(255))
    county_adcode: Mapped[str | None] = mapped_column(ForeignKey("counties.adcode"))
    zone: Mapped[str | None] = mapped_column(String(16))  # the strictest zone the geometry touches
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class SiteUnit(db.Model):
    """A unit answering for a site, from the responsibility list: lead, cooperating, supervising or 属地 government."""

    __tablename__ = "site_units"
    __table_args__ = (Index("ix_site_units_unit_site", "unit_id", "site_id"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16))


class SiteEvent(db.Model):
    """One entry of a site's history (registered, edited, imported, state changed): who, when, why, evidence."""

    __tablename__ = "site_events"
    __table_args__ = (UniqueConstraint("site_id", "seq", name="uq_site_events_site_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # register | edit | import | state
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # document ids
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # the fields that changed: {field: [before, after]}


class SiteDocument(db.Model):
    """A document or photo of a site's file (一站一书): PDF or image, kept in the media storage, served only as a
    download under the safe name."""

    __tablename__ = "site_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(160))  # made safe by the server
    content_type: Mapped[str] = mapped_column(String(64))  # from the bytes, never from the client
    bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteCase(db.Model):
    """A case that belongs to a site's history: linked by distance and kind, or by a supervisor's choice."""

    __tablename__ = "site_cases"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    distance_m: Mapped[float | None] = mapped_column(Float)
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: linked by the system
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteCandidate(db.Model):
    """A site near a new case when more than one qualifies: a supervisor confirms which (or none)."""

    __tablename__ = "site_candidates"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    distance_m: Mapped[float] = mapped_column(Float)


@event.listens_for(SiteEvent, "before_update")
@event.listens_for(SiteEvent, "before_delete")
def _history_is_immutable(_mapper, _connection, target) -> None:
    """A site's history, once written, is never changed or removed."""
    raise Conflict(f"Site event {target.id} is part of the site's history and cannot be changed")
