"""`flask reports rotate-contact-key`."""
import click

from reporter.common.cli import AppGroup
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


@reports_cli.command("resolve-pseudonym")
@click.argument("report_id")
@click.argument("value")
def resolve_pseudonym(report_id: str, value: str):
    """Server-side accountability: the account behind a resident's pseudonym on one report (no staff API does this)."""
    from reporter.reports import pseudonym

    user_id = pseudonym.resolve(report_id, value)
    click.echo(f"user {user_id}" if user_id is not None else "no account matches")
