"""Lossless export of a network model back to CIM RDF/XML, one file per document as read.

Each :class:`~cim.network.store.Document` becomes one RDF/XML document: its namespaces in the
order declared, its ``md:FullModel`` header, then one description per object it described, in
:attr:`Document.ids` order, with every property of that document's :class:`Part` — literal text
exactly as read (``"60.000000"``, ``"false"``), repeated properties in order, nothing invented.

How identifiers are written (the store keeps normalised ids, not the text of each file):

* a description is ``rdf:ID="_x"`` in the object's home document (:func:`home_documents`: the
  rdf:ID-style document that defines it, EQ first) and ``rdf:about="#_x"`` elsewhere, so EQ,
  SV and DL define their objects, TP its topological nodes, DY its models, and SSH, TP and DY
  add to equipment with ``rdf:about``; a document keeps the majority style it was read with
  (:attr:`Document.about`); a second description of an object in one document, or an id that
  is not an XML name after the ``_``, is ``rdf:about``. On the shared datasets this matches
  the originals except redundant definitions (Telemark-120 defines some objects in two files)
  and three SmallGrid terminals described only in SSH and TP. An id keeps the ``_`` prefix or
  its absence as the object's first description wrote it (:attr:`CimObject.bare`: CIGRE MV's
  ``N9`` stays ``N9``), unless the bare id would not be an XML name;
* a reference (:class:`Ref`) is ``rdf:resource="#_x"`` (or ``#x`` for a bare object) for CIM16
  and CIM100 alike, so ``urn:uuid:x`` as read comes back as ``#_x`` — the same object for
  :func:`~cim.network.store.normalise_id`, for cimpy and for any RDF/XML reader given one base;
  on CIGRE MV, MicroGrid BC and CGMES 3 MicroGrid every rdf:ID, rdf:about and reference is
  written exactly as in the original files (tested);
* a URI (:class:`Uri`: enumeration literals, profile and external URIs) is written verbatim;
  a :class:`Ref` in the header (``Model.DependentOn``) is written ``urn:uuid:x``.

A model built in code with no documents (a generator's output) is written as one CGMES 3 style
document (CIM100 namespaces, a FullModel whose ``urn:uuid`` is derived from the ids, so the
output is deterministic, and ``rdf:ID`` descriptions). Unprefixed class and property names are
in the document's CIM namespace; unprefixed header properties are ``md:``.
"""

from __future__ import annotations

import re
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from cim.errors import ConfigurationError
from cim.network.names import cim_version
from cim.network.store import Document, Model, Part, Ref, Uri, Value

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
"""The RDF namespace."""
MD = "http://iec.ch/TC57/61970-552/ModelDescription/1#"
"""The IEC 61970-552 model description namespace (``md:FullModel``)."""
CIM100 = "http://iec.ch/TC57/CIM100#"
"""The CIM100 (CGMES 3.0) namespace used for models with no documents."""
DEFAULT_NAMESPACES: dict[str, str] = {
    "rdf": RDF,
    "cim": CIM100,
    "md": MD,
    "eu": "http://iec.ch/TC57/CIM100-European#",
}
"""The namespaces of the document written for a model that has none."""

_NCNAME = re.compile(r"[^\W\d][\w.\-]*\Z")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)


def cim_prefix(namespaces: Mapping[str, str]) -> str:
    """The prefix that bare class and property names belong to (``cim`` as a rule)."""
    if cim_version(namespaces.get("cim", "")):
        return "cim"
    found = [prefix for prefix, uri in namespaces.items() if cim_version(uri)]
    return found[0] if found else "cim"


def md_prefix(namespaces: Mapping[str, str]) -> str:
    """The prefix that bare header names (``Model.profile``) belong to (``md`` as a rule)."""
    found = [prefix for prefix, uri in namespaces.items() if uri == MD]
    return "md" if "md" in found or not found else found[0]


def qualify(qname: str, default: str, namespaces: Mapping[str, str]) -> tuple[str, str]:
    """(prefix, local name) of a stored name: ``entsoe:X.y``, bare ``X.y`` or ``{uri}X.y``."""
    if qname.startswith("{"):
        uri, _, local = qname[1:].partition("}")
        found = [prefix for prefix, declared in namespaces.items() if declared == uri]
        if not found:
            raise ConfigurationError(f"{qname!r}: namespace {uri!r} is not declared")
        return found[0], local
    prefix, sep, local = qname.rpartition(":")
    if not sep:
        prefix, local = default, qname
    if prefix not in namespaces:
        raise ConfigurationError(f"{qname!r}: prefix {prefix!r} is not declared")
    return prefix, local


