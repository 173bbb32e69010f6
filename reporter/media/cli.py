"""`flask media purge-orphans --older-than 24h`."""
import re
from datetime import timedelta

import click

from reporter.common.cli import AppGroup
from reporter.media import services

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
