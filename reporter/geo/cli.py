"""`flask geo import FILE --kind county|zone|grid` and `flask geo make-grids --county ADCODE --size-km N`."""
import json

import click

from reporter.common.cli import AppGroup
from reporter.errors import AppError
from reporter.geo import services
from reporter.geo.coords import COORD_SYSTEMS, WGS84

geo_cli = AppGroup("geo", help="Geography: counties, protection zones, grids.")
commands = [geo_cli]


def _fail(exc: AppError):
    detail = f" {json.dumps(exc.errors, ensure_ascii=False)}" if exc.errors else ""
    raise click.ClickException(f"{exc.message}{detail}") from None


@geo_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, type=click.Choice(services.IMPORT_KINDS))
@click.option("--coord-system", type=click.Choice(COORD_SYSTEMS), default=None,
              help="coordinates of the file (default: its `coord_system` member, else wgs84)")
def import_command(path, kind, coord_system):
    """Import (insert or update) GeoJSON features; GCJ-02 files are converted to WGS-84."""
    with open(path, encoding="utf-8") as fh:
        collection = json.load(fh)
    try:
        counts = services.import_features(collection, kind, coord_system or collection.get("coord_system") or WGS84)
    except AppError as exc:
        _fail(exc)
    click.echo(f"{kind}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged")


@geo_cli.command("make-grids")
@click.option("--county", "adcode", required=True, help="county adcode, e.g. 610923")
@click.option("--size-km", type=float, default=10.0, show_default=True)
@click.option("--replace", is_flag=True, help="delete the county's grids first")
def make_grids_command(adcode, size_km, replace):
    """Cut a county into square default grids so the system works before real grids are imported."""
    try:
        count = services.make_grids(adcode, size_km, replace=replace)
    except AppError as exc:
        _fail(exc)
    click.echo(f"{adcode}: {count} grids")
