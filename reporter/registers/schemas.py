"""What comes in and goes out of the register endpoints."""
import marshmallow as ma
from marshmallow import validate

from reporter.cases.models import RECURRENCE_STATES, SOURCES
from reporter.cases.schemas import CaseListArgs
from reporter.common.schemas import Id, PageArgs, StrictSchema, page_schema
from reporter.geo.coords import COORD_SYSTEMS, WGS84
from reporter.geo.models import ZONE_LEVELS
from reporter.geo.schemas import CoordSystemArgs, LocationOut
from reporter.org.schemas import CountyAdcode
from reporter.registers.kinds import FIELD_TYPES
from reporter.registers.models import GEOMETRIES, STEPS
from reporter.routing.schemas import CategoryCode

YEAR = validate.Range(min=2000, max=2100)


class RegisterArgs(CaseListArgs):
    """The case list's filters, and `year` for the year register (opened in the year, or still open during it)."""

    year = ma.fields.Integer(validate=YEAR, metadata={"description": "《突出问题{year}年台账》: opened in the year or "
                                                                     "still open during it (CST)", "example": 2022})


class RegisterExportArgs(RegisterArgs):
    """The register's filters (the whole result, no pages)."""

    class Meta:
        exclude = ("page", "page_size", "coord_system")


class ProblemRowOut(ma.Schema):
    """One problem of the register, with the columns officials keep (序号 … 销号时间)."""

    seq = ma.fields.Integer(required=True, metadata={"description": "序号"})
    case_id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True, metadata={"description": "案件编号"})
    source = ma.fields.String(required=True)
    source_name = ma.fields.String(required=True, metadata={"description": "问题来源", "example": "中央反馈问题"})
    external_ref = ma.fields.String(allow_none=True, metadata={"description": "反馈编号"})
    description = ma.fields.String(required=True, metadata={"description": "问题描述"})
    county_adcode = ma.fields.String(allow_none=True)
    county_name = ma.fields.String(allow_none=True, metadata={"description": "所在县区"})
    zone = ma.fields.String(allow_none=True)
    zone_name = ma.fields.String(required=True, metadata={"description": "保护区"})
    lead_units = ma.fields.String(required=True, metadata={"description": "牵头单位"})
    cooperating_units = ma.fields.String(required=True, metadata={"description": "配合单位"})
    measures = ma.fields.String(allow_none=True, metadata={"description": "整改措施"})
    deadline = ma.fields.Date(allow_none=True, metadata={"description": "整改时限"})
    state = ma.fields.String(required=True)
    progress = ma.fields.String(required=True, metadata={"description": "整改进展"})
    closed_off = ma.fields.Boolean(required=True, metadata={"description": "是否销号 (closed after verification)"})
    closed_on = ma.fields.Date(allow_none=True, metadata={"description": "销号时间 (CST day)"})
    recheck = ma.fields.String(allow_none=True, metadata={"description": "the latest 回头看: pending, confirmed or "
                                                                         "failed (the case reopened)"})
    recheck_name = ma.fields.String(allow_none=True, metadata={"description": "回头看"})


ProblemPage = page_schema(ProblemRowOut, "ProblemPage")


class FileIn(ma.Schema):
    """One XLSX workbook, as multipart field `file`."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class DryRunArgs(StrictSchema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={
        "description": "check every row and answer what would be created, writing nothing"})


class ImportedItem(ma.Schema):
    row = ma.fields.Integer(required=True)
    source = ma.fields.String(required=True)
    external_ref = ma.fields.String(allow_none=True)
    category = ma.fields.String(required=True)
    county_adcode = ma.fields.String(allow_none=True)


class ProblemImportOut(ma.Schema):
    """What an import created (or, in a dry run, would create)."""

    dry_run = ma.fields.Boolean(required=True)
    rows = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(ImportedItem), required=True)
    case_ids = ma.fields.List(ma.fields.Integer(), required=True)


# Site kinds ---------------------------------------------------------------------------------------------------------
KIND_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$", error="lower-case letters, digits and _ (2–32)")
FIELD_KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$", error="lower-case letters, digits and _ (1–32)")
FIELD_KEY_SCHEMA = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"}


class FieldSpecIn(StrictSchema):
    """One field of a kind: its key, the sheet's header, its type (and choices), whether required."""

    key = ma.fields.String(required=True, validate=FIELD_KEY, metadata={"example": "river"})
    label = ma.fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={"example": "所在河流"})
    type = ma.fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    choices = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=40)),
                             validate=validate.Length(max=50), load_default=None)
    required = ma.fields.Boolean(load_default=False)

    @ma.validates_schema
    def _choices(self, data, **_kwargs):
        if data["type"] in ("choice", "choices") and not data.get("choices"):
            raise ma.ValidationError("choice fields list their choices", field_name="choices")
        if data["type"] not in ("choice", "choices") and data.get("choices"):
            raise ma.ValidationError("only choice fields have choices", field_name="choices")

    @ma.post_load
    def _drop_none(self, data, **_kwargs):
        return {k: v for k, v in data.items() if v is not None}


