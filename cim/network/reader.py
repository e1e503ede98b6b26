"""One document's descriptions, read into parts of the store and merged into a model.

:mod:`cim.network.rdfxml` parses the bytes and hands :class:`DocumentReader` the ``rdf:RDF``
root, then its finished children (descriptions) a batch at a time, and frees them. The reader
turns each description into one :class:`~cim.network.store.Part`: class and properties
qualified as :mod:`cim.network.names` says, literals as the exact text, references through
:class:`~cim.network.vocabulary.Resources`. Names are resolved once per distinct tag (per class
for properties, as membership depends on it); per element only lookups remain, and notes are
reported at every occurrence so that counts stay exact. Nothing reaches the model before
:meth:`DocumentReader.merge`, which runs only once the whole document was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from typing import NamedTuple

from lxml import etree

from cim.errors import MalformedMessage, MessageError
from cim.network.names import Report, cim_version, is_subclass, name_of
from cim.network.store import CimObject, Document, Model, Part, Ref, Uri, Value, normalise_id
from cim.network.vocabulary import Member, Note, Resources, literal_note, member, prefixed

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MD = "http://iec.ch/TC57/61970-552/ModelDescription/1#"
DM = "http://iec.ch/TC57/61970-552/DifferenceModel/1#"
ROOT, DIFFERENCE = f"{{{RDF}}}RDF", f"{{{DM}}}DifferenceModel"
_ID, _ABOUT, _RESOURCE = f"{{{RDF}}}ID", f"{{{RDF}}}about", f"{{{RDF}}}resource"
_PARSE_TYPE, _NODE_ID = f"{{{RDF}}}parseType", f"{{{RDF}}}nodeID"
_DESCRIPTION, _FULL_MODEL = f"{{{RDF}}}Description", f"{{{MD}}}FullModel"
_XML = "{http://www.w3.org/XML/1998/namespace}"

Props = dict[str, Value | list[Value]]


class _Class(NamedTuple):
    """How one description tag reads: its class, lookup name, note and property table."""

    cls: str
    lookup: str | None
    note: Note | None
    members: dict[str, _Slot]


_Slot = tuple[str, Note | None, dict[str, str] | None, Note | None, Member]
"""A property tag's name, note, plain texts, note as a reference, and :class:`Member` (unpacked
at once in the loop). The plain texts, for a typed literal, are those of its type known to be
plain values (each kept once: the model shares one string per distinct value)."""
_PLAIN = 1 << 16
"""At most so many plain texts are remembered per type and document."""


class DocumentReader:
    """The state of reading one document: its record, its descriptions, what went wrong."""

    def __init__(self, name: str, model: Model, refs: dict[str, Ref] | None = None) -> None:
        self.doc = Document(name=name)
        self.index = len(model.documents)
        self.report = Report(name)
        self.known = model.objects
        """The model's objects so far, only looked at until :meth:`merge`."""
        self.new: dict[str, CimObject] = {}
        """Objects first described here, in document order."""
        self.more: list[tuple[str, Part]] = []
        """Parts of objects already known (to the model, or earlier in this document)."""
        self.lines: dict[str, int] = {}
        """The line of each object of the model described here (to report a repeat)."""
        self.root: etree._Element | None = None
        self.header_line = 0
        self.abouts = 0
        self.bare = 0  # descriptions whose identifier has no "_" prefix
        self.refs: dict[str, Ref] = {} if refs is None else refs
        self.resources = Resources((), self.refs)
        self.classes: dict[object, _Class] = {}
        self.tables: dict[str | None, dict[str, _Slot]] = {}
        self.plain: dict[str, dict[str, str]] = {}

    def start(self, el: etree._Element) -> None:
        """Take the root element: refuse what is not CIM RDF/XML, note the CIM version."""
        self.root = el
        if el.tag != ROOT:
            raise MessageError(
                f"{self.doc.name}:{_line(el)}: the root element is {el.tag}, not rdf:RDF;"
                " this is not CIM RDF/XML (IEC 61970-552)",
                path=self.doc.name,
            )
        if getattr(el.getroottree().docinfo, "doctype", ""):
            raise MalformedMessage(f"{self.doc.name}: DTDs are refused in CIM RDF/XML")
        self.doc.namespaces = {k or "": v for k, v in el.nsmap.items()}
        self.resources = Resources(self.doc.namespaces.values(), self.refs)
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

    def difference(self, el: etree._Element) -> None:
        """Refuse the document if ``el`` is a ``dm:DifferenceModel`` child of the root."""
        if self.root is not None and el.getparent() is self.root:
            raise MessageError(
                f"{self.doc.name}:{_line(el)}: a difference model (dm:DifferenceModel)"
                " is not a model to import; load its base model, then apply it with"
                " `cimbus model apply`",
                path=self.doc.name,
            )

    def read(self, descriptions: Iterable[etree._Element]) -> None:
        """Record finished children of the root, in document order.

        One loop for the common case -- a known tag, a lone ``rdf:ID`` or ``rdf:about``,
        properties with text or a lone ``rdf:resource`` -- and a method for everything else.
        """
        classes, ids, known, new = self.classes, self.doc.ids, self.known, self.new
        index, report, seen = self.index, self.report, self.resources.seen
        for el in descriptions:
            entry = classes.get(el.tag)
            if entry is None and (entry := self._class(el)) is None:
                continue
            line: int = el.sourceline or 0  # type: ignore[assignment, unreachable]
            attrs: list[tuple[str, str]] = el.items()  # type: ignore[assignment]
            key, raw = attrs[0] if len(attrs) == 1 else ("", "")
            ident = normalise_id(raw) if key in (_ID, _ABOUT) else ""
            props: Props = {}
            if ident:
                self.abouts += key == _ABOUT
                self.bare += raw[:1] != "_" and raw[:2] != "#_" and raw[:4] != "urn:"
                if entry.note is not None:
                    report.add(line, *entry.note)
            elif (named := self._identify(el, attrs, entry, line, props)) is None:
                continue
            else:
                ident, raw = named
            members = entry.members
            for child in el:
                slot = members.get(child.tag)
                if slot is None and (slot := self._member(entry, child)) is None:
                    continue
                name, note, plain, as_ref, m = slot
                if note is not None:
                    report.add(_line(child), *note)
                items: list[tuple[str, str]] = child.items()  # type: ignore[assignment]
                value: Value
                if not items and not len(child):
                    value = child.text or ""
                    if plain is not None:
                        value = plain.get(value) or self._literal(child, m, plain, value)
                elif len(items) == 1 and items[0][0] == _RESOURCE and not len(child):
                    found = seen.get(text := items[0][1])
                    if found is None or as_ref is not None or child.text is not None:
                        found = self._resource(child, m, text)
                    value = found
                elif (other := self._attributed(child, m)) is not None:
                    value = other
                else:
                    continue
                if name in props:
                    _add(props, name, value)
                else:
                    props[name] = value
            part = Part(index, entry.cls, props, line)
            if ident in new or ident in known:
                ident = self._again(ident, raw, part)
            else:
                bare = raw[:1] != "_" and raw[:2] != "#_" and raw[:4] != "urn:"
                new[ident] = CimObject(ident, entry.cls, [part], bare)
            ids.append(ident)
        self.doc.about = self.abouts > len(ids) - self.abouts
        self.doc.underscore = self.bare <= len(ids) - self.bare

    def _again(self, ident: str, raw: str, part: Part) -> str:
        """Keep a part of an object already known, reporting a second description here.

        Returns the object's own identifier string (equal to ``ident``), so that the model
        holds it once.
        """
        if (obj := self.new.get(ident)) is not None:
            first: int | None = obj.parts[0].line
        else:
            obj, first = self.known[ident], self.lines.get(ident)
            self.lines.setdefault(ident, part.line)
        if first is not None:
            why = f"{raw} is described twice (first on line {first}); both kept"
            self.report.add(part.line, why, key="twice")
        own = obj.id if obj.id == ident else ident
        self.more.append((own, part))
        return own

    def _identify(
        self,
        el: etree._Element,
        attrs: list[tuple[str, str]],
        entry: _Class,
        line: int,
        props: Props,
    ) -> tuple[str, str] | None:
        """The identifier of a description with other attributes than one rdf:ID or rdf:about."""
        ident = about = None
        for key, text in attrs:
            if key == _ID:
                ident = text
            elif key == _ABOUT:
                about = text
        raw = ident if ident is not None else about
        if raw is None or not normalise_id(raw) or (ident is not None and about is not None):
            what = "both rdf:ID and rdf:about" if raw else "no rdf:ID or rdf:about"
            self.report.add(line, f"a description with {what}: not read", "error", key=what)
            return None
        self.abouts += ident is None
        if entry.note is not None:
            self.report.add(line, *entry.note)
        for key, text in attrs:
            if key not in (_ID, _ABOUT) and not key.startswith(_XML):
                _add(props, name_of(key, _prefix(el, key))[0], text)
        return normalise_id(raw), raw

    def _literal(self, el: etree._Element, m: Member, plain: dict[str, str], text: str) -> str:
        """Report what a typed literal needs, or remember it as a plain value of its type."""
        if (m.check is not None and m.check(text)) or (
            note := literal_note(m.name, m.kind, text)
        ) is None:
            if len(plain) < _PLAIN:
                plain[text] = text
        else:
            self.report.add(_line(el), *note)
        return text

    def _resource(self, el: etree._Element, m: Member, text: str) -> Value:
        """An rdf:resource met for the first time here, or with something to report."""
        value, note = self.resources.resolve(text)
        if note is not None:
            self.report.add(_line(el), *note)
        if (el.text or "").strip() or len(el):
            self.report.add(_line(el), f"{m.name}: content beside rdf:resource ignored", "error")
        if m.as_ref is not None:
            self.report.add(_line(el), *m.as_ref)
        return value

    def _attributed(self, el: etree._Element, m: Member) -> Value | None:
        """A property element with attributes beside or instead of a lone rdf:resource."""
        name, line = m.name, _line(el)
        resource, parse_type = el.get(_RESOURCE), el.get(_PARSE_TYPE)
        if resource is not None:
            return self._resource(el, m, resource)
        if parse_type == "Literal":
            return (el.text or "") + "".join(_xml_literal(c) for c in el)
        if parse_type is not None or len(el) or el.get(_NODE_ID) is not None:
            self._nested(el, name)
            return None
        text = el.text or ""
        passed = m.check is None or m.check(text)
        if not passed and (note := literal_note(name, m.kind, text)) is not None:
            self.report.add(line, *note)
        return text

    def _nested(self, el: etree._Element, name: str) -> None:
        why = f"{name}: nested or blank-node value (not IEC 61970-552); property not read"
        self.report.add(_line(el), why, "error", key=f"nested {name}")

    def _class(self, el: etree._Element) -> _Class | None:
        """The entry for a description tag met for the first time (kept unless prefixed)."""
        if (tag := _tag(el)) is None:
            return None
        if tag == _FULL_MODEL:
            self._header(el)
            return None
        cls, lookup, reason = "", None, None
        if tag != _DESCRIPTION:
            cls, lookup, reason = name_of(tag, el.prefix)
        note = None if not reason else (f"class {cls} {reason}; kept", "warning", f"class {cls}")
        entry = _Class(cls, lookup, note, self.tables.setdefault(lookup, {}))
        if tag == _DESCRIPTION or not prefixed(tag):
            self.classes[tag] = entry
        return entry

    def _member(self, entry: _Class, el: etree._Element) -> _Slot | None:
        """How property ``el`` reads in ``entry``'s class (kept in its table unless prefixed)."""
        if (tag := _tag(el)) is None:
            return None
        m = member(entry.lookup, tag, el.prefix if prefixed(tag) else None)
        plain = None if m.check is None else self.plain.setdefault(m.kind or "", {})
        slot = (m.name, m.note, plain, m.as_ref, m)
        if not prefixed(tag):
            entry.members[tag] = slot
        return slot

    def _header(self, el: etree._Element) -> None:
        line = _line(el)
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
        objects = model.objects
        objects.update(self.new)
        for ident, part in self.more:
            obj = objects[ident]
            cls = part.cls
            if cls and cls != obj.cls:
                if obj.cls and is_subclass(cls, obj.cls):
                    obj.cls = cls  # CGMES 3 SSH writes Equipment for what EQ calls a Breaker
                elif obj.cls and not is_subclass(obj.cls, cls):
                    why = f"{ident} is a {cls} here but a {obj.cls} earlier; the first is kept"
                    self.report.add(part.line, why, key=f"class {cls} {obj.cls}")
                obj.cls = obj.cls or cls
            obj.parts.append(part)
        model.problems.extend(self.report.problems())


def _add(props: Props, name: str, value: Value) -> None:
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
    tag: object = el.tag  # a comment, entity or processing instruction has no string tag
    return tag if isinstance(tag, str) else None


def _prefix(el: etree._Element, attr: str) -> str | None:
    namespace = attr[1:].partition("}")[0]
    return next((p for p, ns in el.nsmap.items() if ns == namespace), None)


__all__ = ["DIFFERENCE", "DM", "MD", "RDF", "ROOT", "DocumentReader"]
