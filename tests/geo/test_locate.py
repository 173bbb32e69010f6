"""The point index: counties, zones and grids, GCJ-02 near a border, and refreshing after changes."""
import pytest
from shapely.geometry import Point

from reporter.geo import services
from reporter.geo.coords import to_wgs84
from reporter.geo.models import County, Grid, ProtectionZone
from tests.conftest import app_ctx
from tests.geo.points import ANKANG_CITY, BORDER_GCJ02, NINGSHAN_CORE, NINGSHAN_KEY, OUTSIDE, ZIYANG


def test_known_places(app):
    with app_ctx(app):
        key = services.locate(*NINGSHAN_KEY)
        assert (key.in_ankang, key.county_name, key.zone, key.in_qinling) == (True, "宁陕县", "key", True)
        assert key.grid_code.startswith("610923") and len(key.grid_code) == 15
        assert services.locate(*NINGSHAN_CORE).zone == "core"
        city = services.locate(*ANKANG_CITY)
        assert (city.county_adcode, city.in_qinling, city.zone) == ("610902", False, None)
        assert services.locate(*ZIYANG).county_name == "紫阳县"
        assert services.locate(*OUTSIDE) == services.Place(False, None, None, False, None, None, None)


def test_gcj02_point_near_a_border_lands_right_only_after_conversion(app):
    with app_ctx(app):
        assert services.locate(*to_wgs84(*BORDER_GCJ02, "gcj02")).county_name == "宁陕县"
        assert services.locate(*BORDER_GCJ02).county_name == "汉滨区"


def test_index_agrees_with_plain_point_in_polygon(app):
    import random

    from shapely.geometry import shape

    rng = random.Random(11)
    with app_ctx(app) as session:
        counties = [(c.adcode, shape(c.geometry)) for c in session.query(County).all()]
        for _ in range(300):
            lat, lng = rng.uniform(31.7, 33.85), rng.uniform(108.0, 110.2)
            expected = next((code for code, geom in counties if geom.contains(Point(lng, lat))), None)
            assert services.locate(lat, lng).county_adcode == expected


def test_every_qinling_county_has_default_grids_and_demo_zones_say_illustrative(app):
    with app_ctx(app) as session:
        grids = session.query(Grid).all()
        assert 50 <= len(grids) <= 400
        assert {g.county_adcode for g in grids} == {"610902", "610921", "610922", "610923", "610928"}
        assert all(len(g.code) == 15 and g.code.isdigit() for g in grids)
        zones = session.query(ProtectionZone).all()
        assert zones and all(z.properties["illustrative"] is True for z in zones)


def test_index_is_built_once_and_refreshed_when_geography_changes(app):
    with app_ctx(app):
        first = services.geo_index()
        assert services.geo_index() is first
        grid_id = services.locate(*ANKANG_CITY).grid_id
        assert grid_id is not None
        lat, lng = ANKANG_CITY
        square = {"type": "Polygon", "coordinates": [[[lng - .01, lat - .01], [lng + .01, lat - .01],
                                                      [lng + .01, lat + .01], [lng - .01, lat + .01],
                                                      [lng - .01, lat - .01]]]}
        zone = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": square, "properties": {
            "code": "test.core.city", "name": "test core", "level": "核心保护区"}}]}
        services.import_features(zone, "zone", "wgs84")
        assert services.geo_index() is not first
        assert services.locate(*ANKANG_CITY).zone == "core"
        assert services.grid_polygon(grid_id).contains(Point(lng, lat))


def test_import_names_the_bad_feature_and_changes_nothing(app):
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [108.3, 33.3]},
         "properties": {"code": "610923001001001"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[108, 33], [108.1, 33], [108.1, 33.1],
                                                                             [108, 33]]]},
         "properties": {"code": "999999001001001"}}]}
    from reporter.errors import ValidationFailed

    with app_ctx(app) as session:
        before = session.query(Grid).count()
        with pytest.raises(ValidationFailed) as caught:
            services.import_features(bad, "grid", "wgs84")
        assert set(caught.value.errors["features"]) == {0, 1}
        assert "geometry" in caught.value.errors["features"][0]
        assert "unknown county" in caught.value.errors["features"][1]["code"][0]
        session.rollback()
        assert session.query(Grid).count() == before
