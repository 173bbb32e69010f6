"""`flask stats bulletin --month YYYY-MM --out FILE.xlsx`: the monthly bulletin as a workbook, in one command."""
from pathlib import Path

import click

from reporter.common.cli import AppGroup
from reporter.stats import document, export
from reporter.stats.bulletin import bulletin

stats_cli = AppGroup("stats", help="Supervision statistics: the monthly bulletin.")
commands = [stats_cli]


@stats_cli.command("bulletin")
@click.option("--month", required=True, help="YYYY-MM (CST)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.xlsx")
@click.option("--county", default=None, help="one county's adcode (default: the whole city)")
def bulletin_command(month: str, out: Path, county: str | None):
    """Write the month's bulletin and ranking (every table, as of the month's end) to an XLSX file."""
    report = bulletin(month, county=county)
    out.write_bytes(export.workbook_bytes(report))
    click.echo(f"{out}: {len(report['counties'])} counties, {len(report['units'])} units, "
               f"{len(report['inspectors'])} inspectors")


@stats_cli.command("document")
@click.option("--month", required=True, help="YYYY-MM (CST)")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), default="pdf", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.docx|pdf")
@click.option("--county", default=None, help="one county's adcode (default: the whole city)")
@click.option("--number", type=click.IntRange(1, 9999), default=None,
              help="N of 安秦岭办〔YYYY〕N号 (default: the month's number)")
def document_command(month: str, fmt: str, out: Path, county: str | None, number: int | None):
    """Write the month's 月通报 (GB/T 9704 layout: narrative, tables, charts) as DOCX or PDF."""
    made = document.make(month, county=county, number=number)
    out.write_bytes(document.render(made, fmt))
    click.echo(f"{out}: {made.number} {made.title}")
