"""Value rules compiled into one function each: source, condition, conversions, cast, checks.

The conversions run in a fixed order — identity, lookup, unit, time, then the cast to the target
type — and are composed once, so a translated field costs one call per conversion it declares.
"""

from __future__ import annotations

import decimal
import math
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.crosswalk import NativeKey
from adapters.mapping import convert
from adapters.mapping.casts import Cast
from adapters.mapping.errors import MappingError
from adapters.mapping.paths import Getter, Scope
from adapters.mapping.spec import Condition, ValueRule
from cim.errors import CimbusError

ValueFn = Callable[[Scope], Any]
"""A compiled field: the target value in this scope, or ``None`` when it is absent."""

Resolve = Callable[[str, bool], Getter]
"""Resolve a source path (``many`` for each) in the current context; ValueError if it cannot."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """A loaded lookup table: native codes -> target values, and the reverse for from_cim."""

    name: str
    entries: dict[str, Any]
    default: Any = None
    native_default: Any = None
    enumeration: str | None = None
    file: str = ""

    def forward(self) -> Cast:
        """Code -> value; a code not listed takes the default or is an error naming the file."""
        entries, default, name, file = self.entries, self.default, self.name, self.file

        def look(v: Any) -> Any:
            found = entries.get(v if type(v) is str else str(v), default)
            if found is None:
                raise ValueError(f"code {v!r} is not in lookup {name}: add it to {file}")
            return found

        return look

    def backward(self) -> Cast:
        """Value -> the first code listed for it; else the native default or an error."""
        reverse: dict[str, str] = {}
        for code, value in self.entries.items():
            reverse.setdefault(str(value), code)
        default, name, file = self.native_default, self.name, self.file

        def look(v: Any) -> Any:
            key = v if type(v) is str else str(getattr(v, "value", v))
            found = reverse.get(key, default)
            if found is None:
                raise ValueError(f"value {key!r} has no code in lookup {name}: add it to {file}")
            return found

        return look


def compose(steps: Sequence[Cast]) -> Cast:
    """One function applying ``steps`` in order; a step giving None ends it (absent)."""
    if len(steps) == 1:
        return steps[0]
    if len(steps) == 2:
        first, second = steps
        return lambda v: None if (x := first(v)) is None else second(x)
    chain = tuple(steps)

    def run(v: Any) -> Any:
        for step in chain:
            v = step(v)
            if v is None:  # an identity deferred: the value is absent
                return None
        return v

    return run


def identity_to_cim(crosswalk: Any, system: str, object_type: str, on_miss: str) -> Cast:
    """Native ID -> mRID through the crosswalk (``None`` under "defer" for an unknown ID)."""

    def to_mrid(v: Any) -> Any:
        native = v if type(v) is str else str(v)
        return crosswalk.mrid_for(NativeKey(system, object_type, native), on_miss=on_miss)

    return to_mrid


def identity_from_cim(crosswalk: Any, system: str, object_type: str, on_miss: str) -> Cast:
    """mRID -> this system's native ID of that object type (None under "defer" when none)."""

    def to_native(v: Any) -> Any:
        for key in crosswalk.keys_for(str(v)):
            if key.system == system and key.object_type == object_type:
                return key.native_id
        if on_miss == "defer":
            return None
        raise MappingError(
            f"mRID {v} has no {system} {object_type} ID in the crosswalk", code="2.15"
        )

    return to_native


def template(text: str, resolve: Resolve) -> Getter:
    """A getter joining the literal parts and the ``{path}`` values (absent if one is absent)."""
    parts: list[str | Getter] = []
    for literal, field, spec, conv in string.Formatter().parse(text):
        if literal:
            parts.append(literal)
        if field is None:
            continue
        if spec or conv:
            raise ValueError(f"template field {{{field}}}: formats and conversions are not allowed")
        parts.append(resolve(field, False))
    if not any(callable(p) for p in parts):
        raise ValueError("a template names at least one {path}; use const for fixed text")

    def join(s: Scope) -> Any:
        out = []
        for p in parts:
            if callable(p):
                v = p(s)
                if v is None or v == "":
                    return None
                out.append(v if type(v) is str else str(getattr(v, "value", v)))
            else:
                out.append(p)
        return "".join(out)

    return join


