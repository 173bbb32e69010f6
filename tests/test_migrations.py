"""The schema comes from Alembic, and the models agree with it."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from reporter.extensions import db
from reporter.patrols.partitions import include_name


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                         "include_name": include_name})
            diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_one_head_per_history(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads, add a merge revision: {heads}"


def test_migrate_extension_is_configured(app):
    assert isinstance(app.extensions["migrate"].migrate, Migrate)
