"""`flask workdays load-year FILE` and `flask workdays show-library YEAR`."""
import json

import click

from reporter.common.cli import AppGroup
from reporter.errors import AppError
from reporter.workdays import services

workdays_cli = AppGroup("workdays", help="Chinese working-day calendar.")
commands = [workdays_cli]


@workdays_cli.command("load-year")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_year_command(path):
    """Load a year from JSON: {"year": 2027, "holidays": ["2027-01-01", …], "workdays": [...], "source": "…"}."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    try:
        summary = services.load_year(int(data["year"]), data.get("holidays", []), data.get("workdays", []),
                                     source=data.get("source", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise click.ClickException(f"not a holiday-year file: {exc}") from None
    except AppError as exc:
        raise click.ClickException(f"{exc.message} {json.dumps(exc.errors, ensure_ascii=False)}") from None
    click.echo(f"{summary['year']}: {summary['holidays']} holidays, {summary['workdays']} adjusted working days")


@workdays_cli.command("show-library")
@click.argument("year", type=int)
def show_library_command(year):
    """Print the built-in calendar's year in the load-year format (a starting point for a new year's file)."""
    try:
        click.echo(json.dumps(services.library_year(year), indent=1))
    except AppError as exc:
        raise click.ClickException(exc.message) from None