class StateSpecIn(StrictSchema):
    code = ma.fields.String(required=True, validate=FIELD_KEY, metadata={"example": "operating"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={"example": "运行"})
    closes = ma.fields.Boolean(load_default=False, metadata={"description": "takes the site off the register (销号)"})


def _unique(items: list, key: str, what: str):
    seen = [item[key] for item in items]
    if len(seen) != len(set(seen)):
        raise ma.ValidationError(f"{what} repeat", field_name=what)


class KindIn(StrictSchema):
    """A kind of regulated site (admins): code, name, category (responsibility list), geometry, fields, states."""

    code = ma.fields.String(required=True, validate=KIND_CODE, metadata={"example": "quarry_pit"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "采砂场"})
    category = CategoryCode(required=True)
    geometry = ma.fields.String(load_default="point", validate=validate.OneOf(GEOMETRIES))
    fields = ma.fields.List(ma.fields.Nested(FieldSpecIn), load_default=list, validate=validate.Length(max=40))
    states = ma.fields.List(ma.fields.Nested(StateSpecIn), required=True, validate=validate.Length(min=1, max=20))

    @ma.validates_schema
    def _distinct(self, data, **_kwargs):
        _unique(data.get("fields", []), "key", "fields")
        _unique(data.get("fields", []), "label", "fields")
        _unique(data.get("states", []), "code", "states")
        if data.get("states") and data["states"][0].get("closes"):
            raise ma.ValidationError("the first state is a new site's; it cannot close it off", field_name="states")


class KindUpdateIn(KindIn):
    class Meta:
        exclude = ("code",)


class FieldSpecOut(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    type = ma.fields.String(required=True)
    choices = ma.fields.List(ma.fields.String())
    required = ma.fields.Boolean(required=True)


class StateSpecOut(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    closes = ma.fields.Boolean(required=True)


class KindOut(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "farmstay"})
    name = ma.fields.String(required=True, metadata={"example": "农家乐、民宿"})
    category = ma.fields.String(required=True)
    geometry = ma.fields.String(required=True)
    fields = ma.fields.List(ma.fields.Nested(FieldSpecOut), required=True)
    states = ma.fields.List(ma.fields.Nested(StateSpecOut), required=True)
    builtin = ma.fields.Boolean(required=True)


# Sites --------------------------------------------------------------------------------------------------------------
class GeometryIn(StrictSchema):
    """A GeoJSON Point `[lng, lat]` or Polygon `[[[lng, lat], …]]` (a mine or pond may be drawn as its area)."""

    type = ma.fields.String(required=True, validate=validate.OneOf(("Point", "Polygon")))
    coordinates = ma.fields.Raw(required=True, metadata={"type": "array", "example": [108.314, 33.3125]})


class SiteIn(StrictSchema):
    """A site to register: the officials' code (unique per kind), name, operator (an organisation), geometry, the
    kind's own fields (validated by the kind's schema: `GET /registers/site-kinds`)."""

    kind = ma.fields.String(required=True, validate=KIND_CODE, metadata={"example": "farmstay"})
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "NJL-0001"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "秦岭人家"})
    operator = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                                metadata={"description": "the operating organisation (never a person's data)",
                                          "example": "宁陕县秦岭人家农家乐有限公司"})
    address = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    geometry = ma.fields.Nested(GeometryIn, required=True)
    coord_system = ma.fields.String(load_default=WGS84, validate=validate.OneOf(COORD_SYSTEMS))
    attributes = ma.fields.Dict(keys=ma.fields.String(), load_default=dict,
                                metadata={"example": {"problems": ["侵占河道"], "outcome": "提升改造"}})
    state = ma.fields.String(load_default=None, allow_none=True, validate=FIELD_KEY,
                             metadata={"description": "a state of the kind (default: its first)"})
    reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class SiteEditIn(StrictSchema):
    """What changes (If-Match): any of code, name, operator, address, geometry (with coord_system), attributes."""

    code = ma.fields.String(validate=validate.Length(min=1, max=64))
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    operator = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=255))
    geometry = ma.fields.Nested(GeometryIn)
    coord_system = ma.fields.String(load_default=WGS84, validate=validate.OneOf(COORD_SYSTEMS))
    attributes = ma.fields.Dict(keys=ma.fields.String())
    reason = ma.fields.String(allow_none=True, validate=validate.Length(max=500))


