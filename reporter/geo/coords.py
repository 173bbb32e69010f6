"""WGS-84 ⇄ GCJ-02 (the offset datum of Chinese web maps), with the published formulas.

The forward transform is the widely published one (Krasovsky ellipsoid constants); the inverse iterates the forward
transform until the round trip agrees to about a millimetre. Outside China GCJ-02 equals WGS-84.
"""
import math

WGS84 = "wgs84"
GCJ02 = "gcj02"
COORD_SYSTEMS = (WGS84, GCJ02)

_A = 6378245.0                       # semi-major axis used by the published GCJ-02 formulas
_EE = 0.00669342162296594323         # eccentricity squared
_INVERSE_TOLERANCE_DEG = 1e-9        # ~0.1 mm
_INVERSE_MAX_STEPS = 30


def _outside_china(lat: float, lng: float) -> bool:
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 (lat, lng) of a WGS-84 point."""
    if _outside_china(lat, lng):
        return lat, lng
    d_lat = _delta_lat(lng - 105.0, lat - 35.0)
    d_lng = _delta_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 (lat, lng) of a GCJ-02 point, by fixed-point iteration of the forward transform."""
    w_lat, w_lng = lat, lng
    for _ in range(_INVERSE_MAX_STEPS):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        e_lat, e_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - e_lat, w_lng - e_lng
        if abs(e_lat) < _INVERSE_TOLERANCE_DEG and abs(e_lng) < _INVERSE_TOLERANCE_DEG:
            break
    return w_lat, w_lng


def _identity(lat: float, lng: float) -> tuple[float, float]:
    return lat, lng


_TO_WGS84 = {WGS84: _identity, GCJ02: gcj02_to_wgs84}
_FROM_WGS84 = {WGS84: _identity, GCJ02: wgs84_to_gcj02}


def _converter(table: dict, coord_system: str):
    try:
        return table[coord_system]
    except KeyError:
        raise ValueError(f"unknown coordinate system {coord_system!r}") from None


def to_wgs84(lat: float, lng: float, coord_system: str) -> tuple[float, float]:
    """(lat, lng) in WGS-84 of a point given in `coord_system` ('wgs84' | 'gcj02')."""
    return _converter(_TO_WGS84, coord_system)(lat, lng)


def from_wgs84(lat: float, lng: float, coord_system: str) -> tuple[float, float]:
    """(lat, lng) in `coord_system` of a WGS-84 point."""
    return _converter(_FROM_WGS84, coord_system)(lat, lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _map_positions(coordinates, convert):
    if coordinates and isinstance(coordinates[0], int | float):
        lat, lng = convert(coordinates[1], coordinates[0])
        return [round(lng, 7), round(lat, 7), *coordinates[2:]]
    return [_map_positions(part, convert) for part in coordinates]


def geometry_to_wgs84(geometry: dict, coord_system: str) -> dict:
    """A GeoJSON geometry with every position converted to WGS-84 (rounded to ~1 cm)."""
    return _map_geometry(geometry, _converter(_TO_WGS84, coord_system))


def geometry_from_wgs84(geometry: dict, coord_system: str) -> dict:
    """A WGS-84 GeoJSON geometry in `coord_system`."""
    return _map_geometry(geometry, _converter(_FROM_WGS84, coord_system))


def _map_geometry(geometry: dict, convert) -> dict:
    if convert is _identity:
        return geometry
    return {**geometry, "coordinates": _map_positions(geometry["coordinates"], convert)}
