"""The Storage protocol over the S3 API (boto3): any S3-compatible store — SeaweedFS, MinIO, Ceph RGW, a cloud's.

Objects are written whole under the same content-addressed keys as on disk (`display/ab/cd/<sha256>.jpg`), with
the SHA-256 of their bytes as metadata so a copy can be checked without reading it back. Every failure other than
"no such key" becomes `StoreUnavailable` (an OSError), which the media feature answers with 503
`storage_unavailable`, as it does for a full disk.
"""
import hashlib
import io
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from reporter.media.storage import StoreUnavailable, is_key

_MISSING = {"404", "NoSuchKey", "NotFound"}
_CONTENT_TYPES = {"jpg": "image/jpeg", "bin": "application/octet-stream"}  # documents: the app serves their type


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


class S3Storage:
    """Files as objects in one bucket (under an optional prefix)."""

    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None, region: str | None = None,
                 public_endpoint: str | None = None, timeout: float = 5.0):
        if not bucket:
            raise ValueError("an s3:// STORAGE_URL names its bucket: s3://bucket?endpoint=…")
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        config = Config(connect_timeout=timeout, read_timeout=timeout, s3={"addressing_style": "path"},
                        retries={"max_attempts": 2, "mode": "standard"}, signature_version="s3v4")
        session = boto3.session.Session()
        self.client = session.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1", config=config)
        # Presigned links name the address clients reach, which may differ from the one the application uses.
        self.public_client = (session.client("s3", endpoint_url=public_endpoint, region_name=region or "us-east-1",
                                             config=config) if public_endpoint else self.client)

    def _name(self, key: str) -> str:
        if not is_key(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.prefix + key

    def put(self, key: str, data: bytes) -> None:
        """One whole object (an S3 PUT is atomic: readers see the old object or the new one, never a part)."""
        name = self._name(key)
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=name, Body=data, ContentType=_CONTENT_TYPES[key.rsplit(".", 1)[-1]],
                Metadata={"sha256": hashlib.sha256(data).hexdigest()})
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(f"object store: writing {key} failed: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        """The object's bytes as a file object; FileNotFoundError when there is no such key."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
            return io.BytesIO(answer["Body"].read())
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise StoreUnavailable(f"object store: reading {key} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"object store: reading {key} failed: {exc}") from exc

    def delete(self, key: str) -> None:
        """Remove the object (S3 answers success for a key already gone)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(f"object store: deleting {key} failed: {exc}") from exc

    def exists(self, key: str) -> bool:
        """Whether the object is there."""
        return self.stored_sha256(key) is not None

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 recorded with the object when it was written ('' if written without it); None if absent."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise StoreUnavailable(f"object store: looking up {key} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"object store: looking up {key} failed: {exc}") from exc
        return head.get("Metadata", {}).get("sha256", "")

    def keys(self, modified_before: datetime) -> Iterator[str]:
        """Every key of ours last written before the instant (listing the store, page by page)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix):]
                    if is_key(key) and item["LastModified"] < modified_before:
                        yield key
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(f"object store: listing failed: {exc}") from exc

    def presigned_url(self, key: str, expires_in: int, filename: str, content_type: str) -> str:
        """A time-limited GET link to the object, with the response headers the application would send."""
        return self.public_client.generate_presigned_url(
            "get_object", ExpiresIn=max(1, int(expires_in)), Params={
                "Bucket": self.bucket, "Key": self._name(key), "ResponseContentType": content_type,
                "ResponseContentDisposition": f'inline; filename="{filename}"',
                "ResponseCacheControl": f"private, max-age={max(1, int(expires_in))}"})

    def ensure_bucket(self) -> bool:
        """Create the bucket if it does not exist; True when it was created."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if not _missing(exc) and str(exc.response.get("Error", {}).get("Code")) != "NoSuchBucket":
                raise StoreUnavailable(f"object store: bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"object store: bucket {self.bucket}: {exc}") from exc
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(f"object store: creating bucket {self.bucket} failed: {exc}") from exc
        return True
