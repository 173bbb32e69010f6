"""Routing (派遣依据): a category and a point → the rule of the active responsibility list, the concrete units and
the deadlines in Chinese working days, with an explanation anyone can read.

The active version's rules, the units and the deadlines computed so far are cached per process and rebuilt when
the list, the units or the calendar change (``reporter.org.stamps``); the point look-up uses the geography index.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from reporter.common.timeutil import cst_date, utcnow
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.geo.models import ZONE_NAMES
from reporter.geo.services import Place, locate
from reporter.org.models import Unit
from reporter.org.stamps import StampedCache
from reporter.routing.models import STAGES, Category, ResponsibilityRule, ResponsibilityVersion
from reporter.routing.reference import DEFAULT_DAYS, ROUTING
from reporter.workdays.services import CALENDAR, add_working_days

TRIAGE_UNIT = "city.qinling_office"  # 市秦岭办 triages what no rule covers
STAGE_NAMES = {"accept": "受理", "sign": "签收", "handle": "办理", "verify": "核查"}
MATCH_NAMES = {(True, True): "区县+保护区", (True, False): "区县", (False, True): "保护区", (False, False): "全域"}


@dataclass(frozen=True)
class Route:
    """Where a case of `category` at (lat, lng) goes, under which rule, and by when."""

    category: str
    lat: float
    lng: float
    place: Place
    version_id: int | None
    version_number: int | None
    rule_id: int | None
    lead_unit_ids: list[int]
    cooperating_unit_ids: list[int]
    government_unit_id: int | None  # 属地: the county government of the place
    deadline_days: dict[str, int]
    deadlines: dict[str, date]
    explanation: str
    supervising_unit_ids: list[int] = field(default_factory=list)  # city bureaus over a leading county bureau

    def snapshot(self) -> dict:
        """A JSON-serialisable record of this decision (ids and names of units) to keep on a case."""
        table = _tables()
        units = lambda ids: [table.unit_view(i) for i in ids]  # noqa: E731
        place = self.place
        return {
            "category": self.category, "category_name": table.categories.get(self.category),
            "location": {"lat": self.lat, "lng": self.lng, "coord_system": "wgs84"},
            "county": {"adcode": place.county_adcode, "name": place.county_name} if place.in_ankang else None,
            "in_qinling": place.in_qinling, "zone": place.zone,
            "grid": {"id": place.grid_id, "code": place.grid_code} if place.grid_id else None,
            "version": {"id": self.version_id, "number": self.version_number} if self.version_id else None,
            "rule_id": self.rule_id,
            "lead_units": units(self.lead_unit_ids), "cooperating_units": units(self.cooperating_unit_ids),
            "supervising_units": units(self.supervising_unit_ids),
            "government_unit": table.unit_view(self.government_unit_id) if self.government_unit_id else None,
            "deadline_days": dict(self.deadline_days),
            "deadlines": {stage: day.isoformat() for stage, day in self.deadlines.items()},
            # The same in workflow order as a list: JSON objects carry no order a client (or JSONB) must keep.
            "stage_deadlines": [{"stage": stage, "days": self.deadline_days[stage], "due": day.isoformat()}
                                for stage, day in self.deadlines.items()],
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class _Rule:
    id: int
    category: str
    zone: str | None
    county: str | None
    lead_kinds: tuple[str, ...]
    cooperating_kinds: tuple[str, ...]
    days: tuple[tuple[str, int], ...]


class _Tables:
    """The active version's rules and the units, indexed for routing."""

    def __init__(self):
        active = db.session.execute(
            select(ResponsibilityVersion).where(ResponsibilityVersion.status == "active")).scalar_one_or_none()
        self.version_id = active.id if active else None
        self.version_number = active.number if active else None
        self.categories = dict(db.session.execute(
            select(Category.code, Category.name).where(Category.is_active.is_(True))).all())
        self.rules: dict[tuple, _Rule] = {}
        if active:
            rows = db.session.execute(select(ResponsibilityRule).where(ResponsibilityRule.version_id == active.id)
                                      .order_by(ResponsibilityRule.position, ResponsibilityRule.id)).scalars()
            for r in rows:
                rule = _Rule(r.id, r.category, r.zone, r.county_adcode, tuple(r.lead_kinds),
                             tuple(r.cooperating_kinds), tuple(r.deadline_days().items()))
                self.rules.setdefault((r.category, r.county_adcode, r.zone), rule)
        self.units: dict[int, tuple[str, str]] = {}
        self.by_kind: dict[tuple[str, str | None], int] = {}
        for unit in db.session.execute(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.id)).scalars():
            self.units[unit.id] = (unit.code, unit.name)
            self.by_kind.setdefault((unit.kind, unit.county_adcode if unit.level == "county" else None), unit.id)
        self.triage_unit_id = next((i for i, (code, _n) in self.units.items() if code == TRIAGE_UNIT), None)
        self._resolved: dict[tuple, tuple] = {}
        self._deadlines: dict[tuple, dict[str, date]] = {}
        self.explanations: dict[tuple, str] = {}

    def find(self, category: str, county: str, zone: str | None) -> _Rule | None:
        """The most specific rule: county+zone, county, zone, category only."""
        rules = self.rules
        return (rules.get((category, county, zone)) or rules.get((category, county, None))
                or rules.get((category, None, zone)) or rules.get((category, None, None)))

    def unit_of(self, kind: str, county: str | None) -> tuple[int | None, bool]:
        """The county's own unit of a kind, else the city's ("纵向到底"); and whether it is the county's."""
        own = self.by_kind.get((kind, county)) if county else None
        return (own, True) if own is not None else (self.by_kind.get((kind, None)), False)

    def resolve(self, rule: _Rule, county: str) -> tuple[list[int], list[int], list[int]]:
        """Lead, cooperating and supervising unit ids of a rule in a county (memoised)."""
        key = (rule.id, county)
        if key not in self._resolved:
            lead, supervising = [], []
            for kind in rule.lead_kinds:
                unit, own = self.unit_of(kind, county)
                if unit is not None and unit not in lead:
                    lead.append(unit)
                    city = self.by_kind.get((kind, None))
                    if own and city is not None:
                        supervising.append(city)
            cooperating = []
            for kind in rule.cooperating_kinds:
                unit, _own = self.unit_of(kind, county)
                if unit is not None and unit not in lead and unit not in cooperating:
                    cooperating.append(unit)
            self._resolved[key] = (lead, cooperating, supervising)
        lead, cooperating, supervising = self._resolved[key]
        return list(lead), list(cooperating), list(supervising)

    def deadlines(self, start: date, days: tuple[tuple[str, int], ...]) -> dict[str, date]:
        """Each stage's deadline counted from `start` (memoised)."""
        key = (start, days)
        found = self._deadlines.get(key)
        if found is None:
            found = self._deadlines[key] = {stage: add_working_days(start, n) for stage, n in days}
        return dict(found)

    def unit_view(self, unit_id: int) -> dict:
        code, name = self.units.get(unit_id, (None, None))
        return {"id": unit_id, "code": code, "name": name}

    def names(self, ids: list[int]) -> str:
        return "、".join(self.units[i][1] for i in ids if i in self.units) or "无"


