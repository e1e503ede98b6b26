"""Unit and time conversion for declarative mappings: exact Decimal scaling between units and
native local wall time <-> UTC with explicit handling of daylight-saving gaps and folds."""

from __future__ import annotations

import datetime
import decimal
import difflib
import functools
import zoneinfo
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

__all__ = [
    "UNITS",
    "Ambiguous",
    "decimal_text",
    "local_to_utc",
    "scale",
    "unit_factor",
    "utc_to_local",
    "zone",
]

_D = decimal.Decimal


def _units() -> dict[str, tuple[str, decimal.Decimal]]:
    table: dict[str, tuple[str, decimal.Decimal]] = {}
    prefixes = {"": _D(1), "k": _D(1000), "M": _D(10**6), "G": _D(10**9)}
    families = {
        "power": ("W", "kMG"),
        "energy": ("Wh", "kMG"),
        "reactive power": ("var", "kMG"),
        "apparent power": ("VA", "kMG"),
        "reactive energy": ("varh", "kMG"),
        "voltage": ("V", "k"),
        "current": ("A", "k"),
        "frequency": ("Hz", "k"),
        "length": ("m", "k"),
    }
    for dimension, (base, allowed) in families.items():
        for prefix in ("", *allowed):
            table[prefix + base] = (dimension, prefixes[prefix])
    table.update(
        {
            "ms": ("time", _D("0.001")),
            "s": ("time", _D(1)),
            "min": ("time", _D(60)),
            "h": ("time", _D(3600)),
            "d": ("time", _D(86400)),
        }
    )
    return table


UNITS: Mapping[str, tuple[str, decimal.Decimal]] = MappingProxyType(_units())
"""Unit symbol -> (dimension, factor to the dimension's base unit); no temperatures (offsets)."""

Ambiguous = Literal["earlier", "later", "error"]
"""How ``local_to_utc`` resolves a repeated wall time: first occurrence, second, or raise."""

_POLICIES = ("earlier", "later", "error")
_UTC = datetime.UTC
_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=_UTC)
# Recent conversions: meter data repeats the same interval stamps across many series.
_RECENT: dict[tuple[str, str, str | None, str], datetime.datetime] = {}
_RECENT_MAX = 16384
# Products are exact up to 28 significant digits (any float or int below 10**24 times a power
# of ten); longer ones, such as a value times the 1/60 of min -> h, round half-even to 28.
_CONTEXT = decimal.Context(
    prec=28,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
)


def _lookup(symbol: str) -> tuple[str, decimal.Decimal]:
    found = UNITS.get(symbol)
    if found is None:
        close = difflib.get_close_matches(symbol, UNITS, n=1, cutoff=0.5)
        folded = [u for u in UNITS if u.lower() == symbol.lower()]
        hint = (folded or close)[:1]
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"unknown unit {symbol!r}{suggestion}")
    return found


def unit_factor(source: str, target: str) -> decimal.Decimal:
    """The multiplier turning a value in unit ``source`` into one in unit ``target``."""
    source_dim, source_factor = _lookup(source)
    target_dim, target_factor = _lookup(target)
    if source_dim != target_dim:
        raise ValueError(
            f"{source} is {source_dim} and {target} is {target_dim}: they cannot be converted"
        )
    return source_factor / target_factor


def _to_decimal(value: object) -> decimal.Decimal:
    kind = type(value)
    if kind is bool:
        raise ValueError(f"{value!r} is a boolean, not a number")
    if isinstance(value, decimal.Decimal):
        number = value
    elif isinstance(value, float):
        number = _D(repr(value))
    elif isinstance(value, int):
        number = _D(value)
    elif isinstance(value, str):
        if "_" in value:
            raise ValueError(f"{value!r} is not a number")
        try:
            number = _D(value)
        except decimal.InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"{value!r} ({kind.__name__}) is not a number")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def scale(value: object, factor: decimal.Decimal) -> decimal.Decimal:
    """``value`` (int, float, Decimal or numeric text) times ``factor``, exact for powers of ten."""
    number = _to_decimal(value)
    try:
        return _CONTEXT.multiply(number, factor)
    except ArithmeticError as exc:
        raise ValueError(f"cannot scale {value!r} by {factor}: {type(exc).__name__}") from None


