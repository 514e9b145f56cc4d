"""Scales for the SVG charts: nice ticks and their labels, text widths, and colour scales
(diverging around zero for growth, sequential otherwise), with the charts' colours and font."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
GRID = "#e3e3e3"
INK = "#222222"
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
RDBU = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")


def text_width(s: str, size: float) -> float:
    """Rough width of ``s`` in pixels at font ``size`` (for margins and legends)."""
    return 0.6 * size * len(s)


def nice_ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """About ``n`` round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(n, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return np.arange(first, last + 1) * step


def tick_label(value: float, step: float) -> str:
    """A tick's text: thousands separated, as many decimals as the step needs."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


def _hex(colour: str) -> np.ndarray:
    c = colour.lstrip("#")
    return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], dtype=float)


@dataclass
class ColourScale:
    """Values to colours, linear from ``lo`` to ``hi`` over ``colours``; NaN is grey."""

    lo: float
    hi: float
    colours: tuple[str, ...] = VIRIDIS
    missing: str = "#d9d9d9"

    @classmethod
    def for_values(cls, values, diverging: bool) -> ColourScale:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if diverging:
            m = float(max(np.abs(v).max(), 1e-9)) if len(v) else 1.0
            return cls(-m, m, RDBU)
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
        return cls(lo, hi if hi > lo else lo + 1.0, VIRIDIS)

    def __call__(self, values) -> list[str]:
        v = np.asarray(values, dtype=float)
        t = np.clip((v - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        anchors = np.array([_hex(c) for c in self.colours])
        pos = np.linspace(0.0, 1.0, len(anchors))
        rgb = np.stack([np.interp(t, pos, anchors[:, k]) for k in range(3)], axis=-1)
        out = []
        for ok, (r, g, b) in zip(np.isfinite(v), np.rint(np.nan_to_num(rgb)).astype(int),
                                 strict=True):
            out.append(f"#{r:02x}{g:02x}{b:02x}" if ok else self.missing)
        return out