def document_namespaces(model: Model, index: int | None) -> dict[str, str]:
    """The namespaces of document ``index`` (``None``: the default document) as written.

    ``rdf`` is added when missing, and ``md`` when the document has a header to write.
    """
    if index is None:
        return dict(DEFAULT_NAMESPACES)
    doc = model.documents[index]
    out = dict(doc.namespaces) if "rdf" in doc.namespaces else {"rdf": RDF, **doc.namespaces}
    if MD not in out.values() and (doc.header or doc.header_id is not None):
        out["md"] = MD
    return out


def default_header_id(model: Model) -> str:
    """A deterministic ``urn:uuid`` for the FullModel of a model written without documents."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, "cimbus:" + "\n".join(sorted(model.objects)))
    return f"urn:uuid:{digest}"


def parts_by_document(model: Model) -> list[list[tuple[str, Part]]]:
    """Per document, its (object id, part) pairs in the order the document described them.

    Parts a document's :attr:`Document.ids` does not list (a model edited in code) follow in
    object order, so nothing is dropped. A model with no documents gives one list of every part.
    """
    if not model.documents:
        return [[(o.id, p) for o in model.objects.values() for p in o.parts]]
    pending: list[dict[str, deque[Part]]] = [{} for _ in model.documents]
    for obj in model.objects.values():
        for part in obj.parts:
            if not 0 <= part.doc < len(model.documents):
                raise ConfigurationError(
                    f"object {obj.id} has a part of document {part.doc}, "
                    f"but the model has {len(model.documents)} documents"
                )
            pending[part.doc].setdefault(obj.id, deque()).append(part)
    out: list[list[tuple[str, Part]]] = []
    for doc, waiting in zip(model.documents, pending, strict=True):
        ordered = [(i, waiting[i].popleft()) for i in doc.ids if waiting.get(i)]
        ordered += [(i, p) for i, parts in waiting.items() for p in parts]
        out.append(ordered)
    return out


def _values(value: Value | list[Value]) -> list[Value]:
    return value if isinstance(value, list) else [value]


class _Writer:
    """Builds the text of one document; checks every prefix it uses is declared."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces
        self.cim = cim_prefix(namespaces)
        self.md = md_prefix(namespaces)
        self.names: dict[tuple[str, str], str] = {}

    def name(self, qname: str, default: str) -> str:
        key = (qname, default)
        found = self.names.get(key)
        if found is None:
            prefix, local = qualify(qname, default, self.namespaces)
            found = self.names[key] = f"{prefix}:{local}" if prefix else local
        return found

    def props(
        self,
        props: Mapping[str, Value | list[Value]],
        default: str,
        urn: bool,
        prefix: Callable[[str], str] = lambda oid: "_",
    ) -> Iterator[str]:
        for key, value in props.items():
            tag = self.name(key, default)
            for v in _values(value):
                if isinstance(v, Ref):
                    target = f"urn:uuid:{v}" if urn else f"#{prefix(v)}{v}"
                    yield f'    <{tag} rdf:resource="{target.translate(_ATTR)}"/>\n'
                elif isinstance(v, Uri):
                    yield f'    <{tag} rdf:resource="{v.translate(_ATTR)}"/>\n'
                else:
                    yield f"    <{tag}>{v.translate(_TEXT)}</{tag}>\n"


def home_documents(model: Model) -> dict[str, int]:
    """Per object, the document whose description of it is written ``rdf:ID`` (defines it).

    The first ``rdf:ID``-style document describing the object, one with an equipment profile
    preferred (EQ over DY, GL …); failing that, the first document describing it. So EQ, SV
    and DL objects are defined where they were, TP's topological nodes in TP, and SSH/TP/DY
    descriptions of equipment are ``rdf:about``.
    """
    docs = model.documents
    rank = [(d.about, not any("Equipment" in p for p in d.profiles), i) for i, d in enumerate(docs)]
    return {
        o.id: min((p.doc for p in o.parts), key=rank.__getitem__)
        for o in model.objects.values()
        if o.parts and docs
    }


def _styles(
    doc: Document, index: int, described: list[tuple[str, Part]], home: dict[str, int]
) -> list[tuple[str, Part, bool]]:
    """(id, part, written ``rdf:ID``?) per description; the document keeps its majority style.

    ``rdf:ID`` where the document is the object's home (:func:`home_documents`), once per
    document and only for ids that are XML names after the ``_``. Should that turn the
    document's majority (:attr:`Document.about`), every description takes the document's style.
    """
    seen: set[str] = set()
    out = []
    for oid, part in described:
        valid = oid not in seen and _NCNAME.match("_" + oid) is not None
        out.append((oid, part, valid, valid and home.get(oid, index) == index))
        seen.add(oid)
    ids = sum(1 for *_, defines in out if defines)
    if (len(out) - ids > ids) != doc.about:
        return [(oid, part, valid and not doc.about) for oid, part, valid, _ in out]
    return [(oid, part, defines) for oid, part, _, defines in out]


