"""What the stats endpoints take, and the shapes of what they give (documented in the OpenAPI)."""
import marshmallow as ma
from marshmallow import validate

from reporter.cases.schemas import CaseListArgs
from reporter.common.schemas import MONTH, Id, PageArgs, StrictSchema, page_schema
from reporter.geo.schemas import CoordSystemArgs
from reporter.org.schemas import CountyAdcode
from reporter.stats.export import TABLES


class MonthlyArgs(StrictSchema):
    """`?month=YYYY-MM&county=&format=json|xlsx|csv&table=` (CSV holds one table)."""

    month = ma.fields.String(required=True, validate=MONTH)
    county = CountyAdcode(metadata={"description": "one county (county supervisors always get their own)"})
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx", "csv")))
    table = ma.fields.String(load_default="counties", validate=validate.OneOf(tuple(TABLES)),
                             metadata={"description": "the table a CSV holds"})


class DocumentArgs(StrictSchema):
    """`?month=YYYY-MM&format=docx|pdf&county=&number=` (月通报 as issued)."""

    month = ma.fields.String(required=True, validate=MONTH)
    format = ma.fields.String(load_default="pdf", validate=validate.OneOf(("docx", "pdf")))
    county = CountyAdcode(metadata={"description": "one county (county supervisors always get their own)"})
    number = ma.fields.Integer(validate=validate.Range(min=1, max=9999),
                               metadata={"description": "N of 安秦岭办〔YYYY〕N号 (default: the month's number)"})


class LayerArgs(CaseListArgs):
    """The case list's filters, and how many points at most."""

    limit = ma.fields.Integer(load_default=5000, validate=validate.Range(min=1, max=50_000))


class DensityArgs(LayerArgs):
    cell_m = ma.fields.Integer(load_default=1000, validate=validate.Range(min=100, max=50_000),
                               metadata={"description": "side of a density cell in metres"})


class CoverageArgs(CoordSystemArgs):
    month = ma.fields.String(required=True, validate=MONTH)
    county = CountyAdcode()


class DashboardArgs(StrictSchema):
    county = CountyAdcode()


class AreaRow(ma.Schema):
    """One county's or unit's month figures."""

    class Meta:
        unknown = ma.INCLUDE

    received = ma.fields.Integer()
    received_by_source = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    received_by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    accepted = ma.fields.Integer()
    rejected = ma.fields.Integer()
    closed = ma.fields.Integer()
    closed_on_time = ma.fields.Integer()
    on_time_pct = ma.fields.Float(allow_none=True)
    overdue_open = ma.fields.Integer()
    avg_working_days_to_close = ma.fields.Float(allow_none=True)
    returns = ma.fields.Integer()
    reworks = ma.fields.Integer()
    reopenings = ma.fields.Integer()
    recurrences_raised = ma.fields.Integer(metadata={"description": "疑似反弹回潮: reports after the case was closed"})
    recurrences_reopened = ma.fields.Integer(metadata={"description": "reopened for failed rectification (整改不到位)"})
    recurrences_new_case = ma.fields.Integer(metadata={"description": "new violations at a closed place (new cases)"})
    recurrences_rejected = ma.fields.Integer(metadata={"description": "rejected as the same problem already closed"})
    supervised = ma.fields.Integer()
    supervised_open = ma.fields.Integer()
    supervised_closed = ma.fields.Integer()
    supervised_overdue = ma.fields.Integer()
    satisfaction_mean = ma.fields.Float(allow_none=True)
    satisfaction_count = ma.fields.Integer()
    rewards_approved = ma.fields.Integer()
    rewards_approved_fen = ma.fields.Integer()
    rewards_approved_yuan = ma.fields.String()
    rewards_paid = ma.fields.Integer()
    rewards_paid_fen = ma.fields.Integer()
    rewards_paid_yuan = ma.fields.String()


class CountyRow(AreaRow):
    adcode = ma.fields.String()
    name = ma.fields.String()


class UnitRow(AreaRow):
    unit_id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    county_adcode = ma.fields.String(allow_none=True)


class InspectorRow(ma.Schema):
    inspector_id = ma.fields.Integer()
    name = ma.fields.String()
    valid_days = ma.fields.Integer()
    target_days = ma.fields.Integer()
    met_target = ma.fields.Boolean()
    patrols = ma.fields.Integer()
    km = ma.fields.Float()
    in_grid_hours = ma.fields.Float()
    coverage_pct = ma.fields.Float()
    problems_found = ma.fields.Integer()
    problems_confirmed = ma.fields.Integer()
    flags_raised = ma.fields.Integer()
    flags = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class SupervisedRow(ma.Schema):
    case_id = ma.fields.Integer()
    county_adcode = ma.fields.String(allow_none=True)
    unit = ma.fields.String(allow_none=True)
    level = ma.fields.String()
    due = ma.fields.Date(allow_none=True)
    state = ma.fields.String()
    overdue = ma.fields.Boolean()


class RankRow(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    rank = ma.fields.Integer(allow_none=True, metadata={"description": "competition ranking; null: small sample"})
    small_sample = ma.fields.Boolean()


class Rankings(ma.Schema):
    counties = ma.fields.List(ma.fields.Dict())
    units = ma.fields.List(ma.fields.Dict())
    inspectors = ma.fields.List(ma.fields.Dict())


class BulletinOut(ma.Schema):
    """月通报: tables per county, unit and inspector, 督办 cases and the rankings."""

    month = ma.fields.String()
    as_of = ma.fields.AwareDateTime(metadata={"description": "the month's end (CST): every figure is as of then"})
    county = ma.fields.String(allow_none=True)
    min_sample = ma.fields.Integer()
    counties = ma.fields.List(ma.fields.Nested(CountyRow))
    units = ma.fields.List(ma.fields.Nested(UnitRow))
    inspectors = ma.fields.List(ma.fields.Nested(InspectorRow))
    supervised_cases = ma.fields.List(ma.fields.Nested(SupervisedRow))
    rankings = ma.fields.Nested(Rankings)
    campaigns = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "专项整治: each running campaign's figures per county as of the month's end (registers)"})
    undercover = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "暗访: the month's undercover checks per Qinling county, `covered` when at least one"})


class PublishIn(StrictSchema):
    case_id = Id(required=True)
    title = ma.fields.String(required=True, validate=validate.Length(min=4, max=200))
    summary = ma.fields.String(required=True, validate=validate.Length(min=10, max=5000))
    photo_ids = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)),
                               load_default=list, validate=validate.Length(max=9))


class WithdrawIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=2, max=500))


class PublicCaseOut(ma.Schema):
    """A typical case as anyone sees it: no names, phones, ids of people or exact times."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String()
    category = ma.fields.String()
    category_name = ma.fields.String()
    county = ma.fields.Dict(allow_none=True)
    zone = ma.fields.String(allow_none=True)
    reported_month = ma.fields.String()
    closed_month = ma.fields.String()
    finding = ma.fields.String(allow_none=True)
    finding_name = ma.fields.String(allow_none=True)
    area = ma.fields.Dict(metadata={"description": "rounded to 0.01° (about 1 km)"})
    supervised = ma.fields.Boolean()
    published_on = ma.fields.String()
    photos = ma.fields.List(ma.fields.Dict())


PublicCasePage = page_schema(PublicCaseOut, "PublicCasePage")


class PublicPageArgs(PageArgs):
    """`?page&page_size`."""
