"""`flask rewards sweep`: expire rewards unclaimed past the claim window and release their budget."""
import click

from reporter.common.cli import AppGroup
from reporter.rewards import services

rewards_cli = AppGroup("rewards", help="Rewards (奖励).")
commands = [rewards_cli]


@rewards_cli.command("sweep")
def sweep():
    """Expire every notified reward past its claim deadline (safe to run repeatedly, e.g. daily from cron)."""
    click.echo(f"expired={services.expire_due()}")
