"""Admins see delivery failures and can retry them."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.roles import ADMIN
from reporter.accounts.security import actor, roles_required
from reporter.common.pagination import paginate
from reporter.errors import NotFound
from reporter.notify import schemas, services

outbox = Blueprint("outbox", __name__, url_prefix="/admin/outbox", description="Notification outbox (admins)")
blueprints = [outbox]


@outbox.route("")
class OutboxList(MethodView):
    @roles_required(ADMIN)
    @outbox.arguments(schemas.OutboxArgs, location="query")
    @outbox.response(200, schemas.OutboxPage)
    def get(self, args):
        """Messages, newest first, optionally by state (e.g. `failed`)."""
        return paginate(services.messages_query(args.get("state")), args["page"], args["page_size"])


@outbox.route("/<message_id>/retry")
class OutboxRetry(MethodView):
    @roles_required(ADMIN)
    @outbox.response(200, schemas.OutboxMessageOut)
    @outbox.alt_response(409, description="the message is not failed (`not_failed`): it was sent or is queued")
    def post(self, message_id: str):
        """Queue a failed message again (audited)."""
        message = services.retry_failed(message_id, actor_id=actor().id)
        if message is None:
            raise NotFound("No such message")
        return message
