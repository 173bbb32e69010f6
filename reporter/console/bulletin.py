"""The monthly bulletin at the console (月通报、月排名): every table of `GET /stats/monthly`, the rankings, charts,
campaign progress, and the downloads (XLSX, CSV per table, the 月通报 document).

Every figure comes from the services the API views call with the signed-in official (`reporter.stats.services`
`monthly`, `monthly_file`, `monthly_document`; `reporter.registers.campaigns.progress`), so scope is identical: a
county's supervisors get their county's version whatever they pick. The charts (vendored ECharts) read their data
from a `<script type="application/json">` block and the twelve-month trend from `trend.json`: no inline script.
"""
import io
from datetime import date, timedelta

import marshmallow as ma
from flask import render_template, request, send_file, url_for

from reporter.cases.models import SOURCE_NAMES
from reporter.common.timeutil import cst_date, utcnow
from reporter.console.filters import label, yuan
from reporter.console.pages import actor, page
from reporter.errors import ValidationFailed
from reporter.geo.services import counties
from reporter.registers import campaigns
from reporter.registers.models import STEP_NAMES
from reporter.registers.scope import SITE_READER_ROLES
from reporter.routing.services import all_categories
from reporter.stats import schemas as stats_schemas
from reporter.stats import services as stats
from reporter.stats.export import PERCENT, TABLES, YUAN
from reporter.stats.services import STATS_ROLES

TREND_MONTHS = 12
CHART_UNITS = 30  # the on-time chart by unit shows the best ranked units at most (the table lists every unit)
RANKINGS = ("ranking_counties", "ranking_units", "ranking_inspectors")
DETAILS = ("counties", "units", "inspectors", "supervised_cases", "campaigns", "undercover")
PICKER_ERRORS = {"month": "请选择 2020 年 1 月以后的月份（年-月）。", "county": "不是安康市的区县，请从列表中选择。"}
WORDS = {"level": "supervision_levels", "state": "states"}  # codes in the 督办 table, shown in words


def last_month() -> str:
    """The last finished month in China time (the bulletin the office is working on)."""
    first = cst_date(utcnow()).replace(day=1)
    previous = first - timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def _month_args(schema=stats_schemas.MonthlyArgs) -> tuple[dict, dict]:
    """?month=&county= (and a download's own fields) through the API's schema; on errors the last month, all."""
    raw = {key: value for key, value in request.args.items() if value}
    raw.setdefault("month", last_month())
    try:
        return schema().load(raw), {}
    except ma.ValidationError as exc:
        return schema().load({"month": last_month()}), {field: [PICKER_ERRORS.get(field, "无法识别的查询条件")]
                                                        for field in exc.messages}


def _download_args(schema=stats_schemas.MonthlyArgs, **fixed) -> dict:
    """A download's query through the API's schema; a wrong one is refused as the API refuses it (422)."""
    raw = {**{key: value for key, value in request.args.items() if value}, **fixed}
    try:
        return schema().load(raw)
    except ma.ValidationError as exc:
        raise ValidationFailed(errors={"query": exc.messages}) from None


# ---- what the page shows ------------------------------------------------------------------------------------------

def cell(row: dict, field: str, fmt: str | None) -> str:
    """A table cell as officials read it: percents with %, money in yuan, yes/no in Chinese, — for none."""
    value = row.get("received_by_source", {}).get(field[7:], 0) if field.startswith("source:") else row.get(field)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in WORDS:
        return label(value, WORDS[field])
    if fmt == PERCENT:
        return f"{value:.1f}%"
    if fmt == YUAN:
        return yuan(value, cents=True)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rows_of(report: dict, table: str) -> list[dict]:
    if table.startswith("ranking_"):
        return report["rankings"][table.removeprefix("ranking_")]
    return report.get(table) or []


def table_view(report: dict, table: str) -> dict:
    """One table of the bulletin with the export's Chinese headers; a ranking marks ties (并列) and small samples."""
    title, columns = TABLES[table]
    rows = rows_of(report, table)
    ranks = [row.get("rank") for row in rows]
    body = []
    for row in rows:
        cells = []
        for _header, field, fmt in columns:
            text = cell(row, field, fmt)
            if field == "rank" and row.get("rank") is not None and ranks.count(row["rank"]) > 1:
                text += "（并列）"
            elif field == "small_sample":
                text = "样本不足" if row.get("small_sample") else ""
            cells.append({"field": field, "text": text})
        body.append({"cells": cells, "case_id": row.get("case_id"), "small": bool(row.get("small_sample"))})
    return {"name": table, "title": title, "headers": [header for header, _, _ in columns], "rows": body}


