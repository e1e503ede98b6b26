"""Shared by the XML and JSON codecs: CIM class and enum lookup, primitive text forms, builders."""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import math
import re
from typing import Any

import cim.model as _model
from cim.errors import PayloadError, SchemaViolation
from cim.profiles.model import Children, Member, Node, Profile, ProfileClass

_CLASSES: dict[str, type[Any]] = {}


def cim_class(name: str) -> type[Any]:
    """The generated ``cim.model`` class called ``name`` (names come from profiles, not data)."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = getattr(_model, name, None)
        if not isinstance(cls, type):
            raise KeyError(f"cim.model has no class {name!r}")
        _CLASSES[name] = cls
    return cls


def enum_class(name: str) -> type[enum.Enum]:
    """The generated enumeration called ``name``."""
    cls = getattr(_model, name, None)
    if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
        raise KeyError(f"cim.model has no enumeration {name!r}")
    return cls


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
"""The lexical space of xs:decimal (no exponent, no NaN or infinities)."""

# xs:date and xs:time, narrowed to what datetime.date and datetime.time hold without loss (and
# excluding the other ISO 8601 forms fromisoformat takes: basic "20260101", week dates, "08:00").
# An xs:date's zone suffix ("2026-01-01Z", "2026-01-01+02:00") is refused: datetime.date has no
# zone, and dropping it would change the day it means. An xs:time keeps its zone as tzinfo ("Z"
# written for UTC, as for xs:dateTime); "24:00:00" and more than 6 fraction digits are refused.
_DATE = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
"""The xs:date literals carried: years 0001-9999, no zone."""
_TIME = re.compile(r"\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)?", re.ASCII)
"""The xs:time literals carried: microsecond precision at most, optional zone."""


def text_member(profile: Profile, member: Member) -> Member:
    """For a compound carried as text: the compound's member that the text fills."""
    pclass = profile.cls(member.type)
    found = pclass.member(member.text_field or "")
    if found is None:
        raise KeyError(f"{pclass.name} has no member {member.text_field!r}")
    return found


def format_datetime(value: _dt.datetime | _dt.time) -> str:
    """ISO 8601 as xs:dateTime (or xs:time), UTC written as ``Z``."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def to_text(member: Member, value: object) -> str:
    """The XML text of one primitive or enum value."""
    if type(value) is str:  # the common case first
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return repr(value)
    if isinstance(value, _dt.time):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def from_text(member: Member, text: str, path: str) -> object:
    """The Python value of one primitive or enum element's text, or a SchemaViolation."""
    try:
        return parse_text(member, text)
    except ValueError:
        raise not_a_literal(member, text, path) from None


def not_a_literal(member: Member, text: str, path: str) -> SchemaViolation:
    """The error for text that is not a literal of the member's type."""
    what = f"a {member.type} literal" if member.kind == "enum" else f"an xs:{member.type}"
    return SchemaViolation(f"{path}: {text[:40]!r} is not {what}", path=path)


def parse_text(member: Member, text: str) -> object:
    """The Python value of one primitive or enum text; ValueError when it is not a literal."""
    if member.kind == "enum":
        return enum_class(member.type)(text)
    kind = member.type
    if kind == "string":
        return text
    stripped = text.strip()
    if kind == "dateTime":
        return _dt.datetime.fromisoformat(stripped)
    if kind == "boolean":
        if stripped in ("true", "1"):
            return True
        if stripped in ("false", "0"):
            return False
        raise ValueError(stripped)
    if kind == "integer":
        return int(stripped)
    if kind == "float":
        return float(stripped)
    if kind == "decimal":
        if not _DECIMAL.fullmatch(stripped):
            raise ValueError(stripped)
        return decimal.Decimal(stripped)
    if kind == "date":
        if not _DATE.fullmatch(stripped):
            raise ValueError(stripped)
        return _dt.date.fromisoformat(stripped)
    if kind == "time":
        if not _TIME.fullmatch(stripped):
            raise ValueError(stripped)
        return _dt.time.fromisoformat(stripped)
    raise KeyError(f"unknown XSD type {member.type!r}")


def build(pclass: ProfileClass, fields: dict[str, Any], path: str) -> object:
    """The ``cim.model`` object of one profile class from its decoded fields (consumed)."""
    cls = cim_class(pclass.cim_class)
    for k, v in fields.items():
        if type(v) is list:
            fields[k] = tuple(v)
    try:
        return cls(**fields)
    except (TypeError, ValueError) as exc:  # a profile that does not fit the model
        raise PayloadError(f"{path}: cannot build {pclass.cim_class}: {exc}", path=path) from None


def children(pclass: ProfileClass, nested: dict[str, list[Node]]) -> Children:
    """Embedded objects grouped by element, in profile order."""
    if not nested:
        return ()
    return tuple(
        (m.element, tuple(nested[m.element])) for m in pclass.members if nested.get(m.element)
    )


def node(pclass: ProfileClass, obj: object, nested: dict[str, list[Any]]) -> Node:
    """The Node of one read object, its embedded objects and extension values in profile order."""
    if not nested:
        return Node(obj)
    kids: list[tuple[str, tuple[Node, ...]]] = []
    extensions: list[tuple[str, object]] = []
    for m in pclass.members:
        items = nested.get(m.element)
        if not items:
            continue
        if m.kind == "extension":
            extensions.append((m.element, tuple(items) if m.many else items[0]))
        else:
            kids.append((m.element, tuple(items)))
    return Node(obj, tuple(kids), tuple(extensions))


def check_type(pclass: ProfileClass, obj: object, path: str) -> None:
    """Refuse to write an object that is not an instance of the profile class's CIM class."""
    cls = cim_class(pclass.cim_class)
    if not isinstance(obj, cls):
        raise PayloadError(
            f"{path}: expected a {pclass.cim_class}, got {type(obj).__name__}", path=path
        )


__all__ = [
    "build",
    "check_type",
    "children",
    "cim_class",
    "enum_class",
    "format_datetime",
    "from_text",
    "node",
    "not_a_literal",
    "parse_text",
    "text_member",
    "to_text",
]
