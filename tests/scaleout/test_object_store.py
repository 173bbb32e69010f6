"""Two application machines sharing PostgreSQL and an S3-compatible object store (a real SeaweedFS): a photo uploaded
through A is served by B although they share no disk; the orphan purge and the migration from the file system run
while both serve; an interrupted migration resumes."""
import os
import signal
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.faults.servers import (
    BIN,
    ROOT,
    SECRETS,
    Gunicorn,
    fresh_database,
    photo,
    sign_in,
    upload,
)
from tests.support.objectstore import SeaweedFS, require_postgres_pass
from tests.support.wechat_stub import WeChatStub


def _on(server: Gunicorn, url: str) -> str:
    """The same link, asked of another instance (the path and signature are what count)."""
    parts = urlsplit(url)
    return f"{server.url}{parts.path}?{parts.query}"


def _flask(database_url: str, uploads, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own command line
        [str(BIN / "flask"), *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, **SECRETS, **env, "FLASK_APP": "wsgi.py", "DATABASE_URL": database_url,
             "UPLOAD_ROOT": str(uploads), "REPORTER_INSTANCE": str(uploads.parent / "cli-instance")})


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    require_postgres_pass()
    workdir = tmp_path_factory.mktemp("store-scaleout")
    store = SeaweedFS(workdir / "weed").start()
    wechat = WeChatStub().start()
    try:
        with fresh_database() as url:
            yield store, wechat, url, workdir
    finally:
        wechat.stop()
        store.stop()


@pytest.mark.postgres
def test_two_machines_share_photos_through_the_store_while_purge_and_migration_run(setup):
    store, wechat, url, workdir = setup
    store_env = {**store.credentials()}

    # One machine on its own disk, as a city starts.
    a = Gunicorn(workdir / "machine-a", url, workers=2, wechat_base=wechat.base_url)
    a.start()
    try:
        headers = sign_in(a.url, wechat, "two-machines")
        before = [upload(a.url, headers, photo(100 + i, (500, 400))).json() for i in range(4)]
        assert all("url" in body for body in before), before
        target = store.make_bucket("photos")

        # Copy to the store while A serves uploads and images from its disk; the copy changes nothing for users.
        copy = subprocess.Popen(  # noqa: S603
            [str(BIN / "flask"), "media", "migrate-storage", "--to", target], cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **SECRETS, **store_env, "FLASK_APP": "wsgi.py", "DATABASE_URL": url,
                 "UPLOAD_ROOT": str(a.uploads), "REPORTER_INSTANCE": str(workdir / "cli")})
        during = [upload(a.url, headers, photo(200 + i, (500, 400))).json() for i in range(2)]
        for body in before:
            assert requests.get(_on(a, body["url"]), timeout=10).status_code == 200
        out, err = copy.communicate(timeout=300)
        assert copy.returncode == 0, err
        # A second run after switching picks up what arrived during the first: nothing is lost, nothing copied twice.
        again = _flask(url, a.uploads, store_env, "media", "migrate-storage", "--to", target)
        assert again.returncode == 0, again.stderr
        assert "failed 0" in again.stdout
    finally:
        a.stop()

    # Both machines on the store, no shared disk.
    env = {**store_env, "STORAGE_URL": target, "STORAGE_TIMEOUT_S": "2"}
    a = Gunicorn(workdir / "machine-a", url, workers=2, wechat_base=wechat.base_url, env=env)
    b = Gunicorn(workdir / "machine-b", url, workers=2, wechat_base=wechat.base_url, env=env)
    a.start(), b.start()
    try:
        for body in before + during:  # uploaded on A's disk before the move, now served by B from the store
            resp = requests.get(_on(b, body["url"]), timeout=10)
            assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/jpeg"
        fresh = upload(a.url, headers, photo(300, (640, 480)))
        assert fresh.status_code == 201, fresh.text
        served = requests.get(_on(b, fresh.json()["url"]), timeout=10)
        assert served.status_code == 200
        assert served.content == requests.get(_on(a, fresh.json()["url"]), timeout=10).content
        assert not any((workdir / "machine-b" / "uploads").rglob("*.jpg"))  # B never wrote to its own disk

        # The purge lists the store while both serve: the pending uploads are old enough to go only with 0s.
        orphan_key = "display/ee/ee/" + "ee" * 32 + ".jpg"
        store.client().put_object(Bucket="photos", Key=orphan_key, Body=b"orphan")
        time.sleep(1.1)
        purge = _flask(url, workdir / "machine-b" / "uploads", env, "media", "purge-orphans", "--older-than", "1h")
        assert purge.returncode == 0, purge.stderr
        assert requests.get(_on(a, fresh.json()["url"]), timeout=10).status_code == 200
        purge = _flask(url, workdir / "machine-b" / "uploads", env, "media", "purge-orphans", "--older-than", "0s")
        assert "1 orphaned files" in purge.stdout or "orphaned files" in purge.stdout, purge.stdout
        assert orphan_key not in store.object_names("photos")
    finally:
        a.stop(), b.stop()


@pytest.mark.postgres
def test_an_interrupted_migration_resumes_where_it_stopped(setup, tmp_path):
    store, _, url, _ = setup
    uploads = tmp_path / "uploads"
    for i in range(400):  # enough files that the first run is still copying when it is killed
        sha = f"{i:064x}"
        path = uploads / "display" / sha[:2] / sha[2:4] / f"{sha}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(2048))
    target = store.make_bucket("resume")
    env = {**os.environ, **SECRETS, **store.credentials(), "FLASK_APP": "wsgi.py", "DATABASE_URL": url,
           "UPLOAD_ROOT": str(uploads), "REPORTER_INSTANCE": str(tmp_path / "cli")}
    first = subprocess.Popen([str(BIN / "flask"), "media", "migrate-storage", "--to", target],  # noqa: S603
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while len(store.object_names("resume")) < 20 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    copied_before = len(store.object_names("resume"))
    assert copied_before >= 20
    second = _flask(url, uploads, store.credentials(), "media", "migrate-storage", "--to", target)
    assert second.returncode == 0, second.stderr
    line = second.stdout.strip().splitlines()[-1]
    copied, there = (int(part.split()[-1]) for part in line.split(", ")[:2])
    assert there >= copied_before - 1  # an object torn by the kill is copied again, not trusted
    assert copied + there == 400
    assert len(store.object_names("resume")) == 400
