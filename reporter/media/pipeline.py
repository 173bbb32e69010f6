"""The image pipeline: bytes from a phone in, a clean re-encoded JPEG (display + thumbnail) and its facts out.

Order matters: the format is found from the content with only an allowlist of Pillow openers; the pixel count and
the memory the decode will take are checked from the header before anything is decoded; JPEGs decode straight to
about the display size (draft mode); a JPEG whose data ends before its picture does is refused; EXIF is read before
it is dropped; orientation is applied; nothing of the original's metadata is written back.
"""
import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import imagehash
import numpy as np
import pillow_heif
import simplejpeg
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from reporter.errors import AppError, ServiceUnavailable, UnsupportedMediaType, ValidationFailed
from reporter.media.exif import PhotoFacts, read_facts

pillow_heif.register_heif_opener()

FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")  # what phones make; nothing else is ever opened
DISPLAY_SIDE = 2048
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 82
# JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale; accept a display up to 10% under 2048 (a 4032-pixel phone
# photo decodes at half size to 2016) rather than pay for a full decode and a resample of 12 megapixels.
DRAFT_SLACK = 0.9
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Peak memory of one upload per decoded pixel, measured with bench/photos.py (peak resident set above the worker's
# size before the upload; Pillow 13, pillow-heif 1.8): PNG, WebP and HEIC have no draft decoding, so the whole
# picture is decoded, and an alpha channel costs a premultiplied copy when resizing. WebP decodes through
# libwebp's animation decoder (canvas, bytes and image: three copies). JPEGs are costed at their draft size.
DECODE_BYTES_PER_PIXEL = {  # (format, has alpha) -> bytes
    ("JPEG", False): 4.0, ("JPEG", True): 4.0,
    ("PNG", False): 6.0, ("PNG", True): 11.5,
    ("HEIF", False): 8.5, ("HEIF", True): 12.0,
    ("WEBP", False): 16.0, ("WEBP", True): 19.5,
}
DECODE_BUDGET_MIB = 180  # per upload; with the pipeline's own buffers the peak stays under 200 MiB


class ImageTooLarge(AppError):
    status, error, message = 422, "image_too_large", "The image has too many pixels"


class ImageCorrupt(AppError):
    status, error, message = 422, "image_corrupt", "The image is truncated or corrupt"


class DecoderBusy(ServiceUnavailable):
    error, message = "image_decoder_busy", "Too many photos are being processed; try again shortly"


@dataclass(frozen=True)
class ProcessedImage:
    """The stored variants (JPEG bytes) and what was learnt on the way."""

    display: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    phash: str
    facts: PhotoFacts


def process(data: bytes, max_pixels: int, budget_mib: float = DECODE_BUDGET_MIB) -> ProcessedImage:
    """Run the whole pipeline on an uploaded file's bytes."""
    if not data:
        raise ValidationFailed("The file is empty", errors={"multipart": {"file": ["The file is empty."]}})
    with _open(data) as im:
        _check_pixels(im.size, max_pixels)
        if im.format in ("JPEG", "MPO"):
            im.draft("RGB", _fit(im.size, int(DISPLAY_SIDE * DRAFT_SLACK)))
        _check_decode_cost(im, budget_mib)
        if ImageFile.LOAD_TRUNCATED_IMAGES:  # a global of Pillow's: lenient loading would store a partial picture
            raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
        picture = _strict_jpeg(data, im)
        if picture is None:
            _check_complete(data, im)
            try:
                im.load()
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise ImageCorrupt() from exc
            picture = im
        facts = _facts(im)
        display = _rgb(ImageOps.exif_transpose(_shrink(picture, DISPLAY_SIDE)))
    thumbnail = _shrink(display, THUMBNAIL_SIDE)
    display_bytes = _jpeg(display)
    return ProcessedImage(
        display=display_bytes,
        thumbnail=_jpeg(thumbnail),
        width=display.width,
        height=display.height,
        sha256=hashlib.sha256(display_bytes).hexdigest(),
        phash=str(imagehash.phash(thumbnail)),
        facts=facts,
    )


def _open(data: bytes) -> Image.Image:
    """Open with the allowlisted formats only: anything else is 415, a decompression bomb 422."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge() from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaType("The file is not a JPEG, PNG, WebP or HEIC image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageCorrupt() from exc


def _facts(im: Image.Image) -> PhotoFacts:
    """EXIF facts; a malformed EXIF block costs the facts, not the photo."""
    try:
        return read_facts(im.getexif())
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
        return PhotoFacts()


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    if size[0] * size[1] > max_pixels or min(size) < 1:
        raise ImageTooLarge(f"The image has {size[0]}×{size[1]} pixels; at most {max_pixels} are accepted")


def _check_decode_cost(im: Image.Image, budget_mib: float) -> None:
    """Refuse (422) from the header a picture whose decode would take more memory than the budget."""
    kind = "JPEG" if im.format == "MPO" else im.format
    alpha = "A" in im.mode or "transparency" in im.info
    cost = im.width * im.height * DECODE_BYTES_PER_PIXEL[(kind, alpha)]
    if cost > budget_mib * 1024 * 1024:
        most = int(budget_mib * 1024 * 1024 / DECODE_BYTES_PER_PIXEL[(kind, alpha)])
        raise ImageTooLarge(f"A {kind} image{' with transparency' if alpha else ''} of {im.width}×{im.height} "
                            f"pixels is too large to process; at most {most} pixels are accepted in this format")


# Pillow modes of a JPEG decoded by libjpeg-turbo in strict mode, and the colour space asked of it: 4 bytes a pixel
# (RGBX) is Pillow's own layout for RGB, so the decoded buffer becomes the picture without a copy.
_STRICT_MODES = {"RGB": ("RGBX", "RGBX"), "L": ("GRAY", "L")}


def _strict_jpeg(data: bytes, im: Image.Image) -> Image.Image | None:
    """A JPEG's pixels decoded once, at the draft size, by libjpeg-turbo in strict mode (simplejpeg): the decode
    that makes the picture is also the completeness check (an end marker before the picture is complete, or corrupt
    data, raises instead of being filled with grey; 422). Pillow's header facts (EXIF, XMP, ICC profile) are carried
    over so orientation and colour are applied as for Pillow's own decode. None for what this does not cover (CMYK,
    other formats, a scale libjpeg-turbo would choose differently): the caller decodes with Pillow after
    `_check_complete`."""
    if im.format not in ("JPEG", "MPO") or im.mode not in _STRICT_MODES:
        return None
    colorspace, mode = _STRICT_MODES[im.mode]
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace=colorspace, min_width=im.width, min_height=im.height,
                                        strict=True)
    except ValueError as exc:
        raise ImageCorrupt() from exc
    if pixels.shape[:2] != (im.height, im.width):  # not the draft's scale: never seen, but never a wrong size
        return None
    picture = Image.frombuffer(mode, im.size, pixels, "raw", mode, 0, 1)
    picture.info = dict(im.info)
    return picture


def _check_complete(data: bytes, im: Image.Image) -> None:
    """Refuse (422) a JPEG that ends early or is corrupt. Pillow's decoder ignores libjpeg's warnings: an end marker
    before the picture is complete decodes without an error, the missing blocks filled with grey. libjpeg-turbo in
    strict mode (simplejpeg) turns every such warning into an error; decoding at 1/8 scale costs little."""
    if im.format not in ("JPEG", "MPO"):
        return  # PNG checks its checksums, WebP and HEIC refuse short data (tests/media/test_decode_limits.py)
    try:
        simplejpeg.decode_jpeg(data, colorspace="GRAY", min_height=1, min_width=1, min_factor=8, strict=True)
    except ValueError as exc:
        raise ImageCorrupt() from exc


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


@contextmanager
def decode_slot(at_once: int, wait_s: float) -> Iterator[None]:
    """One of `at_once` decoding slots of this process; 503 `image_decoder_busy` when none frees within `wait_s`."""
    with _slots_lock:
        slots = _slots.setdefault(at_once, threading.BoundedSemaphore(at_once))
    if not slots.acquire(timeout=wait_s):
        raise DecoderBusy(headers={"Retry-After": str(max(1, round(wait_s)))})
    try:
        yield
    finally:
        slots.release()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size within a side×side box, keeping the aspect ratio (never enlarging)."""
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _shrink(im: Image.Image, side: int) -> Image.Image:
    """Resized to fit the box; a cheap integer reduction first (reducing_gap), then a good filter."""
    size = _fit(im.size, side)
    if size == im.size:
        return im
    return im.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_WIDE_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # grey with more than 8 bits a sample


