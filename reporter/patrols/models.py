"""Patrols (巡查) of grid inspectors: the patrol with its stored effort summary, track points, check-ins
(打卡) and observations. Every row is keyed by an id the phone made, so offline batches can repeat safely."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db


class Patrol(db.Model):
    """One inspector's walk in one grid; the summary columns are recomputed on finish and on late points."""

    __tablename__ = "patrols"
    __table_args__ = (Index("ix_patrols_inspector_day", "inspector_id", "day"),
                      Index("ix_patrols_grid_day", "grid_id", "day"),
                      Index("ix_patrols_day", "day"))  # a month's figures of every inspector

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day: Mapped[date] = mapped_column(Date)  # the CST date it started: the patrol day it counts toward
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # server time of the finish request
    point_count: Mapped[int] = mapped_column(Integer, default=0)
    late_points: Mapped[int] = mapped_column(Integer, default=0)  # points that arrived after the finish
    # The earliest and latest point time stored (NULL before the first point): a read of the track is bounded by
    # them, so on PostgreSQL it touches only the months' partitions the track lies in.
    first_point_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_point_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The effort summary (see reporter.patrols.effort); NULL until the patrol is finished.
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    distance_m: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    moving_s: Mapped[float | None] = mapped_column(Float)
    counted_s: Mapped[float | None] = mapped_column(Float)
    in_grid_distance_m: Mapped[float | None] = mapped_column(Float)
    in_grid_s: Mapped[float | None] = mapped_column(Float)
    coverage_pct: Mapped[float | None] = mapped_column(Float)
    cell_count: Mapped[int | None] = mapped_column(Integer)
    visited_cells: Mapped[list] = mapped_column(JSON, default=list)
    counts_as_patrol_day: Mapped[bool | None] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raw points past their retention are erased (reporter.privacy.retention); the track is kept simplified.
    points_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    simplified_track: Mapped[list | None] = mapped_column(JSON)  # [[lat, lng], …] WGS-84, in time order


class TrackPoint(db.Model):
    """A GPS fix, keyed by (patrol, the phone's timestamp): a repeat of the same fix is absorbed."""

    __tablename__ = "patrol_points"

    patrol_id: Mapped[str] = mapped_column(ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True)
    t: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lng: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    altitude_m: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    provider: Mapped[str | None] = mapped_column(String(16))
    mock: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # arrived after the patrol was finished


class PatrolRecord:
    """What check-ins and observations share: the phone's id, the patrol, when and where, a note and photos."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    patrol_id: Mapped[str] = mapped_column(ForeignKey("patrols.id", ondelete="CASCADE"), index=True)
    t: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lng: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def patrol(cls) -> Mapped[Patrol]:
        return relationship(Patrol)


class Checkin(PatrolRecord, db.Model):
    """A check-in (打卡) at a checkpoint during a patrol."""

    __tablename__ = "patrol_checkins"

    checkpoint: Mapped[str | None] = mapped_column(String(128))


class Observation(PatrolRecord, db.Model):
    """Something seen on patrol; a problem observation opens exactly one case."""

    __tablename__ = "patrol_observations"
    __table_args__ = (Index("ix_patrol_observations_t", "t"),)  # problems found in a month

    address: Mapped[str | None] = mapped_column(String(500))
    problem: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
