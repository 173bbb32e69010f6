"""Cases (案件), the units they involve, and their append-only event log."""
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import CST, utcnow
from reporter.errors import Conflict
from reporter.extensions import db

# the open states (workflow.OPEN_STATES, which imports this module): the partial index of idle open cases names them
IDLE_OPEN_STATES = ("submitted", "accepted", "dispatched", "in_progress", "pending_verification", "verified")


def _opened_at(context):
    """A case inserted without `last_event_at` (its first event is written with it): its opening instant."""
    return context.get_current_parameters().get("created_at") or utcnow()

SOURCES = ("citizen_report", "patrol", "video", "undercover", "superior", "central_inspection",
           "provincial_inspection", "audit")
# 中央/省级督察反馈问题 and 审计查出问题 (work plan items 1 and 19): each carries the feedback item's own reference.
FEEDBACK_SOURCES = ("central_inspection", "provincial_inspection", "audit")
# entered by staff with POST /cases: item 17's channels, and the feedback of inspections and audits
STAFF_SOURCES = ("video", "undercover", "superior", *FEEDBACK_SOURCES)
SOURCE_NAMES = {"citizen_report": "群众举报", "patrol": "网格巡查", "video": "视频监管", "undercover": "暗访检查",
                "superior": "上级交办", "central_inspection": "中央反馈问题", "provincial_inspection": "省级反馈问题",
                "audit": "审计查出问题"}
FINDINGS = ("true", "partly_true", "false")  # 属实 / 部分属实 / 不属实
SUPERVISION_LEVELS = ("city", "county")  # 督办
HANDOVER_BODIES = ("discipline", "procuratorate", "police")  # 纪委监委 / 检察院 / 公安 (item 21)
# 疑似反弹回潮: a report near a recently closed case waits for a supervisor, who reopens the case (整改不到位), opens a
# new case from the report (a new violation at the same place) or rejects it as the same problem already closed.
RECURRENCE_STATES = ("pending", "reopened", "new_case", "rejected")


def _in(values) -> str:
    return ", ".join(repr(v) for v in values)


class Case(db.Model):
    """The unit of work, from 立案 to 结案; `version` guards concurrent actions (UPDATE … WHERE version = :v)."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"source IN ({_in(SOURCES)})", name="known_source"),
        CheckConstraint(f"finding IS NULL OR finding IN ({_in(FINDINGS)})", name="known_finding"),
        CheckConstraint(f"supervision_level IS NULL OR supervision_level IN ({_in(SUPERVISION_LEVELS)})",
                        name="known_supervision"),
        Index("ix_cases_unit_state_created", "current_unit_id", "state", "created_at", "id"),
        Index("ix_cases_state_due", "state", "due_on"),
        # the list sorted by deadline (`due_on` ascending, nulls last — btree's own order — then id): a page is read
        # in index order instead of sorting every case in the caller's scope
        Index("ix_cases_due_on_id", "due_on", "id"),
        Index("ix_cases_county_state", "county_adcode", "state"),
        Index("ix_cases_category_lat", "category", "lat"),
        Index("ix_cases_grid_state", "grid_id", "state"),
        # the bulletin: the cases that moved since a month began (their key read from the index alone) ...
        Index("ix_cases_last_event_at", "last_event_at", "id", "version", "created_at"),
        # ... and the open ones idle all month, counted per county and unit from the index alone (PostgreSQL)
        Index("ix_cases_idle_open", "last_event_at",
              postgresql_include=["created_at", "county_adcode", "current_unit_id", "routed_unit_id", "due_on",
                                  "supervision_level", "id"],
              postgresql_where=text("state IN ({})".format(", ".join(f"'{s}'" for s in IDLE_OPEN_STATES)))),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # 反馈编号 of a feedback item
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(255))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    county_adcode: Mapped[str | None] = mapped_column(ForeignKey("counties.adcode"))
    zone: Mapped[str | None] = mapped_column(String(16))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    routing: Mapped[dict] = mapped_column(JSON, default=dict)  # the Route snapshot taken when it was routed
    routed_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    state: Mapped[str] = mapped_column(String(24))
    finding: Mapped[str | None] = mapped_column(String(16))
    measures: Mapped[str | None] = mapped_column(Text)
    supervision_level: Mapped[str | None] = mapped_column(String(8), index=True)
    supervision_due: Mapped[date | None] = mapped_column(Date)
    handed_over_to: Mapped[str | None] = mapped_column(String(16))
    # Deadlines per stage (CST dates, inclusive) and whether each was met when the stage ended.
    accept_due: Mapped[date | None] = mapped_column(Date)
    sign_due: Mapped[date | None] = mapped_column(Date)
    handle_due: Mapped[date | None] = mapped_column(Date)
    verify_due: Mapped[date | None] = mapped_column(Date)
    accept_met: Mapped[bool | None] = mapped_column(Boolean)
    sign_met: Mapped[bool | None] = mapped_column(Boolean)
    handle_met: Mapped[bool | None] = mapped_column(Boolean)
    verify_met: Mapped[bool | None] = mapped_column(Boolean)
    recurrence_due: Mapped[date | None] = mapped_column(Date)  # a possible recurrence awaits a decision by then
    recurrence_met: Mapped[bool | None] = mapped_column(Boolean)
    due_on: Mapped[date | None] = mapped_column(Date)  # the deadline of the current stage; overdue = due_on < today
    overdue_noted_on: Mapped[date | None] = mapped_column(Date)  # the due_on the sweep last recorded as missed
    extension_used: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_requested_days: Mapped[int | None] = mapped_column(Integer)  # a request awaiting decision
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The latest `at` of the case's events, written with each event in the same UPDATE (NULL: no event yet). A case
    # with none since an instant has `last_event_at` before it: the bulletin finds a month's moved and idle cases
    # from this column instead of probing the events of every open case.
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=_opened_at)

    __mapper_args__ = {"version_id_col": version}

    @property
    def number(self) -> str:
        """The human-readable case number, e.g. QL2026-000123 (year of 立案 in CST, then the id)."""
        year = (self.created_at or utcnow()).astimezone(CST).year
        return f"QL{year}-{self.id:06d}"

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.state}>"


class CaseUnit(db.Model):
    """A unit involved in a case: lead, cooperating, the 属地 government, or a unit it was dispatched to."""

    __tablename__ = "case_units"
    __table_args__ = (Index("ix_case_units_unit_case", "unit_id", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16))  # lead | cooperating | supervising | government | handling


class Recurrence(db.Model):
    """A report that came within the duplicate radius of a recently closed case of its category (疑似反弹回潮), and the
    supervisor's decision on it; the case's events record the same (raised, decided) for its history."""

    __tablename__ = "case_recurrences"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(RECURRENCE_STATES)})", name="known_state"),
        Index("ix_case_recurrences_case_state", "case_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))  # the closed case
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    closing: Mapped[int | None] = mapped_column(Integer)  # reopened: the case's reopen count of the new round
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # new_case: the case opened from it


class CaseEvent(db.Model):
    """One action on a case (who, role, unit, when, from, to, comments, data); never updated or deleted."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
                      # the month's cases and their events since it began, read from the index alone (the bulletin)
                      Index("ix_case_events_at_case_id", "at", "case_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    internal_comment: Mapped[str | None] = mapped_column(Text)
    public_comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_immutable(_mapper, _connection, target: CaseEvent) -> None:
    """The event log is the case's history: an event, once written, is never changed or removed."""
    raise Conflict(f"Case event {target.id} is part of the case's history and cannot be changed")
