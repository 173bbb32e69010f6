"""The point index: which county, protection zone and grid a WGS-84 point falls in.

Built once per process from the database and kept until the geography changes (``reporter.org.stamps``).
Each layer's polygons are prepared and put in an STRtree; the tree then sorts a regular lattice of small cells into
"wholly inside polygon i" and "touches polygons i, j" in one vectorised pass, so most look-ups are a dictionary hit
and the rest test only the few prepared polygons that touch the point's cell.
"""
import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point

CELL_DEG = 0.025  # ~2.5 km; small enough that most cells lie wholly inside one county
_CELL_TABLES: dict[bytes, tuple] = {}  # geometry digest → (origin, cells): unchanged polygons are not re-sorted
_CELL_TABLES_KEPT = 8


@dataclass(frozen=True)
class Place:
    """Where a point is: county, protection zone ('core' | 'key' | 'general' | None) and grid."""

    in_ankang: bool
    county_adcode: str | None
    county_name: str | None
    in_qinling: bool
    zone: str | None
    grid_id: int | None
    grid_code: str | None


OUTSIDE = Place(False, None, None, False, None, None, None)


class Layer:
    """Polygons with keys, in priority order (the first containing polygon wins)."""

    def __init__(self, geometries: list, keys: list):
        self.keys = keys
        self.geometries = np.array(geometries, dtype=object)
        self.cells: dict[tuple[int, int], tuple[tuple[int, bool], ...]] = {}
        if not keys:
            self.origin = (0.0, 0.0)
            return
        shapely.prepare(self.geometries)
        digest = hashlib.sha256(b"".join(shapely.to_wkb(self.geometries).tolist())).digest()
        if digest not in _CELL_TABLES:
            while len(_CELL_TABLES) >= _CELL_TABLES_KEPT:
                _CELL_TABLES.pop(next(iter(_CELL_TABLES)))
            _CELL_TABLES[digest] = self._cell_table()
        self.origin, self.cells = _CELL_TABLES[digest]

    def _cell_table(self) -> tuple:
        """Sort the lattice cells over the polygons into wholly-inside and touching, in one vectorised pass."""
        minx, miny, maxx, maxy = shapely.total_bounds(self.geometries)
        cols, rows = math.ceil((maxx - minx) / CELL_DEG) + 1, math.ceil((maxy - miny) / CELL_DEG) + 1
        ix, iy = np.meshgrid(np.arange(cols), np.arange(rows))
        ix, iy = ix.ravel(), iy.ravel()
        x0, y0 = minx + ix * CELL_DEG, miny + iy * CELL_DEG
        boxes = shapely.box(x0, y0, x0 + CELL_DEG, y0 + CELL_DEG)
        cell_idx, geom_idx = STRtree(self.geometries).query(boxes, predicate="intersects")
        covers = shapely.contains(self.geometries[geom_idx], boxes[cell_idx])
        found: dict[tuple[int, int], list[tuple[int, bool]]] = {}
        for c, g, whole in zip(cell_idx.tolist(), geom_idx.tolist(), covers.tolist(), strict=True):
            found.setdefault((ix[c].item(), iy[c].item()), []).append((g, whole))
        return (minx, miny), {cell: tuple(sorted(hits)) for cell, hits in found.items()}

    def find(self, lng: float, lat: float, point: list) -> int | None:
        """Index of the first polygon holding the point; `point` caches the shapely Point across layers."""
        hits = self.cells.get((int((lng - self.origin[0]) // CELL_DEG), int((lat - self.origin[1]) // CELL_DEG)))
        if not hits:
            return None
        for index, whole in hits:
            if whole:
                return index
            if not point:
                point.append(Point(lng, lat))
            if self.geometries[index].contains(point[0]):
                return index
        return None


def _shapes(rows: list) -> list:
    """Shapely geometries of GeoJSON dicts, read by GEOS (far quicker than shapely.geometry.shape)."""
    return list(shapely.from_geojson([json.dumps(geometry) for geometry, _ in rows])) if rows else []


class GeoIndex:
    """Counties, zones (strictest first) and grids of one moment of the geography."""

    def __init__(self, counties: list, zones: list, grids: list):
        """Each argument: rows of (geojson geometry, key tuple)."""
        self.counties = Layer(_shapes(counties), [k for _, k in counties])
        self.zones = Layer(_shapes(zones), [k for _, k in zones])
        self.grids = Layer(_shapes(grids), [k for _, k in grids])
        self.grid_geometry = {key[0]: geom for key, geom in zip(self.grids.keys, self.grids.geometries, strict=True)}

    def locate(self, lat: float, lng: float) -> Place:
        """County, zone and grid of a WGS-84 point."""
        point: list = []
        county = self.counties.find(lng, lat, point)
        if county is None:
            return OUTSIDE
        adcode, name = self.counties.keys[county]
        zone = self.zones.find(lng, lat, point)
        level = None if zone is None else self.zones.keys[zone][0]
        grid = self.grids.find(lng, lat, point)
        grid_id, grid_code = (None, None) if grid is None else self.grids.keys[grid]
        return Place(True, adcode, name, level is not None, level, grid_id, grid_code)
