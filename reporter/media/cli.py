"""`flask media purge-orphans --older-than 24h`, `flask media migrate-storage --to URL`, `flask media init-storage`."""
import re
from datetime import timedelta

import click

from reporter.common.cli import AppGroup
from reporter.media import services
from reporter.media.settings import setting
from reporter.media.storage import open_storage, storage

media_cli = AppGroup("media", help="Photo uploads.")
commands = [media_cli]

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Duration(click.ParamType):
    """`90s`, `30m`, `24h`, `7d`."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        match = re.fullmatch(r"(\d+)([smhd])", value.strip())
        if not match:
            self.fail(f"{value!r} is not a duration like 24h, 30m or 7d", param, ctx)
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@media_cli.command("purge-orphans")
@click.option("--older-than", "older_than", type=Duration(), default="24h", show_default=True,
              help="remove uploads still unattached after this long")
def purge_orphans(older_than):
    """Remove uploads never attached, and stored files no upload refers to."""
    rows, files = services.purge_orphans(older_than)
    click.echo(f"removed {rows} unattached uploads and {files} orphaned files")


@media_cli.command("migrate-storage")
@click.option("--to", "target_url", required=True, metavar="STORAGE_URL",
              help="where to copy: s3://bucket?endpoint=… or file:///path")
@click.option("--from", "source_url", default=None, metavar="STORAGE_URL",
              help="where to copy from (default: the configured storage)")
@click.option("--verbose", is_flag=True, help="print every key")
def migrate_storage(target_url, source_url, verbose):
    """Copy every stored file to another storage, checking each copy's hash; safe to interrupt and run again."""
    timeout = float(setting("STORAGE_TIMEOUT_S"))
    source = open_storage(source_url, timeout=timeout) if source_url else storage()
    target = open_storage(target_url, timeout=timeout)

    def progress(key: str, outcome: str) -> None:
        if verbose or outcome.startswith("FAILED"):
            click.echo(f"{key}: {outcome}")

    try:
        counts = services.copy_storage(source, target, progress)
    except OSError as exc:
        raise click.ClickException(f"storage unavailable, nothing lost — run the command again: {exc}") from None
    click.echo(f"copied {counts['copied']}, already there {counts['already_there']}, failed {counts['failed']}")
    if counts["failed"]:
        raise SystemExit(1)


@media_cli.command("init-storage")
def init_storage():
    """Create the object store's bucket if it is missing (the file system needs nothing)."""
    store = storage()
    if not hasattr(store, "ensure_bucket"):
        click.echo("file system storage: nothing to do")
        return
    try:
        created = store.ensure_bucket()
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"bucket {store.bucket}: {'created' if created else 'already there'}")
