"""What the inspector app sends and what patrol readers get back (API.md "Inspectors' patrols")."""
from datetime import datetime
from operator import attrgetter

import marshmallow as ma
import numpy as np
from flask import current_app
from marshmallow import validate

from reporter.cases import payloads
from reporter.common.schemas import MONTH, Counter, Id, PageArgs, StrictSchema, page_schema
from reporter.common.timeutil import CST
from reporter.errors import PayloadTooLarge
from reporter.geo.coords import COORD_SYSTEMS, WGS84, to_wgs84
from reporter.geo.schemas import CoordSystemArgs, LocationIn
from reporter.patrols.points import COLUMNS
from reporter.routing.schemas import CategoryCode

MAX_POINTS_DEFAULT = 1000


def max_points() -> int:
    """The largest batch of track points accepted in one request."""
    return int(current_app.config.get("PATROL_MAX_POINTS_PER_BATCH", MAX_POINTS_DEFAULT))


class PatrolIn(StrictSchema):
    """`{"id": "<client uuid>", "grid_id", "started_at"}`."""

    id = ma.fields.UUID(required=True)
    grid_id = Id(required=True)
    started_at = ma.fields.AwareDateTime(required=True)


class PointIn(StrictSchema):
    """One GPS fix (documentation of the fast loader in PointList)."""

    t = ma.fields.AwareDateTime(required=True, metadata={"description": "the phone's time of the fix; its key"})
    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = ma.fields.Float(required=True, validate=validate.Range(-180, 180))
    coord_system = ma.fields.String(load_default=WGS84, validate=validate.OneOf(COORD_SYSTEMS))
    accuracy_m = ma.fields.Float(allow_none=True, validate=validate.Range(0, 1e6))
    altitude_m = ma.fields.Float(allow_none=True, validate=validate.Range(-1000, 10000))
    speed_mps = ma.fields.Float(allow_none=True, validate=validate.Range(0, 1000))
    heading = ma.fields.Float(allow_none=True, validate=validate.Range(0, 360))
    provider = ma.fields.String(allow_none=True, validate=validate.Length(max=16))
    mock = ma.fields.Boolean(load_default=False, metadata={"description": "the phone's mock-location flag"})


# field, minimum, maximum, may be null; NaN and ±Infinity (which JSON parsers let through) fail the bounds
_NUMBERS = (("lat", -90.0, 90.0, False), ("lng", -180.0, 180.0, False), ("accuracy_m", 0.0, 1e6, True),
            ("altitude_m", -1000.0, 10000.0, True), ("speed_mps", 0.0, 1000.0, True), ("heading", 0.0, 360.0, True))
_FIELDS = frozenset(PointIn._declared_fields)


def _point(raw) -> tuple[dict, dict | None]:
    """One point to a WGS-84 row, or its field errors (the rules of PointIn, many times faster for big batches)."""
    if not isinstance(raw, dict):
        return {}, {"_schema": ["Invalid input type."]}
    errors: dict[str, list[str]] = {}
    if not raw.keys() <= _FIELDS:
        errors.update((name, ["Unknown field."]) for name in raw.keys() - _FIELDS)
    row: dict = {}
    for name, low, high, nullable in _NUMBERS:
        value = raw.get(name)
        if value is None:
            if not nullable:
                errors[name] = ["Field may not be null."] if name in raw else ["Missing data for required field."]
            row[name] = None
        elif value.__class__ is not float and value.__class__ is not int:  # bool is not a number here
            errors[name] = ["Not a valid number."]
        elif low <= value <= high:
            row[name] = float(value)
        else:
            errors[name] = [f"Must be greater than or equal to {low:g} and less than or equal to {high:g}."]
    try:
        row["t"] = datetime.fromisoformat(raw["t"])
        if row["t"].tzinfo is None:
            errors["t"] = ["Not a valid aware datetime."]
    except KeyError:
        errors["t"] = ["Missing data for required field."]
    except (TypeError, ValueError):
        errors["t"] = ["Not a valid datetime."]
    system = raw.get("coord_system", WGS84)
    if system not in COORD_SYSTEMS:
        errors["coord_system"] = [f"Must be one of: {', '.join(COORD_SYSTEMS)}."]
    mock = raw.get("mock", False)
    if mock is not True and mock is not False:
        errors["mock"] = ["Not a valid boolean."]
    provider = raw.get("provider")
    if provider is not None and (provider.__class__ is not str or len(provider) > 16):
        errors["provider"] = ["Not a string of at most 16 characters."]
    if errors:
        return {}, errors
    if system != WGS84:
        row["lat"], row["lng"] = to_wgs84(row["lat"], row["lng"], system)
    row["mock"], row["provider"] = mock, provider
    return row, None


_NUMBER_TYPES = frozenset({float, int})
_NULLABLE_NUMBER_TYPES = frozenset({float, int, type(None)})
_PROVIDER_TYPES = frozenset({str, type(None)})
_SYSTEMS = frozenset(COORD_SYSTEMS)
_TZINFO = attrgetter("tzinfo")