class StateIn(StrictSchema):
    """A new state of the site's kind, why, and documents of its file as evidence (If-Match)."""

    state = ma.fields.String(required=True, validate=FIELD_KEY, metadata={"example": "rectifying"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000),
                              metadata={"example": "排查发现侵占河道，责令限期整改"})
    evidence = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=20),
                              metadata={"description": "ids of documents of this site"})


class SiteListArgs(PageArgs, CoordSystemArgs):
    kind = ma.fields.String(validate=KIND_CODE)
    county = CountyAdcode()
    zone = ma.fields.String(validate=validate.OneOf(ZONE_LEVELS))
    state = ma.fields.String(validate=FIELD_KEY)
    grid_id = Id()
    q = ma.fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "words of the code, name or operator"})


class UnitRefOut(ma.Schema):
    relation = ma.fields.String(required=True, metadata={"description": "lead | cooperating | supervising | "
                                                                        "government"})
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class SiteOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    kind_name = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    operator = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    geometry = ma.fields.Dict(required=True, metadata={"description": "GeoJSON in `coord_system`"})
    coord_system = ma.fields.String(required=True)
    location = ma.fields.Nested(LocationOut, required=True, metadata={"description": "the point (or one inside "
                                                                                       "the polygon)"})
    county_adcode = ma.fields.String(allow_none=True)
    zone = ma.fields.String(allow_none=True)
    grid_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(required=True)
    state_name = ma.fields.String(required=True)
    closed_off = ma.fields.Boolean(required=True, metadata={"description": "in a state that closes it off (销号)"})
    attributes = ma.fields.Dict(required=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class SiteDetailOut(SiteOut):
    units = ma.fields.List(ma.fields.Nested(UnitRefOut), required=True)


SitePage = page_schema(SiteOut, "SitePage")


class SiteEventOut(ma.Schema):
    seq = ma.fields.Integer(required=True)
    action = ma.fields.String(required=True, metadata={"description": "register | edit | import | state"})
    at = ma.fields.AwareDateTime(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(required=True)
    actor_unit_id = ma.fields.Integer(allow_none=True)
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String(required=True)
    reason = ma.fields.String(allow_none=True)
    evidence = ma.fields.List(ma.fields.Integer(), required=True)
    data = ma.fields.Dict(required=True)


class SiteCaseOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class SiteRecurrenceOut(ma.Schema):
    """A suspected recurrence (疑似反弹回潮) raised on one of the site's cases after it closed, and its decision."""

    case_id = ma.fields.Integer(required=True)
    report_id = ma.fields.String(required=True, metadata={"description": "the report that raised it"})
    raised_at = ma.fields.DateTime(required=True)
    state = ma.fields.String(required=True, metadata={"enum": list(RECURRENCE_STATES)})
    decided_at = ma.fields.DateTime(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    new_case_id = ma.fields.Integer(allow_none=True)


class SiteHistoryOut(ma.Schema):
    """The site's history: its own events, its cases, and the recurrences raised on them after closure."""

    events = ma.fields.List(ma.fields.Nested(SiteEventOut), required=True)
    cases = ma.fields.List(ma.fields.Nested(SiteCaseOut), required=True)
    recurrences = ma.fields.List(ma.fields.Nested(SiteRecurrenceOut), required=True)


class DocumentIn(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                  "description": "PDF, JPEG, PNG or WebP"})


class DocumentArgs(StrictSchema):
    title = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={"example": "一站一书"})


class DocumentOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    site_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    filename = ma.fields.String(required=True, metadata={"description": "the safe name it downloads as"})
    content_type = ma.fields.String(required=True)
    bytes = ma.fields.Integer(required=True)
    sha256 = ma.fields.String(required=True)
    uploaded_by = ma.fields.Integer(required=True)
    uploaded_at = ma.fields.AwareDateTime(required=True)


class SiteImportOut(ma.Schema):
    """What an import wrote (or, in a dry run, would write)."""

    dry_run = ma.fields.Boolean(required=True)
    rows = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)


