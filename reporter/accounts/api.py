"""Auth endpoints of API.md: WeChat and password sign-in, refresh with rotation, logout, /me."""
from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from flask_smorest import Blueprint

from reporter.accounts import schemas, services
from reporter.accounts.roles import ADMIN, AUDITOR
from reporter.accounts.security import actor, login_required, roles_required
from reporter.api_frame import ID, link, links
from reporter.common.limits import client_ip
from reporter.common.pagination import paginate
from reporter.extensions import limiter

auth = Blueprint("auth", __name__, url_prefix="/auth", description="Sign-in and tokens")
me_blp = Blueprint("me", __name__, url_prefix="", description="The signed-in user")
blueprints = [auth, me_blp]


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@auth.route("/wechat")
class WechatLogin(MethodView):
    decorators = [limiter.limit(_login_limit)]

    @auth.arguments(schemas.WechatLoginIn)
    @auth.response(200, schemas.TokensOut)
    def post(self, data):
        """Sign in from the mini-program with a wx.login code."""
        user, tokens = services.login_with_wechat(data["code"])
        return {**tokens, "user": user}


@auth.route("/login")
class PasswordLogin(MethodView):
    decorators = [limiter.limit(_login_limit)]

    @auth.arguments(schemas.PasswordLoginIn)
    @auth.response(200, schemas.TokensOut)
    def post(self, data):
        """Staff sign-in with username and password (a fresh token)."""
        user, tokens = services.login_with_password(data["username"], data["password"], client_ip())
        return {**tokens, "user": user}


@auth.route("/refresh")
class Refresh(MethodView):
    @roles_required(refresh=True)
    @auth.response(200, schemas.AccessTokenOut)
    def post(self):
        """Trade the refresh token (as bearer) for a new pair; the old one stops working."""
        claims = get_jwt()
        return services.rotate_refresh_token(actor(), claims["jti"], claims["sid"])


@auth.route("/logout")
class Logout(MethodView):
    @login_required
    @auth.response(204)
    def post(self):
        """End this session: both its tokens stop working."""
        services.logout(get_jwt()["sid"])


@me_blp.route("/me")
class Me(MethodView):
    @login_required
    @me_blp.response(200, schemas.MeOut)
    def get(self):
        """The signed-in user: id, roles, display name, unit and grids."""
        return actor()


admin_users = Blueprint("admin_users", __name__, url_prefix="/admin/users", description="Staff accounts (admins)")
blueprints.append(admin_users)


@admin_users.route("")
class Users(MethodView):
    @roles_required(ADMIN, AUDITOR)
    @admin_users.arguments(schemas.UserArgs, location="query")
    @admin_users.response(200, schemas.UserPage)
    def get(self, args):
        """Accounts, newest first, by role, unit or name."""
        return paginate(services.users_query(args), args["page"], args["page_size"])

    @roles_required(ADMIN)
    @admin_users.arguments(schemas.UserIn)
    @admin_users.response(201, schemas.UserOut)
    @admin_users.doc(**links(201, Change=link("PATCH", "/api/v1/admin/users/{user_id}", user_id=ID)))
    def post(self, data):
        """Create a staff account with one or more roles (and a unit)."""
        return services.create_user(data["username"], data["password"], data["roles"],
                                    unit_code=data.get("unit_code"), display_name=data.get("display_name"),
                                    actor_id=actor().id)


@admin_users.route("/<int:user_id>")
class UserDetail(MethodView):
    @roles_required(ADMIN)
    @admin_users.arguments(schemas.UserPatch)
    @admin_users.response(200, schemas.UserOut)
    def patch(self, data, user_id: int):
        """Change roles, unit, name or enabled state (a role change or disabling ends the user's sessions)."""
        return services.update_user(user_id, data, actor_id=actor().id)
