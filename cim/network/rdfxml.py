"""The streaming CIM RDF/XML reader (IEC 61970-552): documents in, one compact :class:`Model` out.

::

    load(paths) -> sources(paths) -> read_document(model, source) per document -> Model
                                     lxml iterparse, one description at a time, then freed

Each document is parsed with a safe lxml parser (no DTD, no entities, no network, no huge-tree
mode) and merged into the model only when it was read to its end, so a not-well-formed file
is a :class:`~cim.errors.MalformedMessage` naming file, line and column -- never a partial model.
Names are qualified as :mod:`cim.network.store` says: CIM16 (2012/2013) and CIM100 names bare,
others with the prefix the document declares (``entsoe:``, ``eu:``). Unknown classes,
properties and enumeration literals, values that needed leniency (``60.000000`` for an integer)
and values that are no value of their type are kept and reported as problems with file and
line, once per name and document with a count. Difference models are refused: they are applied
with ``cimbus model apply``.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from copy import deepcopy
from pathlib import Path

from lxml import etree

from cim.errors import CimbusError, MalformedMessage, MessageError
from cim.network.names import (
    EXTENSIONS,
    Report,
    check_model,
    cim_version,
    is_subclass,
    literal_reason,
    misplaced,
    name_of,
    versions,
)
from cim.network.sources import CountingStream, Source, sources
from cim.network.store import CimObject, Document, Model, Part, Ref, Uri, Value, normalise_id
from cim.network.values import convert, member_type

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MD = "http://iec.ch/TC57/61970-552/ModelDescription/1#"
DM = "http://iec.ch/TC57/61970-552/DifferenceModel/1#"
_ID, _ABOUT, _RESOURCE = f"{{{RDF}}}ID", f"{{{RDF}}}about", f"{{{RDF}}}resource"
_PARSE_TYPE, _NODE_ID = f"{{{RDF}}}parseType", f"{{{RDF}}}nodeID"
_DESCRIPTION, _FULL_MODEL = f"{{{RDF}}}Description", f"{{{MD}}}FullModel"
_DIFFERENCE, _XML = f"{{{DM}}}DifferenceModel", "{http://www.w3.org/XML/1998/namespace}"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SAFE = dict(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=False)
"""No DTD, no entities, no network, libxml2's default limits (depth 256, 10 MB text nodes)."""

Progress = Callable[[int, int, str], None]
"""Called while reading: bytes read so far, bytes in all documents, the current document."""


def load(paths: Iterable[str | Path], *, progress: Progress | None = None) -> Model:
    """Every document named by files, folders and ``.zip`` archives, read into one model."""
    items = sources(paths)
    total, done = sum(s.size for s in items), 0
    model, headers = Model(), []
    for item in items:
        on_read = None if progress is None else _offset(progress, done, total, item.name)
        headers.append(_read(model, item, on_read))
        done += item.size
    check_model(model, headers)
    return model


def loads(data: bytes, name: str = "<bytes>") -> Model:
    """A model from one RDF/XML document held in memory."""
    model = Model()
    check_model(model, [_read(model, Source.from_bytes(name, data), None)])
    return model


def read_document(model: Model, source: Source, *, progress: Progress | None = None) -> Document:
    """Read one document into ``model`` (all of it, or nothing on error) and return it."""
    on_read = None if progress is None else _offset(progress, 0, source.size, source.name)
    _read(model, source, on_read)
    return model.documents[-1]


