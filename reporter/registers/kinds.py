"""A site kind's own fields: the marshmallow schema built from its field list (JSON in the API), and the text of a
spreadsheet cell read into a field's value and written back (是/否, 、-separated choices, dates)."""
import re
from datetime import date, datetime

import marshmallow as ma
from marshmallow import RAISE, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reporter.errors import Conflict, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.registers.models import SiteKind

FIELD_TYPES = ("text", "integer", "number", "bool", "date", "choice", "choices")
YES, NO = ("是", "yes", "true", "1", "y", "有", "已接入"), ("否", "no", "false", "0", "n", "无", "未接入")
_SPLIT = re.compile(r"[、,，;；]+")


def _field(spec: dict) -> ma.fields.Field:
    kwargs = {"required": bool(spec.get("required")), "allow_none": not spec.get("required"),
              "metadata": {"description": spec["label"]}}
    kind = spec["type"]
    if kind == "text":
        return ma.fields.String(validate=validate.Length(max=500), **kwargs)
    if kind == "integer":
        return ma.fields.Integer(strict=True, validate=validate.Range(min=-2**31, max=2**31 - 1), **kwargs)
    if kind == "number":
        return ma.fields.Float(allow_nan=False, validate=validate.Range(min=-1e12, max=1e12), **kwargs)
    if kind == "bool":
        return ma.fields.Boolean(truthy={True}, falsy={False}, **kwargs)
    if kind == "date":
        return ma.fields.Date(**kwargs)
    if kind == "choice":
        return ma.fields.String(validate=validate.OneOf(spec["choices"]), **kwargs)
    return ma.fields.List(ma.fields.String(validate=validate.OneOf(spec["choices"])), **kwargs)


def attributes_schema(kind: SiteKind) -> ma.Schema:
    """The schema a site's `attributes` must meet: the kind's fields, no others."""
    return ma.Schema.from_dict({f["key"]: _field(f) for f in kind.fields}, name=f"Site_{kind.code}")(unknown=RAISE)


def check_attributes(kind: SiteKind, attributes: dict, *, partial: bool = False) -> dict:
    """The attributes validated by the kind's schema (JSON-ready: dates as ISO text); 422 naming each field."""
    try:
        loaded = attributes_schema(kind).load(attributes, partial=partial)
    except ma.ValidationError as exc:
        raise ValidationFailed(f"The fields of a {kind.name} are not valid",
                               errors={"json": {"attributes": exc.messages}}) from None
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in loaded.items()}


def read_cell(spec: dict, text: str):
    """A spreadsheet cell's text as the field's value (None when empty); ValueError with the reason otherwise."""
    if text == "":
        return None
    kind = spec["type"]
    if kind == "integer":
        if not re.fullmatch(r"-?\d+(\.0+)?", text):
            raise ValueError(f"not a whole number: {text!r}")
        return int(float(text))
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"not a number: {text!r}") from None
    if kind == "bool":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError(f"not 是 or 否: {text!r}")
    if kind == "date":
        try:
            return date.fromisoformat(text[:10].replace("/", "-").replace(".", "-"))
        except ValueError:
            raise ValueError(f"not a date (YYYY-MM-DD): {text!r}") from None
    if kind == "choices":
        return [part.strip() for part in _SPLIT.split(text) if part.strip()]
    return text


def write_cell(spec: dict, value):
    """A field's value as a spreadsheet cell."""
    if value is None:
        return None
    if spec["type"] == "bool":
        return "是" if value else "否"
    if spec["type"] == "choices":
        return "、".join(value)
    if spec["type"] == "date":
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    return value


def state_names(kind: SiteKind) -> dict[str, str]:
    return {s["code"]: s["name"] for s in kind.states}


def closing_states(kind: SiteKind) -> set[str]:
    """The states that take a site off the register (销号, 退出, 关停取缔 …)."""
    return {s["code"] for s in kind.states if s.get("closes")}


def get_kind(code: str) -> SiteKind:
    kind = db.session.get(SiteKind, code)
    if kind is None:
        raise NotFound("No such site kind")
    return kind


def all_kinds() -> list[SiteKind]:
    return list(db.session.execute(select(SiteKind).order_by(SiteKind.builtin.desc(), SiteKind.code)).scalars())


def save_kind(data: dict, *, code: str | None = None) -> SiteKind:
    """Add a kind, or change one's name, fields and states (a state in use by a site cannot go); committed."""
    from reporter.registers.models import Site

    try:
        kind = get_kind(code) if code else None
        if kind is None:
            if db.session.get(SiteKind, data["code"]) is not None:
                raise Conflict("A site kind with this code exists")
            kind = SiteKind(code=data["code"], builtin=False)
            db.session.add(kind)
        else:
            kept = {s["code"] for s in data["states"]}
            used = set(db.session.execute(select(Site.state).where(Site.kind == kind.code).distinct()).scalars())
            if used - kept:
                raise Conflict(f"Sites are in states {sorted(used - kept)}; keep them", error="state_in_use")
        kind.name, kind.category, kind.geometry = data["name"], data["category"], data["geometry"]
        kind.fields, kind.states = data["fields"], data["states"]
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another site kind has this name", error="duplicate_name") from None
    except BaseException:
        db.session.rollback()
        raise
    return kind
