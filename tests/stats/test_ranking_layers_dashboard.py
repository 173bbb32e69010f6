"""Rankings with ties and small samples; map layers and the dashboard in the caller's scope."""
from reporter.stats.ranking import rank
from tests.cases.conftest import HANBIN, NINGSHAN
from tests.conftest import app_ctx


def _unit(name, pct, closed):
    return {"unit_id": name, "name": name, "on_time_pct": pct, "closed": closed}


def test_competition_ranking_shares_ties_and_skips_and_keeps_small_samples_out():
    rows = [_unit("a", 90.0, 10), _unit("b", 95.0, 8), _unit("c", 90.0, 12), _unit("d", 100.0, 2),
            _unit("e", 70.0, 5), _unit("f", None, 0)]
    ranked = rank(rows, "on_time_pct", sample="closed", minimum=5, key=("unit_id", "name"))
    assert [(r["name"], r["rank"], r["small_sample"]) for r in ranked] == [
        ("b", 1, False), ("a", 2, False), ("c", 2, False), ("e", 4, False), ("d", None, True), ("f", None, True)]


def test_small_sample_threshold_is_a_setting(make_app, october):
    from reporter.stats.bulletin import bulletin

    with app_ctx(make_app(STATS_MIN_SAMPLE=2)):
        ranked = bulletin("2026-10")["rankings"]["counties"]
    assert ranked[0]["name"] == "宁陕县" and ranked[0]["rank"] == 1 and not ranked[0]["small_sample"]
    assert all(row["small_sample"] and row["rank"] is None for row in ranked[1:])
    with app_ctx(make_app()):  # the default minimum is 5 closed cases: 宁陕's 2 are a small sample
        assert bulletin("2026-10")["rankings"]["counties"][0]["small_sample"]


def test_cases_layer_is_points_without_people_in_the_case_list_scope(client, world, october):
    hanbin = world.open(where=HANBIN)
    layer = client.get("/api/v1/stats/map/cases?coord_system=gcj02", headers=world.h("city_sup")).get_json()
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 6
    feature = next(f for f in layer["features"] if f["id"] == october["a"])
    assert feature["geometry"]["type"] == "Point" and feature["properties"]["state"] == "closed"
    lng, lat = feature["geometry"]["coordinates"]
    assert abs(lat - NINGSHAN[0]) < 0.01 and (lat, lng) != (NINGSHAN[0], NINGSHAN[1])  # GCJ-02 shifted
    assert set(feature["properties"]) == {"id", "category", "state", "source", "county_adcode", "supervision_level",
                                          "overdue", "opened_on"}
    filtered = client.get("/api/v1/stats/map/cases?status=dispatched&supervised=true", headers=world.h("city_sup"))
    assert [f["id"] for f in filtered.get_json()["features"]] == [october["d"]]
    own = client.get("/api/v1/stats/map/cases", headers=world.h("county_sup")).get_json()
    assert hanbin not in {f["id"] for f in own["features"]} and len(own["features"]) == 5
    density = client.get("/api/v1/stats/map/density?cell_m=1000", headers=world.h("city_sup")).get_json()
    assert sum(f["properties"]["count"] for f in density["features"]) == 6 and density["max_count"] == 5


def test_coverage_layer_lists_grids_of_a_county(client, world):
    layer = client.get("/api/v1/stats/map/coverage?month=2026-10&county=610923", headers=world.h("city_sup"))
    body = layer.get_json()
    assert layer.status_code == 200 and body["month"] == "2026-10" and body["features"]
    assert all(f["properties"]["county_adcode"] == "610923" and f["properties"]["coverage_pct"] == 0.0
               for f in body["features"])
    assert body["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_dashboard_is_cached_and_refreshed_by_case_events(client, world, october, build):
    sup = world.h("city_sup")
    first = client.get("/api/v1/stats/dashboard", headers=sup).get_json()
    assert first["cached"] is False and first["open_total"] == 2  # C (in progress) and D (dispatched)
    assert first["open_by_state_and_age"]["dispatched"][">30d"] == 1
    assert first["overdue_by_unit"] == [{"code": "610923.forestry", "name": first["overdue_by_unit"][0]["name"],
                                         "overdue": 2}]  # today, C's handling deadline (11 Nov) has passed too
    assert first["patrols_today"] == {"under_way": 0, "finished": 0, "inspectors": 0}
    second = client.get("/api/v1/stats/dashboard", headers=sup).get_json()
    assert second["cached"] is True and second["open_total"] == 2
    build.act(october["d"], "officer", "sign", None)  # a case event: the next poll is fresh
    third = client.get("/api/v1/stats/dashboard", headers=sup).get_json()
    assert third["cached"] is False and third["open_by_state_and_age"]["in_progress"][">30d"] == 2
    other = client.get("/api/v1/stats/dashboard", headers=world.h("other_county_sup")).get_json()
    assert other["county"] == "610902" and other["open_total"] == 0
    assert client.get("/api/v1/stats/dashboard", headers=world.h("officer")).status_code == 403
