"""Geography: the kommune table, distances, commuting (BA) regions and centrality.

This module owns *where* things are. It turns the embedded kommune table (or an inline
classroom landscape) into arrays indexed by kommune position 0..K-1 that every process uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0  # mean Earth radius (IUGG), km
CENTRALITY_CLASSES = (1, 2, 3, 4, 5, 6)  # SSB sentralitetsklasse, 1 the most central


@dataclass
class Geography:
    """Arrays over kommuner, index i = position in ``codes``."""

    codes: list[str]              # kommunenummer
    names: list[str]
    fylke: list[str]              # fylkesnummer
    region: np.ndarray            # BA region code (commuting region), int
    centrality: np.ndarray        # SSB sentralitetsklasse 1 (most central) .. 6
    centrality_index: np.ndarray  # SSB sentralitetsindeks 0..1000
    lat: np.ndarray
    lon: np.ndarray
    area_km2: np.ndarray
    distance_km: np.ndarray       # great-circle distance between centroids, K x K

    @property
    def size(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int:
        return self._lookup()[code]

    def _lookup(self) -> dict[str, int]:
        if not hasattr(self, "_idx"):
            self._idx = {c: i for i, c in enumerate(self.codes)}
        return self._idx

    def indices(self, codes: list[str]) -> np.ndarray:
        lookup = self._lookup()
        return np.array([lookup[c] for c in codes], dtype=np.int64)

    @classmethod
    def from_table(cls, df: pd.DataFrame) -> Geography:
        """Build from a table with the columns of the data pack's kommuner.csv."""
        lat = df["centroid_lat"].to_numpy(float)
        lon = df["centroid_lon"].to_numpy(float)
        return cls(
            codes=df["kommunenummer"].astype(str).tolist(),
            names=df["name"].astype(str).tolist(),
            fylke=df["fylkesnummer"].astype(str).tolist(),
            region=df["baregion_code"].to_numpy(np.int64),
            centrality=df["sentralitetsklasse"].to_numpy(np.int64),
            centrality_index=df["sentralitetsindeks"].to_numpy(float),
            lat=lat,
            lon=lon,
            area_km2=df["area_km2"].to_numpy(float),
            distance_km=great_circle_km(lat, lon),
        )


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Haversine distance matrix in km between all pairs of points."""
    la, lo = np.radians(lat), np.radians(lon)
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
