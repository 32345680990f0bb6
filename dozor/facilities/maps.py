"""An offline map: region boundaries from the country pack drawn as SVG, places as dots.

No tile server and no JavaScript: the server projects longitude/latitude onto an SVG canvas
(equirectangular, longitudes scaled by the cosine of the middle latitude, which is accurate
enough for a country-sized overview) and the browser only displays it. Coordinates reach the
template as strings made by ``dozor.core.charts.svg_number`` (a dot in every language).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dozor.core.charts import svg_number
from dozor.core.packs import pack_dir

WIDTH = 1000.0
PADDING = 10.0


@dataclass(frozen=True)
class Projection:
    min_lon: float
    max_lon: float
    min_lat: float
    max_lat: float

    @property
    def kx(self) -> float:
        return math.cos(math.radians((self.min_lat + self.max_lat) / 2))

    @property
    def scale(self) -> float:
        return (WIDTH - 2 * PADDING) / ((self.max_lon - self.min_lon) * self.kx)

    @property
    def height(self) -> float:
        return (self.max_lat - self.min_lat) * self.scale + 2 * PADDING

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x = PADDING + (lon - self.min_lon) * self.kx * self.scale
        y = PADDING + (self.max_lat - lat) * self.scale
        return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class RegionShape:
    boundary_id: str
    path: str  # the SVG path's d
    label_x: str  # SVG numbers
    label_y: str


@dataclass(frozen=True)
class BaseMap:
    projection: Projection
    regions: tuple[RegionShape, ...]

    @property
    def width(self) -> float:
        return WIDTH

    @property
    def height(self) -> float:
        return round(self.projection.height, 1)

    @property
    def view_box(self) -> str:
        return f"0 0 {svg_number(self.width, 1)} {svg_number(self.height, 1)}"


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


@lru_cache(maxsize=4)
def base_map(pack_code: str) -> BaseMap | None:
    path = Path(pack_dir(pack_code)) / "boundaries.geojson"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    features = data.get("features", [])
    points = [pt for f in features for ring in _rings(f["geometry"]) for pt in ring]
    if not points:
        return None
    projection = Projection(
        min_lon=min(p[0] for p in points),
        max_lon=max(p[0] for p in points),
        min_lat=min(p[1] for p in points),
        max_lat=max(p[1] for p in points),
    )
    shapes = []
    for feature in features:
        props = feature.get("properties", {})
        rings = _rings(feature["geometry"])
        parts = []
        largest: list[list[float]] = max(rings, key=len) if rings else []
        for ring in rings:
            xy = [projection.point(p[0], p[1]) for p in ring]
            parts.append("M" + "L".join(f"{svg_number(x, 1)},{svg_number(y, 1)}" for x, y in xy) + "Z")
        cx = sum(p[0] for p in largest) / max(len(largest), 1)
        cy = sum(p[1] for p in largest) / max(len(largest), 1)
        label_x, label_y = projection.point(cx, cy)
        shapes.append(
            RegionShape(
                boundary_id=str(props.get("id") or props.get("ADM1_PCODE") or ""),
                path="".join(parts),
                label_x=svg_number(label_x, 1),
                label_y=svg_number(label_y, 1),
            )
        )
    return BaseMap(projection=projection, regions=tuple(shapes))
