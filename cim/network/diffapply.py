"""Apply an IEC 61970-552 difference to a network model: strict, atomic, documented routing.

A difference holds statements to remove (reverse: old values) and to add (forward: new values);
a changed value is one of each. :func:`apply` checks every precondition and reverse statement
against the base exactly (property, kind of value, text); one that does not match raises
:class:`DifferenceConflict` naming the difference file and line, and the model is unchanged.
``lenient=True`` skips such a statement (and lets a forward value replace one the reverse side
did not remove) with a warning in :attr:`Model.problems`.

Where statements go. The *target document* of a difference is, in this order: the ``document``
argument; the document whose ``md:FullModel`` the difference ``Model.Supersedes``; the document
``diff`` made it from; the one document sharing its profiles (the same modelling authority set
if several); the model's only document. A removed value leaves its property's place; a forward
value goes to the object's part in the target document if that part has the property, else
back where this difference removed it, else to the object's part in the target document, else
to a new part there (a new object, or one another document described). A typed description adds
or removes the class of that part; a part left with no class and no property is dropped, an
object with no part is deleted. A forward value for a property that keeps another value after
the reverse statements is a conflict (CIM instance data is single-valued) unless it is the same
value. Document headers are kept, so differences that all supersede one document find it one
after another.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field, replace

from cim.errors import ConfigurationError
from cim.network.diffxml import (
    TYPE,
    Difference,
    DifferenceConflict,
    DifferenceError,
    Statement,
    profile_uris,
)
from cim.network.store import CimObject, Model, Part, Problem, Ref, Uri, Value, normalise_id


def value_kind(value: Value) -> str:
    """``ref``, ``uri`` or ``text``: what a value is besides its text."""
    return "ref" if isinstance(value, Ref) else "uri" if isinstance(value, Uri) else "text"


def _same(a: Value, b: Value) -> bool:
    return str(a) == str(b) and value_kind(a) == value_kind(b)


def values_of(value: Value | list[Value]) -> list[Value]:
    """A property value as a new list of values."""
    return list(value) if isinstance(value, list) else [value]


def target_document(
    model: Model, difference: Difference, document: int | str | None = None
) -> int | None:
    """The index of the document a difference changes (see the module), ``None`` if unclear."""
    docs = model.documents
    if document is not None:
        for i, d in enumerate(docs):
            if document in (i, d.name):
                return i
        raise ConfigurationError(f"the model has no document {document!r}")
    if not docs:
        return 0
    superseded = set(difference.supersedes())
    named = [
        i for i, d in enumerate(docs) if d.header_id and normalise_id(d.header_id) in superseded
    ]
    named += [i for i, d in enumerate(docs) if d.name == difference.document]
    if named:
        return named[0]
    profiles = set(difference.profiles())
    hits = [i for i, d in enumerate(docs) if profiles & set(profile_uris(d.profiles))]
    if len(hits) > 1:
        authority = [str(v) for v in difference.header.get("Model.modelingAuthoritySet", [])]
        hits = [
            i
            for i in hits
            if [str(v) for v in docs[i].header.get("Model.modelingAuthoritySet", [])] == authority
        ]
    if len(hits) == 1:
        return hits[0]
    return 0 if len(docs) == 1 else None


@dataclass(slots=True)
class _Work:
    """A part being changed: properties as lists (an emptied one keeps its place)."""

    doc: int
    cls: str
    props: dict[str, list[Value]]
    line: int = 0
    added: set[str] = field(default_factory=set)


class _Apply:
    """One application: the working parts of the objects the difference touches."""

    def __init__(self, model: Model, diff: Difference, target: int | None, lenient: bool) -> None:
        self.model, self.diff, self.target, self.lenient = model, diff, target, lenient
        self.problems: list[Problem] = []
        self.work: dict[str, list[_Work]] = {}

    def parts(self, oid: str) -> list[_Work]:
        found = self.work.get(oid)
        if found is None:
            obj = self.model.objects.get(oid)
            found = self.work[oid] = [
                _Work(p.doc, p.cls, {k: values_of(v) for k, v in p.props.items()}, p.line)
                for p in (obj.parts if obj else [])
            ]
        return found

    def conflict(self, st: Statement, reason: str) -> None:
        if not self.lenient:
            raise DifferenceConflict(self.diff.name, st.line, reason)
        self.problems.append(Problem(self.diff.name, st.line, reason, "warning"))

    def find(self, st: Statement, *, remove: bool, what: str) -> None:
        parts = sorted(self.parts(st.id), key=lambda w: w.doc != self.target)
        for w in parts:
            if st.prop == TYPE:
                if w.cls == st.value:
                    w.cls = "" if remove else w.cls
                    return
                continue
            values = w.props.get(st.prop, [])
            hit = next((i for i, v in enumerate(values) if _same(v, st.value)), None)
            if hit is not None:
                if remove:
                    del values[hit]
                return
        if st.prop == TYPE:
            held = [w.cls for w in parts if w.cls]
        else:
            held = [str(v) for w in parts for v in w.props.get(st.prop, [])]
        shown = ", ".join(repr(v) for v in held) or "nothing"
        self.conflict(
            st, f"{what} {st.id} {st.prop} {str(st.value)!r} is not in the base, which has {shown}"
        )

    def home(self, st: Statement) -> _Work:
        parts = self.parts(st.id)
        mine = [w for w in parts if w.doc == self.target]
        if st.prop != TYPE:
            held = [w for w in mine if st.prop in w.props] or [
                w for w in parts if w.props.get(st.prop) == [] or st.prop in w.added
            ]
            if held:
                return held[0]
        if mine:
            return mine[0]
        if self.target is None:
            if len(parts) == 1:
                return parts[0]
            raise DifferenceError(
                self.diff.name,
                st.line,
                f"cannot tell which document of the base takes {st.id}: the difference "
                "supersedes none of them and its profiles match none or several",
            )
        made = _Work(self.target, "", {})
        parts.append(made)
        return made

    def add(self, st: Statement) -> None:
        w = self.home(st)
        if st.prop == TYPE:
            if w.cls and w.cls != st.value:
                self.conflict(st, f"{st.id} is a {w.cls} in the base, not a {st.value}")
            w.cls = str(st.value)
            return
        values = w.props.setdefault(st.prop, [])
        if st.prop not in w.added:
            if any(_same(v, st.value) for v in values):
                return
            if values:
                self.conflict(st, f"{st.id} {st.prop} already has {str(values[0])!r}")
                values.clear()
        w.added.add(st.prop)
        values.append(st.value)

    def commit(self, model: Model) -> None:
        """Put the changed objects into ``model`` (replaced, never mutated) and fix doc ids."""
        delta: dict[int, Counter[str]] = {}
        for oid, works in self.work.items():
            old = self.model.objects.get(oid)
            before = Counter(p.doc for p in old.parts) if old else Counter()
            kept = []
            for w in sorted(works, key=lambda w: w.doc):
                props = {k: v[0] if len(v) == 1 else list(v) for k, v in w.props.items() if v}
                if w.cls or props:
                    kept.append(Part(doc=w.doc, cls=w.cls, props=props, line=w.line))
            after = Counter(p.doc for p in kept)
            for doc in before | after:
                delta.setdefault(doc, Counter())[oid] += after[doc] - before[doc]
            if kept:
                model.objects[oid] = CimObject(oid, next((p.cls for p in kept if p.cls), ""), kept)
            else:
                model.objects.pop(oid, None)
        for doc, changes in delta.items():
            if doc >= len(model.documents):
                continue
            ids = model.documents[doc].ids
            drop = {i: -n for i, n in changes.items() if n < 0}
            if drop:
                kept_ids: list[str] = []
                for i in reversed(ids):
                    if drop.get(i, 0) > 0:
                        drop[i] -= 1
                    else:
                        kept_ids.append(i)
                ids[:] = kept_ids[::-1]
            ids.extend(i for i, n in changes.items() for _ in range(n))
        model.problems.extend(self.problems)


def apply(
    model: Model,
    difference: Difference,
    *,
    lenient: bool = False,
    in_place: bool = False,
    document: int | str | None = None,
) -> Model:
    """Apply a difference, all or nothing: a new model sharing unchanged objects, or in place."""
    run = _Apply(model, difference, target_document(model, difference, document), lenient)
    for st in difference.preconditions:
        run.find(st, remove=False, what="precondition")
    for st in difference.reverse:
        run.find(st, remove=True, what="reverse difference")
    for st in difference.forward:
        run.add(st)
    out = model
    if not in_place:
        out = Model(
            documents=[replace(d, ids=list(d.ids)) for d in model.documents],
            objects=dict(model.objects),
            problems=list(model.problems),
        )
    run.commit(out)
    return out


def invert(difference: Difference) -> Difference:
    """The difference that undoes ``difference`` (forward and reverse swapped)."""
    return replace(
        difference,
        about=f"urn:uuid:{uuid.uuid4()}",
        reverse=difference.forward,
        forward=difference.reverse,
        preconditions=(),
    )


__all__ = ["apply", "invert", "target_document", "value_kind", "values_of"]
