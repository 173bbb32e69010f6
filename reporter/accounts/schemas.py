"""What comes in and goes out of the auth endpoints."""
import marshmallow as ma
from marshmallow import validate

from reporter.common.schemas import StrictSchema


class WechatLoginIn(StrictSchema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))


class PasswordLoginIn(StrictSchema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class UnitBrief(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    level = ma.fields.String()
    county_adcode = ma.fields.String(allow_none=True)


class GridBrief(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class MeOut(ma.Schema):
    """The signed-in user (never the WeChat openid)."""

    id = ma.fields.Integer(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    display_name = ma.fields.String(required=True)
    username = ma.fields.String(allow_none=True)
    unit = ma.fields.Nested(UnitBrief, allow_none=True)
    grids = ma.fields.Method("_grids")

    def _grids(self, user):
        from reporter.accounts.profile import grids_of

        return GridBrief(many=True).dump(grids_of(user))


class TokensOut(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.String()
    user = ma.fields.Nested(MeOut)


class AccessTokenOut(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.String()
