"""Atomicity (no row without files, no files without a row) and the orphan purge, on a real filesystem."""
import io
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from reporter.common.timeutil import utcnow
from reporter.media.models import Upload
from reporter.media.services import attach_uploads, create_upload
from reporter.media.storage import FileSystemStorage, image_key
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.media.conftest import post_photo, stored_files
from tests.media.images import encode, jpeg, picture


def rows(app) -> list[Upload]:
    with app_ctx(app) as session:
        return list(session.scalars(select(Upload)))


def test_storage_failure_leaves_no_row_and_no_half_written_files(make_app, users, tmp_path):
    root = tmp_path / "uploads"
    root.mkdir()
    (root / "thumbnail").write_bytes(b"")  # a file where the thumbnail directory must go: every write there fails
    app = make_app(UPLOAD_ROOT=str(root))
    resp = post_photo(app.test_client(), users.headers(users.make("resident")), jpeg())
    assert_error(resp, 503, "storage_unavailable")
    assert rows(app) == []
    assert stored_files(root) == {"thumbnail"}  # the display file written first was removed again


def test_database_failure_after_writing_removes_the_new_files(app, upload_root):
    before = stored_files(upload_root)
    with app_ctx(app):
        with pytest.raises(IntegrityError):
            create_upload(987654, io.BytesIO(jpeg((320, 240))), "report")  # no such user: the commit fails
    assert stored_files(upload_root) == before
    assert rows(app) == []


def test_failure_keeps_files_another_upload_already_uses(app, client, users, upload_root):
    data = encode(picture((330, 250)), "PNG")
    kept = post_photo(client, users.headers(users.make("resident")), data).get_json()
    files = stored_files(upload_root)
    with app_ctx(app):
        with pytest.raises(IntegrityError):
            create_upload(987654, io.BytesIO(data), "report")
    assert stored_files(upload_root) == files
    assert client.get(kept["url"]).status_code == 200


def test_interrupted_write_leaves_nothing_under_the_key(tmp_path):
    store = FileSystemStorage(tmp_path)
    key = image_key("display", "ab" * 32)
    store.put(key, b"first")
    with pytest.raises(TypeError):
        store.put(key, "not bytes")  # fails inside the write: the temporary file goes, the old file stays
    assert store.open(key).read() == b"first"
    assert [p.name for p in (tmp_path / "display/ab/ab").iterdir()] == [f"{'ab' * 32}.jpg"]
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", b"x")


def _age(app, upload_ids, root, days=2):
    """Make uploads (rows and files) look `days` old."""
    then = utcnow() - timedelta(days=days)
    with app_ctx(app) as session:
        session.execute(update(Upload).where(Upload.id.in_(upload_ids)).values(created_at=then))
        session.commit()
        shas = set(session.scalars(select(Upload.sha256).where(Upload.id.in_(upload_ids))))
    for sha in shas:
        for variant in ("display", "thumbnail"):
            _age_file(root / image_key(variant, sha), days)
    return shas


def _age_file(path, days=2):
    stamp = time.time() - days * 86400
    os.utime(path, (stamp, stamp))


def test_purge_removes_unattached_uploads_and_orphan_files_and_leaves_attached_ones(app, client, users, upload_root):
    owner = users.make("resident")
    headers = users.headers(owner)
    orphan = post_photo(client, headers, jpeg((300, 200))).get_json()
    kept = post_photo(client, headers, jpeg((200, 300))).get_json()
    fresh = post_photo(client, headers, encode(picture((260, 260)), "PNG")).get_json()
    with app_ctx(app) as session:
        attach_uploads([kept["id"]], owner, "test_report", "r-9")
        session.commit()
    _age(app, [orphan["id"], kept["id"]], upload_root)
    crashed = image_key("display", "f" * 64)  # files written, then the process died before the commit
    FileSystemStorage(upload_root).put(crashed, b"leftover")
    _age_file(upload_root / crashed)
    interrupted = upload_root / "display" / ".tmp-interrupted"
    interrupted.write_bytes(b"half")
    _age_file(interrupted)

    result = app.test_cli_runner().invoke(args=["media", "purge-orphans", "--older-than", "24h"])
    assert result.exit_code == 0, result.output
    assert "removed 1 unattached uploads" in result.output

    assert {u.id for u in rows(app)} == {kept["id"], fresh["id"]}
    files = stored_files(upload_root)
    for body in (kept, fresh):
        assert image_key("display", body["sha256"]) in files and image_key("thumbnail", body["sha256"]) in files
    assert image_key("display", orphan["sha256"]) not in files
    assert image_key("thumbnail", orphan["sha256"]) not in files
    assert crashed not in files and not interrupted.exists()


def test_purge_rejects_a_bad_duration(app):
    result = app.test_cli_runner().invoke(args=["media", "purge-orphans", "--older-than", "soon"])
    assert result.exit_code != 0 and "not a duration" in result.output
