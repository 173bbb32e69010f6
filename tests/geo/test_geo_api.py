"""`/geo/locate`, `/regions`, grid inspectors through the API, and the `flask geo` commands."""
import json

from reporter.geo.coords import from_wgs84
from tests.api.test_frame import assert_error
from tests.geo.points import BORDER_GCJ02, NINGSHAN_CORE, OUTSIDE


def test_locate_takes_gcj02_and_echoes_it(client, users):
    headers = users.headers(users.make("resident"))
    resp = client.get("/api/v1/geo/locate", query_string={"lat": BORDER_GCJ02[0], "lng": BORDER_GCJ02[1],
                                                          "coord_system": "gcj02"}, headers=headers)
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["county"] == {"adcode": "610923", "name": "宁陕县"}
    assert body["location"] == {"lat": BORDER_GCJ02[0], "lng": BORDER_GCJ02[1], "coord_system": "gcj02"}
    assert body["zone"] == "key" and body["grid"]["code"].startswith("610923")
    outside = client.get("/api/v1/geo/locate", query_string={"lat": OUTSIDE[0], "lng": OUTSIDE[1]},
                         headers=headers).get_json()
    assert outside["in_ankang"] is False and outside["county"] is None


def test_locate_needs_sign_in_and_valid_coordinates(client, users):
    assert_error(client.get("/api/v1/geo/locate?lat=33&lng=108"), 401)
    headers = users.headers(users.make("resident"))
    resp = client.get("/api/v1/geo/locate?lat=95&lng=108&coord_system=bd09", headers=headers)
    assert_error(resp, 422)
    assert set(resp.get_json()["errors"]["query"]) == {"lat", "coord_system"}


def test_regions_as_list_and_as_geojson_in_gcj02(client):
    listed = client.get("/api/v1/regions").get_json()
    assert len(listed) == 10
    assert {"adcode": "610923", "name": "宁陕县", "in_qinling": True} in listed
    assert sum(r["in_qinling"] for r in listed) == 5
    geo = client.get("/api/v1/regions?format=geojson&coord_system=gcj02").get_json()
    assert geo["type"] == "FeatureCollection" and geo["coord_system"] == "gcj02"
    ningshan = next(f for f in geo["features"] if f["properties"]["adcode"] == "610923")
    # converted back to GCJ-02, the boundary matches the shipped GCJ-02 file to well under a metre
    shipped = json.load(open("reporter/geo/data/ankang-counties.gcj02.geojson", encoding="utf-8"))
    original = next(f for f in shipped["features"] if f["properties"]["adcode"] == "610923")
    lng, lat = ningshan["geometry"]["coordinates"][0][0][0]
    assert abs(lng - original["geometry"]["coordinates"][0][0][0][0]) < 1e-5
    assert abs(lat - original["geometry"]["coordinates"][0][0][0][1]) < 1e-5


def test_admin_assigns_an_inspector_who_then_sees_the_grid_on_me(client, users, app):
    admin = users.headers(users.make("admin"))
    inspector = users.make("inspector")
    grid = client.get("/api/v1/geo/grids?county=610923&page_size=1", headers=admin).get_json()["items"][0]
    url = f"/api/v1/geo/grids/{grid['id']}/inspectors/{inspector}"
    assert client.put(url, headers=admin).status_code == 204
    assert client.put(url, headers=admin).status_code == 204  # idempotent
    me = client.get("/api/v1/me", headers=users.headers(inspector)).get_json()
    assert [g["code"] for g in me["grids"]] == [grid["code"]]
    listed = client.get("/api/v1/geo/grids?county=610923&page_size=1", headers=admin).get_json()["items"][0]
    assert listed["inspector_ids"] == [inspector]
    shape = client.get(f"/api/v1/geo/grids/{grid['id']}", headers=users.headers(inspector)).get_json()
    assert shape["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert_error(client.put(url, headers=users.headers(inspector)), 403)
    resident = users.make("resident")
    assert_error(client.put(f"/api/v1/geo/grids/{grid['id']}/inspectors/{resident}", headers=admin), 422)
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers=users.headers(inspector)).get_json()["grids"] == []


def test_cli_make_grids_and_import(app, tmp_path):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["geo", "make-grids", "--county", "610923", "--size-km", "20"])
    assert refused.exit_code != 0 and "already has grids" in refused.output
    made = runner.invoke(args=["geo", "make-grids", "--county", "610924", "--size-km", "20"])
    assert made.exit_code == 0, made.output
    count = int(made.output.split(":")[1].split()[0])
    assert 5 <= count <= 30
    lat, lng = NINGSHAN_CORE
    g_lat, g_lng = from_wgs84(lat, lng, "gcj02")
    ring = [[g_lng - .01, g_lat - .01], [g_lng + .01, g_lat - .01], [g_lng + .01, g_lat + .01],
            [g_lng - .01, g_lat + .01], [g_lng - .01, g_lat - .01]]
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "coord_system": "gcj02", "features": [{
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": "610923001002003", "name": "测试网格"}}]}), encoding="utf-8")
    imported = runner.invoke(args=["geo", "import", str(path), "--kind", "grid"])
    assert imported.exit_code == 0 and "1 created" in imported.output
    from shapely.geometry import Point

    from reporter.geo.models import Grid
    from reporter.geo.services import grid_polygon
    from tests.conftest import app_ctx

    with app_ctx(app) as session:
        grid = session.query(Grid).filter_by(code="610923001002003").one()
        polygon = grid_polygon(grid.id)
        # stored in WGS-84: the GCJ-02 square centred on the map pick is centred on the true point
        assert polygon.contains(Point(lng, lat))
        assert abs(polygon.centroid.x - lng) < 1e-4 and abs(polygon.centroid.y - lat) < 1e-4
