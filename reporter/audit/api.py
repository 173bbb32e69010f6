"""`GET /api/v1/audit-events`: the audit log, for auditors and admins (read only: there is no write path)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.roles import ADMIN, AUDITOR
from reporter.accounts.security import roles_required
from reporter.audit import schemas, services
from reporter.common.pagination import paginate

audit = Blueprint("audit", __name__, url_prefix="/audit-events", description="Audit log (auditors)")
blueprints = [audit]


@audit.route("")
class AuditEvents(MethodView):
    @roles_required(AUDITOR, ADMIN)
    @audit.arguments(schemas.AuditArgs, location="query")
    @audit.response(200, schemas.AuditPage)
    def get(self, args):
        """Administrative changes and identity reveals, newest first, filterable."""
        return paginate(services.events_query(args), args["page"], args["page_size"])
