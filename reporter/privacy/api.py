"""Privacy endpoints: the notice (public; admins publish), a resident's consents, the copy of their data, and
account cancellation (注销)."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.roles import ADMIN, RESIDENT
from reporter.accounts.security import actor, roles_required
from reporter.common.limits import setting, user_or_ip
from reporter.extensions import limiter
from reporter.privacy import cancellation, consent, export, schemas

notice_blp = Blueprint("privacy_notice", __name__, url_prefix="/privacy-notice",
                       description="The privacy notice (隐私政策), versioned")
me_blp = Blueprint("my_privacy", __name__, url_prefix="/me",
                   description="A resident's consent, copy of their data and account cancellation (注销)")
blueprints = [notice_blp, me_blp]
ZIP = "application/zip"


@notice_blp.route("")
class Notices(MethodView):
    @notice_blp.response(200, schemas.NoticesOut)
    def get(self):
        """The version in force and every earlier one (no sign-in: the mini-program shows it before anything)."""
        versions = consent.notices()
        return {"current": versions[0] if versions else None, "versions": versions}

    @roles_required(ADMIN)
    @notice_blp.arguments(schemas.NoticeIn)
    @notice_blp.response(201, schemas.NoticeOut)
    def post(self, data):
        """Publish a new version; residents must accept it before they submit anything again."""
        return consent.publish(actor(), data)


@notice_blp.route("/<int:version>")
class Notice(MethodView):
    @notice_blp.response(200, schemas.NoticeOut)
    def get(self, version: int):
        """One published version."""
        return consent.notice(version)


@me_blp.route("/consents")
class Consents(MethodView):
    @roles_required(RESIDENT)
    @me_blp.response(200, schemas.ConsentsOut)
    def get(self):
        """What the signed-in resident accepted, and whether the current version is among it."""
        current = consent.current_notice()
        return {"current_version": current.version if current else None,
                "accepted_current": consent.accepted_current(actor()), "consents": consent.consents_of(actor().id)}

    @roles_required(RESIDENT)
    @me_blp.arguments(schemas.ConsentIn)
    @me_blp.response(201, schemas.ConsentOut)
    @me_blp.alt_response(409, description="not the current version (`notice_outdated`)")
    def post(self, data):
        """同意: accept the current version of the notice (accepting it again answers the same acceptance)."""
        return consent.accept(actor(), data["version"])


@me_blp.route("/data")
class MyData(MethodView):
    # Each copy reads all of a person's rows (and, as a ZIP, their photos): a handful an hour is every real need.
    decorators = [limiter.limit(setting("RATELIMIT_MY_DATA", "60/hour"), key_func=user_or_ip)]

    @roles_required(RESIDENT)
    @me_blp.arguments(schemas.MyDataArgs, location="query")
    @me_blp.response(200, schemas.MyDataOut)
    @me_blp.doc(responses={200: {
        "description": "`format=json` (default): the document; `zip`: data.json and photos/<id>.jpg",
        "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args):
        """A copy of everything the system holds about you: account, consents, reports with their public timelines,
        supplements, feedback, rewards with the payee details you gave, photos, messages."""
        data = export.my_data(actor())
        if args["format"] == "json":
            return data
        return Response(export.my_data_zip(actor(), schemas.MyDataOut().dump(data)), mimetype=ZIP,
                        headers={"Content-Disposition": 'attachment; filename="my-data.zip"'})


@me_blp.route("/cancellation")
class Cancellation(MethodView):
    @roles_required(RESIDENT, fresh=True)
    @me_blp.arguments(schemas.CancellationIn)
    @me_blp.response(200, schemas.CancellationOut)
    @me_blp.alt_response(409, description="open rewards need your decision (`forfeit_confirmation_required`, "
                                          "`claimed_reward_choice_required`)")
    def post(self, data):
        """注销: needs a WeChat sign-in of the last minutes; ends every session and removes you from the system.
        The answer says what stays (cases, the reward ledger, payee records finance must keep) and why."""
        return cancellation.cancel(actor().id, forfeit_unclaimed=data["forfeit_unclaimed"],
                                   claimed_rewards=data.get("claimed_rewards"))
