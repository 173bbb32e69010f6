"""The console as a Flask blueprint outside the API (`flask_blueprints`, registered by the app factory)."""
import reporter.console.bulletin  # noqa: F401  (月通报: its pages register themselves too)
from reporter.console import views  # noqa: F401  (the pages register themselves on the blueprint)
from reporter.console.pages import bp

flask_blueprints = [bp]
