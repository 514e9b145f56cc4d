"""The parameter tree: rates, coefficients and tables as small YAML files with units and sources.

Each file under ``sim/params/`` holds one parameter or one table, the way tax-benefit
microsimulation packages keep legislation parameters::

    description: what it is
    unit: its unit
    reference: where the value comes from (publisher, table, page)
    values:                # a scalar, a yearly path {year: value}, or a table {key: value}
      2026: 1.44
    interpolation: linear  # only for yearly paths: linear (default) or step

The parameter's name is its path below ``sim/params`` with dots, e.g.
``demography.fertility_tfr``. A scenario can override any value by that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

REQUIRED_KEYS = {"description", "unit", "reference", "values"}
AGE_TABLE_SIZE = 128  # ages 0..127 are looked up from a precomputed table


@dataclass(frozen=True)
class Parameter:
    """One parameter: its value(s) and the metadata that says what they mean."""

    name: str
    description: str
    unit: str
    reference: str
    values: Any
    interpolation: str = "linear"
    extra: dict = field(default_factory=dict)

    def at(self, year: int) -> float:
        """The value in ``year`` for a yearly path (flat beyond the ends), or the scalar."""
        if not isinstance(self.values, dict):
            return self.values
        years = np.array(sorted(int(y) for y in self.values))
        vals = np.array([float(self.values[y]) for y in sorted(self.values, key=int)])
        if self.interpolation == "step":
            i = max(0, int(np.searchsorted(years, year, side="right")) - 1)
            return float(vals[i])
        return float(np.interp(year, years, vals))

    def with_values(self, values: Any) -> Parameter:
        return Parameter(self.name, self.description, self.unit, self.reference, values,
                         self.interpolation, self.extra)


# libyaml's C parser when PyYAML has it (the PyPI wheels do): the same safe loading, about
# ten times quicker for the parameter tree, which every process reads once
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_file(name: str, text: str) -> Parameter:
    raw = yaml.load(text, Loader=SAFE_LOADER)
    missing = REQUIRED_KEYS - set(raw)
    if missing:
        raise ValueError(f"parameter file {name} lacks {sorted(missing)}")
    extra = {k: v for k, v in raw.items() if k not in REQUIRED_KEYS | {"interpolation"}}
    return Parameter(name, raw["description"], raw["unit"], raw["reference"], raw["values"],
                     raw.get("interpolation", "linear"), extra)


def _walk(folder, prefix: str):
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith("_"):
            yield from _walk(entry, f"{prefix}{entry.name}.")
        elif entry.name.endswith(".yaml"):
            yield f"{prefix}{entry.name[:-5]}", entry.read_text(encoding="utf-8")


@cache
def _defaults() -> dict[str, Parameter]:
    root = resources.files("sim").joinpath("params")
    return {name: _load_file(name, text) for name, text in _walk(root, "")}


class ParameterSet:
    """The default tree with a scenario's overrides applied. Read with ``params["a.b"]``."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self._params = dict(_defaults())
        self._age_tables: dict[str, np.ndarray] = {}
        for name, value in (overrides or {}).items():
            if name not in self._params:
                raise KeyError(name)
            self._params[name] = self._params[name].with_values(value)

    def __getitem__(self, name: str) -> Parameter:
        return self._params[name]

    def value(self, name: str, year: int | None = None) -> Any:
        p = self._params[name]
        return p.values if year is None else p.at(year)

    def by_age(self, name: str, age: np.ndarray) -> np.ndarray:
        """Look up an age table ``{lowest age of band: value}`` for each age in ``age``."""
        # ages are never negative; the oldest share the table's last entry
        return self.age_table(name)[np.minimum(age, AGE_TABLE_SIZE - 1)]

    def by_sex_age(self, name: str, sex: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Look up a table ``{women: age table, men: age table}`` for each person (``sex`` 0
        women, 1 men, as the person table has it)."""
        return self.sex_age_table(name)[sex, np.minimum(age, AGE_TABLE_SIZE - 1)]

    def sex_age_table(self, name: str) -> np.ndarray:
        """A table ``{women: age table, men: age table}`` as [sex, single age] (0 women)."""
        if name not in self._age_tables:
            table = self._params[name].values
            self._age_tables[name] = np.array([_expand(table[s]) for s in ("women", "men")])
        return self._age_tables[name]

    def age_table(self, name: str) -> np.ndarray:
        """An age table ``{lowest age of band: value}`` as one value per single age
        0..AGE_TABLE_SIZE - 1 (``by_age`` looks ages up in it)."""
        if name not in self._age_tables:
            self._age_tables[name] = _expand(self._params[name].values)
        return self._age_tables[name]

    def by_kommune(self, name: str, codes: list[str], default: float) -> np.ndarray:
        """Look up a table ``{kommunenummer: value}`` for each kommune in ``codes``
        (``default`` for kommuner the table does not list)."""
        table = self._params[name].values
        return np.array([float(table.get(code, default)) for code in codes])

    def names(self) -> list[str]:
        return sorted(self._params)

    def table(self) -> list[dict]:
        """Every parameter as a row (name, value, unit, description, reference)."""
        return [{"name": p.name, "values": p.values, "unit": p.unit,
                 "description": p.description, "reference": p.reference}
                for p in self._params.values()]


def default_names() -> list[str]:
    return sorted(_defaults())


def _expand(table: dict) -> np.ndarray:
    """An age table ``{lowest age of band: value}`` as one value per single age."""
    edges = np.array(sorted(int(k) for k in table))
    vals = np.array([float(table[k]) for k in sorted(table, key=int)])
    ages = np.arange(AGE_TABLE_SIZE)
    return vals[np.maximum(np.searchsorted(edges, ages, side="right") - 1, 0)]
