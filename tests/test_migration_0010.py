"""Migration 0010 on a database an older release filled: the lock-out columns go, and the staff accounts that break
the unit scope rule are named in the migration's log (and by `flask users check-scope` afterwards)."""
import logging

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from reporter import create_app
from reporter.extensions import db
from tests.support.database import private_database


def test_0010_names_the_accounts_breaking_the_scope_rule(app_config, tmp_path, caplog):
    with private_database(tmp_path) as url:
        old = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
        with old.app_context():
            upgrade(revision="0008")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO units (id, code, name, kind, level, is_active) VALUES "
                                  "(1, 'city.qinling_office', '市秦岭办', 'qinling_office', 'city', true), "
                                  "(2, 'city.forestry', '市林业局', 'forestry', 'city', true)"))
                accounts = [(1, "fine.sup", 1, "supervisor"), (2, "no.unit.sup", None, "supervisor"),
                            (3, "forestry.sup", 2, "supervisor"), (4, "no.unit.officer", None, "officer"),
                            (5, "auditor", None, "auditor")]
                for uid, name, unit, role in accounts:
                    conn.execute(text("INSERT INTO users (id, username, display_name, unit_id, is_active, "
                                      "failed_logins, created_at) VALUES (:id, :name, :name, :unit, true, 0, "
                                      "CURRENT_TIMESTAMP)"), {"id": uid, "name": name, "unit": unit})
                    conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:id, :role)"),
                                 {"id": uid, "role": role})
            with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
                upgrade(revision="0010")
            columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
            assert not {"failed_logins", "locked_until"} & columns
            with db.engine.connect() as conn:  # nothing cascaded away (SQLite must not rebuild `users`)
                assert conn.execute(text("SELECT count(*) FROM user_roles")).scalar() == len(accounts)
            downgrade(revision="0008")
            assert {"failed_logins", "locked_until"} <= {c["name"] for c in inspect(db.engine).get_columns("users")}
            db.engine.dispose()
    named = [r.getMessage() for r in caplog.records if "breaks the unit scope rule" in r.getMessage()]
    assert [m.split()[2].rstrip(":") for m in named] == ["no.unit.sup", "forestry.sup", "no.unit.officer"], named
