"""Attaching uploads to the object they prove (only by the uploader, once) and who may see them afterwards."""
import threading
from urllib.parse import urlsplit

import pytest

from reporter.accounts.models import User
from reporter.errors import ValidationFailed
from reporter.extensions import db
from reporter.media.models import Upload
from reporter.media.services import attach_uploads, register_visibility
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.media.conftest import post_photo
from tests.media.images import encode, jpeg, picture


def upload(client, users, uid, purpose="report", data=None) -> str:
    resp = post_photo(client, users.headers(uid), data or jpeg(), purpose=purpose)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()["id"]


def attach_errors(app, ids, actor_id, **kwargs) -> dict:
    with app_ctx(app) as session:
        with pytest.raises(ValidationFailed) as caught:
            attach_uploads(ids, actor_id, "test_report", "r-1", **kwargs)
        session.rollback()
    return caught.value.errors["json"]


def test_uploader_attaches_once_and_the_state_is_recorded(client, users, app):
    owner = users.make("resident")
    first, second = upload(client, users, owner), upload(client, users, owner, data=encode(picture(), "PNG"))
    with app_ctx(app) as session:
        attached = attach_uploads([second, first], owner, "test_report", "r-1")
        session.commit()
        assert [u.id for u in attached] == [second, first]
        assert {(u.state, u.attached_type, u.attached_id) for u in attached} == {("attached", "test_report", "r-1")}
        assert all(u.attached_at is not None for u in attached)
    errors = attach_errors(app, [first], owner)
    assert errors == {"photo_ids": {0: ["This photo is already attached to something else."]}}


def test_another_user_cannot_attach_and_unknown_ids_look_the_same(client, users, app):
    owner, other = users.make("resident"), users.make("resident")
    photo = upload(client, users, owner)
    errors = attach_errors(app, [photo, "00000000-0000-0000-0000-000000000000"], other, field="photos")
    assert errors == {"photos": {0: ["No such upload of yours."], 1: ["No such upload of yours."]}}
    with app_ctx(app) as session:
        assert session.get(Upload, photo).state == "pending"


def test_purpose_and_duplicates_are_checked(client, users, app):
    owner = users.make("inspector")
    patrol_photo = upload(client, users, owner, purpose="patrol")
    errors = attach_errors(app, [patrol_photo, patrol_photo], owner, purposes=("report",))
    assert errors["photo_ids"][0] == ["A photo uploaded for 'patrol' cannot be used here."]
    assert errors["photo_ids"][1] == ["This photo is listed twice."]


def test_attached_photo_is_seen_by_whom_its_object_allows(client, users, app):
    owner, staff, stranger = users.make("resident"), users.make("officer"), users.make("resident")
    register_visibility("visible_thing", lambda user, target_id: target_id == "t-1" and user.has_role("officer"))
    photo = upload(client, users, owner)
    assert_error(client.get(f"/api/v1/uploads/{photo}", headers=users.headers(staff)), 404)  # still pending
    with app_ctx(app) as session:
        attach_uploads([photo], owner, "visible_thing", "t-1")
        session.commit()
    seen = client.get(f"/api/v1/uploads/{photo}", headers=users.headers(staff))
    assert seen.status_code == 200
    assert client.get(urlsplit(seen.get_json()["thumbnail_url"]).path, headers=users.headers(staff)).status_code == 200
    assert_error(client.get(f"/api/v1/uploads/{photo}", headers=users.headers(stranger)), 404)
    assert client.get(f"/api/v1/uploads/{photo}", headers=users.headers(owner)).status_code == 200


def test_object_type_without_a_visibility_rule_shows_only_the_uploader(client, users, app):
    owner, staff = users.make("resident"), users.make("supervisor")
    photo = upload(client, users, owner)
    with app_ctx(app) as session:
        attach_uploads([photo], owner, "unregistered_thing", "x")
        session.commit()
    assert_error(client.get(f"/api/v1/uploads/{photo}", headers=users.headers(staff)), 404)


@pytest.mark.postgres
def test_concurrent_double_attach_has_one_winner(client, users, app):
    with app_ctx(app) as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("row locks need PostgreSQL")
    owner = users.make("resident")
    photo = upload(client, users, owner)
    barrier, outcomes = threading.Barrier(2), []

    def attach(target):
        with app.app_context():
            try:
                db.session.get(User, owner)  # open the transaction first, then race
                barrier.wait()
                attach_uploads([photo], owner, "test_report", target)
                db.session.commit()
                outcomes.append(target)
            except ValidationFailed:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attach, args=(t,)) for t in ("r-1", "r-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("refused") == 1, outcomes
    winner = next(o for o in outcomes if o != "refused")
    with app_ctx(app) as session:
        assert session.get(Upload, photo).attached_id == winner
