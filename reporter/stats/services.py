"""The entry points other code calls: the bulletin, its exports, map layers, the dashboard and typical cases.

Scope: the city Qinling office, auditors and admins see every county (and may ask for one); a county's supervisors
always get their own county's figures, whatever they ask for.
"""
from reporter.accounts.models import User
from reporter.cases.scope import supervisor_county
from reporter.common.spreadsheets import XLSX
from reporter.stats import dashboard, document, export
from reporter.stats.bulletin import bulletin, case_counts_baseline, month_of
from reporter.stats.layers import cases_layer, coverage_layer, density_layer
from reporter.stats.publicity import get_public, public_query, public_view, publish, withdraw

__all__ = ["bulletin", "case_counts_baseline", "month_of", "cases_layer", "coverage_layer", "density_layer",
           "publish", "withdraw", "public_query", "public_view", "get_public", "county_scope", "monthly",
           "monthly_file", "monthly_document", "dashboard_figures"]

STATS_ROLES = ("supervisor", "auditor", "admin")


def county_scope(actor: User, requested: str | None) -> str | None:
    """The county whose figures the actor gets: a county supervisor's own, else the one asked for (None: all)."""
    if actor.has_role("auditor", "admin"):
        return requested
    return supervisor_county(actor) or requested


def monthly(actor: User, month: str, county: str | None = None) -> dict:
    """The monthly bulletin in the actor's scope."""
    return bulletin(month, county=county_scope(actor, county))


def monthly_file(actor: User, month: str, fmt: str, *, county: str | None = None,
                 table: str = "counties") -> tuple[bytes, str, str]:
    """The bulletin as XLSX (every table) or CSV (one table): body, MIME type, file name."""
    report = monthly(actor, month, county)
    scope = report["county"] or "city"
    if fmt == "xlsx":
        return export.workbook_bytes(report), XLSX, f"bulletin-{month}-{scope}.xlsx"
    return export.csv_text(report, table).encode(), "text/csv; charset=utf-8", f"bulletin-{month}-{scope}-{table}.csv"


def monthly_document(actor: User, month: str, fmt: str, *, county: str | None = None,
                     number: int | None = None) -> tuple[bytes, str, str]:
    """The month's 月通报 as DOCX or PDF in the actor's scope: body, MIME type, file name."""
    scope = county_scope(actor, county)
    made = document.make(month, county=scope, number=number)
    mimetype, _ = document.FORMATS[fmt]
    return document.render(made, fmt), mimetype, f"bulletin-{month}-{scope or 'city'}.{fmt}"


def dashboard_figures(actor: User, county: str | None = None) -> dict:
    """The console's figures in the actor's scope (cached briefly)."""
    return dashboard.figures(county_scope(actor, county))
