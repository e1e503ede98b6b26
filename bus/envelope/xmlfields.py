"""Reading envelope elements in schema order: element shapes, one pass over children, values.

A :class:`Shape` is the ordered content model of one envelope element (``"Verb Noun Revision?
Property* ##other*"``). :func:`read` walks the element's children once, places each in its slot,
and fails on anything out of order, repeated, unknown or missing, raising the error class the
caller names (HeaderError, PayloadError …) with the element path. Paths are built only on error.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from lxml import etree

from bus.envelope.model import IdKind, ObjectID
from bus.envelope.xmlsafe import XSI_NS
from cim.errors import CimbusError, PayloadError

_Element = etree._Element
ErrorClass = type[CimbusError]
"""The error raised for a problem in one part of the envelope."""
_XSI = "{" + XSI_NS + "}"
T = TypeVar("T")
OTHER = "##other"


class Shape:
    """The ordered children of one envelope element: ``name``, ``name?``, ``name*``, ``##other``.

    Names in ``elements`` (and ``##other``) are complex: :func:`read` hands back the elements.
    Every other name is a simple element: :func:`read` hands back its text.
    """

    __slots__ = (
        "_index",
        "first_required",
        "leaf",
        "missing",
        "names",
        "other",
        "repeat",
        "required",
    )

    def __init__(
        self, spec: str, elements: str = "", missing: dict[str, ErrorClass] | None = None
    ) -> None:
        self.missing = missing or {}
        """Error class for a missing required child, when not the reader's own."""
        complex_names = set(elements.split()) | {OTHER}
        self.names: list[str] = []
        self.repeat: list[bool] = []
        self.leaf: list[bool] = []
        self.required: list[int] = []
        for i, item in enumerate(spec.split()):
            name = item.rstrip("?*+")
            self.names.append(name)
            self.repeat.append(item[-1] in "*+")
            self.leaf.append(name not in complex_names)
            if item[-1] not in "?*":
                self.required.append(i)
        self.other = self.names.index(OTHER) if OTHER in self.names else -1
        n = len(self.names)
        #: first_required[k]: the first required slot at or after k (n if none)
        self.first_required = [
            min([r for r in self.required if r >= k] or [n]) for k in range(n + 1)
        ]
        self._index: dict[tuple[str, ...], dict[str, int]] = {}

    def index(self, namespaces: tuple[str, ...]) -> dict[str, int]:
        """Clark tag -> slot, for children in any of ``namespaces``."""
        found = self._index.get(namespaces)
        if found is None:
            found = {
                f"{{{ns}}}{name}": i
                for ns in namespaces
                for i, name in enumerate(self.names)
                if name != OTHER
            }
            self._index[namespaces] = found
        return found


Slot = Any
"""What :func:`read` puts in a slot: text, an element, a list of either, or None if absent."""


def read(
    el: _Element, path: str, shape: Shape, namespaces: tuple[str, ...], error: ErrorClass
) -> list[Slot]:
    """The children of ``el`` in ``shape`` order, one slot per name; foreign = not in
    ``namespaces``. Simple elements give their text, complex ones the element."""
    if el.attrib:
        check_attributes(el, path, error)
    text = el.text
    if text and not text.isspace():
        raise error(
            f"{path} holds text {text.strip()[:40]!r} where elements are expected", path=path
        )
    index = shape.index(namespaces)
    names, other, repeat, leaf = shape.names, shape.other, shape.repeat, shape.leaf
    first_required = shape.first_required
    slots: list[Slot] = [None] * len(names)
    last = -1
    for child in el:
        tail = child.tail
        if tail and not tail.isspace():
            raise error(f"{path} holds text {tail.strip()[:40]!r} between elements", path=path)
        tag = child.tag
        if type(tag) is not str:
            continue  # comments and processing instructions
        pos = index.get(tag)
        if pos is None and other >= 0 and tag[0] == "{" and _namespace(tag) not in namespaces:
            pos = other  # ##other: a namespace-qualified element outside the envelope's
        if (
            pos is None
            or pos < last
            or (pos == last and not repeat[pos])
            or pos > first_required[last + 1]
        ):
            raise _misplaced(path, shape, slots, last, pos, tag, error)
        value: Any = child
        if leaf[pos]:
            value = (
                text_of(child, path, names[pos], error)
                if (len(child) or child.attrib)
                else (child.text or "")
            )
        if repeat[pos]:
            if pos == last:
                slots[pos].append(value)
            else:
                slots[pos] = [value]
        else:
            slots[pos] = value
        last = pos
    for pos in shape.required:
        if slots[pos] is None:
            name = names[pos]
            cls = shape.missing.get(name, error)
            raise cls(f"{path}/{name} is missing", path=f"{path}/{name}")
    return slots


def _misplaced(
    path: str,
    shape: Shape,
    slots: list[Slot],
    last: int,
    pos: int | None,
    tag: str,
    error: ErrorClass,
) -> CimbusError:
    """The error for child ``tag`` that cannot stand where it is."""
    found = _qname(tag)
    missing = next((i for i in shape.required if i > last and slots[i] is None), None)
    if missing is not None and (pos is None or pos > missing):
        name = shape.names[missing]
        cls = shape.missing.get(name, error)
        return cls(f"{path}/{name} is missing (found {found} instead)", path=f"{path}/{name}")
    if pos is not None and pos == last:
        what = "foreign element" if pos == shape.other else shape.names[pos]
        return error(
            f"{path} holds a second {what} ({found}) where one is allowed",
            path=f"{path}/{_local(tag)}",
        )
    if pos is None and tag[0] != "{":
        return error(
            f"{path} has element {found}; unqualified elements are not allowed "
            "(declare a namespace)",
            path=f"{path}/{tag}",
        )
    return error(
        f"{path} has unexpected element {found} (wrong name, namespace or order)",
        path=f"{path}/{_local(tag)}",
    )


def _namespace(tag: str) -> str | None:
    return tag[1 : tag.index("}")] if tag[0] == "{" else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _qname(tag: str) -> str:
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        return f"{local} (namespace {ns})"
    return f"{tag} (no namespace)"


def check_attributes(el: _Element, path: str, error: ErrorClass) -> None:
    """Fail on any attribute other than xsi:* on an envelope element."""
    for name in el.attrib:
        if not str(name).startswith(_XSI):
            raise error(f"{path} has unexpected attribute {name!r}", path=path)


def text_of(el: _Element, parent: str, name: str, error: ErrorClass) -> str:
    """The text of the simple-content element ``parent/name`` (child elements are an error)."""
    path = f"{parent}/{name}"
    check_attributes(el, path, error)
    if any(isinstance(c.tag, str) for c in el):
        raise error(f"{path} must hold text, not elements", path=path)
    return "".join(str(t) for t in el.itertext())


_DATETIME = re.compile(r"-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_BOOL = {"true": True, "1": True, "false": False, "0": False}


def to_bool(text: str, path: str, error: ErrorClass) -> bool:
    """An xs:boolean value."""
    try:
        return _BOOL[text]
    except KeyError:
        raise error(f"{path} is {text[:40]!r}; use true or false", path=path) from None


def to_int(text: str, path: str, error: ErrorClass) -> int:
    """An xs:integer value."""
    if not _INTEGER.match(text) or len(text) > 40:
        raise error(f"{path} is {text[:40]!r}; use a whole number", path=path)
    return int(text)


def opt(
    conv: Callable[[str, str, ErrorClass], T],
    text: str | None,
    parent: str,
    name: str,
    error: ErrorClass,
) -> T | None:
    """``conv`` applied to the text of ``parent/name`` (whitespace collapsed); None if absent."""
    return None if text is None else conv(text.strip(), f"{parent}/{name}", error)


def to_datetime(text: str, path: str, error: ErrorClass) -> datetime:
    """An xs:dateTime value."""
    if _DATETIME.match(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise error(
        f"{path} is {text[:40]!r}; use an xs:dateTime such as 2024-05-01T12:00:00Z", path=path
    )


_ID_ATTRS = frozenset({"idType", "idAuthority", "kind", "objectType"})


def object_id(el: _Element, path: str, error: ErrorClass) -> ObjectID:
    """An ID element with its optional FDIS attributes."""
    if len(el) and any(isinstance(c.tag, str) for c in el):
        raise error(f"{path} must hold text, not elements", path=path)
    value = "".join(str(t) for t in el.itertext()) if len(el) else (el.text or "")
    attrs = el.attrib
    if not attrs:
        return ObjectID(value)
    unknown = [str(a) for a in attrs if a not in _ID_ATTRS and not str(a).startswith(_XSI)]
    if unknown:
        raise error(
            f"{path} has unknown attribute {unknown[0]!r}; allowed: "
            "idType, idAuthority, kind, objectType",
            path=path,
        )
    kind = None
    if (k := attrs.get("kind")) is not None:
        try:
            kind = IdKind(k)
        except ValueError:
            raise error(
                f"{path}/@kind is {k[:40]!r}; use name, uuid, transaction or other", path=path
            ) from None
    return ObjectID(
        value, attrs.get("idType"), attrs.get("idAuthority"), kind, attrs.get("objectType")
    )


def check_base64(text: str, path: str) -> str:
    """``text`` without whitespace if it is valid base64; PayloadError otherwise."""
    compact = "".join(text.split())
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{path} is not valid base64 text", path=path) from None
    return compact
