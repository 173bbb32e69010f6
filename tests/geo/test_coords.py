"""WGS-84 ⇄ GCJ-02 conversion: the published value, and an inverse within a metre."""
import random

import pytest

from reporter.geo.coords import distance_m, from_wgs84, gcj02_to_wgs84, to_wgs84, wgs84_to_gcj02


def test_forward_matches_the_published_value_for_beijing():
    # the reference pair of the widely used coordtransform library: wgs84togcj02(116.404, 39.915)
    lat, lng = wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert lng == pytest.approx(116.41024449916938, abs=1e-9)


def test_inverse_is_within_a_metre_across_ankang():
    rng = random.Random(7)
    worst = 0.0
    for _ in range(2000):
        lat, lng = rng.uniform(31.7, 33.9), rng.uniform(108.0, 110.2)
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lng))
        worst = max(worst, distance_m(lat, lng, *back))
    assert worst < 0.01


def test_the_offset_in_ankang_is_hundreds_of_metres():
    lat, lng = 32.69, 109.03
    assert 300 < distance_m(lat, lng, *from_wgs84(lat, lng, "gcj02")) < 700


def test_wgs84_passes_through_and_outside_china_is_unchanged():
    assert to_wgs84(33.1, 108.2, "wgs84") == (33.1, 108.2)
    assert from_wgs84(48.85, 2.35, "gcj02") == (48.85, 2.35)
    with pytest.raises(ValueError):
        to_wgs84(33.1, 108.2, "bd09")


def test_location_schema_converts_gcj02_input_and_location_out_converts_back():
    from marshmallow import ValidationError

    from reporter.geo.schemas import CoordSystemArgs, LocationIn, location_out

    g_lat, g_lng = wgs84_to_gcj02(33.3, 108.3)
    loaded = LocationIn().load({"lat": g_lat, "lng": g_lng, "coord_system": "gcj02", "accuracy_m": 8})
    assert loaded["coord_system"] == "wgs84" and loaded["input_coord_system"] == "gcj02"
    assert distance_m(loaded["lat"], loaded["lng"], 33.3, 108.3) < 0.01
    assert LocationIn().load({"lat": 33.3, "lng": 108.3})["input_coord_system"] == "wgs84"
    out = location_out(loaded["lat"], loaded["lng"], "gcj02", address="宁陕县")
    assert out["coord_system"] == "gcj02" and out["address"] == "宁陕县"
    assert distance_m(out["lat"], out["lng"], g_lat, g_lng) < 0.05
    assert CoordSystemArgs().load({}) == {"coord_system": "wgs84"}
    with pytest.raises(ValidationError) as caught:
        LocationIn().load({"lat": 33.3, "lng": 108.3, "coord_system": "bd09", "extra": 1})
    assert set(caught.value.messages) == {"coord_system", "extra"}
