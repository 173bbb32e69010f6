"""Campaigns (专项整治行动): each site of the kind in the area goes 排查 → 整改 → 验收 → 销号, each step an immutable
record; milestones by protection zone; targets; progress per county and per unit as of any day; the overdue sweep.

The step rules are one table (`STEP_RULES`): the step before it, who may record it, what it needs.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select

from reporter.accounts.models import User
from reporter.cases.scope import supervisor_county
from reporter.cases.services import supervisors_of_county
from reporter.common.bulk import no_gc_pauses
from reporter.common.timeutil import CST, cst_date, utcnow
from reporter.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.geo.models import ZONE_LEVELS, ZONE_NAMES, County
from reporter.geo.services import inspector_ids_of_grid
from reporter.org.models import Unit
from reporter.registers.kinds import get_kind
from reporter.registers.models import (
    STEP_NAMES,
    STEPS,
    Campaign,
    CampaignMilestone,
    CampaignOverdue,
    CampaignStep,
    CampaignTarget,
    Site,
    SiteUnit,
)
from reporter.registers.scope import leads, manages_county, site_visibility
from reporter.registers.sites import acting_role, get_site, open_case_ids

UNZONED = "outside"  # sites outside the protection zones, in milestone tables
_ONE_DAY = timedelta(days=1)


def _surveyor(user: User, site: Site) -> bool:
    return manages_county(user, site.county_adcode) or leads(user, site) or _inspects(user, site)


def _inspects(user: User, site: Site) -> bool:
    return user.has_role("inspector") and site.grid_id is not None and user.id in inspector_ids_of_grid(site.grid_id)


def _rectifier(user: User, site: Site) -> bool:
    return manages_county(user, site.county_adcode) or leads(user, site)


def _acceptor(user: User, site: Site) -> bool:  # on site: the grid's inspector or a supervisor, not the rectifier
    return manages_county(user, site.county_adcode) or _inspects(user, site)


def _closer(user: User, site: Site) -> bool:
    return manages_county(user, site.county_adcode)


@dataclass(frozen=True)
class StepRule:
    step: str
    after: tuple[str, ...]  # the steps one of which must be recorded before
    allowed: object  # (user, site) -> bool
    who: str


STEP_RULES = {
    "survey": StepRule("survey", (), _surveyor, "the county's supervisors, the lead units, the grid's inspectors"),
    "rectify": StepRule("rectify", ("survey",), _rectifier, "the county's supervisors and the lead units"),
    "accept": StepRule("accept", ("rectify",), _acceptor, "the grid's inspectors or the county's supervisors, on site"),
    "close": StepRule("close", ("accept", "survey"), _closer, "the county's supervisors"),
}


# Campaigns --------------------------------------------------------------------------------------------------------

def create_campaign(actor: User, data: dict) -> Campaign:
    """A campaign with its milestones and targets; a county supervisor's covers only their county; committed."""
    try:
        get_kind(data["kind"])
        county = supervisor_county(actor)
        if county is not None and data.get("counties") != [county]:
            raise Forbidden("A county's supervisors run campaigns in their own county only (counties: [it])")
        if db.session.execute(select(Campaign.id).where(Campaign.name == data["name"])).first():
            raise Conflict("A campaign of this name exists", error="duplicate_name")
        campaign = Campaign(name=data["name"], kind=data["kind"], counties=data.get("counties") or [],
                            zones=data.get("zones") or [], starts_on=data["starts_on"], ends_on=data.get("ends_on"),
                            checkins_count_as_survey=data.get("checkins_count_as_survey", False),
                            created_by=actor.id, created_at=utcnow())
        db.session.add(campaign)
        db.session.flush()
        for milestone in data.get("milestones") or []:
            db.session.add(CampaignMilestone(campaign_id=campaign.id, **milestone))
        for target in data.get("targets") or []:
            db.session.add(CampaignTarget(campaign_id=campaign.id, **target))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return campaign


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


def campaign_out(campaign: Campaign) -> dict:
    data = {c.key: getattr(campaign, c.key) for c in Campaign.__table__.columns}
    data["milestones"] = list(db.session.execute(select(CampaignMilestone).where(
        CampaignMilestone.campaign_id == campaign.id).order_by(CampaignMilestone.due_on, CampaignMilestone.id))
        .scalars())
    data["targets"] = list(db.session.execute(select(CampaignTarget).where(
        CampaignTarget.campaign_id == campaign.id).order_by(CampaignTarget.id)).scalars())
    return data


