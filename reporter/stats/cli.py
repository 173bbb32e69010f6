"""`flask stats bulletin --month YYYY-MM --out FILE.xlsx`: the monthly bulletin as a workbook, in one command."""
from pathlib import Path

import click

from reporter.common.cli import AppGroup
from reporter.stats import export
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