def _read(model: Model, source: Source, progress: Callable[[int], None] | None) -> int:
    reader, stream = _Reader(source.name, len(model.documents)), None
    etree.clear_error_log()  # _syntax reads the log: only this document's errors in it
    try:
        with source.open() as raw:
            reader.parse(stream := CountingStream(raw, source.name, progress))
    except etree.XMLSyntaxError as exc:
        raise _syntax(
            source.name, exc, reader.root is None and (stream is None or stream.blank)
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise MalformedMessage(f"{source.name}: cannot be read ({exc})", path=source.name) from None
    except (RuntimeError, NotImplementedError) as exc:  # an encrypted or exotic zip member
        if source.member is None:
            raise
        raise MalformedMessage(f"{source.name}: cannot be read ({exc})", path=source.name) from None
    reader.merge(model)
    return reader.header_line


def _syntax(name: str, exc: etree.XMLSyntaxError, blank: bool) -> CimbusError:
    line, column, msg = exc.lineno or 0, (exc.offset or 0) + 1, exc.msg
    last = getattr(exc.error_log, "last_error", None)
    if line <= 0 and last is not None and last.line > 0:  # iterparse hides entity errors
        line, column, msg = last.line, last.column, last.message
    if blank:
        return MalformedMessage(f"{name}: empty document, no RDF/XML in it", path=name)
    msg = re.sub(r", line \d+, column \d+$", "", msg)
    where = f"{name}:{line}:{column}"
    return MalformedMessage(
        f"{where}: not well-formed XML ({msg}); nothing of this document was loaded",
        path=where,
    )


def _offset(progress: Progress, done: int, total: int, name: str) -> Callable[[int], None]:
    return lambda count: progress(done + count, total, name)


class _Reader:
    """The state of reading one document: its record, its descriptions, what went wrong."""

    def __init__(self, name: str, index: int) -> None:
        self.doc = Document(name=name)
        self.index = index
        self.report = Report(name)
        self.parts: list[tuple[str, Part]] = []
        self.lines: dict[str, int] = {}
        self.root: etree._Element | None = None
        self.header_line = 0
        self.abouts = self.ids = 0

    def parse(self, stream: CountingStream) -> None:
        """Read every description of the stream, freeing each once it is recorded."""
        depth = 0
        events = etree.iterparse(
            stream, ("start", "end"), remove_comments=True, remove_pis=True, **_SAFE
        )
        for event, el in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    self._root(el)
                elif depth == 2 and el.tag == _DIFFERENCE:
                    raise MessageError(
                        f"{self.doc.name}:{_line(el)}: a difference model (dm:DifferenceModel)"
                        " is not a model to import; load its base model, then apply it with"
                        " `cimbus model apply`",
                        path=self.doc.name,
                    )
                continue
            depth -= 1
            if depth == 1:
                self._description(el)
                el.clear()
                while el.getprevious() is not None and self.root is not None:
                    del self.root[0]
        self.doc.about = self.abouts > self.ids

    def _root(self, el: etree._Element) -> None:
        self.root = el
        if el.tag != f"{{{RDF}}}RDF":
            raise MessageError(
                f"{self.doc.name}:{_line(el)}: the root element is {el.tag}, not rdf:RDF;"
                " this is not CIM RDF/XML (IEC 61970-552)",
                path=self.doc.name,
            )
        if getattr(el.getroottree().docinfo, "doctype", ""):
            raise MalformedMessage(f"{self.doc.name}: DTDs are refused in CIM RDF/XML")
        self.doc.namespaces = {k or "": v for k, v in el.nsmap.items()}
        found = {cim_version(ns): (p or "") for p, ns in el.nsmap.items() if cim_version(ns)}
        if found:
            by_prefix = [v for v, p in found.items() if p == "cim"]
            self.doc.cim_version = by_prefix[0] if by_prefix else sorted(found)[0]
        line = _line(el) or 1
        if len(found) > 1:
            self.report.add(line, f"declares several CIM namespaces {sorted(found)}")
        if self.doc.cim_version not in ("", "CIM16", "CIM100"):
            why = f"{self.doc.cim_version} is not supported; names are checked against CIM100"
            self.report.add(line, why)
        elif not found:
            self.report.add(line, "declares no CIM namespace; the CIM version is unknown")

    def _description(self, el: etree._Element) -> None:
        tag, line = _tag(el), _line(el)
        if tag is None:
            return
        if tag == _FULL_MODEL:
            self._header(el, line)
            return
        ident, about = el.get(_ID), el.get(_ABOUT)
        raw = ident if ident is not None else about
        if raw is None or not normalise_id(raw) or (ident is not None and about is not None):
            what = "both rdf:ID and rdf:about" if raw else "no rdf:ID or rdf:about"
            self.report.add(line, f"a description with {what}: not read", "error", key=what)
            return
        self.abouts, self.ids = self.abouts + (ident is None), self.ids + (ident is not None)
        cls, lookup = "", None
        if tag != _DESCRIPTION:
            cls, lookup, reason = name_of(tag, el.prefix)
            if reason:
                self.report.add(line, f"class {cls} {reason}; kept", key=f"class {cls}")
        props: dict[str, Value | list[Value]] = {}
        for key, text in el.attrib.items():
            attr = str(key)
            if attr not in (_ID, _ABOUT) and not attr.startswith(_XML):
                _add(props, name_of(attr, _prefix(el, attr))[0], str(text))
        for child in el:
            self._property(child, lookup, props)
        ident_n = normalise_id(raw)
        if ident_n in self.lines:
            why = f"{raw} is described twice (first on line {self.lines[ident_n]}); both kept"
            self.report.add(line, why, key="twice")
        self.lines.setdefault(ident_n, line)
        self.parts.append((ident_n, Part(doc=self.index, cls=cls, props=props, line=line)))

    def _property(
        self, el: etree._Element, owner: str | None, props: dict[str, Value | list[Value]]
    ) -> None:
        tag, line = _tag(el), _line(el)
        if tag is None:
            return
        name, lookup, reason = name_of(tag, el.prefix)
        if reason:
            self.report.add(line, f"property {name} {reason}; kept", key=f"property {name}")
        elif owner and lookup and (why := misplaced(owner, lookup)):
            self.report.add(line, f"property {name} {why}; kept", key=f"member {owner} {name}")
        kind = member_type(lookup) if lookup else None
        resource, parse_type = el.get(_RESOURCE), el.get(_PARSE_TYPE)
        value: Value
        if resource is not None:
            value = self._resource(resource, line)
            if (el.text or "").strip() or len(el):
                self.report.add(line, f"{name}: content beside rdf:resource ignored", "error")
            if kind not in (None, "ref", "enum"):
                why = f"{name} is a {kind} in CIM100 but written as a reference; kept"
                self.report.add(line, why, key=f"as-ref {name}")
        elif parse_type == "Literal":
            value = (el.text or "") + "".join(_xml_literal(c) for c in el)
        elif parse_type is not None or len(el) or el.get(_NODE_ID) is not None:
            why = f"{name}: nested or blank-node value (not IEC 61970-552); property not read"
            self.report.add(line, why, "error", key=f"nested {name}")
            return
        else:
            value = el.text or ""
            self._literal(name, kind, value, line)
        _add(props, name, value)

    def _literal(self, name: str, kind: str | None, text: str, line: int) -> None:
        if kind is None or kind == "string":
            return
        if not text.strip():
            note = f"{name}: empty {kind} value; kept, read as absent"
            self.report.add(line, note, key=f"empty {name}")
        elif kind in ("ref", "enum"):
            what = "a reference" if kind == "ref" else "an enumeration"
            note = f"{name} is {what} in CIM100 but written as text {text!r}; kept as text"
            self.report.add(line, note, key=f"as-text {name}")
        else:
            try:
                note = convert(kind, text)[1] or ""
            except ValueError as exc:
                self.report.add(line, f"{name}: {exc}; kept as text", "error", key=f"bad {name}")
                return
            if note:
                self.report.add(line, f"{name}: {note}; text kept", key=f"lenient {name}")

    def _resource(self, text: str, line: int) -> Value:
        if not text.strip():
            self.report.add(line, "an empty rdf:resource; kept", "error", key="empty resource")
            return Uri(text)
        if text[0] in "#_" or text[:9].lower() == "urn:uuid:":
            return Ref(normalise_id(text))
        namespace, hash_, fragment = text.rpartition("#")
        namespace += hash_
        if hash_ and (cim_version(namespace) or namespace in EXTENSIONS):
            if reason := literal_reason(namespace, fragment):
                self.report.add(line, f"literal {reason}; kept", key=f"literal {text}")
            return Uri(text)
        declared = namespace in self.doc.namespaces.values() and not fragment.startswith("_")
        if declared or (not hash_ and _SCHEME.match(text)):
            return Uri(text)
        return Ref(normalise_id(text))

    def _header(self, el: etree._Element, line: int) -> None:
        if self.doc.header_id is not None:
            self.report.add(line, "a second md:FullModel; its properties are merged")
        self.header_line = self.header_line or line
        self.doc.header_id = el.get(_ABOUT) or el.get(_ID) or ""
        for child in el:
            if (tag := _tag(child)) is not None:
                name = tag.split("}")[1] if tag.startswith(f"{{{MD}}}") else None
                name = name or name_of(tag, child.prefix)[0]
                resource = child.get(_RESOURCE)
                value = Uri(resource) if resource is not None else (child.text or "")
                self.doc.header.setdefault(name, []).append(value)
        self.doc.profiles = tuple(str(v) for v in self.doc.header.get("Model.profile", []))

    def merge(self, model: Model) -> None:
        """Add the document, its parts and its problems to ``model``."""
        model.documents.append(self.doc)
        for ident, part in self.parts:
            self.doc.ids.append(ident)
            obj = model.objects.get(ident)
            if obj is None:
                model.objects[ident] = CimObject(id=ident, cls=part.cls, parts=[part])
                continue
            if part.cls and obj.cls and part.cls != obj.cls and is_subclass(part.cls, obj.cls):
                obj.cls = part.cls  # CGMES 3 SSH writes Equipment for what EQ calls a Breaker
            elif part.cls and obj.cls and not is_subclass(obj.cls, part.cls):
                why = f"{ident} is a {part.cls} here but a {obj.cls} earlier; the first is kept"
                self.report.add(part.line, why, key=f"class {part.cls} {obj.cls}")
            obj.cls = obj.cls or part.cls
            obj.parts.append(part)
        model.problems.extend(self.report.problems())


def _add(props: dict[str, Value | list[Value]], name: str, value: Value) -> None:
    old = props.get(name)
    if old is None:
        props[name] = value
    elif isinstance(old, list):
        old.append(value)
    else:
        props[name] = [old, value]


def _xml_literal(el: etree._Element) -> str:
    copy = deepcopy(el)
    etree.cleanup_namespaces(copy)  # the rdf:RDF declarations in scope are not the literal's
    return etree.tostring(copy, encoding="unicode")


def _line(el: etree._Element) -> int:
    return int(getattr(el, "sourceline", 0) or 0)


def _tag(el: etree._Element) -> str | None:
    tag: object = el.tag
    return tag if isinstance(tag, str) else None


def _prefix(el: etree._Element, attr: str) -> str | None:
    namespace = attr[1:].partition("}")[0]
    return next((p for p, ns in el.nsmap.items() if ns == namespace), None)


__all__ = ["DM", "MD", "RDF", "Progress", "load", "loads", "read_document", "versions"]
