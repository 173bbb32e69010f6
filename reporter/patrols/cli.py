"""`flask patrols partitions` (run by the periodic sweep): the coming months' partitions of the track points made
ahead; `flask patrols detach YYYY-MM`: a past month's points detached (and archived to a file). PostgreSQL only."""
from datetime import date

import click

from reporter.common.cli import AppGroup
from reporter.extensions import db
from reporter.patrols import partitions

patrols_cli = AppGroup("patrols", help="Patrols: monthly partitions of the track points (PostgreSQL).")
commands = [patrols_cli]


def _partitioned_connection():
    connection = db.session.connection()
    if not partitions.is_partitioned(connection):
        raise click.ClickException("the track points are one table here (SQLite): nothing to partition")
    return connection


@patrols_cli.command("partitions")
@click.option("--ahead", default=3, show_default=True, type=click.IntRange(0, 24),
              help="months after the current one to make")
def make_partitions(ahead: int):
    """Make last month's, this month's and the next months' partitions (safe to rerun); print the ones made."""
    if not partitions.is_partitioned(db.session.connection()):  # the sweep runs it everywhere: nothing to do here
        click.echo("the track points are one table here (SQLite): nothing to partition")
        return
    made = partitions.ensure_ahead(db.session.connection(), ahead)
    db.session.commit()
    for name in made:
        click.echo(f"made {name}")
    click.echo(f"partitions={len(partitions.partitions(db.session.connection()))} made={len(made)}")


@patrols_cli.command("detach")
@click.argument("month")
@click.option("--archive", type=click.Path(dir_okay=False, writable=True),
              help="write the month's points to this file (gzip'd CSV) and drop its table")
def detach(month: str, archive: str | None):
    """Detach a past month's points (YYYY-MM) from the live table; the patrols concerned keep a simplified track."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM", param_hint="MONTH") from exc
    count = partitions.detach_month(_partitioned_connection(), first, archive)
    db.session.commit()
    click.echo(f"detached {partitions.partition_name(first)} points={count}"
               + (f" archived to {archive}" if archive else ""))