def campaigns_query():
    return select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())


def _in_area(campaign: Campaign):
    """The clause selecting the campaign's sites (its kind, counties and zones)."""
    clause = [Site.kind == campaign.kind]
    if campaign.counties:
        clause.append(Site.county_adcode.in_(campaign.counties))
    if campaign.zones:
        zones = [z for z in campaign.zones if z != UNZONED]
        clause.append(or_(Site.zone.in_(zones), Site.zone.is_(None)) if UNZONED in campaign.zones
                      else Site.zone.in_(zones))
    return and_(*clause)


def _end_of(day: date) -> datetime:
    """The instant a CST day ends."""
    return datetime(day.year, day.month, day.day, tzinfo=CST) + _ONE_DAY


# Steps ------------------------------------------------------------------------------------------------------------

def _steps_of(campaign_id: int, site_id: int) -> dict[str, CampaignStep]:
    return {s.step: s for s in db.session.execute(select(CampaignStep).where(
        CampaignStep.campaign_id == campaign_id, CampaignStep.site_id == site_id)).scalars()}


def record_step(campaign_id: int, site_id: int, step: str, actor: User, data: dict, *,
                at: datetime | None = None) -> CampaignStep:
    """Record one step of a site in a campaign (the table's order and people; 验收 by someone other than the
    rectifying unit, with photos; 销号 not while a case of the site is open); committed."""
    from reporter.media.services import attach_uploads

    try:
        campaign = get_campaign(campaign_id)
        site = get_site(site_id, actor)
        at = at or utcnow()
        if not in_campaign(campaign, site):
            raise NotFound("The site is not in this campaign")
        rule = STEP_RULES[step]
        done = _steps_of(campaign.id, site.id)
        if step in done:
            raise InvalidTransition(f"{STEP_NAMES[step]} is already recorded for this site",
                                    errors={"json": {"step": ["already recorded"]}})
        if rule.after and not any(previous in done for previous in rule.after):
            raise InvalidTransition(f"{STEP_NAMES[step]} comes after {'/'.join(STEP_NAMES[s] for s in rule.after)}",
                                    errors={"json": {"step": [f"needs {' or '.join(rule.after)} first"]}})
        if step == "close" and "accept" not in done and not done["survey"].compliant:
            raise InvalidTransition("销号 needs 验收, or a 排查 that found nothing to rectify",
                                    errors={"json": {"step": ["needs accept first"]}})
        if (refusal := _refused(actor, site, step, done)) is not None:
            raise Forbidden(refusal)
        if step == "rectify" and (not data.get("measures") or not data.get("deadline")):
            raise ValidationFailed(errors={"json": {"measures": ["整改 needs measures and a deadline"]}})
        if step == "accept" and not data.get("photo_ids"):
            raise ValidationFailed(errors={"json": {"photo_ids": ["验收 on site needs at least one photo"]}})
        if step == "close" and (still_open := open_case_ids(site.id)):
            raise Conflict(f"The site has open cases {still_open}; it cannot be closed off before they are closed",
                           error="open_cases", errors={"open_case_ids": still_open})
        day = cst_date(at)
        if data.get("deadline") and data["deadline"] < day:
            raise ValidationFailed(errors={"json": {"deadline": ["The deadline has passed"]}})
        row = CampaignStep(campaign_id=campaign.id, site_id=site.id, step=step, at=at, day=day, actor_id=actor.id,
                           actor_role=acting_role(actor), actor_unit_id=actor.unit_id,
                           compliant=data.get("compliant") if step == "survey" else None,
                           measures=data.get("measures"), deadline=data.get("deadline"), note=data.get("note"),
                           photo_ids=list(data.get("photo_ids") or []))
        db.session.add(row)
        db.session.flush()
        if row.photo_ids:
            attach_uploads(row.photo_ids, actor.id, "campaign_step", str(row.id), purposes=("evidence", "patrol"))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return row


def site_steps(campaign_id: int, site_id: int, actor: User) -> list[CampaignStep]:
    get_campaign(campaign_id)
    get_site(site_id, actor)
    return sorted(_steps_of(campaign_id, site_id).values(), key=lambda s: STEPS.index(s.step))


