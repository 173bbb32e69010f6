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
        # "Copy the folder off the machine": the copy lives elsewhere, the original is gone, and both the backup and
        # the destination are named by paths relative to the folder restore.sh runs in.
        offsite = tmp_path / "offsite"
        offsite.mkdir()
        copy = offsite / Path(out).name
        shutil.copytree(out, copy)
        shutil.rmtree(tmp_path / "backups")
        work = tmp_path / "work"
        work.mkdir()
        result = subprocess.run([str(ROOT / "deploy/restore.sh"), os.path.relpath(copy, work)], cwd=work,
                                capture_output=True, text=True,
                                env={**env, "DATABASE_URL": fresh, "UPLOAD_ROOT": "restored-uploads"})
        assert result.returncode == 0, result.stderr
        restored_uploads = work / "restored-uploads"
        assert str(tmp_path) not in (copy / "SHA256SUMS").read_text()  # self-contained: relative names only
        assert _counts(fresh) == _counts(url)
        assert _counts(fresh)["users"] == 2
        assert _hashes(restored_uploads) == _hashes(uploads)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_a_backup_covers_the_object_store_and_restores_into_a_fresh_bucket(app, users, tmp_path):
    """STORAGE_URL=s3://…: the store's objects go into the backup folder and come back, hash-checked, into another
    bucket; the database beside them as above."""
    from tests.faults.servers import SECRETS
    from tests.support.objectstore import SeaweedFS, require_postgres_pass

    require_postgres_pass()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not shutil.which("pg_dump"):
        pytest.skip("backup/restore needs pg_dump")
    users.make("admin")
    with SeaweedFS(tmp_path / "weed") as weed:
        source, target = weed.make_bucket("live"), weed.make_bucket("restored")
        objects = {f"display/{i:02x}/00/{i:064x}.jpg": os.urandom(1500 + i) for i in range(12)}
        for key, body in objects.items():
            weed.client().put_object(Bucket="live", Key=key, Body=body)
        env = {**os.environ, **SECRETS, **weed.credentials(), "DATABASE_URL": url, "STORAGE_URL": source,
               "REPORTER_FLASK": str(ROOT / ".venv/bin/flask"), "FLASK_APP": str(ROOT / "wsgi.py"),
               "REPORTER_INSTANCE": str(tmp_path / "instance")}
        env.pop("UPLOAD_ROOT", None)
        done = subprocess.run([str(ROOT / "deploy/backup.sh"), str(tmp_path / "backups")], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        backup = Path(done.stdout.strip().splitlines()[-1])
        fresh_name = make_url(url).database + "_restored_store"
        fresh = make_url(url).set(database=fresh_name).render_as_string(hide_password=False)
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{fresh_name}"'))
        try:
            result = subprocess.run([str(ROOT / "deploy/restore.sh"), str(backup)], capture_output=True, text=True,
                                    env={**env, "DATABASE_URL": fresh, "STORAGE_URL": target})
            assert result.returncode == 0, result.stderr
            assert _counts(fresh) == _counts(url)
            restored = {key: weed.client().get_object(Bucket="restored", Key=key)["Body"].read()
                        for key in weed.object_names("restored")}
            assert restored == objects
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)'))
            admin.dispose()
