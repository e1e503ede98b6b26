"""Validation beyond the XSD: required members, cardinalities, types, enum literals, references.

Required choice groups and extension values are checked like members; the profile's own rules
(:attr:`Profile.checks`) run last, on a payload that has passed every structural check. Every
finding is an :class:`Issue` with the element path and an IEC 61968-100 error code: ``1.8``
(does not validate against the profile) for structure, and the object-specific ``2.x`` codes of
IEC 61968-100 for a reference that does not resolve to a meter (2.4), usage point (2.12) or
customer account (2.19). Other unresolved references are ``1.8``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
from dataclasses import dataclass

from cim.errors import SchemaViolation
from cim.model import Ref
from cim.profiles import _values
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass

REFERENCE_CODES = {"Meter": "2.4", "UsagePoint": "2.12", "CustomerAccount": "2.19"}
"""IEC 61968-100 object-specific codes for a reference that names no known object."""

_XSD_PY: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "dateTime": (_dt.datetime,),
    "date": (_dt.date,),
    "time": (_dt.time,),
    "boolean": (bool,),
    "integer": (int,),
    "float": (float, int),
    "decimal": (decimal.Decimal,),
}
_NOT_PY: dict[str, tuple[type, ...]] = {"boolean": (), "date": (_dt.datetime, bool, enum.Enum)}
"""Subclasses that are not values of the XSD type (a bool is an int, a datetime is a date)."""
_NOT_OTHERS = (bool, enum.Enum)
_ON_NODE = frozenset({"association", "extension"})
"""Member kinds held on the Node rather than on the model object."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation finding: where, what, and the IEC 61968-100 error code."""

    path: str
    reason: str
    code: str = "1.8"


def validate(profile: Profile, payload: Payload) -> tuple[Issue, ...]:
    """Every issue in ``payload`` against ``profile``, in document order (empty when valid)."""
    issues: list[Issue] = []
    index: dict[str, set[str]] = {}
    refs: list[tuple[str, Member, Ref]] = []
    path = "/" + profile.root_element
    _walk_nodes(profile, profile.root, None, payload, path, issues, index, refs)
    for rpath, m, ref in refs:
        if m.resolve and ref.mrid not in index.get(ref.target, set()):
            code = REFERENCE_CODES.get(ref.target, "1.8")
            reason = f"{rpath}: {ref.target} {ref.mrid!r} is not in the payload"
            issues.append(Issue(rpath, reason, code))
    if not issues:  # the profile's rules may rely on a structurally valid payload
        for rule in profile.checks:
            issues.extend(rule(payload))
    return tuple(issues)


def check(profile: Profile, payload: Payload) -> None:
    """Raise SchemaViolation naming the first issue (and how many more) if any."""
    issues = validate(profile, payload)
    if issues:
        first = issues[0]
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise SchemaViolation(first.reason + more, path=first.path, code=first.code)


def _walk_nodes(
    profile: Profile,
    pclass: ProfileClass,
    obj: object,
    holder: Node | Payload | None,
    path: str,
    issues: list[Issue],
    index: dict[str, set[str]],
    refs: list[tuple[str, Member, Ref]],
) -> None:
    """Check the members of one object; ``holder`` carries its embedded objects and extensions."""
    chosen: dict[str, str] = {}
    for m in pclass.members:
        if m.kind not in _ON_NODE:
            value = getattr(obj, m.path, None)
        elif m.kind == "extension":
            value = holder.extension(m.element) if isinstance(holder, Node) else None
            if m.many and value is not None and not isinstance(value, tuple):
                mpath = f"{path}/{m.element}"
                issues.append(Issue(mpath, f"{mpath}: {m.element} is many: a tuple, not {value!r}"))
                continue
        else:
            nodes = holder.child(m.element) if holder is not None else ()
            if not nodes:  # the common case again: no embedded object here
                if m.min:
                    _count(m, 0, f"{path}/{m.element}", issues)
                continue
            mpath = f"{path}/{m.element}"
            if (
                nodes
                and m.choice is not None
                and chosen.setdefault(m.choice, m.element) != m.element
            ):
                why = f"{mpath}: {m.element} excludes {chosen[m.choice]} (one of a choice)"
                issues.append(Issue(mpath, why))
            _count(m, len(nodes), mpath, issues)
            target = profile.cls(m.type)
            for i, node in enumerate(nodes, 1):
                npath = f"{mpath}[{i}]" if m.many else mpath
                _visit(profile, target, node, npath, issues, index, refs)
            continue
        if value is None or value == ():  # the common case: absent and optional
            if m.min:
                _count(m, 0, f"{path}/{m.element}", issues)
            continue
        mpath = f"{path}/{m.element}"
        values = value if isinstance(value, tuple) else (value,)
        _count(m, len(values), mpath, issues)
        if m.targets:
            _choice(profile, m, values, path, issues, index, refs)
            continue
        for i, v in enumerate(values, 1):  # an item's path is indexed, as the readers name it
            _value(profile, m, v, f"{mpath}[{i}]" if m.many else mpath, issues, index, refs)
    if pclass.required_choices:
        _required_choices(pclass, chosen, path, issues)


