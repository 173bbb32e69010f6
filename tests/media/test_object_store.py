"""Photos on an S3-compatible object store (a real SeaweedFS): writes, reads, presigned redirects, the orphan purge
listing the store, copying from the file system, and the store stopped during uploads or before the commit."""
import hashlib
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import create_engine, func, select, text, update

from reporter.common.timeutil import utcnow
from reporter.media.models import Upload
from reporter.media.services import copy_storage, purge_orphans
from reporter.media.storage import FileSystemStorage, image_key, open_storage
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.media.conftest import post_photo, stored_files
from tests.media.images import jpeg
from tests.support.objectstore import SeaweedFS, require_postgres_pass


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    """One SeaweedFS for the module's tests that keep it running."""
    require_postgres_pass()
    with SeaweedFS(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture()
def on_store(app, seaweed, monkeypatch):
    """The session's app writing under a fresh prefix of the store's bucket; (server, a view of that prefix)."""
    for key, value in seaweed.credentials().items():
        monkeypatch.setenv(key, value)
    seaweed.make_bucket("photos")
    space = Space(seaweed, "photos", uuid.uuid4().hex[:8])
    monkeypatch.setitem(app.config, "STORAGE_URL", space.url)
    monkeypatch.setitem(app.config, "STORAGE_TIMEOUT_S", 2.0)
    return seaweed, space


class Space:
    """A prefix of a bucket: what one test's application sees as its store."""

    def __init__(self, server: SeaweedFS, bucket: str, prefix: str):
        self.server, self.bucket, self.prefix = server, bucket, prefix
        self.url = server.url(bucket, prefix)

    def names(self) -> set[str]:
        return self.server.object_names(self.bucket, self.prefix)

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")["Body"].read()


def _count_uploads(app) -> int:
    with app_ctx(app) as session:
        return session.scalar(select(func.count()).select_from(Upload))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_store_keeps_whole_objects_under_the_same_keys(app, on_store):
    seaweed, bucket = on_store
    with app.app_context():
        store = open_storage(bucket.url)
        key = image_key("display", "ab" * 32)
        assert not store.exists(key)
        with pytest.raises(FileNotFoundError):
            store.open(key)
        store.put(key, b"first")
        store.put(key, b"second")  # replaced whole
        with store.open(key) as fh:
            assert fh.read() == b"second"
        assert store.stored_sha256(key) == hashlib.sha256(b"second").hexdigest()
        assert list(store.keys(modified_before=utcnow() - timedelta(hours=1))) == []
        assert list(store.keys(modified_before=utcnow() + timedelta(minutes=1))) == [key]
        store.delete(key)
        store.delete(key)  # already gone: no error
        assert not store.exists(key)
        with pytest.raises(ValueError):
            store.put("../../etc/passwd", b"x")


def test_an_upload_is_stored_in_the_bucket_and_served_from_it(app, client, users, on_store, upload_root):
    seaweed, bucket = on_store
    on_disk = stored_files(upload_root)
    data = jpeg((640, 480))
    resp = post_photo(client, users.headers(users.make("resident")), data)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    names = bucket.names()
    assert names == {image_key("display", body["sha256"]), image_key("thumbnail", body["sha256"])}
    assert stored_files(upload_root) == on_disk  # nothing written to the local disk
    image = client.get(_path(body["url"]))
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    stored = bucket.read(image_key("display", body["sha256"]))
    assert image.get_data() == stored
    thumb = client.get(_path(body["thumbnail_url"]))
    assert thumb.status_code == 200 and len(thumb.get_data()) < len(stored)


def test_redirect_mode_hands_out_presigned_links_that_expire_with_the_apps_link(app, client, users, on_store,
                                                                                   monkeypatch):
    seaweed, bucket = on_store
    monkeypatch.setitem(app.config, "STORAGE_SERVE", "redirect")
    monkeypatch.setitem(app.config, "UPLOAD_URL_MAX_AGE_S", 120)
    body = post_photo(client, users.headers(users.make("resident")), jpeg((400, 300))).get_json()
    resp = client.get(_path(body["url"]))
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(seaweed.endpoint)
    query = parse_qs(urlsplit(location).query)
    assert 1 <= int(query["X-Amz-Expires"][0]) <= 120  # never longer than the app's own link
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.content == bucket.read(image_key("display", body["sha256"]))
    forged = client.get(_path(body["url"]).replace("display?", "thumbnail?"))
    assert_error(forged, 403, "link_invalid")  # the signature still decides before any redirect


def test_the_purge_lists_the_store_and_removes_only_orphans(app, client, users, on_store):
    seaweed, bucket = on_store
    body = post_photo(client, users.headers(users.make("resident")), jpeg((300, 200))).get_json()
    with app_ctx(app) as session:
        session.execute(update(Upload).where(Upload.id == body["id"]).values(
            state="attached", attached_type="report", attached_id="1", attached_at=utcnow()))
        session.commit()
    with app.app_context():
        store = open_storage(bucket.url)
        orphan = image_key("display", "cd" * 32)
        store.put(orphan, b"left behind by a failed transaction")
    seaweed.client().put_object(Bucket=bucket.bucket, Key=f"{bucket.prefix}/notes/readme.txt", Body=b"not ours")
    time.sleep(1.1)  # the store's modification times have one-second resolution
    with app_ctx(app):
        rows, files = purge_orphans(timedelta(0))
    assert (rows, files) == (0, 1)
    names = bucket.names()
    assert orphan not in names
    assert "notes/readme.txt" in names  # not a key of ours: never touched
    assert {image_key(v, body["sha256"]) for v in ("display", "thumbnail")} <= names  # its row refers to them


def test_copying_from_the_file_system_checks_every_hash_and_resumes(app, client, users, on_store, tmp_path):
    seaweed, bucket = on_store
    source = FileSystemStorage(tmp_path / "uploads")
    keys = [image_key("display", hashlib.sha256(bytes([i])).hexdigest()) for i in range(6)]
    for i, key in enumerate(keys):
        source.put(key, f"photo {i}".encode() * 100)
    with app.app_context():
        target = open_storage(bucket.url)
        target.put(keys[0], b"photo 0" * 100)  # an earlier, interrupted run copied this one
        target.put(keys[1], b"a torn or foreign copy")  # and this one is wrong
        outcomes: dict[str, str] = {}
        counts = copy_storage(source, target, lambda key, outcome: outcomes.__setitem__(key, outcome))
        assert counts == {"copied": 5, "already_there": 1, "failed": 0}
        assert outcomes[keys[0]] == "already there" and outcomes[keys[1]] == "copied"
        for key in keys:
            with source.open(key) as a, target.open(key) as b:
                assert a.read() == b.read()
        again = copy_storage(source, target, lambda *_: None)
        assert again == {"copied": 0, "already_there": 6, "failed": 0}


def test_the_migration_command_copies_the_apps_photos(make_app, users, on_store, tmp_path):
    seaweed, bucket = on_store
    app = make_app(UPLOAD_ROOT=str(tmp_path / "uploads"), STORAGE_URL="")  # the photos are on the file system
    client = app.test_client()
    bodies = [post_photo(client, users.headers(users.make("resident")), jpeg((200 + i, 150))).get_json()
              for i in range(3)]
    result = app.test_cli_runner().invoke(args=["media", "migrate-storage", "--to", bucket.url])
    assert result.exit_code == 0, result.output
    assert "copied 6, already there 0, failed 0" in result.output
    moved = make_app(UPLOAD_ROOT=str(tmp_path / "elsewhere"), STORAGE_URL=bucket.url)  # the same links keep working
    for body in bodies:
        assert moved.test_client().get(_path(body["url"])).status_code == 200
    result = app.test_cli_runner().invoke(args=["media", "migrate-storage", "--to", bucket.url])
    assert "copied 0, already there 6, failed 0" in result.output and result.exit_code == 0


def test_init_storage_creates_the_bucket_once(app, seaweed, monkeypatch):
    for key, value in seaweed.credentials().items():
        monkeypatch.setenv(key, value)
    bucket = f"fresh-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "STORAGE_URL", seaweed.url(bucket))
    first = app.test_cli_runner().invoke(args=["media", "init-storage"])
    second = app.test_cli_runner().invoke(args=["media", "init-storage"])
    assert f"bucket {bucket}: created" in first.output
    assert f"bucket {bucket}: already there" in second.output


# Faults: a store of the test's own, stopped and started again ------------------------------------------------------

@pytest.fixture()
def own_store(app, tmp_path, monkeypatch):
    require_postgres_pass()
    server = SeaweedFS(tmp_path / "weed").start()
    for key, value in server.credentials().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setitem(app.config, "STORAGE_URL", server.make_bucket("photos"))
    monkeypatch.setitem(app.config, "STORAGE_TIMEOUT_S", 5.0)  # a stopped store refuses at once; a busy one is slow
    yield server
    server.stop()


def test_a_stopped_store_answers_503_and_recovers_without_a_restart(app, client, users, own_store):
    headers = users.headers(users.make("resident"))
    kept = post_photo(client, headers, jpeg((320, 240))).get_json()
    own_store.stop()
    before = _count_uploads(app)
    for size in ((330, 240), (340, 240)):
        assert_error(post_photo(client, headers, jpeg(size)), 503, "storage_unavailable")
    assert _count_uploads(app) == before  # no row for a photo the store did not take
    assert_error(client.get(_path(kept["url"])), 503, "storage_unavailable")
    own_store.start()
    assert own_store.object_names("photos") == {image_key(v, kept["sha256"]) for v in ("display", "thumbnail")}
    deadline = time.monotonic() + 60  # recovery without restarting the app: the same app answers again
    while client.get(_path(kept["url"])).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.get(_path(kept["url"])).status_code == 200
    resp = post_photo(client, headers, jpeg((350, 240)))
    assert resp.status_code == 201, resp.get_json()


@pytest.mark.postgres
def test_a_store_stopped_between_the_write_and_a_failed_commit_leaves_an_orphan_the_purge_removes(
        app, client, users, own_store, _database):
    """The objects are written, then the INSERT waits on a lock; the store stops and the database connection is
    killed: the upload fails, its clean-up cannot reach the store, and no row exists. The purge removes the objects."""
    headers = users.headers(users.make("resident"))
    locker = create_engine(_database, isolation_level="AUTOCOMMIT")
    answers: list = []
    with locker.connect() as conn:
        conn.execute(text("BEGIN"))
        conn.execute(text("LOCK TABLE uploads IN EXCLUSIVE MODE"))
        worker = threading.Thread(target=lambda: answers.append(post_photo(app.test_client(), headers,
                                                                           jpeg((360, 240)))))
        worker.start()
        deadline = time.monotonic() + 30
        pid = None
        while pid is None and time.monotonic() < deadline:
            pid = conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )).scalar()
            time.sleep(0.05)
        assert pid is not None, conn.execute(text(
            "SELECT wait_event_type, state, left(query, 80) FROM pg_stat_activity WHERE datname = current_database()"
        )).all()
        written = own_store.object_names("photos")
        assert len(written) == 2  # both variants are in the store, the row is not yet committed
        own_store.stop()
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        worker.join(timeout=60)
        conn.execute(text("ROLLBACK"))
    locker.dispose()
    assert answers and answers[0].status_code == 503, answers[0].get_json()
    assert answers[0].get_json()["code"] == answers[0].status_code
    with app_ctx(app) as session:
        assert session.scalar(select(func.count()).select_from(Upload).where(
            Upload.sha256 == next(iter(written)).rsplit("/", 1)[-1][:-4])) == 0
    own_store.start()
    assert own_store.object_names("photos") == written  # the orphan: objects without a row
    time.sleep(1.1)
    result = app.test_cli_runner().invoke(args=["media", "purge-orphans", "--older-than", "0s"])
    assert result.exit_code == 0, result.output
    assert own_store.object_names("photos") == set()
