"""Reading a scenario file: YAML, ``extends:``, and the one clear refusal of a bad file.

A file may ``extends: other.yaml`` (a path relative to the extending file): the parent's
fields are read first and the child's override them recursively (mappings merge, lists and
scalars are replaced, and a mapping whose ``kind`` differs from the parent's replaces it
whole). The resolved scenario has no ``extends`` left. A missing, unreadable or malformed
file, or one the schema (``sim.scenario.schema``) refuses, raises one ``ScenarioError``: the
only exception type a user error produces.

Limits, so that no file can take long or much memory before it is refused: a file is at most
``MAX_FILE_BYTES``, its YAML at most ``MAX_DEPTH`` deep, and its anchors and aliases may not
expand it beyond ``MAX_NODES`` values (a few KB of "billion laughs" would otherwise expand to
gigabytes). A file reached through ``extends:`` must be a scenario file (a ``.yaml``/``.yml``
mapping of scenario fields); if it is not, the refusal says so and where it was looked for,
and never quotes it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.errors import ScenarioError, format_errors, shown
from sim.scenario.schema import Scenario

MAX_FILE_BYTES = 1_000_000   # a scenario is a few KB; the largest shipped one is under 3 KB
MAX_DEPTH = 50               # nesting of YAML collections; a scenario needs about 6
MAX_NODES = 100_000          # values after expanding aliases; the classroom has about 500
SCENARIO_SUFFIXES = (".yaml", ".yml")
MAX_PATH_CHARS = 1000        # of an extends: path


class _Limit(yaml.YAMLError):
    """A YAML document beyond the loader's limits (the message says which, the mark where)."""

    def __init__(self, message: str, mark) -> None:
        super().__init__(message)
        self.problem_mark = mark


_DEEP = f"nested more than {MAX_DEPTH} levels deep (a scenario needs a few)"


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that counts, while composing, how deep the document nests and how
    many values it holds with every alias expanded (an alias counts the values of its anchor,
    so shared lists count as often as they are used)."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._count = 0
        self._sizes: dict[int, tuple[int, int]] = {}   # id(node) -> (values, height)
        self._mark = None                               # where the node being composed starts

    def fetch_flow_collection_start(self, token_class) -> None:
        # the scanner looks ahead through every open [ or { (quadratic in their depth), so
        # deep flow nesting is refused here, before the composer would see it
        if self.flow_level >= MAX_DEPTH:
            raise _Limit(_DEEP, self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):
        self._mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            node = self.anchors.get(self.peek_event().anchor)
            if node is not None and id(node) not in self._sizes:
                raise _Limit("an alias refers to a collection that holds it (a recursive "
                             "alias); write the values out", self._mark)
            node = super().compose_node(parent, index)
            size, height = self._sizes[id(node)]
            self._add(size, self._depth + height)
            return node
        self._depth += 1
        start = self._count
        self._add(1, self._depth)
        node = super().compose_node(parent, index)
        self._depth -= 1
        children = node.value if isinstance(node.value, list) else []
        heights = [self._sizes[id(c)][1] for item in children
                   for c in (item if isinstance(item, tuple) else (item,))]
        self._sizes[id(node)] = (self._count - start, 1 + max(heights, default=0))
        return node

    def _add(self, values: int, depth: int) -> None:
        self._count += values
        if depth > MAX_DEPTH:
            raise _Limit(_DEEP, self._mark)
        if self._count > MAX_NODES:
            raise _Limit(f"its anchors and aliases (&name, *name) expand it to more than "
                         f"{MAX_NODES:,} values; write the values out or use fewer aliases",
                         self._mark)


def _parse(text: str) -> Any:
    """The YAML document in ``text`` within the loader's limits."""
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _text(path: Path, source: str) -> str:
    """A file's text, refused if it is larger than ``MAX_FILE_BYTES`` (read no further)."""
    with path.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: the file is larger than {MAX_FILE_BYTES / 1e6:g} MB; "
                            "a scenario is a few KB")
    return data.decode("utf-8")


def _read(path: Path, source: str, extended: bool = False) -> dict:
    """One file's raw mapping; ScenarioError for a missing, unreadable or malformed file.
    A file reached through ``extends:`` (``extended``) is never quoted in the message."""
    try:
        exists, is_file = path.exists(), path.is_file()
    except (OSError, ValueError):                    # a name too long for the file system
        exists = is_file = False
    if not exists:
        raise ScenarioError(f"{source}: no such scenario file")
    if not is_file:
        raise ScenarioError(f"{source}: not a file (give a scenario .yaml file)")
    try:
        raw = _parse(_text(path, source))
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{source}: cannot read the file: {err}") from None
    except ValueError:        # an integer beyond sys.get_int_max_str_digits
        raise ScenarioError(f"{source}: a number with too many digits (more than "
                            f"{sys.get_int_max_str_digits():,})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        why = "" if extended else f": {getattr(err, 'problem', None) or err}"
        if isinstance(err, _Limit):
            why = f": {err}"
        raise ScenarioError(f"{source}: not valid YAML{where}{why}") from None
    if raw is None:
        raise ScenarioError(f"{source}: the file is empty; a scenario needs at least name:")
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: the file must be a YAML mapping of scenario fields "
                            "(key: value lines)")
    return raw


def _read_parent(path: Path, source: str, target: str, child: str) -> dict:
    """The raw mapping of a file reached through ``extends:``, or one ScenarioError saying it
    is not a scenario file and where it was looked for; its content is never quoted, and a
    missing file, a folder and an unreadable file get the same message."""
    not_scenario = (f"{child}: extends: '{target}' is not a scenario file (looked for {path}; "
                    "a scenario file is a .yaml mapping of scenario fields: "
                    f"{', '.join(Scenario.model_fields)})")
    if path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError(not_scenario)
    try:
        readable = path.is_file() and os.access(path, os.R_OK)
    except OSError:
        readable = False
    if not readable:
        raise ScenarioError(f"{child}: extends: no scenario file '{target}' (looked for {path})")
    try:
        raw = _read(path, source, extended=True)
    except ScenarioError as err:
        if "not valid YAML" in str(err) or "too many digits" in str(err):
            raise
        raise ScenarioError(not_scenario) from None
    if any(not isinstance(k, str) or k not in Scenario.model_fields for k in raw):
        raise ScenarioError(not_scenario)
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
                            f"(relative to this file), got {shown(target)}")
    if len(target) > MAX_PATH_CHARS or "\0" in target:
        raise ScenarioError(f"{source}: extends: must be the path of another scenario file "
                            f"(at most {MAX_PATH_CHARS} characters), got {shown(target)}")
    try:
        path = (base / target).resolve()
    except (OSError, RuntimeError, ValueError):    # too long, a symlink loop, a NUL byte
        raise ScenarioError(f"{source}: extends: '{shown(target)}' is not a path of a "
                            "scenario file") from None
    if path in seen:
        cycle = " → ".join(str(p) for p in (*seen, path))
        raise ScenarioError(f"{source}: extends: '{target}' makes a cycle ({cycle}); a "
                            "scenario cannot extend itself, directly or through others")
    parent_source = str(Path(source).parent / target) if source else str(path)
    parent = _read_parent(path, parent_source, target, source)
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
