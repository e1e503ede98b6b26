"""Difference models (IEC 61970-552): compute, read, write and apply them.

The public face of :mod:`cim.network.diffxml` (reading and writing ``dm:DifferenceModel``) and
:mod:`cim.network.diffapply` (applying one, and which document gets what). :func:`diff` compares
two models document by document (documents paired by position); a changed property is all its
old values reversed and all its new values forwarded, so that ``apply(old, d)`` for each ``d``
of ``diff_documents(old, new)`` has the :func:`content` of ``new``. A difference changes one
document, as the difference models of CGMES do (one per superseded ``md:FullModel``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from cim.errors import ConfigurationError
from cim.network.diffapply import apply, invert, target_document, value_kind, values_of
from cim.network.diffxml import (
    DM,
    DM_PROFILE,
    TYPE,
    Difference,
    DifferenceConflict,
    DifferenceError,
    Statement,
    difference_bytes,
    read_difference,
    write_difference,
)
from cim.network.export import DEFAULT_NAMESPACES, MD, RDF, parts_by_document
from cim.network.store import Model, Uri, Value

Key = tuple[str, str, str, str]
"""One statement as compared: (object id, property or ``rdf:type``, kind, value text)."""
Described = dict[str, tuple[str, dict[str, list[Value]]]]
"""What one document says: object id -> (class, property -> values), in document order."""


def content(model: Model) -> dict[int, Counter[Key]]:
    """Per document index, the statements it holds: what :func:`diff` compares."""
    out: dict[int, Counter[Key]] = {}
    for obj in model.objects.values():
        for part in obj.parts:
            bag = out.setdefault(part.doc, Counter())
            if part.cls:
                bag[(obj.id, TYPE, "class", part.cls)] += 1
            for prop, value in part.props.items():
                for v in values_of(value):
                    bag[(obj.id, prop, value_kind(v), str(v))] += 1
    return {doc: bag for doc, bag in sorted(out.items()) if bag}


def _described(model: Model) -> list[Described]:
    out: list[Described] = []
    for described in parts_by_document(model):
        doc: Described = {}
        for oid, part in described:
            cls, props = doc.setdefault(oid, (part.cls, {}))
            if not cls and part.cls:
                doc[oid] = (part.cls, props)
            for key, value in part.props.items():
                props.setdefault(key, []).extend(values_of(value))
        out.append(doc)
    return out


def _whole(oid: str, cls: str, props: dict[str, list[Value]]) -> list[Statement]:
    head = [Statement(oid, cls, TYPE, cls)] if cls else []
    return head + [Statement(oid, cls, k, v) for k, values in props.items() for v in values]


def _bag(values: list[Value]) -> Counter[tuple[str, str]]:
    return Counter((value_kind(v), str(v)) for v in values)


def _compare(old: Described, new: Described) -> tuple[list[Statement], list[Statement]]:
    reverse: list[Statement] = []
    forward: list[Statement] = []
    for oid, (cls, props) in old.items():
        if oid not in new:
            reverse += _whole(oid, cls, props)
    for oid, (cls, props) in new.items():
        if oid not in old:
            forward += _whole(oid, cls, props)
            continue
        old_cls, old_props = old[oid]
        if old_cls != cls:
            reverse += [Statement(oid, old_cls, TYPE, old_cls)] if old_cls else []
            forward += [Statement(oid, cls, TYPE, cls)] if cls else []
        for prop in dict.fromkeys([*old_props, *props]):
            a, b = old_props.get(prop, []), props.get(prop, [])
            if _bag(a) != _bag(b):
                reverse += [Statement(oid, "", prop, v) for v in a]
                forward += [Statement(oid, "", prop, v) for v in b]
    return reverse, forward


def _difference(
    old: Model, new: Model, index: int, reverse: list[Statement], forward: list[Statement]
) -> Difference:
    before = old.documents[index] if index < len(old.documents) else None
    after = new.documents[index] if index < len(new.documents) else None
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header: dict[str, list[Value]] = {"Model.created": [now]}
    if before is not None and before.header_id:
        header["Model.Supersedes"] = [Uri(before.header_id)]
    header["Model.profile"] = [DM_PROFILE, *(before.profiles if before else ())]
    for key in ("Model.scenarioTime", "Model.modelingAuthoritySet"):
        for doc in (after, before):
            if doc is not None and key in doc.header:
                header[key] = list(doc.header[key])
                break
    namespaces = dict(DEFAULT_NAMESPACES if before is None else before.namespaces)
    for prefix, uri in (after.namespaces if after else {}).items():
        namespaces.setdefault(prefix, uri)
    namespaces.update({"rdf": RDF, "md": MD, "dm": DM})
    return Difference(
        about=f"urn:uuid:{uuid.uuid4()}",
        header=header,
        reverse=tuple(reverse),
        forward=tuple(forward),
        namespaces=namespaces,
        name=f"diff of {before.name if before else 'model'}",
        document=before.name if before else None,
    )


def summary(difference: Difference) -> dict[str, int]:
    """Counts of a difference: statements each way, descriptions added and removed, changed."""
    typed = {
        side: {s.id for s in statements if s.prop == TYPE}
        for side, statements in (("r", difference.reverse), ("f", difference.forward))
    }
    ids = {s.id for s in (*difference.reverse, *difference.forward)}
    added, removed = typed["f"] - typed["r"], typed["r"] - typed["f"]
    return {
        "reverse": len(difference.reverse),
        "forward": len(difference.forward),
        "added": len(added),
        "removed": len(removed),
        "changed": len(ids - added - removed),
    }


def diff_documents(old: Model, new: Model) -> list[Difference]:
    """One difference per document that changed from ``old`` to ``new`` (paired by position)."""
    if len(old.documents) != len(new.documents):
        raise ConfigurationError(
            f"the models have {len(old.documents)} and {len(new.documents)} documents; "
            "a difference is between versions of the same documents"
        )
    out = []
    for index, (a, b) in enumerate(zip(_described(old), _described(new), strict=True)):
        reverse, forward = _compare(a, b)
        if reverse or forward:
            out.append(_difference(old, new, index, reverse, forward))
    return out


def diff(old: Model, new: Model) -> Difference:
    """The difference from ``old`` to ``new``: one difference model (empty if they agree)."""
    found = diff_documents(old, new)
    if len(found) > 1:
        names = ", ".join(d.document or "?" for d in found)
        raise ConfigurationError(
            f"the models differ in {len(found)} documents ({names}); a difference model "
            "changes one document: use diff_documents"
        )
    return found[0] if found else _difference(old, new, 0, [], [])


__all__ = [
    "Difference",
    "DifferenceConflict",
    "DifferenceError",
    "Key",
    "Statement",
    "apply",
    "content",
    "diff",
    "diff_documents",
    "difference_bytes",
    "invert",
    "read_difference",
    "summary",
    "target_document",
    "write_difference",
]
