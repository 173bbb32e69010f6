"""Managing the responsibility list: draft (a copy of the active version), edit, validate, gap report, activate.

An active or retired version is never edited. Every change is audited and is one committed step.
"""
from sqlalchemy import func, select, update

from reporter.audit.services import record
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, InvalidTransition, NotFound, PreconditionFailed, ValidationFailed
from reporter.extensions import db
from reporter.geo.models import ZONE_LEVELS, County
from reporter.org.models import Unit, UnitKind
from reporter.org.stamps import bump
from reporter.routing.models import STAGES, Category, ResponsibilityRule, ResponsibilityVersion
from reporter.routing.reference import ROUTING

RULE_FIELDS = ("category", "zone", "county_adcode", "lead_kinds", "cooperating_kinds",
               *(f"{stage}_days" for stage in STAGES), "note")
MAX_DAYS = 365


def get_version(version_id: int) -> ResponsibilityVersion:
    """A version, or 404."""
    version = db.session.get(ResponsibilityVersion, version_id)
    if version is None:
        raise NotFound("No such responsibility-list version")
    return version


def versions_query():
    """Every version, newest first."""
    return select(ResponsibilityVersion).order_by(ResponsibilityVersion.number.desc())


def active_version() -> ResponsibilityVersion | None:
    """The active version."""
    stmt = select(ResponsibilityVersion).where(ResponsibilityVersion.status == "active")
    return db.session.execute(stmt).scalar_one_or_none()


def rule_rows(version: ResponsibilityVersion) -> list[dict]:
    """A version's rules as plain dicts of RULE_FIELDS, in order."""
    return [{name: getattr(rule, name) for name in RULE_FIELDS} for rule in version.rules]


def check_editable(version_id: int, expected: int | None) -> ResponsibilityVersion:
    """The draft as it is now: 404 if missing, 409 if not a draft, 412 if `expected` is not its version (in that
    order); changes nothing — `_editable` re-checks under the write."""
    version = get_version(version_id)
    if version.status != "draft":
        raise InvalidTransition(f"Version {version.number} is {version.status}; only a draft can be changed")
    if expected is not None and version.version != expected:
        raise PreconditionFailed()
    return version


def _editable(version_id: int, expected: int | None) -> ResponsibilityVersion:
    """The draft, its concurrency counter moved on (412 if `expected` is stale, 409 if not a draft)."""
    version = check_editable(version_id, expected)
    current = version.version if expected is None else expected
    moved = db.session.execute(update(ResponsibilityVersion)
                               .where(ResponsibilityVersion.id == version_id, ResponsibilityVersion.version == current)
                               .values(version=current + 1)).rowcount
    if not moved:
        raise PreconditionFailed()
    db.session.refresh(version)
    return version


# --- checking rules ---------------------------------------------------------------------------------------------

class _Vocabulary:
    """What rules may name: categories, counties, zones, unit kinds (and which kinds have a city unit)."""

    def __init__(self):
        self.categories = set(db.session.execute(select(Category.code)).scalars())
        self.counties = set(db.session.execute(select(County.adcode)).scalars())
        self.kinds = set(db.session.execute(select(UnitKind.code)).scalars())
        self.city_kinds = set(db.session.execute(select(Unit.kind).where(Unit.level == "city")).scalars())
        self.county_kinds = set(db.session.execute(
            select(Unit.kind, Unit.county_adcode).where(Unit.level == "county")).all())


def check_rule(row: dict, vocabulary: _Vocabulary) -> dict[str, list[str]]:
    """Field errors of one rule (empty when it is sound)."""
    errors: dict[str, list[str]] = {}
    if row.get("category") not in vocabulary.categories:
        errors["category"] = [f"unknown category {row.get('category')!r}"]
    if row.get("zone") is not None and row["zone"] not in ZONE_LEVELS:
        errors["zone"] = [f"must be one of {', '.join(ZONE_LEVELS)} or empty"]
    county = row.get("county_adcode")
    if county is not None and county not in vocabulary.counties:
        errors["county_adcode"] = [f"unknown county {county!r}"]
    for name in ("lead_kinds", "cooperating_kinds"):
        kinds = row.get(name) or []
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            errors[name] = ["must be a list of unit kind codes"]
            continue
        unknown = [k for k in kinds if k not in vocabulary.kinds]
        if unknown:
            errors[name] = [f"unknown unit kind(s): {', '.join(map(str, unknown))}"]
        unresolvable = [k for k in kinds if k in vocabulary.kinds and k not in vocabulary.city_kinds
                        and (county is None or (k, county) not in vocabulary.county_kinds)]
        if unresolvable and name not in errors:
            errors[name] = [f"no unit of kind(s) {', '.join(unresolvable)} to resolve to"]
    if not row.get("lead_kinds") and "lead_kinds" not in errors:  # noqa: SIM102
        errors["lead_kinds"] = ["at least one lead unit kind is required"]
    for stage in STAGES:
        days = row.get(f"{stage}_days")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
            errors[f"{stage}_days"] = [f"must be a whole number of working days from 0 to {MAX_DAYS}"]
    return errors


