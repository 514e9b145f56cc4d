"""Codes in a scenario file: kommune, fylke and commuting-region numbers that must be quoted
and known, and the closest known codes to suggest when one is not (``closest``)."""

from __future__ import annotations

import difflib
from typing import Any

from sim.scenario.errors import shown

MAX_LABEL = 100    # characters of a made-up kommune's name or label (and of a query)


def closest(query: str, options: dict[str, str], n: int = 3) -> list[str]:
    """The ``n`` options closest to ``query`` as "code name", matching code or name."""
    q = str(query).strip().lower()[:MAX_LABEL]

    def score(code: str) -> float:
        return max(difflib.SequenceMatcher(None, q, code.lower()).ratio(),
                   difflib.SequenceMatcher(None, q, options[code].lower()).ratio())

    ranked = sorted(options, key=score, reverse=True)
    return [f"{c} {options[c]}" for c in ranked[:n] if score(c) >= 0.4]


def known_codes(column: str, name_column: str) -> dict:
    from sim import data

    df = data.kommuner()[[column, name_column]].drop_duplicates(column).sort_values(column)
    return dict(zip(df[column], df[name_column], strict=True))


def quoted(what: str, digits: int, example: str):
    def check(v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, str | int):
            raise ValueError(f"must be a {what} as a quoted {digits}-digit string, e.g. "
                             f"'{example}'; got {shown(v)}")
        if isinstance(v, int):
            raise ValueError(f"write the {what} in quotes as a {digits}-digit string, e.g. "
                             f"'{v:0{digits}d}' (YAML reads an unquoted number as a number, "
                             "and one with a leading 0 as octal)")
        return v
    return check


def kommune_exists(code: str) -> str:
    known = known_codes("kommunenummer", "name")
    if code not in known:
        hint = closest(code, known)
        raise ValueError(f"no kommune {shown(code)} among the 357 kommuner of 2024"
                         + (f"; closest: {', '.join(hint)}" if hint else ""))
    return code


def fylke_exists(code: str) -> str:
    known = known_codes("fylkesnummer", "fylke_name")
    if code not in known:
        raise ValueError(f"no fylke {shown(code)}; fylker: "
                         + ", ".join(f"{c} {n}" for c, n in known.items()))
    return code


def region_exists(code: int) -> int:
    known = known_codes("baregion_code", "baregion_name")
    if code not in known:
        hint = closest(str(code), {str(c): n for c, n in known.items()})
        raise ValueError(f"no commuting (BA) region {shown(code)}; regions are numbered "
                         f"{min(known)}–{max(known)}" + (f"; closest: {', '.join(hint)}"
                                                         if hint else ""))
    return code
