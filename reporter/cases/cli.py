"""`flask cases sweep`: record newly overdue cases once and raise them to the supervisors (run by cron)."""
import click

from reporter.cases import services
from reporter.common.cli import AppGroup

cases_cli = AppGroup("cases", help="Cases: overdue sweep.")
commands = [cases_cli]


@cases_cli.command("sweep")
def sweep():
    """Record each newly missed deadline once (safe to run as often as you like)."""
    raised = services.sweep_overdue()
    click.echo(f"{len(raised)} case(s) newly overdue" + (f": {', '.join(map(str, raised))}" if raised else ""))
