"""Photos cannot take a worker's memory: every format is costed from its header before decoding, a JPEG whose data
ends early is refused rather than stored grey, and a worker decodes a bounded number of photos at once."""
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFile, ImageOps, ImageStat
from sqlalchemy import func, select

from reporter.media import pipeline
from reporter.media.models import Upload
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.media.conftest import post_photo, stored_files
from tests.media.images import encode, exif, jpeg, picture
from tests.media.test_pipeline import MAX, refused

ROOT = Path(__file__).resolve().parents[2]


def flat(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture that costs nothing to compress (the decoder's memory does not depend on the content)."""
    return Image.linear_gradient("L").resize(size).convert(mode)


def ends_early(size: tuple[int, int], keep: int) -> bytes:
    """A JPEG of `size` cut after `keep` bytes and closed with an end-of-image marker, as a hostile client sends."""
    data = encode(flat(size), "JPEG", quality=80)
    return data[:keep] + b"\xff\xd9"


def upload_count(app) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(Upload)).scalar_one()


def test_a_631_byte_jpeg_claiming_7000x7000_is_refused_over_http_and_stores_nothing(client, users, app, upload_root):
    data = ends_early((7000, 7000), 629)
    assert len(data) == 631
    headers = users.headers(users.make("resident"))
    before, files = upload_count(app), stored_files(upload_root)
    assert_error(post_photo(client, headers, data), 422, "image_corrupt")
    assert upload_count(app) == before and stored_files(upload_root) == files


@pytest.mark.parametrize("share", [0.05, 0.5, 0.9])
def test_a_jpeg_whose_data_ends_before_its_picture_is_corrupt(share):
    full = encode(flat((1600, 1200)), "JPEG", quality=80)
    refused(ends_early((1600, 1200), int(len(full) * share)), 422, "image_corrupt")


def test_complete_jpegs_of_every_kind_still_pass():
    for im in (flat((1600, 1200)), flat((1600, 1200), "L"), flat((1600, 1200), "CMYK")):
        assert pipeline.process(encode(im, "JPEG", quality=80), MAX).width == 1600
    progressive = encode(flat((4000, 3000)), "JPEG", quality=80, progressive=True)
    assert pipeline.process(progressive, MAX).width >= 1800
    assert pipeline.process(jpeg((400, 300)), MAX).width == 400


def test_truncated_files_of_every_format_are_corrupt_and_never_loaded_leniently(app):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # the app (and pillow-heif) leave Pillow's global alone
    for fmt in ("PNG", "WEBP", "HEIF", "JPEG"):
        data = encode(picture((640, 480)), fmt, **({"quality": 80} if fmt != "PNG" else {}))
        refused(data[: len(data) * 2 // 3], 422, "image_corrupt")


def test_a_190_kb_png_of_7000x7000_is_refused_from_its_header(client, users):
    data = encode(flat((7000, 7000)), "PNG", compress_level=1)
    assert len(data) < 1_000_000
    error = refused(data, 422, "image_too_large")
    assert "PNG" in error.message
    headers = users.headers(users.make("resident"))
    assert_error(post_photo(client, headers, data), 422, "image_too_large")


def test_formats_without_draft_decoding_have_lower_limits_than_jpeg():
    """The same 35 megapixels: a JPEG decodes at a fraction of its size and passes; a PNG cannot. WebP, decoded
    through three copies, stops lower still."""
    size = (7000, 5000)
    assert pipeline.process(encode(flat(size), "JPEG", quality=70), MAX).width == 2048
    refused(encode(flat(size), "PNG", compress_level=1), 422, "image_too_large")
    refused(encode(flat((4000, 3000), "RGBA"), "WEBP", quality=10, method=0), 422, "image_too_large")  # 12 MP alpha
    assert pipeline.process(encode(flat((3000, 2250), "RGBA"), "WEBP", quality=10, method=0), MAX).width == 2048


def test_the_decode_budget_is_a_setting_and_costs_heic_by_its_alpha(make_app, users):
    """A 2-megapixel HEIC with transparency costs more than one without; a 2-megapixel JPEG costs its draft."""
    client = make_app(IMAGE_DECODE_BUDGET_MIB=20).test_client()
    headers = users.headers(users.make("resident"))
    assert post_photo(client, headers, encode(flat((1700, 1200)), "HEIF", quality=30)).status_code == 201
    assert_error(post_photo(client, headers, encode(flat((1700, 1200), "RGBA"), "HEIF", quality=30)), 422,
                 "image_too_large")
    assert post_photo(client, headers, encode(flat((1700, 1200)), "JPEG", quality=80)).status_code == 201


def test_a_worker_decodes_a_bounded_number_of_photos_at_once(make_app, users):
    """With every slot taken, an upload waits IMAGE_DECODE_WAIT_S, then answers 503 with Retry-After."""
    client = make_app(IMAGE_DECODES_AT_ONCE=1, IMAGE_DECODE_WAIT_S=0.3).test_client()
    headers = users.headers(users.make("resident"))
    with pipeline.decode_slot(1, 0):  # another request of this worker is decoding
        resp = post_photo(client, headers, jpeg())
    body = assert_error(resp, 503, "image_decoder_busy")
    assert "Retry-After" in resp.headers and "try again" in body["message"]
    assert post_photo(client, headers, jpeg()).status_code == 201  # the slot is free again


def test_the_worst_accepted_file_of_each_format_peaks_under_200_mib():
    """bench/photos.py measures it in a fresh process (peak resident set from /proc); HEIC is left to the bench,
    whose encoder needs half a minute for such a file."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "photos.py"), "--worst", "JPEG,PNG,WEBP"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    peaks = {line.split()[1]: float(line.split("+")[1].split()[0]) for line in done.stdout.splitlines()
             if line.startswith("worst ")}
    assert set(peaks) == {"JPEG", "PNG", "WEBP"}, done.stdout
    assert all(peak < 200 for peak in peaks.values()), peaks


def textured(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Noise over the red-cornered picture: scan data as large as a photo's, orientation still visible."""
    noise = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(picture(size), noise, 0.3).convert(mode)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_large_jpeg_decoded_at_reduced_scale_is_refused_when_it_ends_early_or_is_damaged(mode):
    """A JPEG over the display size is decoded once, at the draft scale: that one decode refuses what ends before
    its picture does, what stops mid-file and what has damaged data, which Pillow's own decoder fills with grey."""
    data = encode(textured((4000, 3000), mode), "JPEG", quality=85)
    cut = len(data) * 2 // 3
    ended = data[:cut] + b"\xff\xd9"
    damaged = bytearray(data)
    damaged[cut:cut + 400] = random.Random(23).randbytes(400).replace(b"\xff", b"\x00")
    for bad in (ended, data[:cut], bytes(damaged)):
        refused(bad, 422, "image_corrupt")
    for lenient in (ended, bytes(damaged)):  # what the strict decode adds: Pillow itself accepts these
        with Image.open(io.BytesIO(lenient)) as im:
            im.draft(mode, (2000, 1500))
            im.load()


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_large_jpeg_is_stored_as_its_draft_decode_upright_in_rgb(mode):
    data = encode(textured((4000, 3000), mode), "JPEG", quality=90, exif=exif(orientation=6))
    result = pipeline.process(data, MAX)
    with Image.open(io.BytesIO(data)) as im:
        im.draft(mode, (2000, 1500))
        upright = ImageOps.exif_transpose(im).convert("RGB")
    expected = Image.open(io.BytesIO(encode(upright, "JPEG", quality=pipeline.JPEG_QUALITY)))  # as it is stored
    with Image.open(io.BytesIO(result.display)) as stored:
        assert stored.mode == "RGB" and stored.size == expected.size == (1500, 2000)
        assert (result.width, result.height) == (1500, 2000)
        mean_difference = ImageStat.Stat(ImageChops.difference(stored, expected)).mean
        assert max(mean_difference) < 1, mean_difference  # the same pixels
        luma = stored.convert("L")  # the red (dark in grey) top-left corner, turned to the top right
        corner, other = (ImageStat.Stat(luma.crop(box)).mean[0] for box in ((1300, 0, 1500, 200), (0, 0, 200, 200)))
        assert corner < other - 20, (corner, other)