def _document_lines(
    writer: _Writer,
    doc: Document,
    index: int,
    described: list[tuple[str, Part]],
    home: dict[str, int],
    prefix_of: Callable[[str], str],
) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF'
    for prefix, uri in writer.namespaces.items():
        attr = f"xmlns:{prefix}" if prefix else "xmlns"
        yield f'\n    {attr}="{uri.translate(_ATTR)}"'
    yield ">\n"
    if doc.header_id is not None or doc.header:
        about = doc.header_id or ""
        full = writer.name("FullModel", writer.md)
        head = f'  <{full} rdf:about="{about.translate(_ATTR)}"'
        if doc.header:
            yield head + ">\n"
            yield from writer.props(doc.header, writer.md, urn=True)
            yield f"  </{full}>\n"
        else:
            yield head + "/>\n"
    for oid, part, defines in _styles(doc, index, described, home):
        tag = writer.name(part.cls, writer.cim) if part.cls else "rdf:Description"
        mine = prefix_of(oid)
        ident = (
            f'rdf:ID="{mine}{oid}"'
            if defines
            else f'rdf:about="{(f"#{mine}{oid}").translate(_ATTR)}"'
        )
        if not part.props:
            yield f"  <{tag} {ident}/>\n"
            continue
        yield f"  <{tag} {ident}>\n"
        yield from writer.props(part.props, writer.cim, urn=False, prefix=prefix_of)
        yield f"  </{tag}>\n"
    yield "</rdf:RDF>\n"


def reference_prefix(model: Model, doc: Document) -> Callable[[str], str]:
    """The ``_`` prefix of an identifier: as the object was first written, else as ``doc``."""
    own = "_" if doc.underscore else ""
    objects = model.objects

    def prefix(oid: str) -> str:
        found = objects.get(oid)
        mine = own if found is None else ("" if found.bare else "_")
        return mine if _NCNAME.match(mine + oid) else "_"

    return prefix


def document_bytes(model: Model, index: int | None = None) -> bytes:
    """The RDF/XML (UTF-8) of document ``index``; ``None`` for a model without documents."""
    if index is None and model.documents:
        raise ConfigurationError("the model has documents: name the one to write")
    return _render(model, index, parts_by_document(model)[index or 0], home_documents(model))


def _render(
    model: Model, index: int | None, described: list[tuple[str, Part]], home: dict[str, int]
) -> bytes:
    doc = Document(name="model.xml", header_id=default_header_id(model))
    if index is not None:
        doc = model.documents[index]
    writer = _Writer(document_namespaces(model, index))
    prefix_of = reference_prefix(model, doc)
    text = "".join(_document_lines(writer, doc, index or 0, described, home, prefix_of))
    bad = _BAD_CHARS.search(text)
    if bad:
        raise ConfigurationError(f"{doc.name}: character {bad.group()!r} cannot be written in XML")
    return text.encode("utf-8")


def file_names(model: Model) -> list[str]:
    """The file name each document is written to: its own base name, made unique."""
    if not model.documents:
        return ["model.xml"]
    names = [
        Path(d.name.rsplit("!", 1)[-1]).name or f"document{i}.xml"
        for i, d in enumerate(model.documents)
    ]
    if len(set(names)) == len(names):
        return names
    return [f"{i:02d}_{n}" for i, n in enumerate(names)]


def write_rdfxml(model: Model, out: str | Path) -> list[Path]:
    """Write the model as RDF/XML, one file per document, into folder ``out`` (or one file).

    ``out`` is a folder (created if missing) unless it ends in ``.xml``; a single file takes a
    model of at most one document. Returns the paths written, in document order.
    """
    out = Path(out)
    count = max(1, len(model.documents))
    indices: list[int | None] = list(range(len(model.documents))) or [None]
    if out.suffix.lower() == ".xml":
        if count > 1:
            raise ConfigurationError(
                f"the model has {count} documents; give a folder to write them into"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        grouped = parts_by_document(model)
        out.write_bytes(_render(model, indices[0], grouped[0], home_documents(model)))
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    grouped, home = parts_by_document(model), home_documents(model)
    for index, name in zip(indices, file_names(model), strict=True):
        path = out / name
        path.write_bytes(_render(model, index, grouped[index or 0], home))
        written.append(path)
    return written


__all__ = [
    "CIM100",
    "DEFAULT_NAMESPACES",
    "MD",
    "RDF",
    "cim_prefix",
    "default_header_id",
    "document_bytes",
    "document_namespaces",
    "file_names",
    "home_documents",
    "md_prefix",
    "parts_by_document",
    "qualify",
    "write_rdfxml",
]
