"""`flask reports rotate-contact-key`."""
import click
from flask.cli import AppGroup

from reporter.reports import crypto

reports_cli = AppGroup("reports", help="Residents' reports.")
commands = [reports_cli]


@reports_cli.command("rotate-contact-key")
@click.option("--batch", default=500, show_default=True)
def rotate_contact_key(batch: int):
    """Re-encrypt stored contact details (and reward payees) under the first key of CONTACT_ENCRYPTION_KEYS, and
    recompute the blind indexes (payees' ID numbers) under the first key of PAYEE_INDEX_KEYS."""
    indexes = crypto.blind_index_names()
    for name, done in crypto.rotate_all(batch).items():
        click.echo(f"{'re-indexed' if name in indexes else 're-encrypted'} {done} {name}")