def _numbers(values: list, low: float, high: float, nullable: bool) -> list | None:
    """A column of numbers as floats, or None when some value breaks a rule (the per-point check then names it).
    Checked for the whole column at once: the types in one pass, the bounds in numpy (NaN and ±Infinity fail)."""
    types = set(map(type, values))
    if not types <= (_NULLABLE_NUMBER_TYPES if nullable else _NUMBER_TYPES):  # a bool, a string, a null lat…
        return None
    given = [v for v in values if v is not None] if type(None) in types else values
    array = np.array(given, dtype=np.float64)  # an int too big for a double raises OverflowError
    if array.size and not (low <= array.min() and array.max() <= high):  # a NaN makes both NaN: refused
        return None
    if int not in types:
        return values
    return [None if v is None else float(v) for v in values]


def _batch_rows(points: list) -> list[tuple] | None:
    """The batch as rows in points.COLUMNS order (WGS-84), column by column, when every point keeps every rule of
    _point; None when any breaks one: _point then finds and words each error (the one source of error messages)."""
    if not points:
        return []
    if set(map(type, points)) != {dict} or not set().union(*points) <= _FIELDS:
        return None
    try:
        columns = {}
        for name, low, high, nullable in _NUMBERS:
            column = _numbers([p.get(name) for p in points], low, high, nullable)
            if column is None:
                return None
            columns[name] = column
        texts = [p.get("t") for p in points]
        if set(map(type, texts)) != {str}:
            return None
        times = list(map(datetime.fromisoformat, texts))  # ValueError: not a date and time
        if None in set(map(_TZINFO, times)):  # a time without its offset
            return None
        systems = [p.get("coord_system", WGS84) for p in points]
        mocks = [p.get("mock", False) for p in points]
        providers = [p.get("provider") for p in points]
        if (not set(systems) <= _SYSTEMS or set(map(type, mocks)) != {bool}
                or not set(map(type, providers)) <= _PROVIDER_TYPES
                or max(map(len, filter(None, providers)), default=0) > 16):
            return None
    except (TypeError, ValueError, OverflowError):  # unhashable values, unparsable times, huge integers
        return None
    lats, lngs = columns["lat"], columns["lng"]
    if set(systems) != {WGS84}:
        lats, lngs = list(lats), list(lngs)
        for i, system in enumerate(systems):
            if system != WGS84:
                lats[i], lngs[i] = to_wgs84(lats[i], lngs[i], system)
    by_name = {**columns, "t": times, "lat": lats, "lng": lngs, "provider": providers, "mock": mocks}
    return list(zip(*(by_name[name] for name in COLUMNS), strict=True))




class PointList(ma.fields.List):
    """The `points` array: a 413 past the batch limit, then every point checked, errors keyed by index. Loads to
    rows (tuples in reporter.patrols.points.COLUMNS order, WGS-84): the whole batch column by column when it keeps
    every rule (the usual case), else point by point, which words the errors."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(PointIn), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ma.ValidationError("Not a valid list.")
        limit = max_points()
        if len(value) > limit:
            raise PayloadTooLarge(f"At most {limit} points per batch; this one has {len(value)}",
                                  error="too_many_points", errors={"json": {"points": [f"At most {limit} points"]}})
        rows = _batch_rows(value)
        if rows is not None:
            return rows
        rows, errors = [], {}
        for index, raw in enumerate(value):
            row, problems = _point(raw)
            if problems:
                errors[index] = problems
            else:
                rows.append(tuple(row[name] for name in COLUMNS))
        if errors:
            raise ma.ValidationError(errors)
        return rows


class PointsIn(StrictSchema):
    """`{"points": [...]}`: up to 1000 fixes, in any order, repeats allowed."""

    points = PointList(required=True)


class PointsOut(ma.Schema):
    accepted = ma.fields.Integer(required=True, metadata={"description": "new points stored"})
    duplicates = ma.fields.Integer(required=True, metadata={"description": "points already stored (absorbed)"})
    total_points = ma.fields.Integer(required=True)
    late = ma.fields.Boolean(required=True, metadata={"description": "the patrol was finished; summary recomputed"})


class RecordIn(StrictSchema):
    """What check-ins and observations share: the phone's id, time, place, note and photos (purpose `patrol`)."""

    id = ma.fields.UUID(required=True)
    t = ma.fields.AwareDateTime(required=True)
    location = ma.fields.Nested(LocationIn, required=True)
    note = ma.fields.String(load_default="", validate=validate.Length(max=2000))
    photo_ids = ma.fields.List(ma.fields.String(), load_default=list, validate=validate.Length(max=9))


class CheckinIn(RecordIn):
    """A check-in (打卡), optionally naming its checkpoint."""

    checkpoint = ma.fields.String(allow_none=True, validate=validate.Length(max=128))


class ObservationIn(RecordIn):
    """An observation; `problem: true` with a `category` opens a case."""

    problem = ma.fields.Boolean(load_default=False)
    category = CategoryCode(allow_none=True)

    @ma.validates_schema
    def _category_of_problem(self, data, **_kwargs):
        if data.get("problem") and not data.get("category"):
            raise ma.ValidationError("A problem needs a category.", "category")


