"""The console as a Flask blueprint outside the API (`flask_blueprints`, registered by the app factory)."""
from reporter.console import (
    rewards,  # noqa: F401  (the reward desk, issue 20)
    views,  # noqa: F401  (the pages register themselves on the blueprint)
)
from reporter.console.pages import bp

flask_blueprints = [bp]