def check_rules(rows: list[dict]) -> dict[int, dict[str, list[str]]]:
    """Field errors by rule index, including a scope (category, county, zone) given twice."""
    vocabulary = _Vocabulary()
    errors = {}
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        problems = check_rule(row, vocabulary)
        scope = (row.get("category"), row.get("county_adcode"), row.get("zone"))
        if scope in seen:
            problems.setdefault("category", []).append(f"same category, county and zone as rule {seen[scope] + 1}")
        seen.setdefault(scope, index)
        if problems:
            errors[index] = problems
    return errors


def gap_report(version: ResponsibilityVersion) -> list[dict]:
    """Active category × Qinling county pairs where some protection zone has no rule."""
    scopes = {(r.category, r.county_adcode, r.zone) for r in version.rules}
    categories = db.session.execute(select(Category).where(Category.is_active.is_(True))
                                    .order_by(Category.sort_order)).scalars().all()
    counties = db.session.execute(select(County).where(County.in_qinling.is_(True))
                                  .order_by(County.adcode)).scalars().all()
    gaps = []
    for category in categories:
        for county in counties:
            missing = [zone for zone in ZONE_LEVELS if not any(
                (category.code, c, z) in scopes for c in (county.adcode, None) for z in (zone, None))]
            if missing:
                gaps.append({"category": category.code, "category_name": category.name,
                             "county_adcode": county.adcode, "county_name": county.name, "zones": missing})
    return gaps


def validation_report(version: ResponsibilityVersion) -> dict:
    """Rule errors (by rule id) and gaps of a version."""
    rows = rule_rows(version)
    errors = check_rules(rows)
    return {"valid": not errors, "errors": {str(version.rules[i].id): e for i, e in errors.items()},
            "gaps": gap_report(version)}


def diff(version: ResponsibilityVersion, base: ResponsibilityVersion | None) -> dict:
    """What `version` changes against `base` (normally the active version), rules matched by their scope (category,
    county, zone): rules added, rules removed, and rules changed with each changed field's before and after."""
    def by_scope(v):
        return {(r["category"], r["county_adcode"], r["zone"]): r for r in (rule_rows(v) if v else [])}

    new, old = by_scope(version), by_scope(base)
    changed = []
    for scope in [s for s in new if s in old]:
        fields = {name: {"before": old[scope][name], "after": new[scope][name]} for name in RULE_FIELDS
                  if old[scope][name] != new[scope][name]}
        if fields:
            changed.append({**new[scope], "changes": fields})
    return {"base": {"id": base.id, "number": base.number} if base else None,
            "added": [new[s] for s in new if s not in old], "removed": [old[s] for s in old if s not in new],
            "changed": changed}


# --- changing versions ------------------------------------------------------------------------------------------

def create_draft(*, actor_id: int | None, title: str = "") -> ResponsibilityVersion:
    """A new draft: a copy of the active version's rules (409 while another draft is open)."""
    open_draft = db.session.execute(select(ResponsibilityVersion.number)
                                    .where(ResponsibilityVersion.status == "draft")).scalar()
    if open_draft is not None:
        raise Conflict(f"Version {open_draft} is already a draft; change or discard it first")
    active = active_version()
    number = (db.session.execute(select(func.max(ResponsibilityVersion.number))).scalar() or 0) + 1
    draft = ResponsibilityVersion(number=number, title=title or f"第{number}版（草稿）", status="draft",
                                  based_on_id=active.id if active else None, created_by=actor_id)
    draft.rules = [ResponsibilityRule(position=i, **row) for i, row in enumerate(rule_rows(active) if active else [])]
    db.session.add(draft)
    db.session.flush()
    record(actor_id, "responsibility.draft", "responsibility_version", draft.id,
           details={"number": number, "based_on": active.number if active else None})
    db.session.commit()
    return draft


