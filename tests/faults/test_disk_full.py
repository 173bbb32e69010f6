"""UPLOAD_ROOT on a real, small filesystem (a 1 MiB tmpfs) filled up: uploads fail cleanly with 503/507 in the error
shape, leave no row and no file (not even a partial one), and work again once there is room."""
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reporter.media import pipeline
from reporter.media.models import Upload
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.faults.servers import photo

PAGE = 4096


@pytest.fixture()
def small_disk():
    """A 1 MiB tmpfs mounted for the test (needs root and a sandbox that allows mounts)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs as UPLOAD_ROOT")
    root = Path(tempfile.mkdtemp(prefix="reporter-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(root)], capture_output=True)
    if mounted.returncode != 0:
        root.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield root
    finally:
        subprocess.run(["umount", str(root)], check=True)
        root.rmdir()


def _fill(root: Path, leave: int) -> Path:
    """Take all free space but `leave` bytes (rounded to whole pages) with one file."""
    free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
    filler = root / "filler.bin"
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"filler.bin"}


def _upload(client, headers, data: bytes):
    return client.post("/api/v1/uploads", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "photo.jpg"), "purpose": "report"})


def _rows(app) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(Upload)).scalar_one()


@pytest.mark.parametrize("room", ["nothing fits", "the display copy fits, the thumbnail does not"])
def test_a_full_upload_disk_refuses_cleanly_and_recovers(make_app, users, small_disk, room):
    app = make_app(UPLOAD_ROOT=str(small_disk))
    client = app.test_client()
    headers = users.headers(users.make("resident"))
    first = _upload(client, headers, photo(1, (800, 600)))
    assert first.status_code == 201, first.get_json()
    before = _files(small_disk)
    assert len(before) == 2

    data = photo(2, (1600, 1200))
    image = pipeline.process(data, 50_000_000)
    assert len(image.display) + len(image.thumbnail) > 2 * PAGE
    leave = PAGE if room == "nothing fits" else -(-len(image.display) // PAGE) * PAGE + PAGE
    filler = _fill(small_disk, leave)
    refused = _upload(client, headers, data)
    body = assert_error(refused, refused.status_code)
    assert refused.status_code in (503, 507) and body["error"] in ("storage_unavailable", "insufficient_storage")
    assert _rows(app) == 1                      # no row for the refused photo
    assert _files(small_disk) == before         # and no file of it, whole or partial (no .tmp- leftovers)

    filler.unlink()
    again = _upload(client, headers, data)
    assert again.status_code == 201 and again.get_json()["sha256"] == image.sha256
    assert _rows(app) == 2 and len(_files(small_disk)) == 4
