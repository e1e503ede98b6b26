"""The conversions of a value rule — identity, lookup, unit, time — checked and compiled.

Each is checked against what the target wants (a lookup table must give literals of the target
enumeration and cover the codes the native schema allows, or every literal in the reverse
direction; a unit must fit the target's CIM unit; a time zone must exist) and compiled into one
cast; the compiler composes them in this order before the final cast to the target type.
"""

from __future__ import annotations

from typing import Any, Protocol

from adapters.mapping import casts, convert, values
from adapters.mapping.spec import ValueRule
from cim.profiles import Member
from cim.profiles._values import enum_class

Loc = tuple[str | int, ...]
"""A location in the mapping file: the keys and list positions from its root."""


_MEMO = 4096
"""Local time texts remembered per time rule (errors are never remembered)."""


class Report(Protocol):
    """Records a problem at a location, with an optional hint."""

    def __call__(self, loc: Loc, message: str, hint: str | None = None) -> None:
        """Record it."""


class Conversions:
    """Checks and compiles the conversions of value rules for one mapping."""

    def __init__(
        self,
        *,
        system: str,
        to_cim: bool,
        lookups: dict[str, values.Lookup],
        crosswalk: Any,
        problem: Report,
    ) -> None:
        self.system, self.to_cim, self.lookups, self.crosswalk = system, to_cim, lookups, crosswalk
        self.problem = problem

    def steps(
        self,
        rule: ValueRule,
        loc: Loc,
        source_kind: Any,
        *,
        xsd: str | None,
        enum: str | None,
        unit: str | None,
    ) -> list[casts.Cast] | None:
        """The conversion casts of ``rule`` in order, or None when one has a problem."""
        steps: list[casts.Cast] = []
        ok = True
        if rule.identity is not None:
            step = self._identity(rule, loc)
            ok = ok and step is not None
            if step is not None:
                steps.append(step)
        if rule.lookup is not None:
            step = self._lookup(
                rule.lookup, (*loc, "lookup"), enum=enum, source_kind=source_kind, rule=rule
            )
            ok = ok and step is not None
            if step is not None:
                steps.append(step)
        if rule.unit is not None:
            try:
                steps.append(values.unit_step(rule.unit.from_, rule.unit.to))
                if unit is not None and convert.unit_factor(rule.unit.to, unit) != 1:
                    raise ValueError(f"the target is in {unit}, not {rule.unit.to}")
                if xsd in ("dateTime", "date", "time", "boolean") or enum:
                    raise ValueError(f"a unit converts numbers; the target is a {enum or xsd}")
            except ValueError as exc:
                self.problem((*loc, "unit"), str(exc))
                ok = False
        if rule.time is not None:
            step = self._time(rule, loc, xsd)
            ok = ok and step is not None
            if step is not None:
                steps.append(step)
        return steps if ok else None

    def _identity(self, rule: ValueRule, loc: Loc) -> casts.Cast | None:
        ident = rule.identity
        assert ident is not None
        if not self.to_cim and ident.on_miss == "create":
            self.problem(
                (*loc, "identity", "on_miss"),
                "create makes mRIDs; from_cim reads them",
                "use fail or defer",
            )
            return None
        make = values.identity_to_cim if self.to_cim else values.identity_from_cim
        return make(self.crosswalk, self.system, ident.object_type, ident.on_miss)

    def _lookup(
        self, name: str, loc: Loc, *, enum: str | None, source_kind: Any, rule: ValueRule
    ) -> Any:
        table = self.lookups.get(name)
        if table is None:
            known = ", ".join(sorted(self.lookups)) or "none"
            self.problem(
                loc,
                f"no lookup table {name!r} (declared: {known})",
                "declare it under lookups: with its file",
            )
            return None
        literals: list[str] = []
        if enum is not None:
            literals = [str(x.value) for x in enum_class(enum)]
        elif isinstance(source_kind, Member) and source_kind.kind == "enum":
            literals = [str(x.value) for x in enum_class(source_kind.type)]
        if self.to_cim:
            bad = [v for v in table.entries.values() if literals and str(v) not in literals]
            if bad:
                self.problem(
                    loc,
                    f"lookup {name} gives {bad[0]!r}, not a {enum} literal",
                    f"use one of: {', '.join(literals)}",
                )
                return None
            codes = source_kind.get("enum") if isinstance(source_kind, dict) else None
            admitted = _admitted(rule)
            missing = [
                c
                for c in codes or ()
                if str(c) not in table.entries
                and str(c) != ""  # an empty code is absent: never looked up
                and (admitted is None or str(c) in admitted)
            ]
            if missing and table.default is None:
                self.problem(
                    loc,
                    f"lookup {name} has no entry for native code(s) "
                    f"{', '.join(map(str, missing))} that the native schema allows",
                    f"add them to {table.file} or give the table a default",
                )
                return None
            return table.forward()
        covered = {str(v) for v in table.entries.values()}
        missing = [x for x in literals if x not in covered]
        if missing and table.native_default is None:
            self.problem(
                loc,
                f"lookup {name} has no code for {', '.join(missing)}",
                f"add them to {table.file} or give it a native_default",
            )
            return None
        return table.backward()

    def _time(self, rule: ValueRule, loc: Loc, xsd: str | None) -> casts.Cast | None:
        t = rule.time
        assert t is not None
        if self.to_cim and xsd not in ("dateTime", "string"):
            self.problem((*loc, "time"), f"time converts to a dateTime; the target is {xsd}")
            return None
        try:
            convert.zone(t.zone)
        except ValueError as exc:
            self.problem((*loc, "time", "zone"), str(exc))
            return None
        zone, fmt, ambiguous = t.zone, t.format, t.ambiguous
        if not self.to_cim:
            return lambda v: convert.utc_to_local(v, zone_name=zone, fmt=fmt)
        memo: dict[str, Any] = {}  # a day's stamps repeat across meters: one parse per text

        def to_utc(v: Any) -> Any:
            text = v if type(v) is str else str(v)
            found = memo.get(text)
            if found is None:
                found = convert.local_to_utc(text, zone_name=zone, fmt=fmt, ambiguous=ambiguous)
                if len(memo) >= _MEMO:
                    memo.clear()
                memo[text] = found
            return found

        return to_utc


def _admitted(rule: ValueRule) -> set[str] | None:
    """The codes a rule's ``when`` lets reach its lookup (None: any code may)."""
    tests = [rule.when] if rule.when is not None else []
    if rule.when is not None and rule.when.all is not None:
        tests = list(rule.when.all)
    for c in tests:
        if c.path == rule.from_ and c.equals is not None:
            return {str(c.equals)}
        if c.path == rule.from_ and c.in_ is not None:
            return {str(x) for x in c.in_}
    return None


__all__ = ["Conversions", "Loc", "Report"]
