"""Media settings: the app config, else the environment variable of the same name, else the default here."""
import os

from flask import current_app

DEFAULTS = {
    "MAX_IMAGE_PIXELS": 50_000_000,  # a 50-megapixel phone photo passes; Pillow's own limit is 89 MP
    "UPLOAD_URL_MAX_AGE_S": 3600,  # life of a signed image link
    "RATELIMIT_UPLOADS": "60/minute",  # per signed-in user
    # Where files live: empty = the file system under UPLOAD_ROOT; file:///path; s3://bucket[/prefix]?endpoint=…
    "STORAGE_URL": "",
    "STORAGE_SERVE": "stream",  # image links: "stream" through the app, or "redirect" to a presigned URL of the store
    "STORAGE_TIMEOUT_S": 5.0,  # connect and read timeout towards the object store
    "IMAGE_DECODE_BUDGET_MIB": 180.0,  # memory one photo's decode may take (pipeline.DECODE_BYTES_PER_PIXEL)
    "IMAGE_DECODES_AT_ONCE": 1,  # photos one worker process decodes at the same time (threads wait for a slot)
    "IMAGE_DECODE_WAIT_S": 10.0,  # how long an upload waits for a slot before 503 image_decoder_busy
}


def setting(name: str):
    """A media setting, typed like its default."""
    if name in current_app.config:
        return current_app.config[name]
    default = DEFAULTS[name]
    return type(default)(os.environ.get(name, default))
