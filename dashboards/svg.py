"""Charts as SVG text, drawn by the browser instead of rendered to pixels on the server.

A dashboard chart is a few hundred SVG elements built by string formatting in milliseconds;
matplotlib took 0.4–1.3 s of CPU per figure on the 2-core machine, which made the charts a
large part of a run's time in the dashboard and kept the classroom animation from keeping pace.

``Chart`` is a figure holding panels on a grid; a ``Panel`` takes its limits from its data
(rounded out to nice ticks) and draws lines, bands, bars, horizontal bars, polygons, circles,
text, a legend and a colour bar; ``ColourScale`` maps values to colours (diverging around zero
for growth, sequential otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

import numpy as np

from dashboards.svg_scales import (
    FONT,
    GRID,
    INK,
    ColourScale,
    nice_ticks,
    text_width,
    tick_label,
)


@dataclass
class _Item:
    kind: str
    xs: np.ndarray
    ys: np.ndarray
    style: dict = field(default_factory=dict)
    label: str | None = None


class Panel:
    """One plot area in a chart, in data coordinates."""

    def __init__(self, box: tuple[float, float, float, float], title: str = ""):
        self.box = box                     # x, y, width, height in chart pixels
        self.title = title
        self.title_size = 13.0
        self.xlabel = self.ylabel = ""
        self.items: list[_Item] = []
        self.xlim: tuple[float, float] | None = None
        self.ylim: tuple[float, float] | None = None
        self.xticks: tuple[list[float], list[str]] | None = None
        self.yticks: tuple[list[float], list[str]] | None = None
        self.tick_size = 11.0
        self.xtick_rotation = 0
        self.x_years = False               # x ticks are years: no thousands separator
        self.axes = True                   # False for maps: no frame, ticks or grid
        self.aspect: float | None = None   # x units per y unit shown square (maps)
        self.legend_size = 10.0
        self.legend_loc = "best"
        self.colourbar: tuple[ColourScale, str] | None = None
        self.visible = True

    # ----- what to draw ------------------------------------------------------------------
    def _add(self, kind, xs, ys, label=None, **style) -> None:
        self.items.append(_Item(kind, np.asarray(xs, dtype=float), np.asarray(ys, dtype=float),
                                style, label))

    def line(self, xs, ys, colour: str, label: str | None = None, width: float = 2.0,
             dash: str | None = None) -> None:
        self._add("line", xs, ys, label, colour=colour, width=width, dash=dash)

    def band(self, xs, lo, hi, colour: str, opacity: float = 0.2,
             label: str | None = None) -> None:
        xs = np.asarray(xs, dtype=float)
        self._add("band", np.concatenate([xs, xs[::-1]]),
                  np.concatenate([np.asarray(lo, float), np.asarray(hi, float)[::-1]]), label,
                  colour=colour, opacity=opacity)

    def bars(self, xs, heights, width: float = 0.8, colour: str | None = None,
             outline: str | None = None, label: str | None = None, line_width: float = 1.0
             ) -> None:
        """Vertical bars from zero, centred on ``xs``, ``width`` in x units."""
        self._add("bars", xs, heights, label, colour=colour, outline=outline, width=width,
                  line_width=line_width)

    def hbars(self, ys, widths, height: float = 0.85, colour: str | None = None,
              outline: str | None = None, label: str | None = None) -> None:
        """Horizontal bars from zero (negative to the left), centred on ``ys``."""
        self._add("hbars", widths, ys, label, colour=colour, outline=outline, height=height)

    def hline(self, y: float, colour: str = INK, width: float = 0.8) -> None:
        self._add("hline", [], [y], None, colour=colour, width=width)

    def vline(self, x: float, colour: str = INK, width: float = 0.8) -> None:
        self._add("vline", [x], [], None, colour=colour, width=width)

    def text(self, x: float, y: float, s: str, size: float = 11.0, anchor: str = "middle",
             dy: float = 0.0, colour: str = INK, weight: str = "normal") -> None:
        """Text at a data point, shifted ``dy`` pixels down (negative: up)."""
        self._add("text", [x], [y], None, s=s, size=size, anchor=anchor, dy=dy, colour=colour,
                  weight=weight)

    def polygons(self, rings: list[np.ndarray], fills: list[str], stroke: str = "#555555",
                 width: float = 0.3) -> None:
        """Closed rings (each an (n, 2) array of x, y) filled with ``fills``."""
        pts = np.concatenate(rings) if rings else np.zeros((0, 2))
        self._add("polygons", pts[:, 0], pts[:, 1], None, rings=rings, fills=fills,
                  stroke=stroke, width=width)

    def circles(self, xs, ys, radii_px, fills: list[str], stroke: str = INK) -> None:
        self._add("circles", xs, ys, None, radii=np.asarray(radii_px, float), fills=fills,
                  stroke=stroke)

    def key(self, label: str, colour: str) -> None:
        """A legend entry (a colour swatch) for colours drawn by polygons or circles."""
        self._add("key", [], [], label, colour=colour)

    # ----- limits and the pixel transform ------------------------------------------------
    def _data_limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        xs, ys = [], []
        for it in self.items:
            if it.kind in ("line", "band", "polygons", "circles", "text"):
                xs.append(it.xs)
                ys.append(it.ys)
            elif it.kind == "bars":
                half = it.style["width"] / 2
                xs.append(np.concatenate([it.xs - half, it.xs + half]))
                ys.append(np.concatenate([it.ys, [0.0]]))
            elif it.kind == "hbars":
                half = it.style["height"] / 2
                xs.append(np.concatenate([it.xs, [0.0]]))
                ys.append(np.concatenate([it.ys - half, it.ys + half]))
            elif it.kind == "hline":
                ys.append(it.ys)
            elif it.kind == "vline":
                xs.append(it.xs)

        def span(parts):
            v = np.concatenate(parts) if parts else np.zeros(0)
            v = v[np.isfinite(v)]
            return (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)

        return span(xs), span(ys)

    def _layout(self):
        """Limits, ticks and the plot rectangle; sets ``self._tx`` and ``self._ty``."""
        (x0, x1), (y0, y1) = self._data_limits()
        if self.xlim:
            x0, x1 = self.xlim
        elif self.axes and not self.xticks:
            pad = 0.02 * (x1 - x0 or 1.0)
            x0, x1 = x0 - pad, x1 + pad
        if self.ylim:
            y0, y1 = self.ylim
        if self.axes:
            if self.yticks is None:
                yt = nice_ticks(y0, y1)
                step = float(yt[1] - yt[0]) if len(yt) > 1 else 1.0
                if not self.ylim:
                    y0, y1 = float(yt[0]), float(yt[-1])
                self._yticks = ([float(v) for v in yt if y0 - 1e-9 <= v <= y1 + 1e-9],
                                [tick_label(v, step) for v in yt if y0 - 1e-9 <= v <= y1 + 1e-9])
            else:
                self._yticks = self.yticks
            if self.xticks is None:
                xt = nice_ticks(x0, x1)
                step = float(xt[1] - xt[0]) if len(xt) > 1 else 1.0
                keep = [v for v in xt if x0 - 1e-9 <= v <= x1 + 1e-9]
                self._xticks = ([float(v) for v in keep],
                                [f"{v:.0f}" if self.x_years else tick_label(v, step)
                                 for v in keep])
            else:
                self._xticks = self.xticks
        if x1 <= x0:
            x0, x1 = x0 - 0.5, x1 + 0.5
        if y1 <= y0:
            y0, y1 = y0 - 0.5, y1 + 0.5
        bx, by, bw, bh = self.box
        left = 6.0
        if self.axes:
            left += max((text_width(s, self.tick_size) for s in self._yticks[1]), default=0) + 8
            left += 18 if self.ylabel else 0
        right = 8.0 + (78 if self.colourbar else 0)
        top = 8.0 + (self.title_size + 8 if self.title else 0)
        bottom = 6.0
        if self.axes:
            rot = self.xtick_rotation
            longest = max((text_width(s, self.tick_size) for s in self._xticks[1]), default=0)
            bottom += self.tick_size + 8 + (longest * math.sin(math.radians(rot)) if rot else 0)
            bottom += 18 if self.xlabel else 0
        px, py, pw, ph = bx + left, by + top, max(bw - left - right, 10), max(bh - top - bottom, 10)
        if self.aspect:
            sx, sy = pw / ((x1 - x0) * self.aspect), ph / (y1 - y0)
            s = min(sx, sy)
            w, h = (x1 - x0) * self.aspect * s, (y1 - y0) * s
            px, py, pw, ph = px + (pw - w) / 2, py + (ph - h) / 2, w, h
        self.rect = (px, py, pw, ph)
        self.lims = (x0, x1, y0, y1)

    def tx(self, x):
        px, _, pw, _ = self.rect
        x0, x1, _, _ = self.lims
        return px + (np.asarray(x, dtype=float) - x0) / (x1 - x0) * pw

    def ty(self, y):
        _, py, _, ph = self.rect
        _, _, y0, y1 = self.lims
        return py + ph - (np.asarray(y, dtype=float) - y0) / (y1 - y0) * ph

    # ----- drawing ------------------------------------------------------------------------
    def render(self) -> list[str]:
        if not self.visible:
            return []
        self._layout()
        out = []
        px, py, pw, ph = self.rect
        if self.axes:
            out += self._render_axes()
        clip = f"c{id(self)}"
        out.append(f'<clipPath id="{clip}"><rect x="{px:.1f}" y="{py:.1f}" width="{pw:.1f}" '
                   f'height="{ph:.1f}"/></clipPath><g clip-path="url(#{clip})">')
        texts = []
        for it in self.items:
            (texts if it.kind == "text" else out).extend(self._render_item(it))
        out.append("</g>")
        out += texts                                  # labels may stand above the plot area
        if self.axes:
            out.append(f'<rect x="{px:.1f}" y="{py:.1f}" width="{pw:.1f}" height="{ph:.1f}" '
                       f'fill="none" stroke="{INK}" stroke-width="0.8"/>')
        if self.title:
            out.append(_text(px + pw / 2, self.box[1] + 6 + self.title_size, self.title,
                             self.title_size, "middle", weight="bold"))
        out += self._render_legend()
        if self.colourbar:
            out += self._render_colourbar(*self.colourbar)
        return out

    def _render_axes(self) -> list[str]:
        px, py, pw, ph = self.rect
        out = []
        for v, s in zip(*self._yticks, strict=True):
            y = float(self.ty(v))
            out.append(f'<line x1="{px:.1f}" x2="{px + pw:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{GRID}"/>')
            out.append(_text(px - 5, y + self.tick_size * 0.35, s, self.tick_size, "end"))
        for v, s in zip(*self._xticks, strict=True):
            x = float(self.tx(v))
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{py:.1f}" y2="{py + ph:.1f}" '
                       f'stroke="{GRID}"/>')
            y = py + ph + self.tick_size + 4
            if self.xtick_rotation:
                out.append(_text(x, y, s, self.tick_size, "end",
                                 rotate=-self.xtick_rotation))
            else:
                out.append(_text(x, y, s, self.tick_size, "middle"))
        if self.xlabel:
            out.append(_text(px + pw / 2, self.box[1] + self.box[3] - 6, self.xlabel,
                             self.tick_size, "middle"))
        if self.ylabel:
            x, y = self.box[0] + 4 + self.tick_size, py + ph / 2
            out.append(_text(x, y, self.ylabel, self.tick_size, "middle", rotate=-90))
        return out

    def _render_item(self, it: _Item) -> list[str]:
        st = it.style
        if it.kind == "line":
            ok = np.isfinite(it.xs) & np.isfinite(it.ys)
            dash = f' stroke-dasharray="{st["dash"]}"' if st["dash"] else ""
            return [f'<polyline points="{_points(self.tx(it.xs[ok]), self.ty(it.ys[ok]))}" '
                    f'fill="none" stroke="{st["colour"]}" stroke-width="{st["width"]}"'
                    f' stroke-linejoin="round"{dash}/>']
        if it.kind == "band":
            ok = np.isfinite(it.xs) & np.isfinite(it.ys)
            return [f'<polygon points="{_points(self.tx(it.xs[ok]), self.ty(it.ys[ok]))}" '
                    f'fill="{st["colour"]}" fill-opacity="{st["opacity"]}" stroke="none"/>']
        if it.kind == "bars":
            return self._render_bars(it.xs, it.ys, st, vertical=True)
        if it.kind == "hbars":
            return self._render_bars(it.ys, it.xs, st, vertical=False)
        if it.kind == "hline":
            px, _, pw, _ = self.rect
            y = float(self.ty(it.ys[0]))
            return [f'<line x1="{px:.1f}" x2="{px + pw:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{st["colour"]}" stroke-width="{st["width"]}"/>']
        if it.kind == "vline":
            _, py, _, ph = self.rect
            x = float(self.tx(it.xs[0]))
            return [f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{py:.1f}" y2="{py + ph:.1f}" '
                    f'stroke="{st["colour"]}" stroke-width="{st["width"]}"/>']
        if it.kind == "text":
            x, y = float(self.tx(it.xs[0])), float(self.ty(it.ys[0])) + st["dy"]
            return [_text(x, y, st["s"], st["size"], st["anchor"], colour=st["colour"],
                          weight=st["weight"])]
        if it.kind == "polygons":
            return self._render_polygons(st)
        if it.kind == "key":
            return []
        if it.kind == "circles":
            return [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{f}" '
                    f'stroke="{st["stroke"]}"/>'
                    for x, y, r, f in zip(self.tx(it.xs), self.ty(it.ys), st["radii"],
                                          st["fills"], strict=True)]
        raise ValueError(it.kind)

    def _render_bars(self, centres, values, st, vertical: bool) -> list[str]:
        half = (st["width"] if vertical else st["height"]) / 2
        fill = st["colour"] or "none"
        stroke = (f' stroke="{st["outline"]}" stroke-width="{st.get("line_width", 1.0)}"'
                  if st["outline"] else "")
        out = []
        for c, v in zip(centres, values, strict=True):
            if not np.isfinite(v):
                continue
            if vertical:
                xa, xb = self.tx([c - half, c + half])
                ya, yb = self.ty([v, 0.0])
            else:
                xa, xb = self.tx(sorted([0.0, v]))
                yb, ya = self.ty([c - half, c + half])
            out.append(f'<rect x="{xa:.1f}" y="{min(ya, yb):.1f}" width="{abs(xb - xa):.1f}" '
                       f'height="{abs(yb - ya):.1f}" fill="{fill}"{stroke}/>')
        return out

    def _render_polygons(self, st) -> list[str]:
        """Rings on a whole-pixel grid, without repeated points, rings smaller than two
        pixels or outside the view (all of Norway: 69,000 points become about a tenth)."""
        rings = st["rings"]
        if not rings:
            return []
        px, py, pw, ph = self.rect
        sizes = np.array([len(r) for r in rings])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        pts = np.concatenate(rings)
        x, y = np.rint(self.tx(pts[:, 0])), np.rint(self.ty(pts[:, 1]))
        keep = np.ones(len(x), dtype=bool)
        keep[1:] = (np.diff(x) != 0) | (np.diff(y) != 0)
        keep[starts] = True
        lo_x, hi_x = np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)
        lo_y, hi_y = np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)
        shown = ((hi_x >= px) & (lo_x <= px + pw) & (hi_y >= py) & (lo_y <= py + ph)
                 & ((hi_x - lo_x >= 2) | (hi_y - lo_y >= 2)))
        xi, yi = x.astype(int).tolist(), y.astype(int).tolist()
        kept = keep.tolist()
        out = [f'<g stroke="{st["stroke"]}" stroke-width="{st["width"]}" '
               'stroke-linejoin="round">']
        for i in np.flatnonzero(shown).tolist():
            a, b = int(starts[i]), int(starts[i] + sizes[i])
            points = " ".join(f"{xi[j]},{yi[j]}" for j in range(a, b) if kept[j])
            out.append(f'<polygon points="{points}" fill="{st["fills"][i]}"/>')
        out.append("</g>")
        return out

    def _render_legend(self) -> list[str]:
        entries = [(it.label, it) for it in self.items if it.label]
        if not entries:
            return []
        size = self.legend_size
        w = 34 + max(text_width(s, size) for s, _ in entries)
        h = 6 + len(entries) * (size + 6)
        px, py, pw, ph = self.rect
        corners = {"upper right": (px + pw - w - 6, py + 6), "upper left": (px + 6, py + 6),
                   "lower right": (px + pw - w - 6, py + ph - h - 6),
                   "lower left": (px + 6, py + ph - h - 6)}
        loc = self.legend_loc if self.legend_loc in corners else self._best_corner(corners, w, h)
        x, y = corners[loc]
        out = [f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="white" '
               'fill-opacity="0.85" stroke="#cccccc" rx="3"/>']
        for i, (label, it) in enumerate(entries):
            cy = y + 6 + i * (size + 6) + size / 2
            st = it.style
            if it.kind == "line":
                dash = f' stroke-dasharray="{st["dash"]}"' if st["dash"] else ""
                out.append(f'<line x1="{x + 6:.1f}" x2="{x + 26:.1f}" y1="{cy:.1f}" '
                           f'y2="{cy:.1f}" stroke="{st["colour"]}" '
                           f'stroke-width="{st["width"]}"{dash}/>')
            else:
                fill = st.get("colour") or "none"
                opacity = st.get("opacity", 1.0)
                stroke = f' stroke="{st["outline"]}"' if st.get("outline") else ""
                out.append(f'<rect x="{x + 8:.1f}" y="{cy - size / 2:.1f}" width="16" '
                           f'height="{size:.1f}" fill="{fill}" fill-opacity="{opacity}"'
                           f'{stroke}/>')
            out.append(_text(x + 30, cy + size * 0.35, label, size, "start"))
        return out

    def _best_corner(self, corners: dict, w: float, h: float) -> str:
        """The corner whose legend box covers the fewest drawn points."""
        pts = [(self.tx(it.xs), self.ty(it.ys)) for it in self.items
               if it.kind in ("line", "band")]
        for it in self.items:
            if it.kind == "bars":
                pts.append((self.tx(it.xs), self.ty(it.ys)))
        if not pts:
            return "upper right"
        xs = np.concatenate([p[0] for p in pts])
        ys = np.concatenate([p[1] for p in pts])

        def covered(corner):
            x, y = corners[corner]
            return int(((xs >= x) & (xs <= x + w) & (ys >= y) & (ys <= y + h)).sum())

        return min(("upper right", "upper left", "lower right", "lower left"), key=covered)

    def _render_colourbar(self, scale: ColourScale, label: str) -> list[str]:
        bx, by, bw, bh = self.box
        x, y, w, h = bx + bw - 70, by + bh * 0.2, 14, bh * 0.6
        gid = f"g{id(self)}"
        stops = "".join(f'<stop offset="{i / (len(scale.colours) - 1):.3f}" '
                        f'stop-color="{c}"/>' for i, c in enumerate(reversed(scale.colours)))
        out = [f'<linearGradient id="{gid}" x1="0" y1="0" x2="0" y2="1">{stops}'
               '</linearGradient>',
               f'<rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{h:.1f}" fill="url(#{gid})" '
               f'stroke="{INK}" stroke-width="0.5"/>']
        ticks = nice_ticks(scale.lo, scale.hi, 4)
        step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        for v in ticks:
            if not scale.lo - 1e-9 <= v <= scale.hi + 1e-9:
                continue
            ty = y + h - (v - scale.lo) / (scale.hi - scale.lo) * h
            out.append(f'<line x1="{x + w:.1f}" x2="{x + w + 4:.1f}" y1="{ty:.1f}" '
                       f'y2="{ty:.1f}" stroke="{INK}"/>')
            out.append(_text(x + w + 6, ty + 4, tick_label(v, step), 10, "start"))
        out.append(_text(x - 6, y + h / 2, label, 11, "middle", rotate=-90))
        return out


class Chart:
    """A figure of panels; ``svg()`` gives the document."""

    def __init__(self, width: float, height: float, title: str = "", title_size: float = 15):
        self.width, self.height = width, height
        self.title, self.title_size = title, title_size
        self.panels: list[Panel] = []
        self.notes: list[str] = []

    def grid(self, rows: int, cols: int, width_ratios: list[float] | None = None,
             titles: list[str] | None = None) -> list[Panel]:
        """``rows`` × ``cols`` panels below the title, row by row."""
        top = self.title_size + 14 if self.title else 4
        ratios = np.asarray(width_ratios or [1] * cols, dtype=float)
        edges = np.concatenate([[0], np.cumsum(ratios / ratios.sum())]) * (self.width - 8) + 4
        h = (self.height - top - 4) / rows
        for r in range(rows):
            for c in range(cols):
                panel = Panel((edges[c], top + r * h, edges[c + 1] - edges[c], h))
                if titles:
                    panel.title = titles[len(self.panels) % len(titles)]
                self.panels.append(panel)
        return self.panels[-rows * cols:]

    def note(self, s: str) -> None:
        """Small print in the lower left corner (attribution)."""
        self.notes.append(s)

    def svg(self) -> bytes:
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" '
                 f'height="{self.height:.0f}" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
                 f'font-family="{FONT}">',
                 f'<rect width="{self.width:.0f}" height="{self.height:.0f}" fill="white"/>']
        if self.title:
            parts.append(_text(self.width / 2, 6 + self.title_size, self.title, self.title_size,
                               "middle", weight="bold"))
        for panel in self.panels:
            parts += panel.render()
        for i, s in enumerate(reversed(self.notes)):
            parts.append(_text(6, self.height - 6 - 12 * i, s, 9, "start", colour="#555555"))
        parts.append("</svg>")
        return "\n".join(parts).encode("utf-8")


def _text(x: float, y: float, s: str, size: float, anchor: str, rotate: float = 0,
          colour: str = INK, weight: str = "normal") -> str:
    rot = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate else ""
    bold = ' font-weight="bold"' if weight != "normal" else ""
    lines = str(s).split("\n")
    if len(lines) == 1:
        body = escape(lines[0])
    else:
        body = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 1.15 * size:.1f}">'
                       f"{escape(line)}</tspan>" for i, line in enumerate(lines))
        y -= 1.15 * size * (len(lines) - 1)      # multi-line text grows upwards from y
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'fill="{colour}"{bold}{rot}>{body}</text>')


def _points(xs, ys) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