class CandidateOut(ma.Schema):
    site_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    distance_m = ma.fields.Float(required=True)


class PendingLinkOut(ma.Schema):
    """A case near several sites of its kind, waiting for a supervisor's choice."""

    case_id = ma.fields.Integer(required=True)
    candidates = ma.fields.List(ma.fields.Nested(CandidateOut), required=True)


class LinkIn(StrictSchema):
    case_id = Id(required=True)
    site_id = Id(required=True, allow_none=True, metadata={"description": "one of the candidates, or null: none"})


class LinkOut(ma.Schema):
    case_id = ma.fields.Integer(required=True)
    site_id = ma.fields.Integer(allow_none=True)


# Campaigns ----------------------------------------------------------------------------------------------------------
STEP = validate.OneOf(STEPS)


# A campaign's area and milestones name the protection zones, and `outside`: the sites in none of them
# (campaigns.UNZONED).
CAMPAIGN_ZONES = validate.OneOf((*ZONE_LEVELS, "outside"))


class MilestoneIn(StrictSchema):
    step = ma.fields.String(required=True, validate=STEP, metadata={"example": "close"})
    zone = ma.fields.String(load_default=None, allow_none=True, validate=CAMPAIGN_ZONES, metadata={
        "description": "the zone it applies to (`outside`: the sites in no zone); null: every other site"})
    due_on = ma.fields.Date(required=True, metadata={"example": "2022-08-31"})


class TargetIn(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"example": "大中型生产矿山绿色矿山创建率≥30%"})
    measure = ma.fields.String(required=True, validate=validate.OneOf(("count", "rate")))
    threshold = ma.fields.Float(required=True, validate=validate.Range(min=0, max=1_000_000),
                                metadata={"description": "a count, or a percentage for a rate", "example": 30})
    where = ma.fields.Dict(keys=ma.fields.String(validate=FIELD_KEY), load_default=dict, metadata={
        "example": {"green_mine": True}, "propertyNames": FIELD_KEY_SCHEMA,
        "description": "fields of the kind → the value (or any of a list of values) a counted site has"})
    of = ma.fields.Dict(keys=ma.fields.String(validate=FIELD_KEY), load_default=dict, metadata={
        "example": {"scale": ["大型", "中型"], "producing": True}, "propertyNames": FIELD_KEY_SCHEMA,
        "description": "for a rate: the fields of the sites it is a share of"})
    step = ma.fields.String(load_default=None, allow_none=True, validate=STEP)
    due_on = ma.fields.Date(load_default=None, allow_none=True)


class CampaignIn(StrictSchema):
    """A campaign: its kind of site, area, milestones (by zone) and targets."""

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"example": "2022年农家乐（民宿）集中整治"})
    kind = ma.fields.String(required=True, validate=KIND_CODE, metadata={"example": "farmstay"})
    counties = ma.fields.List(CountyAdcode(), load_default=list, validate=validate.Length(max=10))
    zones = ma.fields.List(ma.fields.String(validate=CAMPAIGN_ZONES), load_default=list, metadata={
        "description": "the protection zones its sites are in (`outside`: the sites in none); empty: every site"})
    starts_on = ma.fields.Date(required=True, metadata={"example": "2022-04-14"})
    ends_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"example": "2022-12-31"})
    checkins_count_as_survey = ma.fields.Boolean(load_default=False, metadata={
        "description": "a patrol check-in at a site by an inspector of its grid counts as its 排查"})
    milestones = ma.fields.List(ma.fields.Nested(MilestoneIn), load_default=list, validate=validate.Length(max=40))
    targets = ma.fields.List(ma.fields.Nested(TargetIn), load_default=list, validate=validate.Length(max=20))

    @ma.validates_schema
    def _consistent(self, data, **_kwargs):
        if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError("ends before it starts", field_name="ends_on")
        keys = [(m["step"], m["zone"]) for m in data.get("milestones", [])]
        if len(keys) != len(set(keys)):
            raise ma.ValidationError("one milestone per step and zone", field_name="milestones")


