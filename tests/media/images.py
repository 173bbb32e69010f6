"""Real image files made with Pillow for the media tests (EXIF through Pillow's Exif API)."""
import io
import struct
import zlib
from datetime import datetime

import pillow_heif
from PIL import ExifTags, Image

ANKANG = (32.6849, 109.0293)  # 汉滨区, WGS-84
SYDNEY = (-33.8688, 151.2093)  # south of the equator: a negative latitude


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return float(degrees), float(minutes), seconds


def exif(*, gps: tuple[float, float] | None = None, orientation: int | None = None,
         taken: datetime | None = None, offset: str | None = None, make: str | None = None,
         model: str | None = None) -> Image.Exif:
    """An EXIF block with the facts a phone writes."""
    data = Image.Exif()
    if orientation:
        data[ExifTags.Base.Orientation] = orientation
    if make:
        data[ExifTags.Base.Make] = make
    if model:
        data[ExifTags.Base.Model] = model
    if taken:
        ifd = data.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
        if offset:
            ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps:
        lat, lng = gps
        ifd = data.get_ifd(ExifTags.IFD.GPSInfo)
        ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        ifd[ExifTags.GPS.GPSLatitude] = _dms(lat)
        ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if lng >= 0 else "W"
        ifd[ExifTags.GPS.GPSLongitude] = _dms(lng)
    return data


def picture(size=(400, 300), mode="RGB") -> Image.Image:
    """A picture with a red block in its top-left corner (to see where orientation put it) on grey."""
    im = Image.new(mode, size, (128, 128, 128) if mode == "RGB" else (128, 128, 128, 255))
    im.paste((255, 0, 0) if mode == "RGB" else (255, 0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    return im


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    """The image saved in a format, as bytes."""
    if fmt == "HEIF":
        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(400, 300), **exif_facts) -> bytes:
    """A JPEG as a phone makes it, with EXIF."""
    return encode(picture(size), "JPEG", quality=90, exif=exif(**exif_facts))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header announcing huge dimensions, in a few dozen bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def jpeg_segments(data: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments, up to the start of the scan."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: header over
            break
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        pos += 2 + length
    return markers
