"""The bulletin as a workbook (one sheet per table, Chinese headers, number formats) or as CSV (one table)."""
import io
from datetime import date

from openpyxl import Workbook

from reporter.cases.models import SOURCE_NAMES, SOURCES
from reporter.common.spreadsheets import append_row, csv_document, notes_sheet, print_ready

PERCENT, YUAN, DECIMAL = "0.0%", "#,##0.00", "0.0"

# (header, field, format): `pct` fields are shown as fractions with a percent format, `fen` fields as yuan.
AREA_COLUMNS = [
    ("受理总数", "received", None), *((f"来源：{SOURCE_NAMES[s]}", f"source:{s}", None) for s in SOURCES),
    ("立案", "accepted", None), ("不予受理", "rejected", None), ("结案", "closed", None),
    ("按期结案", "closed_on_time", None), ("按期结案率", "on_time_pct", PERCENT),
    ("月末超期未结", "overdue_open", None),
    ("平均办结工作日", "avg_working_days_to_close", DECIMAL), ("退回", "returns", None), ("返工", "reworks", None),
    ("重新办理", "reopenings", None), ("疑似反弹回潮", "recurrences_raised", None),
    ("反弹：整改不到位重新办理", "recurrences_reopened", None), ("反弹：同址新问题立案", "recurrences_new_case", None),
    ("反弹：同一问题不予受理", "recurrences_rejected", None), ("督办案件", "supervised", None),
    ("督办未结", "supervised_open", None),
    ("督办已结", "supervised_closed", None), ("督办超期", "supervised_overdue", None),
    ("满意度均分", "satisfaction_mean", "0.00"), ("评价数", "satisfaction_count", None),
    ("批准奖励笔数", "rewards_approved", None), ("批准奖励金额（元）", "rewards_approved_fen", YUAN),
    ("发放奖励笔数", "rewards_paid", None), ("发放奖励金额（元）", "rewards_paid_fen", YUAN),
]
TABLES = {
    "counties": ("区县", [("区县代码", "adcode", None), ("区县", "name", None), *AREA_COLUMNS]),
    "units": ("单位", [("单位代码", "code", None), ("单位", "name", None), *AREA_COLUMNS]),
    "inspectors": ("网格员", [
        ("编号", "inspector_id", None), ("姓名", "name", None), ("有效巡查天数", "valid_days", None),
        ("目标天数", "target_days", None), ("达标", "met_target", None), ("巡查次数", "patrols", None),
        ("里程（公里）", "km", "0.00"), ("网格内时长（小时）", "in_grid_hours", "0.00"),
        ("网格覆盖率", "coverage_pct", PERCENT), ("发现问题", "problems_found", None),
        ("问题属实", "problems_confirmed", None), ("异常标记", "flags_raised", None)]),
    "supervised_cases": ("督办案件", [
        ("案件编号", "case_id", None), ("区县代码", "county_adcode", None), ("办理单位", "unit", None),
        ("督办级别", "level", None), ("督办期限", "due", "yyyy-mm-dd"), ("月末状态", "state", None),
        ("超期", "overdue", None)]),
    # added by the registers feature (`reporter.stats.bulletin.register_section`)
    "campaigns": ("专项整治", [
        ("专项行动", "campaign", None), ("截至", "as_of", "yyyy-mm-dd"), ("区县代码", "adcode", None),
        ("区县", "name", None), ("站点数", "sites", None), ("已排查", "surveyed", None), ("整改中", "rectifying", None),
        ("已验收", "accepted", None), ("已销号", "closed", None), ("超期", "overdue", None),
        ("销号率", "closed_pct", PERCENT)]),
    "undercover": ("暗访", [("区县代码", "adcode", None), ("区县", "name", None), ("暗访次数", "checks", None),
                          ("暗访点位", "places", None), ("发现问题", "problems_found", None),
                          ("已覆盖", "covered", None)]),
    "ranking_counties": ("区县排名", [("排名", "rank", None), ("区县", "name", None),
                                   ("按期结案率", "on_time_pct", PERCENT), ("结案", "closed", None),
                                   ("样本不足", "small_sample", None)]),
    "ranking_units": ("单位排名", [("排名", "rank", None), ("单位", "name", None),
                                ("按期结案率", "on_time_pct", PERCENT), ("结案", "closed", None),
                                ("样本不足", "small_sample", None)]),
    "ranking_inspectors": ("网格员排名", [("排名", "rank", None), ("姓名", "name", None),
                                     ("有效巡查天数", "valid_days", None)]),
}


