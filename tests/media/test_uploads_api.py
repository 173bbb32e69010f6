"""POST /api/v1/uploads and the image links (API.md "Uploads"), through the test client."""
import io
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select

from reporter.geo.coords import distance_m, from_wgs84
from reporter.media.models import Upload
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.media.conftest import post_photo, stored_files
from tests.media.images import ANKANG, SYDNEY, encode, jpeg, jpeg_segments, picture, png_bomb


def uploads_count(app) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(Upload)).scalar_one()


def fetch(client, url, headers=None):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path, headers=headers)


def test_phone_photo_upload_answers_the_contract_and_stores_a_clean_copy(client, users, app, upload_root):
    uid = users.make("resident")
    data = jpeg((1200, 900), gps=ANKANG, taken=datetime(2024, 5, 1, 10, 20, 30), make="HUAWEI", model="P60")
    resp = post_photo(client, users.headers(uid), data, purpose="report")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert {"id", "sha256", "content_type", "width", "height", "bytes", "taken_at", "gps", "url",
            "thumbnail_url"} <= set(body)
    assert body["content_type"] == "image/jpeg" and (body["width"], body["height"]) == (1200, 900)
    assert body["gps"] == {"lat": pytest.approx(ANKANG[0], abs=1e-5), "lng": pytest.approx(ANKANG[1], abs=1e-5)}
    assert body["taken_at"] == "2024-05-01T02:20:30+00:00"
    assert body["state"] == "pending" and body["purpose"] == "report"

    image = fetch(client, body["url"])
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Cache-Control"].startswith("private, max-age=")
    assert image.headers["Content-Disposition"] == f'inline; filename="{body["id"]}-display.jpg"'
    assert len(image.data) == body["bytes"]
    assert not [m for m in jpeg_segments(image.data) if 0xE1 <= m <= 0xEF or m == 0xFE]
    assert dict(Image.open(io.BytesIO(image.data)).getexif()) == {}
    assert fetch(client, body["url"], {"If-None-Match": image.headers["ETag"]}).status_code == 304
    thumb = fetch(client, body["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) == 320

    sha = body["sha256"]
    assert stored_files(upload_root) >= {f"display/{sha[:2]}/{sha[2:4]}/{sha}.jpg",
                                         f"thumbnail/{sha[:2]}/{sha[2:4]}/{sha}.jpg"}
    meta = client.get(f"/api/v1/uploads/{body['id']}", headers=users.headers(uid))
    assert meta.status_code == 200 and meta.get_json()["sha256"] == sha


def test_southern_hemisphere_photo_keeps_its_negative_latitude(client, users):
    uid = users.make("resident")
    body = post_photo(client, users.headers(uid), jpeg(gps=SYDNEY)).get_json()
    assert body["gps"]["lat"] == pytest.approx(SYDNEY[0], abs=1e-5)
    assert body["gps"]["lng"] == pytest.approx(SYDNEY[1], abs=1e-5)
    outside_china = post_photo(client, users.headers(uid), jpeg(gps=SYDNEY), query="?coord_system=gcj02")
    assert outside_china.get_json()["gps"] == body["gps"]  # GCJ-02 equals WGS-84 outside China


def test_gps_is_given_in_gcj02_when_asked(client, users):
    headers = users.headers(users.make("resident"))
    body = post_photo(client, headers, jpeg(gps=ANKANG), query="?coord_system=gcj02").get_json()
    expected = from_wgs84(*ANKANG, "gcj02")
    assert body["gps"] == {"lat": pytest.approx(expected[0], abs=1e-6), "lng": pytest.approx(expected[1], abs=1e-6)}
    assert distance_m(*ANKANG, body["gps"]["lat"], body["gps"]["lng"]) > 100  # the offset is real in Ankang
    again = client.get(f"/api/v1/uploads/{body['id']}?coord_system=wgs84", headers=headers).get_json()
    assert again["gps"]["lat"] == pytest.approx(ANKANG[0], abs=1e-5)
    assert_error(client.get(f"/api/v1/uploads/{body['id']}?coord_system=bd09", headers=headers), 422)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_png_webp_and_heic_are_accepted(client, users, fmt):
    uid = users.make("inspector")
    resp = post_photo(client, users.headers(uid), encode(picture((500, 400)), fmt), filename="IMG.heic",
                      purpose="patrol")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["content_type"] == "image/jpeg"


def test_orientation_6_is_served_upright(client, users):
    uid = users.make("resident")
    body = post_photo(client, users.headers(uid), jpeg((400, 300), orientation=6)).get_json()
    assert (body["width"], body["height"]) == (300, 400)
    served = Image.open(io.BytesIO(fetch(client, body["url"]).data))
    assert served.size == (300, 400) and served.getpixel((280, 20))[0] > 200


def test_refusals_write_nothing(client, users, app, upload_root):
    headers = users.headers(users.make("resident"))
    before = stored_files(upload_root)
    assert_error(post_photo(client, headers, b"<html><script>alert(1)</script></html>", filename="x.jpg"),
                 415, "unsupported_media_type")
    assert_error(post_photo(client, headers, png_bomb()), 422, "image_too_large")
    truncated = jpeg((800, 600))
    assert_error(post_photo(client, headers, truncated[: len(truncated) // 2]), 422, "image_corrupt")
    empty = assert_error(post_photo(client, headers, b""), 422, "validation_failed")
    assert "file" in empty["errors"]["multipart"]
    assert_error(post_photo(client, headers, jpeg(), purpose="selfie"), 422, "validation_failed")
    assert uploads_count(app) == 0 and stored_files(upload_root) == before


def test_empty_body_second_file_and_stray_fields_are_422(client, users):
    headers = users.headers(users.make("resident"))
    assert_error(client.post("/api/v1/uploads", headers=headers), 422, "validation_failed")
    assert_error(client.post("/api/v1/uploads", headers=headers, data={}, content_type="multipart/form-data"),
                 422, "validation_failed")
    two = {"file": [(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(jpeg()), "b.jpg")]}
    body = assert_error(client.post("/api/v1/uploads", headers=headers, data=two, content_type="multipart/form-data"),
                        422, "validation_failed")
    assert "file" in body["errors"]["multipart"]
    other = post_photo(client, headers, jpeg(), extra={"file2": (io.BytesIO(jpeg()), "b.jpg")})
    assert_error(other, 422, "validation_failed")


def test_client_file_name_never_reaches_the_disk(client, users, upload_root):
    headers = users.headers(users.make("resident"))
    before = stored_files(upload_root)
    resp = post_photo(client, headers, jpeg((310, 230)), filename="../../../../tmp/evil-upload.jpg")
    assert resp.status_code == 201
    sha = resp.get_json()["sha256"]
    added = stored_files(upload_root) - before
    assert added == {f"{variant}/{sha[:2]}/{sha[2:4]}/{sha}.jpg" for variant in ("display", "thumbnail")}
    assert not Path("/tmp/evil-upload.jpg").exists()
    assert not list(upload_root.parent.rglob("evil-upload*"))


def test_polyglot_is_stored_without_its_script(client, users):
    headers = users.headers(users.make("resident"))
    body = post_photo(client, headers, jpeg() + b"<script>alert(document.cookie)</script>").get_json()
    served = fetch(client, body["url"]).data
    assert b"<script" not in served and served.endswith(b"\xff\xd9")


def test_too_large_in_bytes_is_413(make_app, users):
    app = make_app(MAX_UPLOAD_BYTES=20_000, MAX_CONTENT_LENGTH=200_000)
    client = app.test_client()
    headers = users.headers(users.make("resident"))
    big = jpeg((1600, 1200))
    assert len(big) > 20_000
    assert_error(post_photo(client, headers, big), 413, "payload_too_large")  # file over the cap
    huge = big * 10
    assert_error(post_photo(client, headers, huge), 413, "payload_too_large")  # body over the cap: not even parsed


def test_sign_in_is_needed_to_upload(client):
    assert_error(post_photo(client, {}, jpeg()), 401)


def test_another_user_cannot_see_a_pending_upload(client, users):
    owner, other = users.make("resident"), users.make("resident")
    body = post_photo(client, users.headers(owner), jpeg()).get_json()
    assert_error(client.get(f"/api/v1/uploads/{body['id']}", headers=users.headers(other)), 404)
    path = urlsplit(body["url"]).path
    assert_error(client.get(path, headers=users.headers(other)), 404)
    assert client.get(path, headers=users.headers(owner)).status_code == 200
    assert_error(client.get(path), 401)


def test_links_are_bound_to_upload_and_variant_and_expire(client, users, make_app):
    uid = users.make("resident")
    body = post_photo(client, users.headers(uid), jpeg()).get_json()
    second = post_photo(client, users.headers(uid), encode(picture(), "PNG")).get_json()
    display, thumb = urlsplit(body["url"]), urlsplit(body["thumbnail_url"])
    assert_error(client.get(f"{thumb.path}?{display.query}"), 403, "link_invalid")
    other_path = urlsplit(second["url"]).path
    assert_error(client.get(f"{other_path}?{display.query}"), 403, "link_invalid")
    assert_error(client.get(f"{display.path}?sig=forged"), 403, "link_invalid")
    expired = make_app(UPLOAD_URL_MAX_AGE_S=-1).test_client()
    assert_error(expired.get(f"{display.path}?{display.query}"), 403, "link_expired")


def test_no_listing_of_uploads(client, users):
    headers = users.headers(users.make("supervisor"))
    assert_error(client.get("/api/v1/uploads", headers=headers), 405)
    assert_error(client.get("/api/v1/uploads/", headers=headers), 404)


def test_uploads_are_rate_limited_per_user(make_app, users):
    client = make_app(RATELIMIT_UPLOADS="2/minute").test_client()
    first, second = users.make("resident"), users.make("resident")
    for _ in range(2):
        assert post_photo(client, users.headers(first), jpeg()).status_code == 201
    assert_error(post_photo(client, users.headers(first), jpeg()), 429, "rate_limited")
    assert post_photo(client, users.headers(second), jpeg()).status_code == 201


def test_identical_bytes_twice_reuse_the_stored_file(client, users, upload_root):
    headers = users.headers(users.make("resident"))
    data = jpeg(gps=ANKANG)
    first = post_photo(client, headers, data).get_json()
    files = stored_files(upload_root)
    again = post_photo(client, headers, data).get_json()
    assert again["id"] != first["id"] and again["sha256"] == first["sha256"]
    assert stored_files(upload_root) == files


def test_openapi_documents_the_multipart_upload(client):
    spec = client.get("/api/openapi.json").get_json()
    post = spec["paths"]["/api/v1/uploads"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "201" in post["responses"]
    assert schema == {"$ref": "#/components/schemas/UploadIn"}
    fields = spec["components"]["schemas"]["UploadIn"]["properties"]
    assert fields["file"]["format"] == "binary" and "purpose" in fields


def test_pixel_cap_is_a_setting(make_app, users):
    client = make_app(MAX_IMAGE_PIXELS=100_000).test_client()
    headers = users.headers(users.make("resident"))
    assert_error(post_photo(client, headers, jpeg((400, 300))), 422, "image_too_large")  # 120 000 pixels
    assert post_photo(client, headers, jpeg((300, 300))).status_code == 201
