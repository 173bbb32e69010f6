"""Backup and restore, tried for real: dump, restore into a fresh database and folder, compare rows and files."""
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from reporter.extensions import db
from tests.conftest import app_ctx

ROOT = Path(__file__).resolve().parents[2]


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in db.metadata.sorted_tables}
    engine.dispose()
    return counts


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.postgres
def test_backup_restores_into_a_fresh_database_with_the_same_rows_and_files(app, users, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql") or not shutil.which("pg_dump"):
        pytest.skip("backup/restore is for PostgreSQL")
    users.make("admin")
    users.make("officer")
    uploads = tmp_path / "uploads"  # a store of its own: the session's store is shared with other tests
    (uploads / "ab").mkdir(parents=True, exist_ok=True)
    (uploads / "cd.jpg").write_bytes(os.urandom(1024))
    (uploads / "ab" / "abcdef.jpg").write_bytes(os.urandom(2048))
    with app_ctx(app):
        db.session.execute(text("SELECT 1"))
    env = {**os.environ, "DATABASE_URL": url, "UPLOAD_ROOT": str(uploads)}
    out = subprocess.run([str(ROOT / "deploy/backup.sh"), str(tmp_path / "backups")], env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    fresh_name = make_url(url).database + "_restored"
    fresh = make_url(url).set(database=fresh_name).render_as_string(hide_password=False)
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{fresh_name}"'))
    try:
        restored_uploads = tmp_path / "restored-uploads"
        subprocess.run([str(ROOT / "deploy/restore.sh"), out], check=True, capture_output=True,
                       env={**env, "DATABASE_URL": fresh, "UPLOAD_ROOT": str(restored_uploads)})
        assert _counts(fresh) == _counts(url)
        assert _counts(fresh)["users"] == 2
        assert _hashes(restored_uploads) == _hashes(uploads)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)'))
        admin.dispose()
