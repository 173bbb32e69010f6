"""Media settings with their defaults (override them in the app config)."""
from flask import current_app

DEFAULTS = {
    "MAX_IMAGE_PIXELS": 50_000_000,  # a 50-megapixel phone photo passes; Pillow's own limit is 89 MP
    "UPLOAD_URL_MAX_AGE_S": 3600,  # life of a signed image link
    "RATELIMIT_UPLOADS": "60/minute",  # per signed-in user
}


def setting(name: str):
    """A media setting from the app config, or its default."""
    return current_app.config.get(name, DEFAULTS[name])