def _rgb(im: Image.Image) -> Image.Image:
    """RGB in sRGB, whatever Pillow mode the photo decoded to.

    Grey of more than 8 bits is scaled to 8 bits, never clipped: I;16 in every byte order as 0–65535, I as 0–65535
    when a value exceeds 255 (else 0–255), F as 0.0–1.0 when no value exceeds 1.0 (else 0–255). Transparency (an
    alpha channel or a transparent colour) is flattened on white; an embedded colour profile is converted to sRGB;
    1, L, P, CMYK, YCbCr, LAB and HSV go through Pillow's own conversions. RGBX (a JPEG decoded by `_strict_jpeg`)
    is RGB in Pillow's own layout, kept as it is: the JPEG encoder, resizing and the hashes read it as RGB, so a
    conversion would only copy every pixel once more.
    """
    icc = im.info.get("icc_profile")
    if im.mode in _WIDE_GREY:
        im = _eight_bit_grey(im)
    if im.mode in ("RGBa", "La"):  # premultiplied alpha
        im = im.convert("RGBA") if im.mode == "RGBa" else im.convert("LA")
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, "white")
        im.paste(rgba, mask=rgba.getchannel("A"))
    elif im.mode not in ("RGB", "RGBX"):
        im = im.convert("RGB")
    if icc:
        try:
            im = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile (or one for another colour space): keep the pixels as they are
    return im


def _eight_bit_grey(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float grey as L (with an alpha where a transparent grey value was set), by its range."""
    values = np.asarray(im)
    top = float(values.max()) if values.size else 0.0
    if im.mode.startswith("I;16"):
        full = 65535.0
    elif im.mode == "I":
        full = 65535.0 if top > 255 else 255.0
    else:
        full = 1.0 if top <= 1.0 else 255.0
    grey = np.clip(np.rint(values.astype(np.float32) * np.float32(255.0 / full)), 0, 255).astype(np.uint8)
    out = Image.fromarray(grey)
    key = im.info.get("transparency")
    if isinstance(key, int | float):
        out = Image.merge("LA", (out, Image.fromarray(np.where(values == key, 0, 255).astype(np.uint8))))
    return out


def _jpeg(im: Image.Image) -> bytes:
    """Baseline JPEG with no metadata at all (no EXIF, no ICC, no comment)."""
    im.info = {}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()
