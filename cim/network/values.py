"""Typed property values: the text a document holds, converted by the CIM100 type of its property.

The store keeps literals as the exact text read (``"60.000000"``), so export is lossless; code
that computes with them asks :func:`typed`. The type comes from the ``types`` table of
``cim/cim100_index.json`` (generated from the CIM100 LinkML, where ``date`` stands for both Date
and DateTime): ``float``/``double`` -> float, ``integer`` -> int, ``boolean`` -> bool, ``date`` ->
datetime or date, ``time`` -> time, ``string`` -> str; references and enumeration literals stay
:class:`Ref` / :class:`Uri`, and properties CIM100 does not know stay text.

Lenient where real files are sloppy and the meaning is certain -- ``60.000000`` for an integer,
``True`` for a boolean -- with a note for the importer to report; a text that is not a value of
the type at all (``"abc"`` for a float) raises :class:`ValueError`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache

from cim.cim16 import to_cim100
from cim.network.names import member_types
from cim.network.store import CimObject, Ref, Uri, Value

Typed = float | int | bool | str | datetime | date | time | Ref | Uri
"""A property value as Python computes with it."""

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SPECIAL = {"INF": float("inf"), "+INF": float("inf"), "-INF": float("-inf"), "NaN": float("nan")}


@cache
def member_type(prop: str) -> str | None:
    """``float``, ``integer``, ``boolean``, ``string``, ``date``, ``time``, ``double``, ``enum``,
    or ``ref`` for an association; ``None`` when CIM100 has no such property."""
    name = to_cim100(prop)
    if name is None or "." not in name:
        return None
    cls, _, member = name.partition(".")
    return member_types(cls).get(member, "ref")


def convert(kind: str, text: str) -> tuple[Typed | None, str | None]:
    """``text`` as a value of ``kind`` and a note if leniency was needed; ValueError if none.

    An empty element (``<cim:WireInfo.gmr/>``) of a non-string type is absent: ``None``.
    """
    bare = text.strip()
    if not bare and kind not in ("string", "ref", "enum"):
        return None, f"empty {kind} value; read as absent"
    if kind in ("float", "double"):
        if _DECIMAL.fullmatch(bare):
            return float(bare), None
        if bare in _SPECIAL:
            return _SPECIAL[bare], None
        raise ValueError(f"{text!r} is not a number")
    if kind == "integer":
        if re.fullmatch(r"[+-]?\d+", bare):
            return int(bare), None
        if _DECIMAL.fullmatch(bare) and float(bare).is_integer():
            return int(float(bare)), f"integer written as {text!r}; read as {int(float(bare))}"
        raise ValueError(f"{text!r} is not an integer")
    if kind == "boolean":
        if bare in ("true", "1"):
            return True, None
        if bare in ("false", "0"):
            return False, None
        if bare.lower() in ("true", "false"):
            return bare.lower() == "true", f"boolean written as {text!r} (XML Schema: true/false)"
        raise ValueError(f"{text!r} is not a boolean (true or false)")
    if kind == "date":
        return _date(bare, text)
    if kind == "time":
        try:
            return time.fromisoformat(bare.removesuffix("Z")), None
        except ValueError:
            raise ValueError(f"{text!r} is not a time (hh:mm:ss)") from None
    return text, None


def typed(obj: CimObject, prop: str) -> Typed | list[Typed | None] | None:
    """The value of ``prop`` on ``obj`` converted by its CIM100 type; ``None`` when absent."""
    value = obj.get(prop)
    if value is None:
        return None
    if isinstance(value, list):
        return [_one(prop, v) for v in value]
    return _one(prop, value)


def _one(prop: str, value: Value) -> Typed | None:
    if isinstance(value, Ref | Uri):
        return value
    kind = member_type(prop)
    return value if kind is None else convert(kind, value)[0]


def _date(bare: str, text: str) -> tuple[Typed, str | None]:
    try:
        if "T" in bare:
            return datetime.fromisoformat(bare), None
        return date.fromisoformat(bare), None
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time") from None


__all__ = ["Typed", "convert", "member_type", "typed"]
