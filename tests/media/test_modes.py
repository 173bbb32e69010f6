"""Every Pillow mode a photo can arrive in comes out as the right colours in the stored display JPEG.

Each source is four flat 32×32 stripes of known meaning (greys, colours, transparency on white); the display copy
is sampled at each stripe's centre. Through the whole pipeline for every format that can carry the mode (PNG, WebP,
JPEG, HEIC); modes no accepted format carries (PA, I, F, YCbCr, LAB, the other 16-bit byte orders) through the
pipeline's mode conversion alone, which the pipeline applies to whatever it decoded.
"""
import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from reporter.media.pipeline import _rgb, process
from tests.media.images import encode

SIDE = 32
WHITE = (255, 255, 255)
COLOURS = [(255, 0, 0), (0, 128, 0), (0, 0, 255), (255, 255, 255)]
GREYS = [0, 64, 128, 255]


def stripes(mode: str, values: list, size: int = SIDE) -> Image.Image:
    im = Image.new(mode, (size * len(values), size))
    for n, value in enumerate(values):
        im.paste(value, (n * size, 0, (n + 1) * size, size))
    return im


def grey(values):
    return [(v, v, v) for v in values]


def sixteen(mode: str) -> Image.Image:
    """16-bit grey: 0, 64×257, 128×257, 65535 (the full 16-bit range, as a 16-bit PNG holds it)."""
    array = np.array([[v * 257 for v in GREYS for _ in range(SIDE)]] * SIDE, dtype=np.uint16)
    dtype = {"I;16": "<u2", "I;16L": "<u2", "I;16B": ">u2", "I;16N": "=u2"}[mode]
    return Image.frombytes(mode, (SIDE * 4, SIDE), array.astype(dtype).tobytes())


def palette(transparent: int | None = None) -> Image.Image:
    im = stripes("RGB", COLOURS).quantize(colors=4)
    if transparent is not None:
        im.info["transparency"] = im.getpixel((transparent * SIDE + 1, 1))
    return im


def pa() -> Image.Image:
    base = palette()
    im = Image.new("PA", base.size)
    im.putpalette(base.getpalette())
    im.paste(Image.merge("PA", (base.getchannel("P"), stripes("L", [255, 255, 0, 255]))))
    return im


def lab() -> Image.Image:
    to_lab = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB")
    return ImageCms.applyTransform(stripes("RGB", COLOURS), to_lab)


# mode → (source image, expected display colours per stripe, formats that can carry the mode)
CASES = {
    "1": (lambda: stripes("1", [0, 1, 0, 1]), grey([0, 255, 0, 255]), ("PNG", "JPEG")),
    "L": (lambda: stripes("L", GREYS), grey(GREYS), ("PNG", "JPEG", "HEIF")),
    "LA": (lambda: stripes("LA", [(0, 255), (128, 255), (200, 0), (64, 128)]),
           grey([0, 128, 255, 160]), ("PNG",)),
    "P": (palette, COLOURS, ("PNG",)),
    "P+transparency": (lambda: palette(transparent=1), [COLOURS[0], WHITE, *COLOURS[2:]], ("PNG",)),
    "PA": (pa, [COLOURS[0], COLOURS[1], WHITE, COLOURS[3]], ()),
    "I;16": (lambda: sixteen("I;16"), grey(GREYS), ("PNG", "HEIF")),
    "I;16L": (lambda: sixteen("I;16L"), grey(GREYS), ("HEIF",)),
    "I;16B": (lambda: sixteen("I;16B"), grey(GREYS), ("PNG",)),
    "I;16N": (lambda: sixteen("I;16N"), grey(GREYS), ()),
    "I (16-bit values)": (lambda: stripes("I", [v * 257 for v in GREYS]), grey(GREYS), ()),
    "I (8-bit values)": (lambda: stripes("I", GREYS), grey(GREYS), ()),
    "F (0–1)": (lambda: stripes("F", [0.0, 0.25, 0.5, 1.0]), grey([0, 64, 128, 255]), ()),
    "F (0–255)": (lambda: stripes("F", [0.0, 64.0, 128.0, 255.0]), grey(GREYS), ()),
    "RGB": (lambda: stripes("RGB", COLOURS), COLOURS, ("PNG", "WEBP", "JPEG", "HEIF")),
    "RGBA": (lambda: stripes("RGBA", [(255, 0, 0, 255), (0, 128, 0, 255), (0, 0, 255, 0), (0, 0, 0, 128)]),
             [COLOURS[0], COLOURS[1], WHITE, (127, 127, 127)], ("PNG", "WEBP", "HEIF")),
    "CMYK": (lambda: stripes("RGB", COLOURS).convert("CMYK"), COLOURS, ("JPEG",)),
    "YCbCr": (lambda: stripes("RGB", COLOURS).convert("YCbCr"), COLOURS, ()),
    "LAB": (lab, COLOURS, ()),
}
LOSSLESS = {"PNG"}
QUANTISED = {"LAB": 24}  # 8-bit LAB cannot hold sRGB's primaries exactly: its own rounding, not the conversion's


def samples(im: Image.Image) -> list[tuple[int, int, int]]:
    return [im.getpixel((n * SIDE + SIDE // 2, SIDE // 2))[:3] for n in range(4)]


def assert_close(got, expected, tolerance, label):
    worst = max(abs(a - b) for g, e in zip(got, expected, strict=True) for a, b in zip(g, e, strict=True))
    assert worst <= tolerance, f"{label}: got {got}, expected {expected}"


@pytest.mark.parametrize(("mode", "fmt"), [(m, f) for m, (_, _, formats) in CASES.items() for f in formats])
def test_every_mode_in_every_format_that_carries_it_is_stored_in_the_right_colours(mode, fmt):
    make, expected, _ = CASES[mode]
    source = make()
    data = encode(source, fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP", "HEIF") else {}))
    opened = Image.open(io.BytesIO(data))
    if fmt == "PNG" or mode.startswith("I;16"):
        assert opened.mode == source.mode.replace("I;16B", "I;16").replace("I;16L", "I;16"), opened.mode  # as uploaded
    display = Image.open(io.BytesIO(process(data, 50_000_000).display))
    assert display.mode == "RGB" and display.size == source.size
    # The display is always a JPEG (quality 82); a lossy source adds its own error.
    assert_close(samples(display), expected, 6 if fmt in LOSSLESS else 12, f"{mode} as {fmt}")


@pytest.mark.parametrize("mode", list(CASES))
def test_every_mode_converts_to_the_right_rgb(mode):
    make, expected, _ = CASES[mode]
    converted = _rgb(make())
    assert converted.mode == "RGB"
    assert_close(samples(converted), expected, QUANTISED.get(mode, 2), mode)


def test_a_16_bit_png_larger_than_the_display_is_shrunk_in_grey_not_white():
    big = Image.frombytes("I;16", (3000, 100), np.full((100, 3000), 128 * 257, dtype="<u2").tobytes())
    display = Image.open(io.BytesIO(process(encode(big, "PNG"), 50_000_000).display))
    assert display.size == (2048, 68)
    assert_close([display.getpixel((1000, 34))], [(128, 128, 128)], 4, "16-bit PNG, shrunk")