class MilestoneOut(ma.Schema):
    step = ma.fields.String(required=True)
    zone = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(required=True)


class TargetOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    measure = ma.fields.String(required=True)
    threshold = ma.fields.Float(required=True)
    where = ma.fields.Dict(required=True)
    of = ma.fields.Dict(required=True)
    step = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)


class CampaignOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    counties = ma.fields.List(ma.fields.String(), required=True)
    zones = ma.fields.List(ma.fields.String(), required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(allow_none=True)
    checkins_count_as_survey = ma.fields.Boolean(required=True)
    created_by = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    milestones = ma.fields.List(ma.fields.Nested(MilestoneOut))
    targets = ma.fields.List(ma.fields.Nested(TargetOut))


CampaignPage = page_schema(CampaignOut, "CampaignPage")


class StepIn(StrictSchema):
    """One step of a site: 排查 (`compliant`: nothing to rectify), 整改 (`measures`, `deadline`), 验收 (`photo_ids`
    taken on site, ≥ 1), 销号."""

    compliant = ma.fields.Boolean(load_default=False)
    measures = ma.fields.String(validate=validate.Length(min=1, max=4000), metadata={"example": "拆除侵占河道的平台"})
    deadline = ma.fields.Date(metadata={"example": "2022-08-15"})
    note = ma.fields.String(validate=validate.Length(max=2000))
    photo_ids = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                               validate=validate.Length(max=9))


class StepOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    site_id = ma.fields.Integer(required=True)
    step = ma.fields.String(required=True)
    at = ma.fields.AwareDateTime(required=True)
    day = ma.fields.Date(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(required=True)
    actor_unit_id = ma.fields.Integer(allow_none=True)
    compliant = ma.fields.Boolean(allow_none=True)
    measures = ma.fields.String(allow_none=True)
    deadline = ma.fields.Date(allow_none=True)
    note = ma.fields.String(allow_none=True)
    photo_ids = ma.fields.List(ma.fields.String(), required=True)
    source = ma.fields.String(required=True)


class ProgressArgs(StrictSchema):
    as_of = ma.fields.Date(metadata={"description": "the CST day the figures are as of (default today)",
                                     "example": "2022-08-31"})
    county = CountyAdcode()


class ProgressRow(ma.Schema):
    sites = ma.fields.Integer(required=True)
    surveyed = ma.fields.Integer(required=True, metadata={"description": "排查"})
    rectifying = ma.fields.Integer(required=True, metadata={"description": "整改中"})
    accepted = ma.fields.Integer(required=True, metadata={"description": "验收"})
    closed = ma.fields.Integer(required=True, metadata={"description": "销号"})
    overdue = ma.fields.Integer(required=True, metadata={"description": "sites with a step past its deadline"})
    closed_pct = ma.fields.Float(allow_none=True)


class CountyProgress(ProgressRow):
    adcode = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)


class UnitProgress(ProgressRow):
    unit_id = ma.fields.Integer(required=True)
    name = ma.fields.String(allow_none=True)


class MilestoneProgress(ma.Schema):
    step = ma.fields.String(required=True)
    zone = ma.fields.String(allow_none=True)
    zone_name = ma.fields.String(required=True)
    due_on = ma.fields.Date(required=True)
    sites = ma.fields.Integer(required=True)
    met = ma.fields.Integer(required=True)
    missed = ma.fields.Integer(required=True)
    pending = ma.fields.Integer(required=True)


