"""`flask outbox run`: the delivery worker."""
import time

import click

from reporter.common.cli import AppGroup
from reporter.notify import services
from reporter.notify.senders import default_sender

outbox_cli = AppGroup("outbox", help="Notification outbox.")
commands = [outbox_cli]


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="deliver what is due, then exit")
@click.option("--interval", default=5.0, show_default=True, help="seconds between polls")
@click.option("--batch", default=100, show_default=True)
def run(once: bool, interval: float, batch: int):
    """Deliver due messages at least once, with retries and backoff."""
    sender = default_sender()
    while True:
        counts = services.deliver_due(sender, batch)
        if once:
            click.echo(f"sent={counts['sent']} retry={counts['retry']} failed={counts['failed']}")
            return
        if not any(counts.values()):
            time.sleep(interval)


@outbox_cli.command("status")
def status():
    """Messages by state."""
    click.echo(services.backlog())