def _rows(report: dict, table: str) -> list[dict]:
    if table.startswith("ranking_"):
        return report["rankings"][table.removeprefix("ranking_")]
    return report.get(table, [])


def _value(row: dict, field: str, fmt: str | None):
    """A cell's value: sources from the breakdown, percents as fractions, fen as yuan, yes/no in Chinese."""
    value = row.get("received_by_source", {}).get(field[7:], 0) if field.startswith("source:") else row.get(field)
    if value is None:
        return None
    if fmt == PERCENT:
        return round(value / 100, 4)
    if fmt == YUAN:
        return value / 100
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


# The notes sheet: what the figures mean (every sheet's headers that need it).
DEFINITIONS = [
    ("受理总数", "本月新受理的问题（群众举报、网格巡查、视频监管等各来源），以受理时间计"),
    ("立案 / 不予受理", "本月作出立案或不予受理决定的案件数"),
    ("结案 / 按期结案", "本月办结的案件数，及其中各环节均未超过期限（按工作日计）的件数"),
    ("按期结案率", "按期结案 ÷ 结案；本月无结案时为空"),
    ("月末超期未结", "月末仍未办结且已超过办理期限的案件数"),
    ("平均办结工作日", "本月办结案件自受理至办结的平均工作日数"),
    ("退回 / 返工 / 重新办理", "单位退回交办、核查不通过返工、办结后重新办理的次数"),
    ("疑似反弹回潮", "已办结案件同一地点再次被举报的次数，及其处理结果"
                     "（整改不到位重新办理、同址新问题立案、同一问题不予受理）"),
    ("督办案件", "本月处于督办状态的案件；督办超期：月末未办结且已过督办期限"),
    ("满意度均分 / 评价数", "本月举报人评价的平均分（1–5 分）及评价条数"),
    ("批准 / 发放奖励", "本月批准、发放的举报奖励笔数和金额（元），以台账时间计"),
    ("有效巡查天数 / 目标天数", "网格员本月符合有效巡查条件的天数，及应达到的天数"),
    ("网格覆盖率", "本月巡查轨迹经过的网格单元占网格全部单元的比例"),
    ("排名", "并列者名次相同，下一名次顺延（1、1、3）；结案少于“排名最少结案数”的区县、单位标注样本不足，不参与排名"),
    ("数据截至", "所有数字均为该月月末（北京时间 24:00）时的状态，之后的操作不改变已过月份的数字"),
]


def workbook_bytes(report: dict) -> bytes:
    """The bulletin as an XLSX workbook: a cover sheet, one print-ready sheet per table, then the notes."""
    book = Workbook()
    scope = report.get("county") or "全市"
    cover = book.active
    cover.title = "说明"
    append_row(cover, ["项目", "内容"])
    append_row(cover, ["月份", report["month"]])
    append_row(cover, ["数据截至（北京时间）", f"{report['month']} 月末 24:00"])
    append_row(cover, ["排名最少结案数", report["min_sample"]])
    append_row(cover, ["区县", scope])
    print_ready(cover, f"秦岭生态环境保护月通报 {report['month']}（{scope}）")
    for table, (title, columns) in TABLES.items():
        sheet = book.create_sheet(title)
        append_row(sheet, [header for header, _, _ in columns])
        for row in _rows(report, table):
            append_row(sheet, [_value(row, field, fmt) for _, field, fmt in columns])
            for cell, (_, _, fmt) in zip(sheet[sheet.max_row], columns, strict=True):
                if fmt:
                    cell.number_format = fmt
        print_ready(sheet, f"{title} {report['month']}（{scope}）")
    notes_sheet(book, f"指标说明 {report['month']}", DEFINITIONS)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(report: dict, table: str) -> str:
    """One table of the bulletin as CSV with Chinese headers (UTF-8 with BOM, as spreadsheet programs expect)."""
    _, columns = TABLES[table]

    def cells(row: dict) -> list:
        values = []
        for _, field, fmt in columns:
            value = _value(row, field, None if fmt in (PERCENT, YUAN) else fmt)
            if fmt == YUAN and value is not None:
                value = f"{value / 100:.2f}"
            values.append(value.isoformat() if isinstance(value, date) else value)
        return values

    return csv_document([[header for header, _, _ in columns], *(cells(row) for row in _rows(report, table))])
