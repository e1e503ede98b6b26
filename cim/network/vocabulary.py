"""What a document's tags and ``rdf:resource`` texts mean, worked out once per distinct string.

A CIM document of a million elements holds a few hundred distinct tags and enumeration literals,
and each reference target is named a handful of times. The reader therefore resolves each
distinct string once -- qualified name, CIM100 type, whether CIM100 knows the name, whether the
property belongs to the class, whether a literal needs a closer look -- and keeps per element
only what it must: a dictionary lookup, and a :class:`Note` to report when the string has one.

* :func:`member` -- a property tag inside descriptions of one class;
* :func:`literal_note` -- a literal of a CIM100 type that the quick :attr:`Member.check` did
  not pass (empty, lenient, or no value of the type);
* :class:`Resources` -- the ``rdf:resource`` texts of one document, each resolved once to a
  :class:`~cim.network.store.Ref` or :class:`~cim.network.store.Uri` (one object per distinct
  target across the documents of a load, so a model holds one ``Ref`` per referenced object).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection
from functools import cache
from typing import NamedTuple

from cim.network.names import EXTENSIONS, cim_version, literal_reason, misplaced, name_of
from cim.network.store import Ref, Uri, Value, normalise_id
from cim.network.values import convert, member_type

Note = tuple[str, str, str]
"""A problem to report, as :meth:`cim.network.names.Report.add` takes it after the line:
(message, severity, key)."""

Check = Callable[[str], object]
"""A quick test that a literal is a plain value of its type (truthy: no note to report)."""

_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?").fullmatch
_INTEGER = re.compile(r"[+-]?[0-9]+").fullmatch
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_CHECKS: dict[str, Check] = {
    "float": _FLOAT,
    "double": _FLOAT,
    "integer": _INTEGER,
    "boolean": frozenset({"true", "false", "1", "0"}).__contains__,
}
"""Each a subset of what :func:`cim.network.values.convert` reads without a note."""


def _never(text: str) -> bool:
    """Dates, times, and text where CIM100 has a reference or enumeration: always a look."""
    return False


class Member(NamedTuple):
    """How one property tag reads inside descriptions of one class."""

    name: str
    """The qualified name, as the store keys it (interned: one string for every occurrence)."""
    kind: str | None
    """The CIM100 type (:func:`cim.network.values.member_type`), ``None`` when unknown."""
    check: Check | None
    """The quick test of a literal; ``None`` when any text is a value (string, unknown)."""
    note: Note | None
    """The name is not CIM100, or not a member of the class: reported at every occurrence."""
    as_ref: Note | None
    """Reported when the property, a literal in CIM100, is written as an ``rdf:resource``."""


@cache
def member(owner: str | None, tag: str, prefix: str | None) -> Member:
    """How property ``tag`` (written with ``prefix``) reads in class ``owner`` (its lookup name)."""
    name, lookup, reason = name_of(tag, prefix)
    note: Note | None = None
    if reason:
        note = (f"property {name} {reason}; kept", "warning", f"property {name}")
    elif owner and lookup and (why := misplaced(owner, lookup)):
        note = (f"property {name} {why}; kept", "warning", f"member {owner} {name}")
    kind = member_type(lookup) if lookup else None
    as_ref: Note | None = None
    if kind not in (None, "ref", "enum"):
        why = f"{name} is a {kind} in CIM100 but written as a reference; kept"
        as_ref = (why, "warning", f"as-ref {name}")
    check = None if kind in (None, "string") else _CHECKS.get(kind or "", _never)
    return Member(sys.intern(name), kind, check, note, as_ref)


@cache
def prefixed(tag: str) -> bool:
    """Whether the qualified name of ``tag`` depends on the prefix it is written with."""
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    return not cim_version(namespace)


def literal_note(name: str, kind: str | None, text: str) -> Note | None:
    """What to report about literal ``text`` of property ``name`` of CIM100 type ``kind``."""
    if kind is None or kind == "string":
        return None
    if not text.strip():
        return f"{name}: empty {kind} value; kept, read as absent", "warning", f"empty {name}"
    if kind in ("ref", "enum"):
        what = "a reference" if kind == "ref" else "an enumeration"
        note = f"{name} is {what} in CIM100 but written as text {text!r}; kept as text"
        return note, "warning", f"as-text {name}"
    try:
        lenient = convert(kind, text)[1]
    except ValueError as exc:
        return f"{name}: {exc}; kept as text", "error", f"bad {name}"
    return (f"{name}: {lenient}; text kept", "warning", f"lenient {name}") if lenient else None


class Resources:
    """The ``rdf:resource`` texts of one document, each resolved once to a value and a note."""

    def __init__(self, namespaces: Collection[str], refs: dict[str, Ref]) -> None:
        self.namespaces = frozenset(namespaces)
        """The namespaces the document declares: a URI in one of them is a term, not an id."""
        self.refs = refs
        """One :class:`Ref` per identifier, shared by the documents of one load."""
        self.seen: dict[str, Value] = {}
        """The texts met so far that have nothing to report, and their values."""

    def resolve(self, text: str) -> tuple[Value, Note | None]:
        """The value ``text`` stands for, and what to report each time it is met."""
        found = self.seen.get(text)
        if found is not None:
            return found, None
        value, note = self._resolve(text)
        if note is None:
            self.seen[text] = value
        return value, note

    def _resolve(self, text: str) -> tuple[Value, Note | None]:
        if not text.strip():
            return Uri(text), ("an empty rdf:resource; kept", "error", "empty resource")
        if text[0] in "#_" or text[:9].lower() == "urn:uuid:":
            return self._ref(text), None
        namespace, hash_, fragment = text.rpartition("#")
        namespace += hash_
        if hash_ and (cim_version(namespace) or namespace in EXTENSIONS):
            if reason := literal_reason(namespace, fragment):
                return Uri(text), (f"literal {reason}; kept", "warning", f"literal {text}")
            return Uri(text), None
        declared = namespace in self.namespaces and not fragment.startswith("_")
        if declared or (not hash_ and _SCHEME.match(text)):
            return Uri(text), None
        return self._ref(text), None

    def _ref(self, text: str) -> Ref:
        ident = normalise_id(text)
        ref = self.refs.get(ident)
        if ref is None:
            ref = Ref(ident)
            self.refs[ref] = ref  # keyed by itself: one string per identifier
        return ref


__all__ = ["Check", "Member", "Note", "Resources", "literal_note", "member", "prefixed"]
