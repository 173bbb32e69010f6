"""The console as a Flask blueprint outside the API (`flask_blueprints`, registered by the app factory)."""
from reporter.console import (  # noqa: F401  (the pages register themselves on the blueprint)
    rlist,  # 责任清单: versions, rules, activation, routing preview
    typical,  # 典型案例: publish with the personal-data check, preview, withdraw
    views,
)
from reporter.console.pages import bp

flask_blueprints = [bp]
