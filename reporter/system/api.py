"""`/health` (no database) and `/ready` (database answers)."""
import logging

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import text

from reporter.errors import ServiceUnavailable
from reporter.extensions import db

log = logging.getLogger(__name__)
system = Blueprint("system", __name__, url_prefix="", description="Liveness and readiness")
blueprints = [system]


class StatusOut(ma.Schema):
    status = ma.fields.String(required=True)


@system.route("/health")
class Health(MethodView):
    @system.response(200, StatusOut)
    def get(self):
        """The process is up (does not touch the database)."""
        return {"status": "ok"}


@system.route("/ready")
class Ready(MethodView):
    @system.response(200, StatusOut)
    @system.alt_response(503, schema=None, description="The database does not answer")
    def get(self):
        """The database answers."""
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        except Exception as exc:  # any database failure means "not ready"
            db.session.rollback()
            log.warning("readiness check failed: %s", type(exc).__name__)
            raise ServiceUnavailable("The database does not answer", error="database_unavailable") from None
        return {"status": "ok"}
