"""The network model as RDF: an rdflib Graph, a pyoxigraph store, Turtle and JSON-LD text.

Every object is one IRI, whichever documents describe it: ``{base}#_{id}`` (the IRI an RDF/XML
reader gives ``rdf:ID="_id"`` with that base), or ``urn:uuid:{id}`` when ``base`` is
``"urn:uuid:"`` (any base ending in ``:`` is followed by the bare id). Classes and properties
are the IRIs of the names as written (``cim:`` unprefixed), resolved with the namespaces of the
document that wrote them; a :class:`~cim.network.store.Ref` is the target object's IRI, a
:class:`~cim.network.store.Uri` is itself, a literal is a plain literal of the exact text read
(no datatypes: SPARQL filters cast, e.g. ``xsd:double(?r)``). Each document's ``md:FullModel``
header is one more subject (its ``rdf:about``). These are the triples an RDF/XML reader gets
from :mod:`cim.network.export`'s files with the same base.

The rdflib graph is for models up to some hundred thousand triples; :func:`to_oxigraph` bulk
loads N-Triples text into pyoxigraph (Rust) for large models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from rdflib import Graph, Literal, Namespace, URIRef

from cim.errors import ConfigurationError
from cim.network.export import (
    RDF,
    cim_prefix,
    default_header_id,
    document_namespaces,
    md_prefix,
    qualify,
)
from cim.network.store import Model, Ref, Uri, Value

DEFAULT_BASE = "urn:cimbus:model"
"""The base of object IRIs unless the caller gives one: ``urn:cimbus:model#_<id>``."""
FORMATS: dict[str, str] = {
    "turtle": "turtle",
    "ttl": "turtle",
    "jsonld": "json-ld",
    "json-ld": "json-ld",
    "nt": "nt",
    "ntriples": "nt",
    "xml": "xml",
}
"""Serialisation names accepted by :func:`serialize` -> rdflib's format names."""

_TYPE = RDF + "type"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_FULL_MODEL = "http://iec.ch/TC57/61970-552/ModelDescription/1#FullModel"

T = TypeVar("T")


def object_iri(oid: str, base: str = DEFAULT_BASE) -> str:
    """The IRI of object ``oid``: ``{base}#_{oid}``, or ``{base}{oid}`` for ``urn:uuid:``."""
    return f"{base}{oid}" if base.endswith(":") else f"{base}#_{oid}"


def absolute(uri: str, base: str) -> str:
    """``uri`` resolved as RDF/XML resolves it: ``""`` and ``#x`` against ``base``."""
    return uri if _SCHEME.match(uri) else base + uri


class _Names:
    """Resolves qualified names of one document to IRIs (cached)."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces
        self.cim = cim_prefix(namespaces)
        self.md = md_prefix(namespaces)
        self.cache: dict[tuple[str, str], str] = {}

    def iri(self, qname: str, default: str) -> str:
        key = (qname, default)
        found = self.cache.get(key)
        if found is None:
            prefix, local = qualify(qname, default, self.namespaces)
            found = self.cache[key] = self.namespaces[prefix] + local
        return found


def _triples(
    model: Model, base: str, iri: Callable[[str], T], lit: Callable[[str], T]
) -> Iterator[tuple[T, T, T]]:
    """Every triple of the model, terms built by ``iri`` and ``lit`` (IRIs are cached)."""
    made: dict[str, T] = {}

    def term(text: str) -> T:
        found = made.get(text)
        if found is None:
            found = made[text] = iri(text)
        return found

    docs: list[int | None] = list(range(len(model.documents))) or [None]
    names = [_Names(document_namespaces(model, i)) for i in docs]
    rdf_type = term(_TYPE)

    def objects(value: Value | list[Value], urn: bool) -> Iterator[T]:
        for v in value if isinstance(value, list) else (value,):
            if isinstance(v, Ref):
                yield term(f"urn:uuid:{v}" if urn else object_iri(v, base))
            elif isinstance(v, Uri):
                yield term(absolute(v, base))
            else:
                yield lit(v)

    for i in docs:
        doc = model.documents[i] if i is not None else None
        header_id = default_header_id(model) if doc is None else doc.header_id
        if doc is not None and header_id is None and doc.header:
            header_id = ""
        if header_id is not None:
            subject = term(absolute(header_id, base))
            yield subject, rdf_type, term(_FULL_MODEL)
            for key, head in doc.header.items() if doc else ():
                pred = term(names[i or 0].iri(key, names[i or 0].md))
                for obj in objects(head, urn=True):
                    yield subject, pred, obj
    for o in model.objects.values():
        subject = term(object_iri(o.id, base))
        for part in o.parts:
            ns = names[part.doc if model.documents else 0]
            if part.cls:
                yield subject, rdf_type, term(ns.iri(part.cls, ns.cim))
            for key, value in part.props.items():
                pred = term(ns.iri(key, ns.cim))
                for obj in objects(value, urn=False):
                    yield subject, pred, obj


def _bind(graph: Graph, model: Model) -> None:
    docs: list[int | None] = list(range(len(model.documents))) or [None]
    bound = {prefix for prefix, _ in graph.namespaces()}
    for i in docs:
        for prefix, uri in document_namespaces(model, i).items():
            if prefix and prefix not in bound:
                graph.bind(prefix, Namespace(uri), override=False)
                bound.add(prefix)


def to_graph(model: Model, *, base: str = DEFAULT_BASE) -> Graph:
    """The model as an rdflib Graph (plain literals, object IRIs under ``base``)."""
    graph = Graph(bind_namespaces="core")
    _bind(graph, model)
    made = _triples(model, base, URIRef, Literal)
    graph.addN((s, p, o, graph) for s, p, o in made)
    return graph


def _nt_iri(text: str) -> str:
    return "<" + text.replace("\\", "\\u005C").replace(">", "\\u003E") + ">"


_NT_LIT = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def ntriples(model: Model, *, base: str = DEFAULT_BASE) -> str:
    """The model as N-Triples text (the same triples as :func:`to_graph`)."""
    made = _triples(model, base, _nt_iri, lambda text: '"' + text.translate(_NT_LIT) + '"')
    return "".join(f"{s} {p} {o} .\n" for s, p, o in made)


def to_oxigraph(model: Model, *, base: str = DEFAULT_BASE) -> Any:
    """The model in an in-memory ``pyoxigraph.Store``, bulk loaded from N-Triples text."""
    import pyoxigraph

    store = pyoxigraph.Store()
    data = ntriples(model, base=base).encode("utf-8")
    try:
        store.bulk_load(input=data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    except SyntaxError as exc:
        raise ConfigurationError(f"the model is not valid RDF: {exc}") from None
    return store


def serialize(model: Model, fmt: str, *, base: str = DEFAULT_BASE) -> str:
    """The model as ``turtle``, ``json-ld`` (``jsonld``), ``nt`` or ``xml`` text via rdflib."""
    name = FORMATS.get(fmt.lower())
    if name is None:
        raise ConfigurationError(f"unknown RDF format {fmt!r}; choose one of {sorted(FORMATS)}")
    if name == "nt":
        return ntriples(model, base=base)
    return to_graph(model, base=base).serialize(format=name)


__all__ = [
    "DEFAULT_BASE",
    "FORMATS",
    "ntriples",
    "object_iri",
    "serialize",
    "to_graph",
    "to_oxigraph",
]