def campaign_sites(campaign_id: int, actor: User, *, county: str | None = None) -> list[tuple[Site, dict]]:
    """The campaign's sites the actor may read (its kind, counties and zones), each with its steps by name."""
    campaign = get_campaign(campaign_id)
    stmt = select(Site).where(_in_area(campaign), site_visibility(actor))
    if county:
        stmt = stmt.where(Site.county_adcode == county)
    found = list(db.session.execute(stmt.order_by(Site.county_adcode, Site.code)).scalars())
    steps: dict[int, dict] = defaultdict(dict)
    for row in db.session.execute(select(CampaignStep).where(
            CampaignStep.campaign_id == campaign.id, CampaignStep.site_id.in_([s.id for s in found]))).scalars():
        steps[row.site_id][row.step] = row
    return [(site, steps[site.id]) for site in found]


def in_campaign(campaign: Campaign, site: Site) -> bool:
    """Whether the site is of the campaign's kind and area."""
    return db.session.execute(select(Site.id).where(Site.id == site.id, _in_area(campaign))).first() is not None


def campaigns_of_site(site: Site) -> list[Campaign]:
    """The campaigns whose kind and area take in the site, newest first."""
    return [c for c in db.session.execute(campaigns_query().where(Campaign.kind == site.kind)).scalars()
            if in_campaign(c, site)]


def next_steps(steps: dict) -> list[str]:
    """The steps that may be recorded next, in the table's order (who may is the table's other half)."""
    open_steps = []
    if "close" in steps:
        return open_steps
    for step in STEPS:
        rule = STEP_RULES[step]
        if step in steps or (rule.after and not any(s in steps for s in rule.after)):
            continue
        if step == "close" and "accept" not in steps and not steps["survey"].compliant:
            continue
        open_steps.append(step)
    return open_steps


def _refused(actor: User, site: Site, step: str, done: dict) -> str | None:
    """Why this person may not record the step (the table's people; 验收 never by the rectifying unit), or None."""
    rule = STEP_RULES[step]
    if not rule.allowed(actor, site):
        return f"{STEP_NAMES[step]} is recorded by {rule.who}"
    if step == "accept" and actor.unit_id is not None and "rectify" in done \
            and actor.unit_id == done["rectify"].actor_unit_id:
        return "验收 is by someone other than the unit that rectified"
    return None


def may_record(actor: User, site: Site, step: str, done: dict) -> bool:
    """Whether this person may record the step for the site, its steps so far being `done`."""
    return _refused(actor, site, step, done) is None


def can_see_step_photos(user: User, step_id: str) -> bool:
    step = db.session.get(CampaignStep, int(step_id)) if step_id.isdigit() else None
    if step is None:
        return False
    return db.session.execute(select(Site.id).where(Site.id == step.site_id, site_visibility(user))).first() is not None


# Progress ---------------------------------------------------------------------------------------------------------

@dataclass
class SiteFacts:
    site_id: int
    county: str | None
    zone: str | None
    steps: dict  # step -> (day, deadline, compliant)


def _core(stmt):
    """Plain column tuples through the session's connection (no ORM bookkeeping for thousands of rows)."""
    return db.session.connection().execute(stmt)


def _milestones(campaign_id: int) -> dict[str, dict[str | None, date]]:
    table: dict[str, dict[str | None, date]] = defaultdict(dict)
    rows = _core(select(CampaignMilestone.step, CampaignMilestone.zone, CampaignMilestone.due_on)
                 .where(CampaignMilestone.campaign_id == campaign_id))
    for step, zone, due_on in rows:
        table[step][zone] = due_on
    return table


def due_of(milestones: dict, step: str, zone: str | None, steps: dict) -> date | None:
    """A site's deadline for a step: its zone's milestone (or the campaign's general one); 验收 also by the
    deadline set at 整改, whichever is earlier."""
    days = milestones.get(step, {})
    due = days.get(zone or UNZONED, days.get(None))
    if step == "accept" and "rectify" in steps and steps["rectify"][1]:
        due = min(d for d in (due, steps["rectify"][1]) if d)
    return due


def _sites_stmt(campaign: Campaign, as_of: date, actor: User | None, county: str | None):
    stmt = select(Site.id).where(_in_area(campaign), Site.created_at < _end_of(as_of))
    if actor is not None:
        stmt = stmt.where(site_visibility(actor))
    if county:
        stmt = stmt.where(Site.county_adcode == county)
    return stmt