def charts(report: dict, progress: list[dict], trend_url: str) -> dict:
    """What the charts draw, from the same report the tables show."""
    areas = report["counties"]
    by_source, by_category = {}, {}
    for row in areas:
        for code, n in row["received_by_source"].items():
            by_source[code] = by_source.get(code, 0) + n
        for code, n in row["received_by_category"].items():
            by_category[code] = by_category.get(code, 0) + n
    category_names = {c.code: c.name for c in all_categories()}
    ranked_units = [row for row in report["rankings"]["units"] if row["rank"] is not None][:CHART_UNITS]
    return {
        "counties": [{"name": r["name"], "value": r["on_time_pct"], "closed": r["closed"]} for r in areas],
        "units": [{"name": r["name"], "value": r["on_time_pct"], "closed": r["closed"]} for r in ranked_units],
        "sources": [{"name": SOURCE_NAMES.get(code, code), "value": n} for code, n in sorted(by_source.items())],
        "categories": [{"name": category_names.get(code, code), "value": n}
                       for code, n in sorted(by_category.items(), key=lambda item: -item[1])],
        "inspectors": [{"name": r["name"], "valid_days": r["valid_days"], "target_days": r["target_days"]}
                       for r in report["inspectors"]],
        "campaigns": [{"id": p["campaign_id"], "name": p["name"],
                       "counties": [{"name": c["name"] or c["adcode"] or "—",
                                     **{k: c[k] for k in ("surveyed", "rectifying", "accepted", "closed", "sites")}}
                                    for c in p["counties"]]} for p in progress],
        "trend_url": trend_url,
    }


def campaign_progress(report: dict) -> list[dict] | None:
    """Each campaign of the bulletin's month as of its last day, in the official's scope (`GET
    /registers/campaigns/{id}/progress`'s service); None when the official may not read the registers."""
    user = actor()
    if not user.has_role(*SITE_READER_ROLES):
        return None
    seen: dict[int, date] = {}
    for row in report.get("campaigns") or []:
        seen.setdefault(row["campaign_id"], date.fromisoformat(row["as_of"]))
    return [campaigns.progress(campaign_id, as_of, actor=user, county=report["county"])
            for campaign_id, as_of in seen.items()]


def trend(month: str, county: str | None) -> dict:
    """Received, closed and overdue-open at the month's end for the twelve months up to `month` (each month's
    bulletin in the official's scope, summed over its counties)."""
    year, number = int(month[:4]), int(month[5:])
    labels, received, closed, overdue = [], [], [], []
    for back in range(TREND_MONTHS - 1, -1, -1):
        y, m = divmod(year * 12 + number - 1 - back, 12)
        label = f"{y:04d}-{m + 1:02d}"
        if y < 2020:
            continue
        report = stats.monthly(actor(), label, county)
        labels.append(label)
        received.append(sum(r["received"] for r in report["counties"]))
        closed.append(sum(r["closed"] for r in report["counties"]))
        overdue.append(sum(r["overdue_open"] for r in report["counties"]))
    return {"months": labels, "received": received, "closed": closed, "overdue_open": overdue}


# ---- pages ----------------------------------------------------------------------------------------------------------

@page("/bulletin", title="月通报", roles=STATS_ROLES, order=60)
def bulletin_month():
    """The month's bulletin and ranking with month and county pickers, charts, campaign progress and downloads."""
    args, errors = _month_args()
    report = stats.monthly(actor(), args["month"], args.get("county"))
    fixed = stats.county_scope(actor(), None)  # a county's supervisors: their county, whatever they ask
    query = {"month": report["month"], **({"county": report["county"]} if report["county"] else {})}
    progress = campaign_progress(report)
    return render_template(
        "console/bulletin/monthly.html", report=report, args=args, errors=errors, query=query,
        fixed_county=fixed, counties=counties(), county_name=_county_name(report),
        rankings=[table_view(report, t) for t in RANKINGS], details=[table_view(report, t) for t in DETAILS],
        progress=progress, steps=STEP_NAMES, last_day=stats.month_of(report["month"]).following - timedelta(days=1),
        charts=charts(report, progress or [], url_for("console.bulletin_trend", **query))), 422 if errors else 200


def _county_name(report: dict) -> str:
    if not report["county"]:
        return "全市"
    return next((row["name"] for row in report["counties"] if row["adcode"] == report["county"]), report["county"])


@page("/bulletin/trend.json", roles=STATS_ROLES)
def bulletin_trend():
    args = _download_args()
    return trend(args["month"], args.get("county"))


def _send(body: bytes, mimetype: str, filename: str):
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=filename)


@page("/bulletin/bulletin.xlsx", roles=STATS_ROLES)
def bulletin_xlsx():
    """The bulletin's workbook, exactly `GET /stats/monthly.xlsx`'s."""
    args = _download_args()
    return _send(*stats.monthly_file(actor(), args["month"], "xlsx", county=args.get("county")))


@page("/bulletin/<table>.csv", roles=STATS_ROLES)
def bulletin_csv(table):
    """One table as CSV, exactly `GET /stats/monthly?format=csv&table=`'s."""
    args = _download_args(table=table)
    return _send(*stats.monthly_file(actor(), args["month"], "csv", county=args.get("county"), table=args["table"]))


@page("/bulletin/document.<any(docx, pdf):fmt>", roles=STATS_ROLES)
def bulletin_document(fmt):
    """The 月通报 as issued (DOCX or PDF), exactly `GET /stats/monthly/document`'s."""
    args = _download_args(stats_schemas.DocumentArgs, format=fmt)
    return _send(*stats.monthly_document(actor(), args["month"], fmt, county=args.get("county"),
                                         number=args.get("number")))
