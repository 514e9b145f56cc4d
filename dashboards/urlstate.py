"""The page's settings in its address, so that a link reproduces the view: scenario, area,
kommune, years, seeds, persons per agent, effect year, focus, baseline, the open tab and the
run to show (an id in the run store, ``dashboards.saved``).

``decode`` reads an address's query (as the browser sent it: every value is checked again
when the settings are used, like a typed one; unknown keys and overlong values are dropped
here), ``encode`` writes one. Plain functions of text: the page (``app.py``) reads the query
once when a session starts and writes it when a run starts or a tab is opened.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dashboards import logic

TEXT_KEYS = ("scenario", "area", "kommune", "years", "seeds", "ppa", "effect_year", "run")
FLAG_KEYS = ("focus", "baseline")
TAB_KEY = "tab"


def decode(search: str | None, tabs: int) -> dict:
    """The settings in an address's query: {key: text} for TEXT_KEYS, {key: bool} for
    FLAG_KEYS, ``tab`` as an index below ``tabs``; what is missing or unusable is left out."""
    out: dict = {}
    if not search or len(search) > 2000:
        return out
    for key, value in parse_qsl(search.lstrip("?"), keep_blank_values=True):
        if len(value) > logic.MAX_TEXT_CHARS:
            continue
        if key in TEXT_KEYS:
            out[key] = value
        elif key in FLAG_KEYS and value in ("0", "1"):
            out[key] = value == "1"
        elif key == TAB_KEY and value.isdigit() and int(value) < tabs:
            out[key] = int(value)
    if "scenario" in out and out["scenario"] not in logic.scenario_files():
        del out["scenario"]
    if "area" in out and out["area"] not in logic.AREAS:
        del out["area"]
    return out


def encode(values: dict) -> str:
    """The query for ``values`` (as ``decode`` reads it), keys in a fixed order."""
    pairs = []
    for key in (*TEXT_KEYS, *FLAG_KEYS, TAB_KEY):
        if key not in values or values[key] is None:
            continue
        value = values[key]
        pairs.append((key, ("1" if value else "0") if isinstance(value, bool) else str(value)))
    return "?" + urlencode(pairs)