def _required_choices(
    pclass: ProfileClass, chosen: dict[str, str], path: str, issues: list[Issue]
) -> None:
    for group in pclass.required_choices:
        if group not in chosen:
            names = [m.element for m in pclass.members if m.choice == group]
            what = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
            issues.append(Issue(path, f"{path}: one of {what} is required ({group})"))


def _extensions(pclass: ProfileClass, node: Node, path: str, issues: list[Issue]) -> None:
    """Extension values the class does not carry, or carries once, are issues."""
    seen: set[str] = set()
    for name, _value in node.extensions:
        m = pclass.member(name)
        if m is None or m.kind != "extension":
            issues.append(Issue(path, f"{path}: {pclass.name} has no extension {name}"))
        elif name in seen:
            issues.append(Issue(f"{path}/{name}", f"{path}/{name}: extension given twice"))
        seen.add(name)


def _choice(
    profile: Profile,
    m: Member,
    values: tuple[object, ...],
    path: str,
    issues: list[Issue],
    index: dict[str, set[str]],
    refs: list[tuple[str, Member, Ref]],
) -> None:
    seen: dict[str, int] = {}  # each reference is named by the element it is written as
    for i, v in enumerate(values, 1):
        if isinstance(v, Ref):
            n = seen[v.target] = seen.get(v.target, 0) + 1
            vpath = f"{path}/{v.target}[{n}]"
        else:
            vpath = f"{path}/{m.element}[{i}]"
        _value(profile, m, v, vpath, issues, index, refs)


def _visit(
    profile: Profile,
    pclass: ProfileClass,
    node: object,
    path: str,
    issues: list[Issue],
    index: dict[str, set[str]],
    refs: list[tuple[str, Member, Ref]],
) -> None:
    if not isinstance(node, Node):
        issues.append(Issue(path, f"{path}: expected a Node, got {type(node).__name__}"))
        return
    cls = _values.cim_class(pclass.cim_class)
    if not isinstance(node.obj, cls):
        got = type(node.obj).__name__
        issues.append(Issue(path, f"{path}: expected a {pclass.cim_class}, got {got}"))
        return
    mrid = getattr(node.obj, "mRID", None)
    if isinstance(mrid, str):
        for klass in type(node.obj).__mro__:  # a Meter is also an EndDevice, an Asset ...
            index.setdefault(klass.__name__, set()).add(mrid)
    _walk_nodes(profile, pclass, node.obj, node, path, issues, index, refs)
    if node.extensions:
        _extensions(pclass, node, path, issues)


def _value(
    profile: Profile,
    m: Member,
    v: object,
    path: str,
    issues: list[Issue],
    index: dict[str, set[str]],
    refs: list[tuple[str, Member, Ref]],
) -> None:
    if m.kind == "reference":
        if not isinstance(v, Ref) or (
            v.target not in m.targets if m.targets else v.target != m.type
        ):
            what = " or ".join(m.targets) if m.targets else m.type
            issues.append(Issue(path, f"{path}: expected a Ref to {what}, got {v!r}"))
        else:
            refs.append((path, m, v))
    elif m.kind == "enum":
        if not isinstance(v, _values.enum_class(m.type)):
            issues.append(Issue(path, f"{path}: {v!r} is not a {m.type} literal"))
    elif m.kind == "compound":
        pclass = profile.cls(m.type)
        if not isinstance(v, _values.cim_class(pclass.cim_class)):
            issues.append(Issue(path, f"{path}: expected a {pclass.cim_class}, got {v!r}"))
        else:
            _walk_nodes(profile, pclass, v, None, path, issues, index, refs)
    else:
        if not isinstance(v, _XSD_PY[m.type]) or isinstance(v, _NOT_PY.get(m.type, _NOT_OTHERS)):
            issues.append(Issue(path, f"{path}: {v!r} is not an xs:{m.type}"))


def _count(m: Member, n: int, path: str, issues: list[Issue]) -> None:
    if n < m.min:
        issues.append(Issue(path, f"{path}: required {m.element} is missing (at least {m.min})"))
    elif m.max is not None and n > m.max:
        issues.append(Issue(path, f"{path}: {m.element} occurs {n} times (at most {m.max})"))


__all__ = ["REFERENCE_CODES", "Issue", "check", "validate"]