def _facts(campaign: Campaign, as_of: date, actor: User | None, county: str | None) -> list[SiteFacts]:
    """The campaign's sites registered by the end of the day, with their steps up to that day (plain tuples)."""
    chosen = _sites_stmt(campaign, as_of, actor, county)
    sites = {site_id: SiteFacts(site_id, c, z, {}) for site_id, c, z in _core(
        select(Site.id, Site.county_adcode, Site.zone).where(Site.id.in_(chosen))).all()}
    steps = _core(select(CampaignStep.site_id, CampaignStep.step, CampaignStep.day, CampaignStep.deadline,
                         CampaignStep.compliant)
                  .where(CampaignStep.campaign_id == campaign.id, CampaignStep.day <= as_of)).all()
    get = sites.get
    for site_id, step, day, deadline, compliant in steps:
        facts = get(site_id)
        if facts is not None:
            facts.steps[step] = (day, deadline, compliant)
    return list(sites.values())


FIGURES = ("sites", "surveyed", "rectifying", "accepted", "closed", "overdue")


def _overdue_steps(milestones: dict, facts: SiteFacts, as_of: date) -> list[tuple[str, date]]:
    """Steps of a site past their deadline and not yet recorded, as of the day."""
    late = []
    steps = facts.steps
    for step in STEPS:
        if step in steps:
            continue
        if step in ("rectify", "accept") and "survey" in steps and steps["survey"][2]:
            continue  # nothing to rectify
        due = due_of(milestones, step, facts.zone, steps)
        if due is not None and due < as_of:
            late.append((step, due))
    return late


def _sum(rows: list[tuple]) -> list[int]:
    """Column sums of the sites' figure tuples."""
    return [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * len(FIGURES)


def _finish(row: list) -> dict:
    out = dict(zip(FIGURES, (int(v) for v in row), strict=True))
    out["closed_pct"] = round(100 * out["closed"] / out["sites"], 1) if out["sites"] else None
    return out


def progress(campaign_id: int, as_of: date, *, actor: User | None = None, county: str | None = None) -> dict:
    """Figures of the campaign as of the end of a CST day (reproducible: steps are immutable and dated): per county
    and per lead unit, each milestone (met, missed, pending) and each target."""
    with no_gc_pauses():
        return _progress(get_campaign(campaign_id), as_of, actor, county)


def _progress(campaign: Campaign, as_of: date, actor: User | None, county: str | None) -> dict:
    milestones = _milestones(campaign.id)
    facts = _facts(campaign, as_of, actor, county)
    lead = defaultdict(list)
    if facts:
        sets = defaultdict(list)  # a handful of unit sets, each shared by many sites
        for name, unit_id in _core(select(SiteUnit.unit_set, SiteUnit.unit_id).where(SiteUnit.relation == "lead")):
            sets[name].append(unit_id)
        for site_id, name in _core(select(Site.id, Site.unit_set).where(
                Site.id.in_(_sites_stmt(campaign, as_of, actor, county)))).all():
            lead[site_id] = sets.get(name, ())
    total, by_county, by_unit = [], defaultdict(list), defaultdict(list)
    # each milestone's cell: sites, met, missed, pending
    miles = {(step, zone): [0, 0, 0, 0] for step, zones in milestones.items() for zone in zones}
    # per zone of a site: each step's deadline, and the milestone cell it counts in (worked out once, not per site)
    plan = {}
    for zone in (*ZONE_LEVELS, None):
        plan[zone] = []
        for step in STEPS:
            days = milestones.get(step, {})
            key = zone or UNZONED
            cell_key = (step, key if key in days else None)
            plan[zone].append((step, days.get(key, days.get(None)), miles.get(cell_key)))
    for site in facts:
        steps = site.steps
        survey = steps.get("survey")
        compliant = bool(survey and survey[2])
        late = False
        for step, milestone_due, cell in plan[site.zone]:
            done, due = steps.get(step), milestone_due
            if step in ("rectify", "accept") and compliant:
                done = survey  # nothing to rectify: met when the 排查 was
            elif step == "accept" and "rectify" in steps and steps["rectify"][1]:
                due = min(d for d in (due, steps["rectify"][1]) if d)  # 验收 is also due by the 整改 deadline
            if done is None and due is not None and due < as_of:
                late = True
            if cell is not None:
                cell[0] += 1
                if done and done[0] <= milestone_due:
                    cell[1] += 1
                elif done or milestone_due < as_of:
                    cell[2] += 1  # done after the day, or not done and the day has passed
                else:
                    cell[3] += 1
        figures = (1, survey is not None, "rectify" in steps and "accept" not in steps and "close" not in steps,
                   "accept" in steps, "close" in steps, late)
        total.append(figures)
        by_county[site.county].append(figures)
        for unit_id in lead.get(site.site_id, ()):
            by_unit[unit_id].append(figures)
    counties = dict(_core(select(County.adcode, County.name)).all())
    units = dict(_core(select(Unit.id, Unit.name).where(Unit.id.in_(list(by_unit)))).all()) if by_unit else {}
    due_days = {(m_step, zone): day for m_step, zones in milestones.items() for zone, day in zones.items()}
    return {
        "campaign_id": campaign.id, "name": campaign.name, "kind": campaign.kind, "as_of": as_of,
        "totals": _finish(_sum(total)),
        "counties": [{"adcode": c, "name": counties.get(c), **_finish(_sum(rows))} for c, rows in sorted(
            by_county.items(), key=lambda item: item[0] or "")],
        "units": [{"unit_id": u, "name": units.get(u), **_finish(_sum(rows))} for u, rows in sorted(by_unit.items())],
        "milestones": [{"step": step, "zone": zone, "zone_name": ZONE_NAMES.get(zone, "秦岭范围外") if zone else "全部",
                        "due_on": due_days[(step, zone)], **dict(zip(("sites", "met", "missed", "pending"), cell,
                                                                      strict=True))}
                       for (step, zone), cell in sorted(
            miles.items(), key=lambda item: (due_days[item[0]], STEPS.index(item[0][0]), item[0][1] or ""))],
        "targets": _targets(campaign, facts, as_of),
    }


def _matches(attributes: dict, condition: dict) -> bool:
    for key, wanted in condition.items():
        value = attributes.get(key)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def _targets(campaign: Campaign, facts: list[SiteFacts], as_of: date) -> list[dict]:
    targets = list(db.session.execute(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)
                                      .order_by(CampaignTarget.id)).scalars())
    if not targets:
        return []
    ids = [f.site_id for f in facts]
    attributes = {}
    for start in range(0, len(ids), 5000):
        attributes.update(_core(select(Site.id, Site.attributes).where(
            Site.id.in_(ids[start:start + 5000]))).all())
    out = []
    for target in targets:
        pool = [f for f in facts if _matches(attributes[f.site_id], target.of or {})]
        hits = [f for f in pool if _matches(attributes[f.site_id], target.where or {})
                and (target.step is None or target.step in f.steps)]
        value = len(hits) if target.measure == "count" else (
            round(100 * len(hits) / len(pool), 1) if pool else None)
        out.append({"id": target.id, "name": target.name, "measure": target.measure, "threshold": target.threshold,
                    "due_on": target.due_on, "count": len(hits), "of": len(pool), "value": value,
                    "met": value is not None and value >= target.threshold})
    return out


