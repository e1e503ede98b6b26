"""Reading envelope elements in schema order: a child cursor and typed simple values.

Every failure raises the error class the caller names (HeaderError, PayloadError …) with the
element path, so a reply can say exactly what to fix.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from lxml import etree

from bus.envelope.model import IdKind, ObjectID
from bus.envelope.xmlsafe import XSI_NS
from cim.errors import PayloadError, SchemaViolation

_Element = etree._Element
ErrorClass = type[SchemaViolation]
"""The error raised for a problem in one part of the envelope."""
_XSI = "{" + XSI_NS + "}"
T = TypeVar("T")

_DATETIME = re.compile(r"-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_BOOL = {"true": True, "1": True, "false": False, "0": False}


class Seq:
    """A cursor over the element children of one envelope element, in schema order."""

    __slots__ = ("error", "i", "items", "names", "path")

    def __init__(self, el: _Element, path: str, names: tuple[str, ...], error: ErrorClass):
        self.path = path
        self.names = names
        self.error = error
        check_attributes(el, path, error)
        if el.text is not None and el.text.strip():
            raise error(
                f"{path} holds text {el.text.strip()[:40]!r} where elements are expected", path=path
            )
        items = []
        for child in el:
            if child.tail is not None and child.tail.strip():
                raise error(
                    f"{path} holds text {child.tail.strip()[:40]!r} between elements", path=path
                )
            if isinstance(child.tag, str):
                items.append(child)
        self.items: list[_Element] = items
        self.i = 0

    def _is(self, el: _Element, local: str) -> bool:
        tag: str = el.tag
        return any(tag == f"{{{ns}}}{local}" for ns in self.names)

    def take(self, local: str) -> _Element | None:
        """The next child if it is ``local``, else None."""
        if self.i < len(self.items) and self._is(self.items[self.i], local):
            self.i += 1
            return self.items[self.i - 1]
        return None

    def need(self, local: str) -> _Element:
        """The next child, which must be ``local``."""
        el = self.take(local)
        if el is None:
            found = self._describe_next()
            raise self.error(
                f"{self.path}/{local} is missing ({found})", path=f"{self.path}/{local}"
            )
        return el

    def take_all(self, local: str) -> list[_Element]:
        """Every consecutive next child named ``local``."""
        out = []
        while (el := self.take(local)) is not None:
            out.append(el)
        return out

    def take_foreign(self, own: tuple[str, ...]) -> list[_Element]:
        """Every consecutive next child outside the envelope namespaces ``own``."""
        out = []
        while self.i < len(self.items):
            el = self.items[self.i]
            ns = el.tag[1 : el.tag.index("}")] if el.tag.startswith("{") else None
            if ns in own:
                break
            out.append(el)
            self.i += 1
        return out

    def end(self) -> None:
        """Fail if children remain."""
        if self.i < len(self.items):
            el = self.items[self.i]
            raise self.error(
                f"{self.path} has unexpected element {_qname(el)} (wrong name, namespace or order)",
                path=f"{self.path}/{_local(el)}",
            )

    def _describe_next(self) -> str:
        if self.i < len(self.items):
            return f"found {_qname(self.items[self.i])} instead"
        return "no more elements"


def _local(el: _Element) -> str:
    tag: str = el.tag
    return tag.rsplit("}", 1)[-1]


def _qname(el: _Element) -> str:
    tag: str = el.tag
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        return f"{local} (namespace {ns})"
    return f"{tag} (no namespace)"


def check_attributes(el: _Element, path: str, error: ErrorClass) -> None:
    """Fail on any attribute other than xsi:* on an envelope element."""
    for name in el.attrib:
        if not str(name).startswith(_XSI):
            raise error(f"{path} has unexpected attribute {name!r}", path=path)


def text_of(el: _Element, path: str, error: ErrorClass) -> str:
    """The text of a simple-content element (child elements are an error)."""
    check_attributes(el, path, error)
    if len(el):
        if any(isinstance(c.tag, str) for c in el):
            raise error(f"{path} must hold text, not elements", path=path)
        return "".join(str(t) for t in el.itertext())
    return el.text or ""


def opt_text(el: _Element | None, path: str, error: ErrorClass) -> str | None:
    """The text of an optional element, None when absent."""
    return None if el is None else text_of(el, path, error)


def typed_value(
    el: _Element | None,
    path: str,
    error: ErrorClass,
    conv: Callable[[str, str, ErrorClass], T],
) -> T | None:
    """An optional element's text converted by ``conv`` (whitespace collapsed), None when absent."""
    return None if el is None else conv(text_of(el, path, error).strip(), path, error)


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


def object_id(el: _Element, path: str, error: ErrorClass) -> ObjectID:
    """An ID element with its optional FDIS attributes."""
    attrs = el.attrib
    kind = None
    if attrs:
        unknown = [str(a) for a in attrs if a not in _ID_ATTRS and not str(a).startswith(_XSI)]
        if unknown:
            raise error(
                f"{path} has unknown attribute {unknown[0]!r}; allowed: "
                "idType, idAuthority, kind, objectType",
                path=path,
            )
        if (k := attrs.get("kind")) is not None:
            try:
                kind = IdKind(k)
            except ValueError:
                raise error(
                    f"{path}/@kind is {k[:40]!r}; use name, uuid, transaction or other", path=path
                ) from None
    if len(el) and any(isinstance(c.tag, str) for c in el):
        raise error(f"{path} must hold text, not elements", path=path)
    return ObjectID(
        "".join(str(t) for t in el.itertext()) if len(el) else (el.text or ""),
        attrs.get("idType"),
        attrs.get("idAuthority"),
        kind,
        attrs.get("objectType"),
    )


_ID_ATTRS = frozenset({"idType", "idAuthority", "kind", "objectType"})


def check_base64(text: str, path: str) -> str:
    """``text`` without whitespace if it is valid base64; PayloadError otherwise."""
    compact = "".join(text.split())
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{path} is not valid base64 text", path=path) from None
    return compact
