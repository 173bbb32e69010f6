"""Categories and the versioned responsibility list (责任清单): versions and their rules."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db

STAGES = ("accept", "sign", "handle", "verify")  # 受理, 签收, 办理, 核查


class Category(db.Model):
    """A problem category (items 1–16 of the 2022 work plan)."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ResponsibilityVersion(db.Model):
    """One version of the responsibility list: draft → active → retired; exactly one is active."""

    __tablename__ = "responsibility_versions"
    __table_args__ = (CheckConstraint("status IN ('draft', 'active', 'retired')", name="known_version_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency (ETag)

    rules: Mapped[list["ResponsibilityRule"]] = relationship(
        back_populates="list_version", cascade="all, delete-orphan", order_by="ResponsibilityRule.position")


class ResponsibilityRule(db.Model):
    """Who answers for a category, optionally only in one county and/or protection zone, and by when.

    Rules name unit KINDS; routing resolves a kind to the county's own bureau where it has one, else the city's.
    """

    __tablename__ = "responsibility_rules"
    __table_args__ = (CheckConstraint("zone IS NULL OR zone IN ('core', 'key', 'general')", name="known_rule_zone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("responsibility_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    zone: Mapped[str | None] = mapped_column(String(16))
    county_adcode: Mapped[str | None] = mapped_column(ForeignKey("counties.adcode"))
    lead_kinds: Mapped[list] = mapped_column(JSON, default=list)
    cooperating_kinds: Mapped[list] = mapped_column(JSON, default=list)
    accept_days: Mapped[int] = mapped_column(Integer)
    sign_days: Mapped[int] = mapped_column(Integer)
    handle_days: Mapped[int] = mapped_column(Integer)
    verify_days: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")

    list_version: Mapped[ResponsibilityVersion] = relationship(back_populates="rules")

    def deadline_days(self) -> dict[str, int]:
        """Working days allowed per stage."""
        return {stage: getattr(self, f"{stage}_days") for stage in STAGES}