def condition(c: Condition, resolve: Resolve) -> Callable[[Scope], bool]:
    """The compiled test of a ``when``."""
    if c.all is not None:
        tests = [condition(x, resolve) for x in c.all]
        return lambda s: all(t(s) for t in tests)
    if c.any is not None:
        tests = [condition(x, resolve) for x in c.any]
        return lambda s: any(t(s) for t in tests)
    if c.not_ is not None:
        inner = condition(c.not_, resolve)
        return lambda s: not inner(s)
    assert c.path is not None
    get = resolve(c.path, False)
    if c.present is not None:
        want = c.present
        return lambda s: (_plain(get(s)) not in (None, "")) == want
    if c.equals is not None:
        equal = c.equals
        return lambda s: _plain(get(s)) == equal
    options = list(c.in_ or ())
    return lambda s: _plain(get(s)) in options


def _plain(v: Any) -> Any:
    return getattr(v, "value", v) if v is not None and not isinstance(v, str) else v


def value_fn(
    rule: ValueRule,
    *,
    get: Getter,
    convert_steps: Sequence[Cast],
    when: Callable[[Scope], bool] | None,
    default: Any,
    many: bool,
    as_list: bool,
) -> ValueFn:
    """The compiled field: condition, source, default/required, conversions, errors with path."""
    conv = compose(convert_steps) if convert_steps else None
    required, source = rule.required, rule.from_ or rule.template or "const"

    def fail(exc: Exception) -> MappingError:
        if isinstance(exc, MappingError):
            exc.source = exc.source or source
            return exc
        code = exc.code if isinstance(exc, CimbusError) else None
        reason = exc.reason if isinstance(exc, CimbusError) else str(exc)
        return MappingError(reason, source=source, code=code)

    def absent() -> Any:
        if required:
            raise MappingError("a required value is absent", source=source)
        return default

    if many:

        def each(s: Scope) -> Any:
            if when is not None and not when(s):
                return None
            items = get(s)
            if not items:
                return absent()
            present = [v for v in items if v is not None and v != ""]
            try:
                out = [conv(v) for v in present] if conv is not None else present
            except (ValueError, TypeError, ArithmeticError, CimbusError) as exc:
                raise fail(exc) from None
            out = [v for v in out if v is not None]  # an identity deferred: that item is absent
            if not out:
                return absent()
            return out if as_list else tuple(out)

        return each

    def one(s: Scope) -> Any:
        if when is not None and not when(s):
            return None
        v = get(s)
        if v is None or v == "":
            return absent()
        if conv is None:
            return v
        try:
            return conv(v)
        except (ValueError, TypeError, ArithmeticError, CimbusError) as exc:
            raise fail(exc) from None

    return one


def unit_step(rule_from: str, rule_to: str) -> Cast:
    """Scale a number from one unit to another (exact for powers of ten)."""
    factor = convert.unit_factor(rule_from, rule_to)
    return lambda v: convert.scale(v, factor)


def unit_text_step(rule_from: str, rule_to: str) -> Cast:
    """Scale a number and write it as minimal decimal text in one step (floats on a fast path)."""
    factor = convert.unit_factor(rule_from, rule_to)
    scale, text, dec = convert.scale, convert.decimal_text, decimal.Decimal

    def step(v: Any) -> str:
        if type(v) is float and math.isfinite(v):
            return text(dec(repr(v)) * factor)
        return text(scale(v, factor))

    return step


__all__ = [
    "Lookup",
    "Resolve",
    "ValueFn",
    "compose",
    "condition",
    "identity_from_cim",
    "identity_to_cim",
    "template",
    "unit_step",
    "unit_text_step",
    "value_fn",
]
