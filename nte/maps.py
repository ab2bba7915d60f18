"""The geometry of the server-drawn maps: a plain projection, density cells and optional tiles.

Equirectangular around the middle of what is drawn (longitude scaled by the cosine of the
latitude): over a town a few kilometres across it differs from Web Mercator by less than a
pixel, needs no library, and draws with no internet. Tiles are only added when a tile URL
is configured (``NTE_MAP_TILES_URL``, ``{z}/{x}/{y}``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["METRES_PER_DEGREE", "Cell", "Projection", "density_cells", "fit", "tiles"]

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Projection:
    south: float
    west: float
    north: float
    east: float
    width: int = 640

    @property
    def _kx(self) -> float:
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def scale(self) -> float:
        """Pixels per degree of latitude."""
        return self.width / max((self.east - self.west) * self._kx, 1e-9)

    @property
    def height(self) -> int:
        return max(1, round((self.north - self.south) * self.scale))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x = (lon - self.west) * self._kx * self.scale
        y = (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)

    def pixels(self, metres: float) -> float:
        return round(metres / METRES_PER_DEGREE * self.scale, 1)

    def cell_degrees(self, metres: float) -> tuple[float, float]:
        """A square cell of this many metres, in degrees of latitude and longitude."""
        return metres / METRES_PER_DEGREE, metres / (METRES_PER_DEGREE * self._kx)


def fit(points: list[tuple[float, float]], pad_metres: float = 150, width: int = 640) -> Projection:
    """A projection showing every (lat, lon) with a margin; Maidstone's centre if none."""
    if not points:
        points = [(51.2725, 0.5290)]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    mid = (min(lats) + max(lats)) / 2
    dlat = pad_metres / METRES_PER_DEGREE
    dlon = pad_metres / (METRES_PER_DEGREE * math.cos(math.radians(mid)))
    return Projection(min(lats) - dlat, min(lons) - dlon, max(lats) + dlat, max(lons) + dlon, width)


def _tile_lat(y: int, z: int) -> float:
    n = math.pi - 2 * math.pi * y / 2**z
    return math.degrees(math.atan(math.sinh(n)))


def tiles(
    p: Projection, url: str, max_tiles: int = 36
) -> list[tuple[str, float, float, float, float]]:
    """(href, x, y, width, height) of the Web Mercator tiles covering the projection, at the
    deepest zoom that needs no more than ``max_tiles``."""
    for z in range(18, 9, -1):
        n = 2**z
        x0 = math.floor((p.west + 180) / 360 * n)
        x1 = math.floor((p.east + 180) / 360 * n)

        def row(lat: float, n: int = n) -> int:
            r = math.radians(lat)
            return math.floor((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)

        y0, y1 = row(p.north), row(p.south)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= max_tiles:
            out = []
            for tx in range(x0, x1 + 1):
                for ty in range(y0, y1 + 1):
                    west, east = tx / n * 360 - 180, (tx + 1) / n * 360 - 180
                    north, south = _tile_lat(ty, z), _tile_lat(ty + 1, z)
                    ax, ay = p.xy(north, west)
                    bx, by = p.xy(south, east)
                    href = (
                        url.replace("{z}", str(z)).replace("{x}", str(tx)).replace("{y}", str(ty))
                    )
                    out.append((href, ax, ay, round(bx - ax, 1), round(by - ay, 1)))
            return out
    return []


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    width: float
    height: float
    level: int
    """1 (fewest) to 5 (most), for its shade class."""
    count: int


def density_cells(
    p: Projection, counts: list[tuple[int, int, int]], cell_lat: float, cell_lon: float
) -> list[Cell]:
    """Cells (row from the south, column from the west, count) placed on the projection."""
    most = max((n for _, _, n in counts), default=0)
    cells = []
    for row, col, n in counts:
        ax, ay = p.xy(p.south + (row + 1) * cell_lat, p.west + col * cell_lon)
        bx, by = p.xy(p.south + row * cell_lat, p.west + (col + 1) * cell_lon)
        level = max(1, math.ceil(5 * n / most)) if most else 0
        cells.append(Cell(ax, ay, round(bx - ax, 1), round(by - ay, 1), level, n))
    return cells
