"""Helpers for the media tests: upload a photo through the API, find stored files."""
import io
from pathlib import Path

import pytest


def post_photo(client, headers, data: bytes, *, filename="photo.jpg", purpose=None, query="", extra=None):
    """POST /api/v1/uploads as wx.uploadFile does it (one multipart file field `file`)."""
    form = {"file": (io.BytesIO(data), filename, "image/jpeg")}
    if purpose:
        form["purpose"] = purpose
    form.update(extra or {})
    return client.post(f"/api/v1/uploads{query}", data=form, headers=headers, content_type="multipart/form-data")


def stored_files(root) -> set[str]:
    """Every file under an upload root, relative to it."""
    return {p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file()}


@pytest.fixture()
def upload_root(app):
    return Path(app.config["UPLOAD_ROOT"])
