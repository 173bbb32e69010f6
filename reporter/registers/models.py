"""Registers of regulated sites (小水电站, 矿山, 尾矿库, 农家乐, 入河排污口, 景区建筑 …): their kinds, the sites, each
site's immutable history, its documents (一站一书) and the cases that belong to it."""
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
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
    unit_set: Mapped[str | None] = mapped_column(String(40), index=True)  # the SiteUnit rows answering for it
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class SiteUnit(db.Model):
    """The units answering for sites, from the responsibility list (lead, cooperating, supervising, 属地 government),
    as sets named by their content: every site of a category at places the list treats alike shares one set, so a
    register of thousands of sites stores a handful of sets, not thousands of rows; a set never changes."""

    __tablename__ = "site_units"
    __table_args__ = (Index("ix_site_units_unit_set", "unit_id", "unit_set"),)

    unit_set: Mapped[str] = mapped_column(String(40), primary_key=True)
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


# Campaigns (专项整治行动) ------------------------------------------------------------------------------------------
STEPS = ("survey", "rectify", "accept", "close")  # 排查 → 整改 → 验收 → 销号
STEP_NAMES = {"survey": "排查", "rectify": "整改", "accept": "验收", "close": "销号"}


class Campaign(db.Model):
    """A special campaign against the sites of one kind in an area (counties, zones; empty = all)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(ForeignKey("site_kinds.code"))
    counties: Mapped[list] = mapped_column(JSON, default=list)
    zones: Mapped[list] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    checkins_count_as_survey: Mapped[bool] = mapped_column(Boolean, default=False)  # 巡查打卡即排查
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignMilestone(db.Model):
    """A step every site must reach by a day; the day may differ by protection zone (zone NULL: any other)."""

    __tablename__ = "campaign_milestones"
    __table_args__ = (UniqueConstraint("campaign_id", "step", "zone", name="uq_campaign_milestones_step_zone"),
                      CheckConstraint(f"step IN ({', '.join(repr(s) for s in STEPS)})", name="known_step"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(8))
    zone: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)


class CampaignTarget(db.Model):
    """A target: a count (≥ threshold sites) or a rate (≥ threshold % of the sites matching `of`) of the campaign's
    sites whose fields match `where` (and that reached `step`, when given)."""

    __tablename__ = "campaign_targets"
    __table_args__ = (CheckConstraint("measure IN ('count', 'rate')", name="known_measure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[float] = mapped_column(Float)
    where: Mapped[dict] = mapped_column(JSON, default=dict)
    of: Mapped[dict] = mapped_column(JSON, default=dict)
    step: Mapped[str | None] = mapped_column(String(8))
    due_on: Mapped[date | None] = mapped_column(Date)


class CampaignStep(db.Model):
    """One step of a site in a campaign: who, when (and the CST day it counts for), measures and deadline of 整改,
    photos of 验收, where it came from (a person, or a patrol check-in). Never changed or removed."""

    __tablename__ = "campaign_steps"
    __table_args__ = (UniqueConstraint("campaign_id", "site_id", "step", name="uq_campaign_steps_site_step"),
                      CheckConstraint(f"step IN ({', '.join(repr(s) for s in STEPS)})", name="known_step"),
                      Index("ix_campaign_steps_campaign_day", "campaign_id", "day"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date)  # CST
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    compliant: Mapped[bool | None] = mapped_column(Boolean)  # 排查: nothing to rectify
    measures: Mapped[str | None] = mapped_column(Text)  # 整改措施
    deadline: Mapped[date | None] = mapped_column(Date)  # 整改时限
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | patrol_checkin
    source_ref: Mapped[str | None] = mapped_column(String(64))


class CampaignOverdue(db.Model):
    """A site's step found past its deadline by the sweep, raised once to the county's supervisors; 督办 from it."""

    __tablename__ = "campaign_overdue"
    __table_args__ = (UniqueConstraint("campaign_id", "site_id", "step", name="uq_campaign_overdue_site_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(8))
    due_on: Mapped[date] = mapped_column(Date)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_to: Mapped[list] = mapped_column(JSON, default=list)
    supervision_level: Mapped[str | None] = mapped_column(String(8))  # 督办: city | county
    supervision_due: Mapped[date | None] = mapped_column(Date)
    supervised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supervised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UndercoverCheck(db.Model):
    """An undercover check (暗访, item 17) in a county on a day."""

    __tablename__ = "undercover_checks"
    __table_args__ = (Index("ix_undercover_checks_county_day", "county_adcode", "checked_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_adcode: Mapped[str] = mapped_column(ForeignKey("counties.adcode"))
    checked_on: Mapped[date] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(200))
    places: Mapped[int] = mapped_column(Integer, default=1)
    problems_found: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(CampaignStep, "before_update")
@event.listens_for(CampaignStep, "before_delete")
def _steps_are_immutable(_mapper, _connection, target) -> None:
    """A campaign step, once recorded, is never changed or removed."""
    raise Conflict(f"Campaign step {target.id} is part of the record and cannot be changed")


# 回头看: re-checks of closed problems ------------------------------------------------------------------------
class RecheckBatch(db.Model):
    """A 回头看 a supervisor schedules: all closed problems of a source (and county, category), or a sample of them."""

    __tablename__ = "recheck_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(32))
    county_adcode: Mapped[str | None] = mapped_column(String(6))
    category: Mapped[str | None] = mapped_column(String(64))
    sample_size: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[int | None] = mapped_column(Integer)  # of the random sample, so it can be drawn again
    due_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecheckItem(db.Model):
    """One closed problem to re-check on site: pending → confirmed (整改到位) or failed (the case reopens)."""

    __tablename__ = "recheck_items"
    __table_args__ = (UniqueConstraint("batch_id", "case_id", name="uq_recheck_items_batch_case"),
                      CheckConstraint("status IN ('pending', 'confirmed', 'failed')", name="known_recheck_status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("recheck_batches.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
