"""Reading a scenario file: YAML, ``extends:``, and the one clear refusal of a bad file.

A file may ``extends: other.yaml`` (a path relative to the extending file): the parent's
fields are read first and the child's override them recursively (mappings merge, lists and
scalars are replaced, and a mapping whose ``kind`` differs from the parent's replaces it
whole). The resolved scenario has no ``extends`` left. A missing, unreadable or malformed
file, or one the schema (``sim.scenario.schema``) refuses, raises one ``ScenarioError``: the
only exception type a user error produces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.errors import ScenarioError, format_errors
from sim.scenario.schema import Scenario


def _read(path: Path, source: str) -> dict:
    """One file's raw mapping; ScenarioError for a missing, unreadable or malformed file."""
    if not path.exists():
        raise ScenarioError(f"{source}: no such scenario file")
    if not path.is_file():
        raise ScenarioError(f"{source}: not a file (give a scenario .yaml file)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{source}: cannot read the file: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{source}: not valid YAML{where}: "
                            f"{getattr(err, 'problem', None) or err}") from None
    if raw is None:
        raise ScenarioError(f"{source}: the file is empty; a scenario needs at least name:")
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: the file must be a YAML mapping of scenario fields "
                            "(key: value lines)")
    return raw


def _chain(raw: dict, source: str, base: Path, seen: tuple[Path, ...] = ()
           ) -> list[tuple[str, dict]]:
    """``[(source, raw)]`` from the file itself up through every file it extends."""
    chain = [(source, raw)]
    target = raw.get("extends")
    if target is None:
        return chain
    if not isinstance(target, str) or not target.strip():
        raise ScenarioError(f"{source}: extends: must be the path of another scenario file "
                            f"(relative to this file), got {target!r}")
    path = (base / target).resolve()
    if path in seen:
        cycle = " → ".join(str(p) for p in (*seen, path))
        raise ScenarioError(f"{source}: extends: '{target}' makes a cycle ({cycle}); a "
                            "scenario cannot extend itself, directly or through others")
    if not path.is_file():
        raise ScenarioError(f"{source}: extends: no scenario file '{target}' (looked for "
                            f"{path})")
    parent_source = str(Path(source).parent / target) if source else str(path)
    parent = _read(path, parent_source)
    return chain + _chain(parent, parent_source, path.parent, (*seen, path))


# the kind a mapping has when it does not say (for merging a child over a parent)
DEFAULT_KIND = {"geography": "norway"}


def merge(parent: dict, child: dict) -> dict:
    """``child`` over ``parent``: mappings merge recursively, everything else is replaced,
    and a mapping of a different ``kind`` (e.g. a landscape over Norway) replaces the parent's
    whole."""
    out = dict(parent)
    for key, value in child.items():
        old = out.get(key)
        if (isinstance(old, dict) and isinstance(value, dict)
                and old.get("kind", DEFAULT_KIND.get(key))
                == value.get("kind", DEFAULT_KIND.get(key))):
            out[key] = merge(old, value)
        else:
            out[key] = value
    return out


def parse_scenario(raw: Any, source: str = "<scenario>", base: Path | None = None) -> Scenario:
    """Validate a mapping as a scenario (resolving ``extends`` relative to ``base``, default
    the working directory); raise ScenarioError with a user-facing message."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: the file must be a YAML mapping of scenario fields")
    seen = (Path(source).resolve(),) if base is not None else ()
    chain = _chain(raw, source, base or Path.cwd(), seen)
    merged: dict = {}
    for _, layer in reversed(chain):
        merged = merge(merged, layer)
    merged.pop("extends", None)
    try:
        return Scenario.model_validate(merged)
    except ValidationError as err:
        raise ScenarioError(format_errors(err, chain, Scenario)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (and any files it extends)."""
    path = Path(path)
    return parse_scenario(_read(path, str(path)), str(path), path.resolve().parent)


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario with every default filled in and ``extends`` resolved, as YAML."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def json_schema() -> dict:
    """The JSON Schema of a scenario file."""
    return Scenario.model_json_schema()
