"""Source paths: parsed once, compiled into getters over a native document or a CIM payload.

Syntax (``docs/mappings.md``, "Paths"): names separated by dots, ``name[n]`` for the n-th item
(from 1); a path starts at the current item, at ``$.`` (the whole message) or ``^.`` (the item
that encloses the current one). ``@`` alone is the current item, ``@index`` its position in its
``each`` (from 1), ``@group`` the items of the current group (``group_by``).

A getter takes a :data:`Scope` and returns the value or ``None`` when it is absent. A value path
leads to one value: a list met on the way with one item is stepped into, with several it is an
error naming the path (use ``each`` or ``[n]``). An ``each`` path flattens the lists it meets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.mapping.errors import MappingError

Scope = tuple[Any, int, Any, Any, Any]
"""(item, index from 1, enclosing scope or None, the whole message, the current group or None)."""

Getter = Callable[[Scope], Any]
"""The value at a source path in a scope, or ``None``."""

_SEGMENT = re.compile(r"([A-Za-z_][\w\-]*)(?:\[([1-9]\d*)\])?$")


@dataclass(frozen=True, slots=True)
class Path:
    """A parsed source path: where it starts and its named steps."""

    text: str
    start: str
    """``item``, ``root``, ``parent``, ``self``, ``index`` or ``group``."""
    steps: tuple[tuple[str, int | None], ...]
    """(name, 1-based position or None) per step."""


def parse(text: str) -> Path:
    """The parsed path; ValueError saying what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a path is a non-empty text such as meter.id")
    if text != text.strip():
        raise ValueError(f"path {text!r} has surrounding spaces")
    specials = {"@": "self", "@index": "index", "@group": "group"}
    if text in specials:
        return Path(text, specials[text], ())
    start, rest = "item", text
    if text.startswith("$."):
        start, rest = "root", text[2:]
    elif text.startswith("^."):
        start, rest = "parent", text[2:]
    steps: list[tuple[str, int | None]] = []
    for seg in rest.split("."):
        found = _SEGMENT.match(seg)
        if found is None:
            raise ValueError(
                f"path {text!r}: {seg!r} is not a name (letters, digits, _ or -, then [n])"
            )
        steps.append((found.group(1), int(found.group(2)) if found.group(2) else None))
    return Path(text, start, tuple(steps))


def base(path: Path) -> Getter:
    """The getter of the path's starting point."""
    if path.start in ("item", "self"):
        return _item
    if path.start == "root":
        return _root
    if path.start == "parent":
        return _parent
    if path.start == "index":
        return _index
    return _group


def _item(s: Scope) -> Any:
    return s[0]


def _root(s: Scope) -> Any:
    return s[3]


def _parent(s: Scope) -> Any:
    return s[2][0] if s[2] is not None else None


def _index(s: Scope) -> Any:
    return s[1]


def _group(s: Scope) -> Any:
    return s[4]


Step = Callable[[Any, str], Any]
"""One step of a compiled path: from a value to the next (``None`` stays ``None``)."""


def one(value: Any, path: str) -> Any:
    """The single value in ``value``: a list of one is its item; of several, an error."""
    if type(value) is list or type(value) is tuple:
        if len(value) > 1:
            raise MappingError(
                f"holds {len(value)} items where one value is needed: use each or [n]",
                source=path,
            )
        return value[0] if value else None
    return value


def chain(start: Getter, steps: tuple[Step, ...], text: str, *, many: bool) -> Getter:
    """Compose the start getter and the steps; ``many`` flattens lists (for ``each``)."""
    if many:

        def get_many(s: Scope) -> Any:
            values = [start(s)]
            for step in steps:
                values = [v for x in values for v in _spread(step(x, text))]
            return [v for x in values for v in _spread(x)]

        return get_many
    if len(steps) == 1:
        (only,) = steps

        def get_one(s: Scope) -> Any:
            v = start(s)
            return None if v is None else one(only(v, text), text)

        return get_one

    def get(s: Scope) -> Any:
        v = start(s)
        for step in steps:
            if v is None:
                return None
            v = one(step(v, text), text)
        return v

    return get


def _spread(value: Any) -> tuple[Any, ...] | list[Any]:
    if value is None:
        return ()
    if type(value) is list or type(value) is tuple:
        return value
    return (value,)


__all__ = ["Getter", "Path", "Scope", "Step", "base", "chain", "one", "parse"]
