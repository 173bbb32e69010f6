"""`GET /units` and `GET /units/kinds`."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import login_required
from reporter.common.pagination import paginate
from reporter.org import schemas, services

units_blp = Blueprint("units", __name__, url_prefix="/units", description="Units of government")
blueprints = [units_blp]


@units_blp.route("")
class Units(MethodView):
    @login_required
    @units_blp.arguments(schemas.UnitArgs, location="query")
    @units_blp.response(200, schemas.UnitPage)
    def get(self, args):
        """Units: city bureaus, the Qinling office, county governments and bureaus, oversight bodies."""
        stmt = services.units_query(args.get("kind"), args.get("county"), args.get("level"))
        return paginate(stmt, args["page"], args["page_size"])


@units_blp.route("/kinds")
class UnitKinds(MethodView):
    @login_required
    @units_blp.response(200, schemas.UnitKindOut(many=True))
    def get(self):
        """Unit kinds (what a responsibility rule names)."""
        return services.unit_kinds()
