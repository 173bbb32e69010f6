"""The operator's command line: a mistake is one clear line on stderr and a non-zero exit, never a traceback."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"SECRET_KEY": "cli-secret-key-0123456789abcdef0123456789",
           "JWT_SECRET_KEY": "cli-jwt-secret-0123456789abcdef0123456789",
           "CONTACT_ENCRYPTION_KEYS": "cli-contact-key-0123456789abcdef",
           "PAYEE_INDEX_KEYS": "cli-payee-index-key-0123456789abcdef"}


@pytest.fixture()
def flask_cmd(app, tmp_path):
    """Run `flask …` in a folder of its own against the test database."""
    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        full = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "REPORTER_ENV"}}
        full.update(SECRETS, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], UPLOAD_ROOT=str(tmp_path / "up"),
                    REPORTER_INSTANCE=str(tmp_path / "instance"))
        full.update(env)
        return subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", str(ROOT / "wsgi.py"), *args],  # noqa: S603
                              cwd=tmp_path, env=full, capture_output=True, text=True, timeout=120)
    return run


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_bad_month_is_one_line(flask_cmd):
    line = one_line_error(flask_cmd("stats", "bulletin", "--month", "2026-13", "--out", "b.xlsx"))
    assert "month" in line and "YYYY-MM" in line


def test_an_output_file_in_a_missing_folder_is_one_line(flask_cmd, tmp_path):
    line = one_line_error(flask_cmd("stats", "bulletin", "--month", "2026-10", "--out", "nowhere/b.xlsx"))
    assert "nowhere/b.xlsx" in line
    assert not (tmp_path / "nowhere").exists()


def test_a_misconfigured_environment_is_one_line(flask_cmd, tmp_path):
    line = one_line_error(flask_cmd("users", "create", "--username", "x", "--role", "admin",
                                    REPORTER_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/x.db"))
    assert "REPORTER_ENV=production" in line and "SQLite" in line


def test_an_unreachable_database_is_one_line(flask_cmd):
    line = one_line_error(flask_cmd("cases", "sweep",
                                    DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/none",
                                    DATABASE_CONNECT_TIMEOUT_S="1"))
    assert "database" in line.lower()


def test_every_command_group_of_ours_turns_errors_into_one_line(app):
    from reporter.common.cli import AppGroup

    libraries = {"db", "openapi"}  # flask-migrate's, flask-smorest's
    ours = {name: cmd for name, cmd in app.cli.commands.items() if name not in libraries}
    assert {"users", "stats", "reference", "cases", "workdays"} <= set(ours)
    assert [name for name, cmd in ours.items() if not isinstance(cmd, AppGroup)] == []
