"""Turning pydantic's validation errors into the one message a user reads.

Each error becomes a line ``<file>: <field path>: <what is wrong and what is allowed>``. The
field path is written as in the file (``geography.kommuner[2].population``), without
pydantic's internal union labels; the file is the one in an ``extends`` chain that holds the
offending key.

A message never quotes more than ``MAX_SHOWN`` characters of a value (``shown``), and a file
reached through ``extends:`` is never quoted at all: its lines name the field, not the value.
``refuse`` makes the error a validator raises with a message of its own.
"""

from __future__ import annotations

import difflib
import reprlib
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import PydanticCustomError

MAX_SHOWN = 80   # characters of a bad input value (or a key) quoted back
MAX_LINES = 20   # problems listed in one message; the rest are counted
# repr of a value without walking all of it (an aliased list may hold millions of items)
_SHORT = reprlib.Repr(maxlevel=3, maxtuple=6, maxlist=6, maxdict=6, maxset=6, maxstring=MAX_SHOWN,
                      maxlong=MAX_SHOWN, maxother=MAX_SHOWN)


class ScenarioError(Exception):
    """A scenario that cannot run. The message is meant for the user, as it is."""


def shown(value: Any) -> str:
    """``repr(value)`` cut to at most ``MAX_SHOWN`` characters, without building more of it."""
    try:
        text = _SHORT.repr(value)
    except ValueError:           # an int too long for repr (sys.get_int_max_str_digits)
        text = "(a number with too many digits to show)"
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def refuse(at: str | tuple, message: str) -> PydanticCustomError:
    """A validation error at ``at``, a dotted path or a tuple of keys, relative to the model
    raising it; the message goes to the user as it is."""
    if isinstance(at, str):
        at = tuple(int(p) if p.isdigit() else p for p in at.split(".")) if at else ()
    return PydanticCustomError("refused", message, {"at": at})


def _unwrap(ann: Any) -> Any:
    """Strip Annotated and Optional (pydantic treats ``X | None`` as X, nullable)."""
    while True:
        if get_origin(ann) is Annotated:
            ann = get_args(ann)[0]
            continue
        members = _union_members(ann)
        if members is not None and len(members) == 1:
            ann = members[0]
            continue
        return ann


def _union_members(ann: Any) -> list | None:
    if get_origin(ann) in (Union, types.UnionType):
        return [a for a in get_args(ann) if a is not type(None)]
    return None


def _member_for(members: list, label: Any) -> Any:
    """The union member pydantic meant by the loc label (a Tag or a type name)."""
    for m in members:
        if get_origin(m) is Annotated:
            tags = [x.tag for x in get_args(m)[1:] if isinstance(x, Tag)]
            if label in tags:
                return get_args(m)[0]
        base = _unwrap(m)
        name = getattr(get_origin(base) or base, "__name__", None)
        if name and isinstance(label, str) and \
                label.split("[")[0].removeprefix("constrained-") == name:
            return base
    return None


@dataclass(frozen=True)
class Key:
    """A mapping key in a field path (written ``['key']`` or ``[2030]``, not ``.key``)."""

    value: Any


def clean_loc(root: type[BaseModel], loc: tuple) -> tuple[list, type[BaseModel] | None]:
    """The loc as a field path (union labels removed, mapping keys as ``Key``) and the model
    holding its last item."""
    ann: Any = root
    path: list = []
    owner: type[BaseModel] | None = None
    for item in loc:
        ann = _unwrap(ann) if ann is not None else None
        members = _union_members(ann) if ann is not None else None
        if members:
            ann = _member_for(members, item)
            continue
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            owner = ann
            field = ann.model_fields.get(item) if isinstance(item, str) else None
            ann = field.annotation if field else None
            path.append(item)
        elif get_origin(ann) is dict and item != "[key]":
            ann = get_args(ann)[-1]
            path.append(Key(item))
        elif get_origin(ann) is list:
            ann = get_args(ann)[0]
            path.append(item)
        else:
            ann = None
            path.append(item)
    return path, owner


def render_path(path: list) -> str:
    out = ""
    for item in path:
        if item == "[key]":
            out += " (key)"
        elif isinstance(item, Key):
            out += f"[{shown(item.value)}]"
        elif isinstance(item, int):
            out += f"[{item}]"
        elif isinstance(item, str) and item.isidentifier():
            out += f".{item}" if out else item
        else:
            out += f"[{shown(item)}]"
    return out or "(top level)"


def _message(e: dict, path: list, owner: type[BaseModel] | None) -> str:
    kind = e["type"]
    if kind == "extra_forbidden":
        allowed = list(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key{hint}; allowed here: {', '.join(allowed)}"
    if kind == "missing":
        field = owner.model_fields.get(path[-1]) if owner else None
        what = f" ({field.description})" if field and field.description else ""
        return f"required field missing{what}"
    return e["msg"].removeprefix("Value error, ")


def _quotes_input(kind: str) -> bool:
    """Whether the message should end with the bad value ("got ...")."""
    return kind not in ("extra_forbidden", "missing", "refused", "value_error",
                        "geography_kind")


def _origin(path: list, chain: list[tuple[str, dict]]) -> str:
    """The file of the chain (child first) that holds the deepest part of ``path``."""
    best, best_depth = chain[0][0], -1
    keys = [p.value if isinstance(p, Key) else p for p in path if p != "[key]"]
    for source, raw in chain:
        node, depth = raw, 0
        for key in keys:
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                break
            depth += 1
        if depth > best_depth:
            best, best_depth = source, depth
    return best


def _shallow(path: list, kind: str, paths: list[list]) -> bool:
    """A type mismatch of one union alternative, where another alternative got deeper."""
    mismatch = kind.endswith(("_type", "_parsing"))
    return mismatch and any(len(p) > len(path) and p[:len(path)] == path for p in paths)


def format_errors(err: ValidationError, chain: list[tuple[str, dict]],
                  root: type[BaseModel]) -> str:
    """One line per field: ``file: path: message``. Alternatives of a union are joined; a
    field of a file reached through ``extends:`` is named, its value not quoted."""
    errors = []
    for e in err.errors():
        loc = tuple(e["loc"]) + tuple((e.get("ctx") or {}).get("at", ()))
        path, owner = clean_loc(root, loc)
        errors.append((e, path, owner))
    paths = [path for _, path, _ in errors]
    lines: dict[tuple[str, str], tuple[list[str], list[Any]]] = {}
    for e, path, owner in errors:
        if _shallow(path, e["type"], paths):
            continue
        source = _origin(path, chain)
        own = source == chain[0][0]
        if not own:
            source = f"{source} (extended by {chain[0][0]})"
        msgs, inputs = lines.setdefault((source, render_path(path)), ([], []))
        msg = _message(e, path, owner) if own or e["type"] not in _OWN_TEXT else _KIND_ONLY
        if msg not in msgs:
            msgs.append(msg)
        if own and _quotes_input(e["type"]) and not inputs:
            inputs.append(e.get("input"))
    out = [f"{source}: {path}: {'; or '.join(msgs)}"
           + (f"; got {shown(inputs[0])}" if inputs else "")
           for (source, path), (msgs, inputs) in lines.items()]
    more = len(out) - MAX_LINES
    return "\n".join(out[:MAX_LINES] + ([f"... and {more} more"] if more > 0 else []))


# errors with a message of the schema's own, which may quote the value: a file reached through
# extends: gets _KIND_ONLY instead (pydantic's own messages never quote the value)
_OWN_TEXT = ("refused", "value_error")
_KIND_ONLY = ("not a value this field may hold (check the file it extends; its value is not "
              "shown)")
