"""Where stored files live: a small interface, a file system under UPLOAD_ROOT, or an S3-compatible object store.

`STORAGE_URL` chooses: empty (the file system under UPLOAD_ROOT, the default), `file:///srv/reporter/uploads`, or
`s3://bucket[/prefix]?endpoint=http://host:8333&region=…` (SeaweedFS, MinIO, Ceph RGW, a cloud's object storage;
credentials from the usual AWS variables). Keys are server-made (``display/ab/cd/<sha256>.jpg``); a client's file
name never reaches the store.
"""
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from reporter.media.settings import setting

_KEY = re.compile(r"^[a-z]+/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg$")
# Documents other features keep (a site's PDFs and photos, 一站一书): stored as given, never purged as images no upload
# refers to (their own rows refer to them), but copied, backed up and restored like every other stored file.
_DOCUMENT_KEY = re.compile(r"^documents/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.bin$")


class StoreUnavailable(OSError):
    """The object store did not answer, or answered with an error that is not "no such key"."""


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

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 of what the key holds ('' when the store cannot tell without reading); None if absent."""


class FileSystemStorage:
    """Files under a root directory; writes go to a temporary file renamed into place."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not is_key(key):
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

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 of the file's bytes, None when there is no such file."""
        digest = hashlib.sha256()
        try:
            with self.open(key) as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except FileNotFoundError:
            return None
        return digest.hexdigest()

    def keys(self, modified_before: datetime) -> Iterator[str]:
        """Stored files (and leftover temporary files) older than the instant."""
        if not self.root.is_dir():
            return
        limit = modified_before.astimezone(UTC).timestamp()
        for path in self.root.rglob("*"):
            if path.is_file() and path.stat().st_mtime < limit:
                key = path.relative_to(self.root).as_posix()
                if is_key(key):
                    yield key
                elif path.name.startswith(".tmp-"):
                    path.unlink(missing_ok=True)  # a write interrupted by a crash


def is_key(key: str) -> bool:
    """Whether a name is a storage key this application makes (an image variant or a document)."""
    return bool(_KEY.match(key) or _DOCUMENT_KEY.match(key))


def is_image_key(key: str) -> bool:
    """Whether a key names an image variant of an upload (the orphan purge looks at these only)."""
    return bool(_KEY.match(key))


_STORES: dict[tuple[str, float], "Storage"] = {}  # one client per process and URL (boto3 clients are thread-safe)


def storage() -> Storage:
    """The app's storage, as `STORAGE_URL` (else UPLOAD_ROOT) says."""
    url = setting("STORAGE_URL") or ""
    if not url:
        return FileSystemStorage(current_app.config["UPLOAD_ROOT"])
    return open_storage(url, timeout=float(setting("STORAGE_TIMEOUT_S")))


def redirect_origin() -> str | None:
    """The origin image links redirect to (STORAGE_SERVE=redirect with an object store): the store's public
    endpoint, else its endpoint — pages that show images allow it (CSP img-src); None when images are streamed."""
    url = setting("STORAGE_URL") or ""
    if setting("STORAGE_SERVE") != "redirect" or not url.startswith("s3://"):
        return None
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    endpoint = urlsplit(query.get("public_endpoint") or query.get("endpoint") or "")
    return f"{endpoint.scheme}://{endpoint.netloc}" if endpoint.scheme in ("http", "https") else None


def open_storage(url: str, *, timeout: float = 5.0) -> Storage:
    """The storage a URL names: `file:///path` or `s3://bucket[/prefix]?endpoint=…&region=…`."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileSystemStorage(unquote(parts.path))
    if parts.scheme != "s3":
        raise ValueError(f"STORAGE_URL must start with file:// or s3://, not {url!r}")
    cached = _STORES.get((url, timeout))
    if cached is None:
        from reporter.media.objectstore import S3Storage  # boto3 is loaded only where an object store is used
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        cached = _STORES[(url, timeout)] = S3Storage(
            bucket=parts.netloc, prefix=parts.path.strip("/"), endpoint=query.get("endpoint"),
            region=query.get("region"), public_endpoint=query.get("public_endpoint"), timeout=timeout)
    return cached