def decimal_text(d: decimal.Decimal) -> str:
    """Plain minimal text of a finite Decimal: no exponent, no trailing zeros after the point."""
    if not d.is_finite():
        raise ValueError(f"{d} is not a finite number")
    if d.is_zero():
        return "0"
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_ZONES: dict[str, zoneinfo.ZoneInfo] = {}


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (cached); ValueError suggesting the closest known name."""
    found = _ZONES.get(name)
    if found is not None:
        return found
    try:
        found = zoneinfo.ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        names = _zone_names()
        exact = names.get(name.lower())
        close = [exact] if exact else difflib.get_close_matches(name, names.values(), n=1)
        suggestion = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown time zone {name!r}{suggestion}") from None
    _ZONES[name] = found
    return found


def _parse(text: str, fmt: str | None) -> datetime.datetime:
    try:
        if fmt is None:
            return datetime.datetime.fromisoformat(text)
        return datetime.datetime.strptime(text, fmt)
    except (ValueError, TypeError):
        expected = "ISO 8601 such as 2026-03-29T01:15:00" if fmt is None else f"the format {fmt!r}"
        raise ValueError(f"cannot read {text!r} as a date and time: expected {expected}") from None


def _with_fold(wall: datetime.datetime) -> datetime.datetime:
    return datetime.datetime(
        wall.year,
        wall.month,
        wall.day,
        wall.hour,
        wall.minute,
        wall.second,
        wall.microsecond,
        fold=1,
    )


def _iso_utc(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _resolve(
    wall: datetime.datetime, tz: zoneinfo.ZoneInfo, zone_name: str, ambiguous: str
) -> datetime.datetime:
    offset = tz.utcoffset(wall)  # ZoneInfo reads only the wall fields and fold of its argument
    later = tz.utcoffset(_with_fold(wall))
    assert offset is not None and later is not None
    try:
        first = _EPOCH_UTC + (wall - _EPOCH - offset)
        if offset == later:
            return first
        second = _EPOCH_UTC + (wall - _EPOCH - later)
    except OverflowError:
        raise ValueError(f"{wall} in {zone_name} is outside the supported years") from None
    # The offsets differ: in a gap neither reading maps back to the same wall time.
    if first.astimezone(tz).replace(tzinfo=None) != wall:
        raise ValueError(
            f"local time {wall.isoformat(sep=' ')} does not exist in {zone_name}: it falls in "
            f"the daylight-saving gap when clocks jump forward by {later - offset}"
        )
    if ambiguous == "earlier":
        return first
    if ambiguous == "later":
        return second
    raise ValueError(
        f"local time {wall.isoformat(sep=' ')} is ambiguous in {zone_name}: it is "
        f"{_iso_utc(first)} (earlier) or {_iso_utc(second)} (later); "
        "choose ambiguous='earlier' or 'later'"
    )


def local_to_utc(
    text: str, *, zone_name: str, fmt: str | None = None, ambiguous: Ambiguous = "error"
) -> datetime.datetime:
    """Aware UTC instant of native local time ``text`` in ``zone_name`` (an offset wins)."""
    key = (text, zone_name, fmt, ambiguous)
    try:
        return _RECENT[key]
    except (KeyError, TypeError):
        pass
    if ambiguous not in _POLICIES:
        raise ValueError(f"ambiguous must be one of {_POLICIES}, not {ambiguous!r}")
    tz = zone(zone_name)  # checked even when the text has an offset: a typo shows at once
    wall = _parse(text, fmt)
    if wall.tzinfo is not None:
        result = wall.astimezone(_UTC)
    else:
        result = _resolve(wall, tz, zone_name, ambiguous)
    if len(_RECENT) >= _RECENT_MAX:
        _RECENT.clear()
    _RECENT[key] = result
    return result


def utc_to_local(value: datetime.datetime, *, zone_name: str, fmt: str | None = None) -> str:
    """Wall time of aware ``value`` in ``zone_name``: ``fmt`` (strftime) or ISO without offset."""
    if not isinstance(value, datetime.datetime) or value.utcoffset() is None:
        raise ValueError(f"{value!r} is not an aware datetime (it needs a time zone)")
    local = value.astimezone(zone(zone_name))
    if fmt is not None:
        return local.strftime(fmt)
    return local.replace(tzinfo=None).isoformat()
