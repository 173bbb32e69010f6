"""`flask registers sweep`: overdue campaign steps raised once, patrol check-ins recorded as 排查 (run by cron with
`flask cases sweep`)."""
import click

from reporter.common.cli import AppGroup
from reporter.registers import campaigns

registers_cli = AppGroup("registers", help="Registers and campaigns: overdue sweep, check-ins as 排查.")
commands = [registers_cli]


@registers_cli.command("sweep")
def sweep():
    """Record check-ins as 排查 where campaigns say so, then each newly overdue step once (safe to repeat)."""
    surveyed = campaigns.surveys_from_checkins()
    raised = campaigns.sweep_overdue()
    click.echo(f"{surveyed} 排查 from patrol check-ins; {len(raised)} campaign step(s) newly overdue")
