"""Admin endpoints for holiday years; a working-day check for anyone signed in."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, login_required, roles_required
from reporter.common.timeutil import FIRST_YEAR, LAST_YEAR
from reporter.workdays import schemas, services

workdays_blp = Blueprint("workdays", __name__, url_prefix="/workdays", description="Chinese working days")
blueprints = [workdays_blp]


@workdays_blp.route("/years")
class Years(MethodView):
    @roles_required("admin", "auditor")
    @workdays_blp.response(200, schemas.HolidayYearOut(many=True))
    def get(self):
        """The years an admin loaded (they override the built-in calendar)."""
        return services.loaded_years()


@workdays_blp.route(f"/years/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>")
class Year(MethodView):
    @roles_required("admin")
    @workdays_blp.arguments(schemas.HolidayYearIn)
    @workdays_blp.response(200, schemas.HolidayYearOut)
    def put(self, data, year):
        """Load or replace a year's holidays and adjusted working days (no release needed)."""
        days = {key: [{"date": d["date"].isoformat(), "name": d["name"]} for d in data[key]]
                for key in ("holidays", "workdays")}
        services.load_year(year, days["holidays"], days["workdays"], source=data["source"], actor_id=actor().id)
        return next(y for y in services.loaded_years() if y["year"] == year)

    @roles_required("admin")
    @workdays_blp.response(204)
    def delete(self, year):
        """Forget a loaded year (the built-in calendar, or the statutory estimate, applies again)."""
        services.unload_year(year, actor_id=actor().id)


@workdays_blp.route("/check")
class Check(MethodView):
    @login_required
    @workdays_blp.arguments(schemas.CheckArgs, location="query")
    @workdays_blp.response(200, schemas.CheckOut)
    def get(self, args):
        """Whether a date is a working day, and the `add`-th working day after it."""
        day = args["date"]
        deadline = services.add_working_days(day, args["add"])
        return {"date": day, "is_working_day": services.is_working_day(day),
                "source": services.calendar_source(day.year), "add": args["add"], "deadline": deadline,
                "years": [{"year": year, "source": services.calendar_source(year)}
                          for year in range(day.year, deadline.year + 1)]}
