"""What comes in and goes out of the register endpoints."""
import marshmallow as ma
from marshmallow import validate

from reporter.cases.schemas import CaseListArgs
from reporter.common.schemas import StrictSchema, page_schema

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
