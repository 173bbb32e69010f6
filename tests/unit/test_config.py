"""Configuration: generated secrets in the embedded mode, refusals in production."""
import pytest

from reporter.config import ConfigError, load_config


def test_embedded_mode_generates_secrets_once(tmp_path, monkeypatch):
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "CONTACT_ENCRYPTION_KEYS", "PAYEE_INDEX_KEYS", "DATABASE_URL",
                "REPORTER_ENV"):
        monkeypatch.delenv(key, raising=False)
    first = load_config(str(tmp_path))
    second = load_config(str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) > 40
    assert first["JWT_SECRET_KEY"] != first["SECRET_KEY"]
    assert first["PAYEE_INDEX_KEYS"] == second["PAYEE_INDEX_KEYS"] not in (first["CONTACT_ENCRYPTION_KEYS"], None)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'reporter.db'}"


@pytest.mark.parametrize("env, problem", [
    ({"DATABASE_URL": "postgresql+psycopg://db/x"}, "missing secrets"),
    ({"SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40, "CONTACT_ENCRYPTION_KEYS": "c" * 40}, "SQLite"),
    ({"SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40, "CONTACT_ENCRYPTION_KEYS": "c" * 40,
      "DATABASE_URL": "postgresql+psycopg://db/x", "FLASK_DEBUG": "1"}, "debug"),
])
def test_production_refuses_unsafe_settings(tmp_path, monkeypatch, env, problem):
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "CONTACT_ENCRYPTION_KEYS", "PAYEE_INDEX_KEYS", "DATABASE_URL",
                "FLASK_DEBUG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("REPORTER_ENV", "production")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=problem):
        load_config(str(tmp_path))
    assert not (tmp_path / "secrets.json").exists()


def test_production_starts_with_explicit_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTER_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/x")
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "PAYEE_INDEX_KEYS"):
        monkeypatch.setenv(key, key.lower() * 4)
    monkeypatch.setenv("CONTACT_ENCRYPTION_KEYS", "bG9hZC1jb250YWN0LWtleS0wMTIzNDU2Nzg5YWJjZGU=")  # a Fernet key
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"


def test_sqlite_connections_have_foreign_keys_wal_and_busy_timeout(app):
    from sqlalchemy import text

    from reporter.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
