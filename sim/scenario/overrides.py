"""What a scenario's ``parameters:`` overrides may hold: a value shaped like the default of the
parameter it replaces (a number or yearly path, a mapping, a list), and for the policies
really in force (``policies.regime``) a list of policies, possibly empty. A nested table
whose parameter file lists its ``keys`` (per level: the names it may use, ``all`` when each
is needed, or ``ages`` / ``years``) must use them. The ranges of the values are in
``sim.scenario.bounds``."""

from __future__ import annotations

from typing import Any

from sim import parameters
from sim.scenario.bounds import FIRST_PATH_YEAR
from sim.scenario.errors import shown


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


REGIME = "policies.regime"      # the policies really in force: a list, possibly empty
CHANNELS_OFF = "policies.channels_off"   # channels switched off: a list, possibly empty


def _regime_problem(value: Any) -> str | None:
    """Why an override of the regime is not a list of policies (None if it is)."""
    if not isinstance(value, list):
        return "must be a list of policies in force (each: name, type, where, parameters)"
    from sim.policies import REGISTRY

    known = REGISTRY
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or entry.get("type") not in known:
            return (f"entry {i} must be a mapping with a type: one of "
                    f"{', '.join(sorted(known))}")
        if not isinstance(entry.get("where", {}), dict):
            return f"entry {i}: where must be a mapping (kommuner, fylker, zone, centrality)"
    return None


def keys_problem(levels: list, value: Any, where: str = "") -> str | None:
    """Why a nested table does not use the keys ``levels`` allow (None if it does)."""
    level, rest = levels[0], levels[1:]
    if not isinstance(value, dict) or not value:
        return f"{where}must be a mapping; got {shown(value)}"
    if level in ("ages", "years"):
        lowest = 0 if level == "ages" else FIRST_PATH_YEAR
        bad = [k for k in value if not is_number(k) or k != int(k) or k < lowest]
        if bad:
            return f"{where}{shown(bad[0])}: the keys must be {level} (whole numbers, " \
                   f"at least {lowest})"
    else:
        names = level["names"]
        unknown = [k for k in value if k not in names]
        if unknown:
            return f"{where}unknown key {shown(unknown[0])}; one of {', '.join(names)}"
        missing = [n for n in names if n not in value] if level.get("all") else []
        if missing:
            return f"{where}needs {' and '.join(missing)}"
    for k, v in value.items():
        bad = (keys_problem(rest, v, f"{where}{k}: ") if rest else
               None if is_number(v) else f"{where}{k}: must be a number; got {shown(v)}")
        if bad:
            return bad
    return None


def value_problem(name: str, value: Any) -> str | None:
    """Why an override cannot stand in for the default of parameter ``name`` (None if it can)."""
    p = parameters._defaults()[name]
    default, unit = p.values, p.unit
    if "keys" in p.extra:
        return keys_problem(p.extra["keys"], value)
    yearly = isinstance(default, dict) and all(
        isinstance(y, int) and y >= FIRST_PATH_YEAR for y in default)
    if is_number(default) or yearly:
        ok = is_number(value) or (isinstance(value, dict) and value
                                   and all(is_number(x) for x in value.values()))
        want = f"a number ({unit}) or a yearly path {{year: number}}"
    elif isinstance(default, dict):
        numeric = all(is_number(x) for x in default.values())
        ok = isinstance(value, dict) and bool(value) and (
            not numeric or all(is_number(x) for x in value.values()))
        want = f"a mapping like the default ({unit}), e.g. {dict(list(default.items())[:2])}"
    elif name == REGIME:
        return _regime_problem(value)
    elif name == CHANNELS_OFF:
        from sim.policies.base import CHANNELS

        ok = isinstance(value, list) and all(v in CHANNELS for v in value)
        want = f"a list of channels, each one of {', '.join(CHANNELS)}"
    elif isinstance(default, list):
        ok = isinstance(value, list) and len(value) > 0
        want = f"a list like the default ({unit}), e.g. {default[:3]}"
    else:
        ok = type(value) is type(default)
        want = f"a {type(default).__name__} ({unit})"
    return None if ok else f"must be {want}; got {shown(value)}"
