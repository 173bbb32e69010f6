"""`/geo/locate`, `/regions`, grids and their inspectors."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, login_required, roles_required
from reporter.common.pagination import paginate
from reporter.geo import schemas, services
from reporter.geo.coords import to_wgs84

geo_blp = Blueprint("geo", __name__, url_prefix="/geo", description="Geography: locate points, grids")
regions_blp = Blueprint("regions", __name__, url_prefix="/regions", description="Counties of Ankang")
blueprints = [geo_blp, regions_blp]

GRID_READERS = ("admin", "supervisor", "auditor", "inspector", "officer")


@geo_blp.route("/locate")
class Locate(MethodView):
    @login_required
    @geo_blp.arguments(schemas.LocateArgs, location="query")
    @geo_blp.response(200, schemas.PlaceOut)
    def get(self, args):
        """County, protection zone and grid of a point (given and echoed in `coord_system`)."""
        place = services.locate(*to_wgs84(args["lat"], args["lng"], args["coord_system"]))
        echo = {"lat": args["lat"], "lng": args["lng"], "coord_system": args["coord_system"]}
        return services.place_view(place, echo)


@regions_blp.route("")
class Regions(MethodView):
    @regions_blp.arguments(schemas.RegionArgs, location="query")
    @regions_blp.response(200, description="a list of counties, or with `format=geojson` a FeatureCollection")
    def get(self, args):
        """The counties of Ankang (public), optionally as GeoJSON in the coordinate system asked for."""
        counties = services.counties()
        if args["format"] == "geojson":
            return services.feature_collection(counties, args["coord_system"], schemas.RegionOut().dump)
        return schemas.RegionOut(many=True).dump(counties)


@geo_blp.route("/grids")
class Grids(MethodView):
    @roles_required(*GRID_READERS)
    @geo_blp.arguments(schemas.GridArgs, location="query")
    @geo_blp.response(200, schemas.GridPage)
    def get(self, args):
        """Grids (optionally of one county) with their inspectors."""
        return paginate(services.grids_query(args.get("county")), args["page"], args["page_size"])


@geo_blp.route("/grids/<int:grid_id>")
class GridShape(MethodView):
    @roles_required(*GRID_READERS)
    @geo_blp.arguments(schemas.CoordSystemArgs, location="query")
    @geo_blp.response(200, description="a GeoJSON FeatureCollection holding the grid")
    def get(self, args, grid_id):
        """One grid as GeoJSON, in the coordinate system asked for."""
        grid = services.get_grid(grid_id)
        return services.feature_collection([grid], args["coord_system"], schemas.GridOut().dump)


@geo_blp.route("/grids/<int:grid_id>/inspectors/<int:user_id>")
class GridInspector(MethodView):
    @roles_required("admin")
    @geo_blp.response(204)
    def put(self, grid_id, user_id):
        """Assign an inspector to the grid (idempotent)."""
        services.set_inspector(grid_id, user_id, True, actor_id=actor().id)

    @roles_required("admin")
    @geo_blp.response(204)
    def delete(self, grid_id, user_id):
        """Take an inspector off the grid (idempotent)."""
        services.set_inspector(grid_id, user_id, False, actor_id=actor().id)