def _rule_or_404(version: ResponsibilityVersion, rule_id: int) -> ResponsibilityRule:
    rule = next((r for r in version.rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound("No such rule in this version")
    return rule


def _checked(row: dict) -> dict:
    errors = check_rule(row, _Vocabulary())
    if errors:
        raise ValidationFailed("The rule is not valid", errors={"json": errors})
    return row


def _check_scope_free(version: ResponsibilityVersion, row: dict, except_id: int | None = None) -> None:
    scope = (row["category"], row["county_adcode"], row["zone"])
    if any((r.category, r.county_adcode, r.zone) == scope and r.id != except_id for r in version.rules):
        raise Conflict("A rule for this category, county and zone already exists in the draft")


def add_rule(version_id: int, row: dict, *, expected: int | None, actor_id: int | None) -> ResponsibilityRule:
    """Add a rule to a draft; audited."""
    version = _editable(version_id, expected)
    _check_scope_free(version, _checked(row))
    rule = ResponsibilityRule(position=max((r.position for r in version.rules), default=-1) + 1, **row)
    version.rules.append(rule)
    db.session.flush()
    record(actor_id, "responsibility.rule_add", "responsibility_version", version.id,
           details={"rule_id": rule.id, "rule": row})
    db.session.commit()
    return rule


def update_rule(version_id: int, rule_id: int, row: dict, *, expected: int | None,
                actor_id: int | None) -> ResponsibilityRule:
    """Replace a draft rule's fields; audited with before and after."""
    version = _editable(version_id, expected)
    rule = _rule_or_404(version, rule_id)
    _check_scope_free(version, _checked(row), except_id=rule_id)
    before = {name: getattr(rule, name) for name in RULE_FIELDS}
    for name in RULE_FIELDS:
        setattr(rule, name, row[name])
    record(actor_id, "responsibility.rule_update", "responsibility_version", version.id,
           details={"rule_id": rule.id, "before": before, "after": row})
    db.session.commit()
    return rule


def delete_rule(version_id: int, rule_id: int, *, expected: int | None, actor_id: int | None) -> None:
    """Remove a rule from a draft; audited."""
    version = _editable(version_id, expected)
    rule = _rule_or_404(version, rule_id)
    before = {name: getattr(rule, name) for name in RULE_FIELDS}
    version.rules.remove(rule)
    record(actor_id, "responsibility.rule_delete", "responsibility_version", version.id,
           details={"rule_id": rule_id, "before": before})
    db.session.commit()


def replace_rules(version_id: int, rows: list[dict], *, expected: int | None, actor_id: int | None,
                  source: str) -> ResponsibilityVersion:
    """Replace all of a draft's rules with imported, already-checked rows; audited."""
    version = _editable(version_id, expected)
    version.rules.clear()
    db.session.flush()
    version.rules.extend(ResponsibilityRule(position=i, **row) for i, row in enumerate(rows))
    db.session.flush()
    record(actor_id, "responsibility.import", "responsibility_version", version.id,
           details={"source": source, "rules": len(rows)})
    db.session.commit()
    return version


def discard_draft(version_id: int, *, expected: int | None, actor_id: int | None) -> None:
    """Delete a draft that will not be activated; audited."""
    version = _editable(version_id, expected)
    record(actor_id, "responsibility.discard", "responsibility_version", version.id,
           details={"number": version.number})
    db.session.delete(version)
    db.session.commit()


def activate(version_id: int, *, expected: int | None, actor_id: int | None, force: bool = False,
             reason: str | None = None) -> ResponsibilityVersion:
    """Make a draft the active version and retire the old one; gaps refuse activation unless forced with a reason."""
    version = _editable(version_id, expected)
    report = validation_report(version)
    if not report["valid"]:
        raise ValidationFailed("The draft has invalid rules", errors={"rules": report["errors"]})
    if report["gaps"] and not force:
        raise Conflict(f"{len(report['gaps'])} category × county pairs have no rule; fix them or force with a reason",
                       error="responsibility_gaps", errors={"gaps": report["gaps"]})
    if report["gaps"] and not (reason or "").strip():
        raise ValidationFailed("Forcing activation over gaps needs a reason", errors={"json": {"reason": ["required"]}})
    previous = active_version()
    if previous is not None:
        retired = db.session.execute(update(ResponsibilityVersion)
                                     .where(ResponsibilityVersion.id == previous.id,
                                            ResponsibilityVersion.status == "active")
                                     .values(status="retired", retired_at=utcnow(),
                                             version=ResponsibilityVersion.version + 1)).rowcount
        if not retired:
            raise Conflict("Another version was activated at the same time; reload and try again")
    version.status, version.activated_at, version.activated_by = "active", utcnow(), actor_id
    bump(ROUTING)
    record(actor_id, "responsibility.activate", "responsibility_version", version.id, reason=reason,
           details={"number": version.number, "retired": previous.number if previous else None,
                    "forced": bool(report["gaps"]), "gaps": len(report["gaps"])})
    db.session.commit()
    return version
