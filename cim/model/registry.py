"""The UML registry of the generated model: each class's package, superclass, members, definition.

The data is ``registry.json`` beside this module, written by ``tools/cimgen``; it is read lazily
on the first lookup so that importing the model stays cheap.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cim.errors import ConfigurationError


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberInfo:
    """One attribute, association end or enumeration literal, with its UML definition."""

    name: str
    type: str | None
    kind: str
    multiplicity: str | None
    definition: str
    stereotypes: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassInfo:
    """One class, compound, datatype or enumeration of the generated model."""

    name: str
    kind: str
    package: str
    module: str
    superclass: str | None
    definition: str
    attributes: tuple[MemberInfo, ...]
    associations: tuple[MemberInfo, ...]
    literals: tuple[MemberInfo, ...]

    def chain(self) -> tuple[str, ...]:
        """This class and its superclasses, most specific first."""
        names = [self.name]
        while (sup := describe(names[-1]).superclass) is not None:
            names.append(sup)
        return tuple(names)


def _member(raw: dict[str, Any]) -> MemberInfo:
    return MemberInfo(
        name=raw["name"],
        type=raw.get("type"),
        kind=raw.get("kind", "literal"),
        multiplicity=raw.get("multiplicity"),
        definition=raw.get("definition", ""),
        stereotypes=raw.get("stereotypes", ""),
    )


@cache
def _entries() -> dict[str, ClassInfo]:
    text = resources.files("cim.model").joinpath("registry.json").read_text(encoding="utf-8")
    out: dict[str, ClassInfo] = {}
    for name, raw in json.loads(text)["entries"].items():
        out[name] = ClassInfo(
            name=name,
            kind=raw["kind"],
            package=raw["package"],
            module=raw["module"],
            superclass=raw.get("superclass"),
            definition=raw["definition"],
            attributes=tuple(_member(m) for m in raw.get("attributes", ())),
            associations=tuple(_member(m) for m in raw.get("associations", ())),
            literals=tuple(_member(m) for m in raw.get("literals", ())),
        )
    return out


def classes(kind: str | None = None) -> tuple[ClassInfo, ...]:
    """Every registry entry (optionally of one kind: class, compound, datatype, enum) by name."""
    return tuple(i for _, i in sorted(_entries().items()) if kind is None or i.kind == kind)


def suggest(name: str) -> list[str]:
    """Registry names close to ``name`` (for "did you mean")."""
    lowered = {n.lower(): n for n in _entries()}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]


def describe(name: str) -> ClassInfo:
    """The registry entry for ``name``; ConfigurationError with suggestions when unknown."""
    try:
        return _entries()[name]
    except KeyError:
        hint = suggest(name)
        extra = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise ConfigurationError(f"{name!r} is not in the CIM model{extra}") from None


__all__ = ["ClassInfo", "MemberInfo", "classes", "describe", "suggest"]
