"""The console as a Flask blueprint outside the API (`flask_blueprints`, registered by the app factory)."""
import reporter.console.registers  # noqa: F401  (registers and campaigns, issue 20)
from reporter.console import views  # noqa: F401  (the pages register themselves on the blueprint)
from reporter.console.pages import bp

flask_blueprints = [bp]
