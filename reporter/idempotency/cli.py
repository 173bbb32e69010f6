"""`flask idempotency purge`."""
from datetime import timedelta

import click

from reporter.common.cli import AppGroup
from reporter.idempotency import services

idempotency_cli = AppGroup("idempotency", help="Stored Idempotency-Keys.")
commands = [idempotency_cli]


@idempotency_cli.command("purge")
@click.option("--older-than-hours", default=48, show_default=True, type=int)
def purge(older_than_hours: int):
    """Forget keys older than N hours (never fewer than 24)."""
    click.echo(f"purged {services.purge(timedelta(hours=older_than_hours))} keys")
