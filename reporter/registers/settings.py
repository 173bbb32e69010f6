"""Register settings: the app config, else the environment variable of the same name, else the default here."""
import os

from flask import current_app

DEFAULTS = {
    "SITE_DOCUMENT_MAX_BYTES": 10 * 1024 * 1024,  # one PDF or photo of a site's file (一站一书)
    "SITE_LINK_DISTANCE_M": 200,  # a report or observation this near a site of the matching kind belongs to it
}


def setting(name: str):
    """A register setting, typed like its default."""
    if name in current_app.config:
        return current_app.config[name]
    default = DEFAULTS[name]
    return type(default)(os.environ.get(name, default))