class FinishIn(StrictSchema):
    ended_at = ma.fields.AwareDateTime(required=True)


class PatrolLocationOut(ma.Schema):
    lat = ma.fields.Float()
    lng = ma.fields.Float()
    coord_system = ma.fields.String()
    accuracy_m = ma.fields.Float(allow_none=True)
    address = ma.fields.String(allow_none=True)


class RecordOut(ma.Schema):
    id = ma.fields.String()
    patrol_id = ma.fields.String()
    t = ma.fields.AwareDateTime()
    location = ma.fields.Nested(PatrolLocationOut)
    note = ma.fields.String()
    photo_ids = ma.fields.List(ma.fields.String())


class CheckinOut(RecordOut):
    checkpoint = ma.fields.String(allow_none=True)


class ObservationOut(RecordOut):
    problem = ma.fields.Boolean()
    category = ma.fields.String(allow_none=True)
    case_id = ma.fields.Integer(allow_none=True, metadata={"description": "the case a problem opened"})


class PatrolOut(ma.Schema):
    """A patrol and its effort summary (figures are null until it is finished)."""

    id = ma.fields.String(required=True)
    inspector_id = ma.fields.Integer(required=True)
    grid_id = ma.fields.Integer(required=True)
    day = ma.fields.Date(required=True, metadata={"description": "the CST patrol day"})
    started_at = ma.fields.AwareDateTime(required=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    finished = ma.fields.Boolean(required=True)
    point_count = ma.fields.Integer(required=True)
    late_points = ma.fields.Integer(required=True)
    distance_m = ma.fields.Float(allow_none=True)
    duration_s = ma.fields.Float(allow_none=True)
    moving_s = ma.fields.Float(allow_none=True)
    counted_s = ma.fields.Float(allow_none=True, metadata={"description": "time of the counted stretches"})
    in_grid_distance_m = ma.fields.Float(allow_none=True)
    in_grid_s = ma.fields.Float(allow_none=True)
    coverage_pct = ma.fields.Float(allow_none=True)
    counts_as_patrol_day = ma.fields.Boolean(allow_none=True)
    reasons = ma.fields.List(ma.fields.String())
    flags = ma.fields.List(ma.fields.Dict())
    explanation = ma.fields.Dict()
    computed_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer(required=True)


PatrolPage = page_schema(PatrolOut, "PatrolPage")


class PatrolListArgs(PageArgs):
    """Supervisors filter by inspector, grid and CST day range; inspectors always see their own."""

    inspector = Id()
    grid = Id()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()


class PatrolTrackArgs(CoordSystemArgs):
    simplify = ma.fields.Float(validate=validate.Range(min=0, max=1000),
                               metadata={"description": "tolerance in metres for a lighter map line"})


class PatrolTrackOut(ma.Schema):
    """A GeoJSON Feature with a LineString (lng, lat) of the stored fixes in time order."""

    type = ma.fields.String(required=True)
    geometry = ma.fields.Dict(required=True)
    properties = ma.fields.Dict(required=True)


class PatrolVerifyIn(payloads.VerifyIn):
    """On-site verification (现场核查) from the patrol: the case workflow's `verify` fields, plus the case version."""

    version = Counter(metadata={"description": "the case version seen (a stale one → 412)"})


class VerifiedOut(ma.Schema):
    case_id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)


class FiguresArgs(StrictSchema):
    """`?inspector&month=YYYY-MM` (inspectors: their own; the default month is the current CST month)."""

    inspector = Id()
    month = ma.fields.String(load_default=lambda: datetime.now(CST).strftime("%Y-%m"),
                             validate=MONTH)


class DayFiguresOut(ma.Schema):
    day = ma.fields.Date(required=True)
    patrols = ma.fields.Integer(required=True)
    distance_m = ma.fields.Float(required=True)
    in_grid_distance_m = ma.fields.Float(required=True)
    in_grid_s = ma.fields.Float(required=True)
    moving_s = ma.fields.Float(required=True)
    counts = ma.fields.Boolean(required=True, metadata={"description": "counts as a valid patrol day"})
    reasons = ma.fields.List(ma.fields.String(), required=True)
    flags = ma.fields.List(ma.fields.String(), required=True)


class MonthFiguresOut(ma.Schema):
    inspector_id = ma.fields.Integer(required=True)
    month = ma.fields.String(required=True)
    days = ma.fields.List(ma.fields.Nested(DayFiguresOut), required=True)
    valid_days = ma.fields.Integer(required=True)
    target_days = ma.fields.Integer(required=True)
    met_target = ma.fields.Boolean(required=True)
    patrols = ma.fields.Integer(required=True)
    distance_m = ma.fields.Float(required=True)
    in_grid_distance_m = ma.fields.Float(required=True)
    in_grid_s = ma.fields.Float(required=True)
    moving_s = ma.fields.Float(required=True)
    coverage_pct = ma.fields.Float(required=True, metadata={"description": "share of the grids' cells visited"})
    problems_found = ma.fields.Integer(required=True)
