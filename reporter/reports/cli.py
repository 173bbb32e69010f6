"""`flask reports rotate-contact-key`."""
import click
from flask.cli import AppGroup

from reporter.reports import services

reports_cli = AppGroup("reports", help="Residents' reports.")
commands = [reports_cli]


@reports_cli.command("rotate-contact-key")
@click.option("--batch", default=500, show_default=True)
def rotate_contact_key(batch: int):
    """Re-encrypt stored contact details under the first key of CONTACT_ENCRYPTION_KEYS."""
    click.echo(f"re-encrypted {services.rotate_contact_keys(batch)} contacts")