def progress_baseline(campaign_id: int, as_of: date) -> list[tuple]:
    """One SQL aggregate: the campaign's steps up to the day per county and step (the benchmark's yardstick)."""
    campaign = get_campaign(campaign_id)
    from sqlalchemy import func

    return db.session.execute(select(Site.county_adcode, CampaignStep.step, func.count())
                              .join(Site, Site.id == CampaignStep.site_id)
                              .where(CampaignStep.campaign_id == campaign.id, CampaignStep.day <= as_of)
                              .group_by(Site.county_adcode, CampaignStep.step)).all()


# Overdue sweep and 督办 ---------------------------------------------------------------------------------------------

def sweep_overdue(at: datetime | None = None) -> list[int]:
    """Record each site step newly past its deadline in running campaigns once, raised to the county's supervisors;
    the ids of the records made (one commit)."""
    at = at or utcnow()
    today = cst_date(at)
    made = []
    try:
        for campaign in db.session.execute(select(Campaign).where(Campaign.starts_on <= today)).scalars():
            milestones = _milestones(campaign.id)
            noted = set(db.session.execute(select(CampaignOverdue.site_id, CampaignOverdue.step).where(
                CampaignOverdue.campaign_id == campaign.id)).all())
            for facts in _facts(campaign, today, None, None):
                for step, due in _overdue_steps(milestones, facts, today):
                    if (facts.site_id, step) in noted:
                        continue
                    row = CampaignOverdue(campaign_id=campaign.id, site_id=facts.site_id, step=step, due_on=due,
                                          noted_at=at, raised_to=supervisors_of_county(facts.county))
                    db.session.add(row)
                    db.session.flush()
                    made.append(row.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return made


def overdue_query(campaign_id: int, actor: User):
    get_campaign(campaign_id)
    return (select(CampaignOverdue).join(Site, Site.id == CampaignOverdue.site_id)
            .where(CampaignOverdue.campaign_id == campaign_id, site_visibility(actor))
            .order_by(CampaignOverdue.due_on, CampaignOverdue.id))


def open_overdue_query(actor: User):
    """Overdue site steps of every campaign, in the caller's scope, not yet under 督办 (我的待办)."""
    return (select(CampaignOverdue).join(Site, Site.id == CampaignOverdue.site_id)
            .where(CampaignOverdue.supervision_level.is_(None), site_visibility(actor))
            .order_by(CampaignOverdue.due_on, CampaignOverdue.id))


def supervise_overdue(campaign_id: int, overdue_id: int, actor: User, data: dict) -> CampaignOverdue:
    """督办 an overdue step (level city or county, and by when); supervisors of the site's county; committed."""
    try:
        row = db.session.execute(overdue_query(campaign_id, actor).where(CampaignOverdue.id == overdue_id)
                                 ).scalar_one_or_none()
        if row is None:
            raise NotFound("No such overdue step")
        site = db.session.get(Site, row.site_id)
        if not manages_county(actor, site.county_adcode):
            raise Forbidden("督办 is by the supervisors of the site's county or the city")
        if data["level"] == "city" and supervisor_county(actor) is not None:
            raise Forbidden("City-level 督办 is the city office's")
        if row.supervision_level is not None:
            raise Conflict("This overdue step is already under 督办", error="already_supervised")
        row.supervision_level, row.supervision_due = data["level"], data["due"]
        row.supervised_by, row.supervised_at = actor.id, utcnow()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return row


# Patrol check-ins as 排查 -------------------------------------------------------------------------------------------

def surveys_from_checkins(radius_m: float | None = None) -> int:
    """For campaigns that say so, record a 排查 for each site of the campaign an inspector of its grid checked in at
    (within SITE_LINK_DISTANCE_M, on or after the campaign's start) that has none yet; how many were recorded."""
    from reporter.patrols.models import Checkin, Patrol
    from reporter.registers.geometry import distance_to_site
    from reporter.registers.settings import setting

    radius = radius_m if radius_m is not None else float(setting("SITE_LINK_DISTANCE_M"))
    made = 0
    try:
        for campaign in db.session.execute(select(Campaign).where(Campaign.checkins_count_as_survey.is_(True))
                                           ).scalars():
            start = datetime(campaign.starts_on.year, campaign.starts_on.month, campaign.starts_on.day, tzinfo=CST)
            surveyed = set(db.session.execute(select(CampaignStep.site_id).where(
                CampaignStep.campaign_id == campaign.id, CampaignStep.step == "survey")).scalars())
            sites = [s for s in db.session.execute(select(Site).where(_in_area(campaign))).scalars()
                     if s.id not in surveyed]
            if not sites:
                continue
            checkins = db.session.execute(select(Checkin.id, Checkin.t, Checkin.lat, Checkin.lng, Patrol.inspector_id,
                                                 Patrol.grid_id).join(Patrol, Patrol.id == Checkin.patrol_id)
                                          .where(Checkin.t >= start).order_by(Checkin.t, Checkin.id)).all()
            for site in sites:
                for checkin_id, t, lat, lng, inspector_id, grid_id in checkins:
                    if grid_id != site.grid_id:
                        continue
                    if distance_to_site(site.geometry, site.lat, site.lng, lat, lng) > radius:
                        continue
                    inspector = db.session.get(User, inspector_id)
                    db.session.add(CampaignStep(campaign_id=campaign.id, site_id=site.id, step="survey", at=t,
                                                day=cst_date(t), actor_id=inspector_id, actor_role="inspector",
                                                actor_unit_id=inspector.unit_id if inspector else None,
                                                note="巡查打卡", source="patrol_checkin", source_ref=str(checkin_id)))
                    made += 1
                    break
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return made


def bulletin_rows(month, county: str | None) -> list[dict]:
    """The campaigns running in a bulletin's month, per county, as of the month's last day."""
    last = (month.end.astimezone(CST) - _ONE_DAY).date()
    rows = []
    for campaign in db.session.execute(select(Campaign).where(Campaign.starts_on <= last,
                                                              or_(Campaign.ends_on.is_(None),
                                                                  Campaign.ends_on >= month.start.astimezone(CST)
                                                                  .date())).order_by(Campaign.id)).scalars():
        figures = progress(campaign.id, last, county=county)
        for row in figures["counties"]:
            rows.append({"campaign_id": campaign.id, "campaign": campaign.name, "as_of": last.isoformat(), **row})
    return rows
