"""README "Installing on a server", followed: `deploy/reporter-flask` runs `flask …` with the production settings file
(PostgreSQL, real secrets) and nothing else — schema, reference data, the first user, who then signs in at
POST /api/v1/auth/login — and refuses without the file instead of quietly using SQLite and generated secrets."""
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reporter import create_app

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "deploy" / "reporter-flask"
SECRETS = {"SECRET_KEY": "prod-like-secret-key-0123456789abcdef0123456789",
           "JWT_SECRET_KEY": "prod-like-jwt-secret-0123456789abcdef0123456789",
           "CONTACT_ENCRYPTION_KEYS": "Zm9vYmFyLXByb2Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
           "PAYEE_INDEX_KEYS": "prod-payee-index-key-0123456789abcdef0123"}


def run(tmp_path, *args, input=None, **env) -> subprocess.CompletedProcess:
    """The wrapper as an operator runs it: from their own folder, with whatever their shell happens to hold."""
    shell = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/stray.db", "REPORTER_ENV": "development",
             "REPORTER_INSTANCE": str(tmp_path / "stray-instance"), **env}
    return subprocess.run([str(WRAPPER), *args], cwd=tmp_path, env=shell, input=input, capture_output=True,
                          text=True, timeout=300)


def write_env_file(path: Path, **settings) -> Path:
    path.write_text("# /etc/reporter/reporter.env\n" + "".join(f"{k}={v}\n" for k, v in settings.items()))
    path.chmod(0o640)
    return path


def nothing_stray(tmp_path):
    assert not (tmp_path / "stray.db").exists()
    assert not (tmp_path / "stray-instance").exists()


def test_refuses_without_the_settings_file(tmp_path):
    done = run(tmp_path, "users", "create", "--username", "admin", "--role", "admin",
               REPORTER_ENV_FILE=str(tmp_path / "missing.env"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"reporter-flask: cannot read the settings file {tmp_path}/missing.env "
        "(run as the reporter user, or set REPORTER_ENV_FILE)"]
    nothing_stray(tmp_path)


def test_refuses_a_settings_file_that_is_not_production(tmp_path):
    env_file = write_env_file(tmp_path / "reporter.env", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    done = run(tmp_path, "cases", "sweep", REPORTER_ENV_FILE=str(env_file))
    assert done.returncode == 1 and "does not set REPORTER_ENV=production" in done.stderr
    assert not (tmp_path / "x.db").exists()
    nothing_stray(tmp_path)


def test_a_production_file_without_secrets_is_one_line(tmp_path):
    env_file = write_env_file(tmp_path / "reporter.env", REPORTER_ENV="production",
                              DATABASE_URL="postgresql+psycopg://reporter@127.0.0.1/reporter")
    done = run(tmp_path, "reference", "load", REPORTER_ENV_FILE=str(env_file), **SECRETS)  # the shell's don't count
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: refusing to start with REPORTER_ENV=production: missing secrets: SECRET_KEY, JWT_SECRET_KEY, "
        "CONTACT_ENCRYPTION_KEYS, PAYEE_INDEX_KEYS"]


@pytest.fixture()
def empty_postgres():
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (the second pass of .ci/run does)")
    name = f"reporter_prod_{os.getpid()}_{os.urandom(3).hex()}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_the_readme_install_steps_against_a_production_settings_file(tmp_path, empty_postgres):
    uploads = tmp_path / "uploads"
    uploads.mkdir(mode=0o750)
    env_file = write_env_file(tmp_path / "reporter.env", REPORTER_ENV="production", DATABASE_URL=empty_postgres,
                              UPLOAD_ROOT=uploads, PROXY_COUNT=1, **SECRETS)
    env = {"REPORTER_ENV_FILE": str(env_file)}
    for step in (["db", "upgrade", "heads"], ["reference", "load"]):
        done = run(tmp_path, *step, **env)
        assert done.returncode == 0, done.stderr[-3000:]
    # `flask users create` asks for the password and then once more to confirm it.
    done = run(tmp_path, "users", "create", "--username", "admin", "--role", "admin", input="Qinling-2026!\n" * 2,
               **env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("Password:") == 1 and "Repeat for confirmation:" in done.stderr  # prompts: stderr
    assert "created user" in done.stdout
    nothing_stray(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_postgres, "INSTANCE_PATH": str(tmp_path / "inst"),
                      "UPLOAD_ROOT": str(uploads), **SECRETS})
    resp = app.test_client().post("/api/v1/auth/login", json={"username": "admin", "password": "Qinling-2026!"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["user"]["roles"] == ["admin"] and resp.get_json()["access_token"]
    with app.app_context():
        from reporter.extensions import db

        db.engine.dispose()
