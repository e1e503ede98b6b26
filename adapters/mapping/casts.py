"""Casts of source values to the type a target wants: CIM profile members and native JSON types.

Each cast is chosen once per field at compile time and raises ValueError (or TypeError) with a
reason that the engine turns into a :class:`~adapters.mapping.errors.MappingError`.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
from collections.abc import Callable
from typing import Any

from adapters.mapping.convert import decimal_text
from cim.model import Ref
from cim.profiles import Member, Profile
from cim.profiles._values import cim_class, enum_class, format_datetime, text_member

Cast = Callable[[Any], Any]
"""Source value in, target value out; ValueError/TypeError when it cannot be."""

_UTC = _dt.UTC


def _to_string(v: Any) -> str:
    if type(v) is str:
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, enum.Enum):
        return str(v.value)
    if isinstance(v, decimal.Decimal):
        return decimal_text(v)
    if isinstance(v, _dt.datetime | _dt.time):
        return format_datetime(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, int | float):
        return repr(v)
    raise TypeError(f"a {type(v).__name__} is not text")


def _no_bool(v: Any, what: str) -> None:
    if isinstance(v, bool):
        raise TypeError(f"{v!r} is a boolean, not {what}")


def _to_float(v: Any) -> float:
    if type(v) is float:
        return v
    _no_bool(v, "a number")
    if isinstance(v, int | decimal.Decimal):
        return float(v)
    if isinstance(v, str):
        return float(v.strip())
    raise TypeError(f"a {type(v).__name__} is not a number")


def _to_int(v: Any) -> int:
    if type(v) is int:
        return v
    _no_bool(v, "an integer")
    if isinstance(v, str):
        v = decimal.Decimal(v.strip())
    if isinstance(v, float | decimal.Decimal):
        if v != v.to_integral_value() if isinstance(v, decimal.Decimal) else not v.is_integer():
            raise ValueError(f"{v!r} is not a whole number")
        return int(v)
    raise TypeError(f"a {type(v).__name__} is not an integer")


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip() in ("true", "1", "false", "0"):
        return v.strip() in ("true", "1")
    raise ValueError(f"{v!r} is not true/false: map other codes with a lookup table")


def _to_decimal(v: Any) -> decimal.Decimal:
    if isinstance(v, decimal.Decimal):
        return v
    _no_bool(v, "a number")
    if isinstance(v, int | float | str):
        try:
            return decimal.Decimal(str(v).strip())
        except decimal.InvalidOperation:
            raise ValueError(f"{v!r} is not a number") from None
    raise TypeError(f"a {type(v).__name__} is not a number")


def _to_datetime(v: Any) -> _dt.datetime:
    if not isinstance(v, _dt.datetime):
        if not isinstance(v, str):
            raise TypeError(f"a {type(v).__name__} is not a date and time")
        v = _dt.datetime.fromisoformat(v.strip())
    if v.tzinfo is None or v.utcoffset() is None:
        raise ValueError(
            f"{v.isoformat()} has no time zone: add time: {{zone: ...}} to say which it is in"
        )
    moment: _dt.datetime = v
    return moment


def _to_date(v: Any) -> _dt.date:
    if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
        return v
    if isinstance(v, str):
        return _dt.date.fromisoformat(v.strip())
    raise TypeError(f"a {type(v).__name__} is not a date")


def _to_time(v: Any) -> _dt.time:
    if isinstance(v, _dt.time):
        return v
    if isinstance(v, str):
        return _dt.time.fromisoformat(v.strip())
    raise TypeError(f"a {type(v).__name__} is not a time")


_XSD: dict[str, Cast] = {
    "string": _to_string,
    "float": _to_float,
    "integer": _to_int,
    "boolean": _to_bool,
    "decimal": _to_decimal,
    "dateTime": _to_datetime,
    "date": _to_date,
    "time": _to_time,
}


def _enum_cast(name: str) -> Cast:
    cls = enum_class(name)
    by_value = {str(m.value): m for m in cls}

    def cast(v: Any) -> Any:
        if isinstance(v, cls):
            return v
        found = by_value.get(v if type(v) is str else _to_string(v))
        if found is None:
            raise ValueError(f"{v!r} is not a {name} literal: map it with a lookup table")
        return found

    return cast


def cim_cast(profile: Profile, m: Member) -> Cast:
    """The cast to member ``m``'s Python type (enum, Ref, compound carried as text, primitive)."""
    if m.kind == "enum":
        return _enum_cast(m.type)
    if m.kind == "reference":
        if m.targets:
            raise ValueError(f"{m.element} is a reference to one of {', '.join(m.targets)}")
        target = m.type

        def ref(v: Any) -> Ref:
            text = _to_string(v)
            if not text:
                raise ValueError("an empty mRID")
            return Ref(target, text)

        return ref
    if m.kind == "compound" and m.text_field is not None:
        inner = cim_cast(profile, text_member(profile, m))
        cls, field = cim_class(profile.cls(m.type).cim_class), m.text_field
        return lambda v: cls(**{field: inner(v)})
    if m.kind in ("attribute", "extension"):
        return _XSD[m.type]
    raise ValueError(f"{m.element} is a {m.kind}: give it fields, not a value")


def xsd_of(profile: Profile, m: Member) -> str:
    """The XSD primitive (or enum name) a member's value is written as."""
    if m.kind == "compound" and m.text_field is not None:
        return xsd_of(profile, text_member(profile, m))
    return m.type


def _native_plain(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() and "." not in str(v) else float(v)
    if isinstance(v, _dt.datetime | _dt.date | _dt.time):
        return _to_string(v)
    return v


def _to_number(v: Any) -> int | float:
    if type(v) is int or type(v) is float:
        return v
    if isinstance(v, decimal.Decimal):  # 2.000 Wh/1000 is 2, written "2" in CSV, not "2.0"
        return int(v) if v == v.to_integral_value() else float(v)
    return _to_float(v)


def native_cast(kind: str | None) -> Cast:
    """The cast to a native JSON type (``None``: JSON-ready form of whatever the value is)."""
    if kind is None:
        return _native_plain
    return {
        "string": _to_string,
        "number": _to_number,
        "integer": _to_int,
        "boolean": _to_bool,
    }[kind]


__all__ = ["Cast", "cim_cast", "native_cast", "xsd_of"]