class TargetProgress(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    measure = ma.fields.String(required=True)
    threshold = ma.fields.Float(required=True)
    due_on = ma.fields.Date(allow_none=True)
    count = ma.fields.Integer(required=True)
    of = ma.fields.Integer(required=True)
    value = ma.fields.Float(allow_none=True)
    met = ma.fields.Boolean(required=True)


class ProgressOut(ma.Schema):
    campaign_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    as_of = ma.fields.Date(required=True)
    totals = ma.fields.Nested(ProgressRow, required=True)
    counties = ma.fields.List(ma.fields.Nested(CountyProgress), required=True)
    units = ma.fields.List(ma.fields.Nested(UnitProgress), required=True)
    milestones = ma.fields.List(ma.fields.Nested(MilestoneProgress), required=True)
    targets = ma.fields.List(ma.fields.Nested(TargetProgress), required=True)


class OverdueOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    site_id = ma.fields.Integer(required=True)
    step = ma.fields.String(required=True)
    due_on = ma.fields.Date(required=True)
    noted_at = ma.fields.AwareDateTime(required=True)
    raised_to = ma.fields.List(ma.fields.Integer(), required=True)
    supervision_level = ma.fields.String(allow_none=True)
    supervision_due = ma.fields.Date(allow_none=True)
    supervised_by = ma.fields.Integer(allow_none=True)
    supervised_at = ma.fields.AwareDateTime(allow_none=True)


OverduePage = page_schema(OverdueOut, "CampaignOverduePage")


class SuperviseIn(StrictSchema):
    level = ma.fields.String(required=True, validate=validate.OneOf(("city", "county")))
    due = ma.fields.Date(required=True)


class UndercoverIn(StrictSchema):
    county_adcode = CountyAdcode(required=True)
    checked_on = ma.fields.Date(required=True, metadata={"example": "2022-05-12"})
    team = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    places = ma.fields.Integer(load_default=1, validate=validate.Range(min=0, max=10_000))
    problems_found = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class UndercoverOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    county_adcode = ma.fields.String(required=True)
    checked_on = ma.fields.Date(required=True)
    team = ma.fields.String(allow_none=True)
    places = ma.fields.Integer(required=True)
    problems_found = ma.fields.Integer(required=True)
    note = ma.fields.String(allow_none=True)
    recorded_by = ma.fields.Integer(required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)


UndercoverPage = page_schema(UndercoverOut, "UndercoverPage")


class UndercoverArgs(PageArgs):
    county = CountyAdcode()
    since = ma.fields.Date()
    until = ma.fields.Date()


class CoverageArgs(StrictSchema):
    since = ma.fields.Date(required=True, metadata={"example": "2022-01-01"})
    until = ma.fields.Date(required=True, metadata={"example": "2022-12-31"})


class CoverageRow(ma.Schema):
    adcode = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    checks = ma.fields.Integer(required=True)
    places = ma.fields.Integer(required=True)
    problems_found = ma.fields.Integer(required=True)
    covered = ma.fields.Boolean(required=True)


class CoverageOut(ma.Schema):
    since = ma.fields.Date(required=True)
    until = ma.fields.Date(required=True)
    counties = ma.fields.List(ma.fields.Nested(CoverageRow), required=True)
    covered = ma.fields.Integer(required=True)
    of = ma.fields.Integer(required=True)
    all_covered = ma.fields.Boolean(required=True, metadata={"description": "暗访全覆盖"})


# 回头看 ------------------------------------------------------------------------------------------------------------
class RecheckIn(StrictSchema):
    """A 回头看 of closed problems: all of a source (and county, category), or a random `sample` of them."""

    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                             metadata={"example": "2019-2021年审计查出问题整改回头看"})
    source = ma.fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SOURCES))
    county_adcode = CountyAdcode(load_default=None, allow_none=True)
    category = CategoryCode(load_default=None, allow_none=True)
    sample = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10_000),
                               metadata={"description": "how many to draw at random; none: all"})
    due_on = ma.fields.Date(required=True, metadata={"example": "2022-10-31"})


class RecheckItemOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    batch_id = ma.fields.Integer(required=True)
    case_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    checked_by = ma.fields.Integer(allow_none=True)
    checked_at = ma.fields.AwareDateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)
    photo_ids = ma.fields.List(ma.fields.String(), required=True)


class RecheckOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    source = ma.fields.String(allow_none=True)
    county_adcode = ma.fields.String(allow_none=True)
    category = ma.fields.String(allow_none=True)
    sample_size = ma.fields.Integer(allow_none=True)
    seed = ma.fields.Integer(allow_none=True)
    due_on = ma.fields.Date(required=True)
    created_by = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class RecheckDetailOut(RecheckOut):
    items = ma.fields.List(ma.fields.Nested(RecheckItemOut), required=True)


RecheckPage = page_schema(RecheckOut, "RecheckPage")
RecheckItemPage = page_schema(RecheckItemOut, "RecheckItemPage")


class RecheckResultIn(StrictSchema):
    """The on-site finding: confirmed (整改到位), or failed (the case reopens)."""

    result = ma.fields.String(required=True, validate=validate.OneOf(("confirmed", "failed")))
    note = ma.fields.String(validate=validate.Length(max=2000), metadata={"example": "现场复核，违建已拆除"})
    photo_ids = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                               validate=validate.Length(max=9))
