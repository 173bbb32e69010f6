"""Auth endpoints of API.md: WeChat and password sign-in, refresh with rotation, logout, /me."""
from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from flask_smorest import Blueprint

from reporter.accounts import schemas, services
from reporter.accounts.security import actor, login_required, roles_required
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
        user, tokens = services.login_with_password(data["username"], data["password"])
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
