"""`flask privacy sweep`: the daily retention sweep (deploy/systemd/reporter-privacy.timer)."""
import click

from reporter.common.cli import AppGroup
from reporter.privacy import retention

privacy_cli = AppGroup("privacy", help="Personal information: retention.")
commands = [privacy_cli]


@privacy_cli.command("sweep")
def sweep():
    """Erase what has outlived its retention period, in batches; print the counts per kind (safe to rerun)."""
    for kind, count in retention.sweep().items():
        click.echo(f"{kind}={count}")
