"""What comes in (a multipart form with one file) and what goes out (the API.md upload JSON)."""
import marshmallow as ma
from flask_smorest.fields import Upload as UploadField
from marshmallow import validate

from reporter.common.schemas import StrictSchema
from reporter.geo.coords import COORD_SYSTEMS
from reporter.media.models import PURPOSES


class OneFile(UploadField):
    """A file field that must occur exactly once (a second `file` part is refused, not ignored)."""

    is_multiple = True  # webargs hands over every part of that name

    def _deserialize(self, value, attr, data, **kwargs):
        parts = value if isinstance(value, list | tuple) else [value]
        if len(parts) != 1:
            raise ma.ValidationError("Send exactly one file per request.")
        return parts[0]


class UploadIn(StrictSchema):
    """The multipart body `wx.uploadFile` sends: one file part `file`, optional form field `purpose`."""

    file = OneFile(required=True, metadata={"description": "the photo (JPEG, PNG, WebP or HEIC)"})
    purpose = ma.fields.String(load_default="report", validate=validate.OneOf(PURPOSES))


class CoordArgs(StrictSchema):
    coord_system = ma.fields.String(load_default="wgs84", validate=validate.OneOf(COORD_SYSTEMS))


class ImageArgs(StrictSchema):
    sig = ma.fields.String(metadata={"description": "signature from `url` / `thumbnail_url`"})


class GpsOut(ma.Schema):
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)


class CameraOut(ma.Schema):
    make = ma.fields.String(allow_none=True)
    model = ma.fields.String(allow_none=True)


class UploadOut(ma.Schema):
    """An upload as its uploader (or anyone allowed to see it) gets it; dates are already RFC 3339 text."""

    id = ma.fields.String(required=True)
    purpose = ma.fields.String(validate=validate.OneOf(PURPOSES))
    state = ma.fields.String(metadata={"description": "pending | attached"})
    sha256 = ma.fields.String(required=True)
    content_type = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    bytes = ma.fields.Integer(required=True)
    taken_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    gps = ma.fields.Nested(GpsOut, allow_none=True, metadata={"description": "EXIF position, as coord_system asks"})
    camera = ma.fields.Nested(CameraOut, allow_none=True)
    created_at = ma.fields.String(metadata={"format": "date-time"})
    url = ma.fields.String(required=True, metadata={"description": "signed link to the image, expires"})
    thumbnail_url = ma.fields.String(required=True, metadata={"description": "signed link to the thumbnail"})

