"""The facts read from a photo's EXIF before it is dropped: when, where (WGS-84) and with what camera."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image

from reporter.common.input_guard import printable
from reporter.common.timeutil import CST

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo says about itself."""

    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_lng: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None


def read_facts(exif: Image.Exif) -> PhotoFacts:
    """Time taken, GPS position and camera from EXIF; anything unreadable is left out."""
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    lat, lng = _position(exif.get_ifd(ExifTags.IFD.GPSInfo))
    return PhotoFacts(
        taken_at=_taken_at(ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime),
                           ifd.get(ExifTags.Base.OffsetTimeOriginal)),
        gps_lat=lat,
        gps_lng=lng,
        camera_make=_text(exif.get(ExifTags.Base.Make)),
        camera_model=_text(exif.get(ExifTags.Base.Model)),
    )


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = printable(value).strip()  # a photo's text is as hostile as any input (NUL, controls)
    return value[:64] or None


def _taken_at(value, offset) -> datetime | None:
    """EXIF wall-clock time; its own offset when given, else China Standard Time (where these phones are)."""
    text = _text(value)
    if not text:
        return None
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    match = _OFFSET.match(_text(offset) or "")
    if match:
        sign = -1 if match.group(1) == "-" else 1
        tz = timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
        return naive.replace(tzinfo=tz)
    return naive.replace(tzinfo=CST)


def _degrees(value) -> float:
    parts = [float(v) for v in (value if isinstance(value, tuple | list) else (value,))]
    return sum(part / 60 ** i for i, part in enumerate(parts[:3]))


def _position(gps: dict) -> tuple[float | None, float | None]:
    """Signed decimal degrees: south of the equator and west of Greenwich are negative."""
    try:
        lat, lng = _degrees(gps[ExifTags.GPS.GPSLatitude]), _degrees(gps[ExifTags.GPS.GPSLongitude])
        if _text(gps.get(ExifTags.GPS.GPSLatitudeRef)) == "S":
            lat = -lat
        if _text(gps.get(ExifTags.GPS.GPSLongitudeRef)) == "W":
            lng = -lng
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return None, None  # out of range (or NaN), or the 0/0 phones write without a fix
    return round(lat, 7), round(lng, 7)
