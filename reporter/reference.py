"""`flask reference load`: every feature's reference data, idempotently, in dependency order."""
import importlib

import click

from reporter.common.cli import AppGroup
from reporter.features import FEATURES

reference_cli = AppGroup("reference", help="Reference data (units, categories, geography, policies).")


def load_all() -> list[str]:
    """Run each feature's idempotent loader; return what each reported."""
    from reporter.extensions import db

    reports = []
    for name in FEATURES:
        try:
            module = importlib.import_module(f"{name}.reference")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.reference":
                raise
            continue
        reports.append(f"{name}: {module.load()}")
        db.session.commit()
    return reports


@reference_cli.command("load")
def load_command():
    """Load or update reference data (safe to run repeatedly)."""
    for line in load_all():
        click.echo(line)


def reference_tables() -> set[str]:
    """Names of the tables that hold reference data (declared by each feature's reference module)."""
    names: set[str] = set()
    for name in FEATURES:
        try:
            module = importlib.import_module(f"{name}.reference")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.reference":
                raise
            continue
        names.update(getattr(module, "TABLES", ()))
    return names
