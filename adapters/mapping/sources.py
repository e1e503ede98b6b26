"""The two source sides of the engine: a native document (JSON data) and a CIM payload tree.

Each resolves a parsed path once, at compile time, against what it knows of the source — the
native JSON Schema when one is declared, the CIM profile always — and returns a getter with the
type found at its end. A path that cannot exist is a ValueError there, never a run-time surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.mapping import paths
from adapters.mapping.errors import MappingError
from adapters.mapping.paths import Getter, Path, Step
from cim.model import Ref
from cim.profiles import Member, Node, Payload, Profile, ProfileClass


@dataclass(frozen=True, slots=True)
class Ctx:
    """What the compiler knows of the current item, its encloser, the message and the group."""

    item: Any
    """A JSON Schema node (native, or None when no schema) or a ProfileClass (CIM)."""
    parent: Ctx | None
    root: Any
    group: Any = None


@dataclass(frozen=True, slots=True)
class Found:
    """The getter of a path and what its value is (schema node, Member, ProfileClass or None)."""

    get: Getter
    kind: Any
    many: bool = False


def _start(path: Path, ctx: Ctx) -> Any:
    if path.start in ("item", "self"):
        return ctx.item
    if path.start == "root":
        return ctx.root
    if path.start == "parent":
        if ctx.parent is None:
            raise ValueError(f"path {path.text!r}: ^. needs an enclosing each")
        return ctx.parent.item
    if path.start == "group":
        if ctx.group is None:
            raise ValueError("@group is only defined inside an object with group_by")
        return ctx.group
    return {"type": "integer"}


class NativeSource:
    """Paths into native JSON data; checked against the native JSON Schema when one is given."""

    def __init__(self, schema: dict[str, Any] | None) -> None:
        self.schema = schema

    def context(self) -> Ctx:
        """The context of the whole message."""
        return Ctx(self.schema, None, self.schema)

    def resolve(self, text: str, ctx: Ctx, *, many: bool = False) -> Found:
        """The getter of ``text`` in ``ctx``; ValueError when the schema has no such path."""
        path = paths.parse(text)
        node = _start(path, ctx)
        steps: list[Step] = []
        for name, pos in path.steps:
            node = self._child(node, name, path.text)
            steps.append(_native_step(name, pos))
        get = paths.chain(paths.base(path), tuple(steps), text, many=many)
        if path.start == "item" and len(path.steps) == 1 and path.steps[0][1] is None and not many:
            get = _key_of_item(path.steps[0][0], get)
        return Found(get, node, many)

    def items(self, node: Any) -> Any:
        """The schema of one item of a list the schema node describes (None when unknown)."""
        node = self._deref(node)
        if isinstance(node, dict) and isinstance(node.get("items"), dict):
            return self._deref(node["items"])
        return node

    def _child(self, node: Any, name: str, text: str) -> Any:
        node = self.items(node)
        if not isinstance(node, dict):
            return None
        props = node.get("properties")
        if not isinstance(props, dict):
            return None if node.get("type") in (None, "object") else self._no(name, node, text)
        if name in props:
            return self._deref(props[name])
        if node.get("additionalProperties") is False or props:
            return self._no(name, node, text)
        return None

    def _no(self, name: str, node: dict[str, Any], text: str) -> Any:
        props = sorted(node.get("properties") or ())
        known = f"; it has {', '.join(props)}" if props else ""
        raise ValueError(f"path {text!r}: the native schema has no {name!r} here{known}")

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 32:
            ref = node["$ref"]
            if not ref.startswith("#/") or self.schema is None:
                raise ValueError(f"only local $ref (#/...) are followed, not {ref!r}")
            target: Any = self.schema
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                raise ValueError(f"$ref {ref!r} points nowhere in the native schema")
            node, seen = target, seen + 1
        return node


def _key_of_item(name: str, general: Getter) -> Getter:
    """The commonest path, one key of the current item, read straight from the dict."""

    def get(s: paths.Scope) -> Any:
        item = s[0]
        if type(item) is dict:
            got = item.get(name)
            if type(got) is not list:
                return got
        return general(s)  # a list (one value, or an error) or not an object: the full rules

    return get


def _native_step(name: str, pos: int | None) -> Step:
    def step(v: Any, text: str) -> Any:
        if type(v) is dict:
            got = v.get(name)
        elif v is None:
            return None
        else:
            raise MappingError(f"{name} is looked up in a {type(v).__name__}", source=text)
        if pos is None or got is None:
            return got
        if type(got) is not list:
            raise MappingError(f"{name}[{pos}] indexes a {type(got).__name__}", source=text)
        return got[pos - 1] if pos <= len(got) else None

    return step


class CimSource:
    """Paths into a CIM payload, resolved through the profile's classes and members."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def context(self) -> Ctx:
        """The context of the whole payload."""
        return Ctx(self.profile.root, None, self.profile.root)

    def resolve(self, text: str, ctx: Ctx, *, many: bool = False) -> Found:
        """The getter of ``text`` in ``ctx``; ValueError when the profile has no such member."""
        path = paths.parse(text)
        at: Any = _start(path, ctx)
        steps: list[Step] = []
        for i, (name, pos) in enumerate(path.steps):
            if not isinstance(at, ProfileClass):
                raise ValueError(f"path {text!r}: {name!r} follows a value, not an object")
            m = at.member(name)
            if m is None:
                known = ", ".join(x.element for x in at.members)
                raise ValueError(
                    f"path {text!r}: {at.name or self.profile.root_element} has no member "
                    f"{name!r}; it has {known}"
                )
            last = i == len(path.steps) - 1
            steps.append(_cim_step(self.profile, m, pos, last))
            at = self._next(m, last)
        return Found(paths.chain(paths.base(path), tuple(steps), text, many=many), at, many)

    def _next(self, m: Member, last: bool) -> Any:
        if m.kind == "association" or (m.kind == "compound" and m.text_field is None):
            return self.profile.cls(m.type)
        if m.kind == "compound" and m.text_field is not None and last:
            return self.profile.cls(m.type).member(m.text_field)
        return m


def _cim_step(profile: Profile, m: Member, pos: int | None, last: bool) -> Step:
    element, field = m.element, m.path
    if m.kind == "association":

        def child(v: Any, text: str) -> Any:
            nodes = v.child(element) if isinstance(v, Node | Payload) else ()
            if pos is None:
                return list(nodes)
            return nodes[pos - 1] if pos <= len(nodes) else None

        return child
    if m.kind == "extension":
        return lambda v, text: v.extension(element) if isinstance(v, Node) else None
    text_field = m.text_field if last else None

    def value(v: Any, text: str) -> Any:
        got = getattr(v.obj if isinstance(v, Node) else v, field, None)
        if type(got) is tuple:
            got = list(got) if pos is None else (got[pos - 1] if pos <= len(got) else None)
        if isinstance(got, Ref):
            return got.mrid
        if type(got) is list and got and isinstance(got[0], Ref):
            return [r.mrid for r in got]
        if text_field is not None and got is not None:
            return getattr(got, text_field)
        return got

    return value


__all__ = ["CimSource", "Ctx", "Found", "NativeSource"]
