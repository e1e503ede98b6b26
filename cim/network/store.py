"""The compact in-memory network model: CIM objects by identifier, built from RDF/XML documents.

A network model arrives as one or more documents (IEC 61970-552 RDF/XML: EQ, TP, SSH, SV, GL,
DL, boundary … files of one model). Each document holds *descriptions*: one element
(``<cim:Breaker rdf:ID="_b1">`` or ``<cim:Breaker rdf:about="#_b1">``) with property elements.
The store keeps, per object, one :class:`Part` per document that describes it, so that

* queries see one object with every property, whichever file it came from
  (:meth:`CimObject.get`, :meth:`CimObject.ref`);
* export writes each document back as it was read: the same objects, properties and literal
  text, in the same order (:attr:`Document.ids`), never an invented default.

Property keys are the qualified names as written (``Switch.open``,
``ACDCTerminal.connected``, ``entsoe:IdentifiedObject.shortName``); literal values are the exact
text read (``"60.000000"`` stays so); a reference is a :class:`Ref` holding the target's
normalised identifier, an enumeration literal or other URI is a :class:`Uri`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


class Ref(str):
    """An ``rdf:resource`` naming another object: its normalised identifier."""

    __slots__ = ()


class Uri(str):
    """An ``rdf:resource`` that is not an object of the model (an enum literal, a profile URI)."""

    __slots__ = ()


Value = str | Ref | Uri
"""One property value: literal text, a reference, or a URI."""


def normalise_id(text: str) -> str:
    """The identifier an object is known by, whichever way a file writes it.

    ``_0a1b``, ``#_0a1b``, ``urn:uuid:0a1b``, ``http://example.org/model#_0a1b`` and ``0a1b`` are
    all ``0a1b``: GIS and planning tools differ in how they write ``rdf:ID``, ``rdf:about`` and
    ``rdf:resource``, and references across files must meet one object.
    """
    text = text.strip()
    if "#" in text:
        text = text[text.rindex("#") + 1 :]
    elif text[:1] in "uU" and text[:9].lower() == "urn:uuid:":
        text = text[9:]
    return text[1:] if text[:1] == "_" else text


@dataclass(slots=True)
class Document:
    """One RDF/XML document of the model as read: where from, its header and what it described."""

    name: str
    """Where it came from (a path, or ``archive.zip!member.xml``)."""
    namespaces: dict[str, str] = field(default_factory=dict)
    """Prefix -> namespace URI as declared on ``rdf:RDF`` (``cim``, ``md``, ``entsoe`` …)."""
    header: dict[str, list[Value]] = field(default_factory=dict)
    """The ``md:FullModel`` properties (``Model.profile``, ``Model.DependentOn`` …)."""
    header_id: str | None = None
    """The ``rdf:about`` of the ``md:FullModel`` (raw text), if any."""
    profiles: tuple[str, ...] = ()
    """The ``Model.profile`` URIs (EQ, SSH, …)."""
    cim_version: str = ""
    """``"CIM16"`` or ``"CIM100"`` (from the ``cim`` namespace), ``""`` if unknown."""
    ids: list[str] = field(default_factory=list)
    """The normalised identifiers of the objects this document describes, in document order."""
    about: bool = False
    """Whether descriptions used ``rdf:about`` (CGMES 3 style) rather than ``rdf:ID``."""
    underscore: bool = True
    """Whether identifiers were written with the ``_`` prefix (``rdf:ID="_x"``, ``#_x``), as
    CGMES does; CIGRE MV's NEPLAN export writes ``rdf:ID="N12"`` and ``#N12``."""


@dataclass(slots=True)
class Part:
    """What one document says about one object."""

    doc: int
    """Index of the document in :attr:`Model.documents`."""
    cls: str
    """The class as written in that document, qualified like properties (``Breaker``,
    ``entsoe:EnergySchedulingType``); ``""`` for an untyped ``rdf:Description``."""
    props: dict[str, Value | list[Value]] = field(default_factory=dict)
    """Property -> value, or a list when the property is repeated, in document order."""
    line: int = 0
    """The source line of the description (for problems)."""


@dataclass(slots=True)
class CimObject:
    """One CIM object: its identifier, class and what each document says about it."""

    id: str
    cls: str
    """The class (from the first typed part, refined by a later part naming a CIM100 subclass):
    ``Breaker``, ``entsoe:…`` for extensions."""
    parts: list[Part] = field(default_factory=list)
    bare: bool = False
    """Whether its first description wrote the identifier without the ``_`` prefix
    (``rdf:ID="N12"``, CIGRE MV), so that export writes it back the same way."""

    def get(self, prop: str) -> Value | list[Value] | None:
        """The value of ``prop`` from whichever document holds it (the last one wins)."""
        found: Value | list[Value] | None = None
        for part in self.parts:
            value = part.props.get(prop)
            if value is not None:
                found = value
        return found

    def ref(self, prop: str) -> str | None:
        """The identifier a single-valued reference ``prop`` names, or ``None``."""
        value = self.get(prop)
        return value if isinstance(value, Ref) else None

    def props(self) -> dict[str, Value | list[Value]]:
        """Every property of the object merged across documents (later documents win)."""
        merged: dict[str, Value | list[Value]] = {}
        for part in self.parts:
            merged.update(part.props)
        return merged


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong or unusual in the input: where, what, and whether data was lost."""

    file: str
    line: int
    message: str
    severity: str = "warning"
    """``"error"`` (the model is not usable as read) or ``"warning"`` (kept, reported)."""


@dataclass(slots=True)
class Model:
    """A network model: documents as read, objects by normalised identifier, problems found."""

    documents: list[Document] = field(default_factory=list)
    objects: dict[str, CimObject] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def of_class(self, cls: str) -> Iterator[CimObject]:
        """The objects whose class is ``cls`` (as written, e.g. ``Breaker``)."""
        return (o for o in self.objects.values() if o.cls == cls)

    def counts(self) -> dict[str, int]:
        """Objects per class, sorted by class name."""
        out: dict[str, int] = {}
        for o in self.objects.values():
            out[o.cls] = out.get(o.cls, 0) + 1
        return dict(sorted(out.items()))

    def unresolved(self) -> list[tuple[str, str, str]]:
        """References to no object of the model: (object id, property, target id)."""
        missing = []
        for o in self.objects.values():
            for part in o.parts:
                for prop, value in part.props.items():
                    for v in value if isinstance(value, list) else (value,):
                        if isinstance(v, Ref) and v not in self.objects:
                            missing.append((o.id, prop, str(v)))
        return missing


__all__ = [
    "CimObject",
    "Document",
    "Model",
    "Part",
    "Problem",
    "Ref",
    "Uri",
    "Value",
    "normalise_id",
]
