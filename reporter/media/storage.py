"""Where image files live: a small interface, and its filesystem implementation under UPLOAD_ROOT.

An object store would implement the same protocol later. Keys are server-made (``display/ab/cd/<sha256>.jpg``);
a client's file name never reaches the disk.
"""
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_KEY = re.compile(r"^[a-z]+/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg$")
# Documents other features keep (a site's PDFs and photos, 一站一书): stored as given, never listed for the purge of
# images no upload refers to (their own rows refer to them).
_DOCUMENT_KEY = re.compile(r"^documents/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.bin$")


def image_key(variant: str, sha256: str) -> str:
    """The storage key of one variant of a stored image, sharded by its hash."""
    return f"{variant}/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def document_key(sha256: str) -> str:
    """The storage key of a document kept as given (PDF or image), sharded by its hash."""
    return f"documents/{sha256[:2]}/{sha256[2:4]}/{sha256}.bin"


class Storage(Protocol):
    """What the media feature needs from a place that keeps files."""

    def put(self, key: str, data: bytes) -> None:
        """Store the bytes under the key, all or nothing (replacing what was there)."""

    def open(self, key: str) -> BinaryIO:
        """A binary file object to read; FileNotFoundError when missing."""

    def delete(self, key: str) -> None:
        """Remove the key; no error when it is already gone."""

    def exists(self, key: str) -> bool:
        """Whether the key holds a file."""

    def keys(self, modified_before: datetime) -> Iterator[str]:
        """Every key last written before the given instant (for the orphan purge)."""


class FileSystemStorage:
    """Files under a root directory; writes go to a temporary file renamed into place."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not (_KEY.match(key) or _DOCUMENT_KEY.match(key)):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        """Write to a temporary file in the same directory, fsync, then rename over the key."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o640)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        """The file, opened for reading."""
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        """Unlink the file if it is there."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the file is there."""
        return self._path(key).is_file()

    def keys(self, modified_before: datetime) -> Iterator[str]:
        """Stored files (and leftover temporary files) older than the instant."""
        if not self.root.is_dir():
            return
        limit = modified_before.astimezone(UTC).timestamp()
        for path in self.root.rglob("*"):
            if path.is_file() and path.stat().st_mtime < limit:
                key = path.relative_to(self.root).as_posix()
                if _KEY.match(key):
                    yield key
                elif path.name.startswith(".tmp-"):
                    path.unlink(missing_ok=True)  # a write interrupted by a crash


def storage() -> Storage:
    """The app's storage (the filesystem under UPLOAD_ROOT)."""
    return FileSystemStorage(current_app.config["UPLOAD_ROOT"])
