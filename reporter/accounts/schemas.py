"""What comes in and goes out of the auth endpoints."""
import marshmallow as ma
from marshmallow import validate

from reporter.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from reporter.accounts.roles import ALL_ROLES, STAFF_ROLES
from reporter.common.schemas import MAX_PAGE, StrictSchema, page_schema
from reporter.org.schemas import UnitCode


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


class UserArgs(StrictSchema):
    """`GET /admin/users` filters and paging."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    role = ma.fields.String(validate=validate.OneOf(ALL_ROLES))
    unit = ma.fields.String(validate=validate.Length(max=64))
    q = ma.fields.String(validate=validate.Length(max=64))


class UserIn(StrictSchema):
    """A new staff account."""

    username = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{2,64}$"))
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(min=MIN_LENGTH, max=MAX_LENGTH))  # passwords.password_problem
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(STAFF_ROLES)), required=True,
                           validate=validate.Length(min=1, max=len(STAFF_ROLES)))
    unit_code = UnitCode(allow_none=True)
    display_name = ma.fields.String(validate=validate.Length(min=1, max=64))


class UserPatch(StrictSchema):
    """Changes to an account: roles, unit, name, enabled."""

    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ALL_ROLES)),
                           validate=validate.Length(min=1, max=len(ALL_ROLES)))
    unit_code = UnitCode(allow_none=True)
    display_name = ma.fields.String(validate=validate.Length(min=1, max=64))
    is_active = ma.fields.Boolean()


class UserOut(ma.Schema):
    """A user as admins see it (never the WeChat openid or the password hash)."""

    id = ma.fields.Integer(required=True)
    username = ma.fields.String(allow_none=True)
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    unit = ma.fields.Nested(UnitBrief, allow_none=True)
    is_active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


UserPage = page_schema(UserOut, "UserPage")
