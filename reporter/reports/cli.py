"""`flask reports rotate-contact-key`."""
import click

from reporter.common.cli import AppGroup
from reporter.reports import crypto

reports_cli = AppGroup("reports", help="Residents' reports.")
commands = [reports_cli]


@reports_cli.command("rotate-contact-key")
@click.option("--batch", default=500, show_default=True)
def rotate_contact_key(batch: int):
    """Re-encrypt stored contact details (and reward payees) under the first key of CONTACT_ENCRYPTION_KEYS."""
    for name, done in crypto.rotate_all(batch).items():
        click.echo(f"re-encrypted {done} {name}")