_cache = StampedCache((ROUTING, "units", CALENDAR), _Tables)
_DEFAULT_DAYS = tuple((stage, DEFAULT_DAYS[f"{stage}_days"]) for stage in STAGES)


def _tables() -> _Tables:
    return _cache.get()


def all_categories() -> list[Category]:
    """Every category, in the order of the work plan."""
    return list(db.session.execute(select(Category).order_by(Category.sort_order)).scalars())


def active_category_codes() -> set[str]:
    """Codes of the categories a report may use."""
    return set(_tables().categories)


def deadline_for(stage: str, start: date, days: int) -> date:
    """The deadline of a stage that starts on CST date `start` and allows `days` working days."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return add_working_days(start, days)


def _where(place: Place) -> str:
    zone = f"{ZONE_NAMES[place.zone]}" if place.zone else "秦岭保护范围外"
    grid = f"，网格{place.grid_code}" if place.grid_code else ""
    return f"位置：{place.county_name}，{zone}{grid}。"


def _explain(tables: _Tables, category: str, place: Place, rule: _Rule | None, units: tuple) -> str:
    """Why the case goes where it goes, in the words an official would use."""
    lead, cooperating, supervising, government = units
    where, name = _where(place), tables.categories[category]
    if rule is None:
        if not place.in_qinling:
            why = "该点位于秦岭保护范围外"
        elif tables.version_number is None:
            why = "没有生效的责任清单"
        else:
            why = f"责任清单第{tables.version_number}版没有“{name}”的适用规则"
        return (f"{where}{why}，交{tables.names(lead)}分流研判；属地：{tables.names(government)}。"
                f"时限按默认（工作日）：{_days_text(_DEFAULT_DAYS)}。")
    match = MATCH_NAMES[(rule.county is not None, rule.zone is not None)]
    oversight = f"（县级单位牵头，{tables.names(supervising)}督导）" if supervising else ""
    return (f"{where}适用责任清单第{tables.version_number}版规则#{rule.id}（“{name}”，适用范围：{match}）。"
            f"牵头：{tables.names(lead)}{oversight}；配合：{tables.names(cooperating)}；属地：{tables.names(government)}。"
            f"时限（工作日）：{_days_text(rule.days)}。")


def route(category: str, lat: float, lng: float, at: datetime | None = None) -> Route:
    """Route a category at a WGS-84 point: the winning rule, the units and the deadlines counted from `at`."""
    tables = _tables()
    if category not in tables.categories:
        raise ValidationFailed("Unknown or inactive category", errors={"json": {"category": [
            f"unknown or inactive category {category!r}"]}})
    place = locate(lat, lng)
    if not place.in_ankang:
        raise ValidationFailed("The point is outside Ankang", errors={"json": {"location": [
            "the point is outside Ankang (安康市)"]}})
    county = place.county_adcode
    government, _own = tables.unit_of("government", county)
    rule = tables.find(category, county, place.zone) if place.in_qinling else None
    start = cst_date(at or utcnow())
    if rule is None:
        lead, cooperating, supervising = ([tables.triage_unit_id] if tables.triage_unit_id else []), [], []
        days = _DEFAULT_DAYS
    else:
        lead, cooperating, supervising = tables.resolve(rule, county)
        days = rule.days
    key = (category, rule.id if rule else None, place)
    explanation = tables.explanations.get(key)
    if explanation is None:
        units = (lead, cooperating, supervising, [government] if government else [])
        explanation = tables.explanations[key] = _explain(tables, category, place, rule, units)
    return Route(category, lat, lng, place, tables.version_id, tables.version_number, rule.id if rule else None,
                 lead, cooperating, government, dict(days), tables.deadlines(start, days), explanation, supervising)


def _days_text(days: tuple[tuple[str, int], ...]) -> str:
    return "，".join(f"{STAGE_NAMES[stage]}{n}日" for stage, n in days)
