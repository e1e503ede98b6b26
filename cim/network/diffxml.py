"""IEC 61970-552 difference models as RDF/XML: what one says, read and written.

::

    <rdf:RDF ...>
      <dm:DifferenceModel rdf:about="urn:uuid:...">
        <md:Model.Supersedes rdf:resource="urn:uuid:<the FullModel it changes>"/>
        <dm:preconditions rdf:parseType="Statements"/>            statements that must hold
        <dm:reverseDifferences rdf:parseType="Statements">        statements to remove
          <rdf:Description rdf:about="#_x"><cim:Switch.open>false</cim:Switch.open></...>
        </dm:reverseDifferences>
        <dm:forwardDifferences rdf:parseType="Statements">        statements to add
          <cim:Breaker rdf:ID="_y">...</cim:Breaker>               a typed description adds
        </dm:forwardDifferences>                                   (or removes) rdf:type too
      </dm:DifferenceModel>
    </rdf:RDF>

``parseType`` is accepted with or without the ``rdf:`` prefix (the ENTSO-E MicroGrid T1 files
omit it) and always written with it. Names and values follow :mod:`cim.network.store`: classes
and properties as qualified names (unprefixed in the CIM namespace), references as
:class:`Ref` to normalised ids, other resources as :class:`Uri`, literal text exactly as read.
Input is refused with a :class:`DifferenceError` naming file and line when it is not one
well-formed ``dm:DifferenceModel`` (DTDs and entities included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cim.errors import MessageError
from cim.network.export import MD, RDF, cim_prefix, qualify
from cim.network.names import EXTENSIONS, cim_version, name_of
from cim.network.store import Ref, Uri, Value, normalise_id

DM = "http://iec.ch/TC57/61970-552/DifferenceModel/1#"
"""The IEC 61970-552 difference model namespace."""
DM_PROFILE = "http://iec.ch/TC57/61970-552/DifferenceModel/1"
"""The profile URI of a difference model (listed in ``Model.profile``)."""
TYPE = "rdf:type"
"""The property of a type statement (its value and class are the class written)."""
MAX_BYTES = 512 * 1024 * 1024
"""Largest difference file read by default, in bytes."""
SECTIONS = ("preconditions", "reverseDifferences", "forwardDifferences")
"""The ``dm:`` statement sections, in the order they are written."""

_PROFILE = re.compile(r"https?://.*?(?=https?://|$)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ABOUT, _ID, _NODE = f"{{{RDF}}}about", f"{{{RDF}}}ID", f"{{{RDF}}}nodeID"
_RESOURCE, _PARSE = f"{{{RDF}}}resource", f"{{{RDF}}}parseType"
_KEEP = {_ABOUT, _ID, _RESOURCE, f"{{{RDF}}}datatype", "{http://www.w3.org/XML/1998/namespace}lang"}


def profile_uris(values: list[Value] | tuple[str, ...]) -> list[str]:
    """Profile URIs, split where a file ran two together (``…DifferenceModel/1http://…``)."""
    return [p for v in values for p in _PROFILE.findall(str(v).strip())]


class DifferenceError(MessageError):
    """A difference model is unusable: not one well-formed ``dm:DifferenceModel``."""

    code = "1.8"

    def __init__(self, file: str, line: int, reason: str, *, code: str | None = None) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}", code=code, path=where)
        self.file = file
        self.line = line


class DifferenceConflict(DifferenceError):
    """A difference does not fit the model it is applied to; nothing was changed."""

    code = "5.9"


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a difference: object id, class written, property and value."""

    id: str
    """The normalised identifier of the object."""
    cls: str
    """The class of the description it was written in (``""`` for ``rdf:Description``)."""
    prop: str
    """The qualified property, or :data:`TYPE` for the class statement of a typed description."""
    value: Value
    """The value: literal text, :class:`Ref` or :class:`Uri`; the class for :data:`TYPE`."""
    line: int = field(default=0, compare=False)
    """The source line (0 when made in code)."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One ``dm:DifferenceModel``: header, preconditions, reverse and forward statements."""

    about: str
    """The ``rdf:about`` of the ``dm:DifferenceModel`` as written."""
    header: dict[str, list[Value]] = field(default_factory=dict)
    """The ``md:Model.*`` properties (``Model.Supersedes``, ``Model.profile`` …)."""
    reverse: tuple[Statement, ...] = ()
    """Statements to remove from the base (old values)."""
    forward: tuple[Statement, ...] = ()
    """Statements to add (new objects and new values)."""
    preconditions: tuple[Statement, ...] = ()
    """Statements the base must hold (checked, not changed)."""
    namespaces: dict[str, str] = field(default_factory=dict)
    """Prefix -> namespace URI for names written in the statements."""
    name: str = "<difference>"
    """Where it came from, for errors."""
    document: str | None = None
    """Name of the base document it changes when made by ``diff`` (not written to files)."""

    def supersedes(self) -> list[str]:
        """The normalised ids of the models named by ``Model.Supersedes``."""
        return [normalise_id(str(v)) for v in self.header.get("Model.Supersedes", [])]

    def profiles(self) -> list[str]:
        """The profile URIs of ``Model.profile``, the difference model's own left out."""
        found = profile_uris(self.header.get("Model.profile", []))
        return [p for p in found if not p.startswith(DM_PROFILE)]

    def is_empty(self) -> bool:
        """Whether the difference holds no statement at all."""
        return not (self.reverse or self.forward or self.preconditions)


def _line(el: etree._Element) -> int:
    return int(getattr(el, "sourceline", 0) or 0)


def _parse(data: bytes, name: str, max_bytes: int) -> etree._Element:
    if len(data) > max_bytes:
        raise DifferenceError(name, 0, f"{len(data)} bytes, over the limit of {max_bytes}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DifferenceError(name, 0, "document type declarations (DTDs) and entities are refused")
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DifferenceError(name, exc.lineno or 0, f"not well-formed XML: {exc.msg}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise DifferenceError(name, 0, f"unreadable XML: {exc}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise DifferenceError(name, 0, "document type declarations (DTDs) and entities are refused")
    return root


class _Reader:
    """Turns the elements of one file into statements, with the file's names."""

    def __init__(self, root: etree._Element, name: str) -> None:
        self.name = name
        self.namespaces = {p or "": u for p, u in root.nsmap.items()}

    def fail(self, el: etree._Element, reason: str) -> DifferenceError:
        return DifferenceError(self.name, _line(el), reason)

    def qname(self, el: etree._Element) -> str:
        return name_of(el.tag, el.prefix)[0]

    def no_text(self, text: str | None, el: etree._Element) -> None:
        if text and text.strip():
            raise self.fail(el, f"unexpected text {text.strip()[:40]!r}")

    def value(self, el: etree._Element, *, header: bool = False) -> Value:
        extra = sorted(set(el.attrib) - _KEEP)
        if len(el) or extra:
            raise self.fail(el, f"{el.tag}: nested elements and property attributes are refused")
        resource = el.get(_RESOURCE)
        if resource is None:
            return el.text or ""
        self.no_text(el.text, el)
        if header or not resource.strip():
            return Uri(resource)
        if resource[0] in "#_" or resource[:9].lower() == "urn:uuid:":
            return Ref(normalise_id(resource))
        namespace, hash_, fragment = resource.rpartition("#")
        namespace += hash_
        if hash_ and (cim_version(namespace) or namespace in EXTENSIONS):
            return Uri(resource)
        if namespace in self.namespaces.values() and not fragment.startswith("_"):
            return Uri(resource)
        return (
            Uri(resource) if not hash_ and _SCHEME.match(resource) else Ref(normalise_id(resource))
        )

    def statements(self, section: etree._Element) -> tuple[Statement, ...]:
        parse_type = section.get(_PARSE, section.get("parseType"))
        if parse_type != "Statements":
            raise self.fail(section, f'{self.qname(section)}: parseType must be "Statements"')
        self.no_text(section.text, section)
        out: list[Statement] = []
        for el in section.iterchildren("*"):
            self.no_text(el.tail, el)
            ident = el.get(_ABOUT, el.get(_ID))
            oid = normalise_id(ident) if ident is not None else ""
            if not oid or el.get(_NODE) is not None:
                raise self.fail(el, "a statement needs rdf:about or rdf:ID naming an object")
            if set(el.attrib) - _KEEP:
                raise self.fail(el, "property attributes on a description are refused")
            cls = "" if el.tag == f"{{{RDF}}}Description" else self.qname(el)
            if cls:
                out.append(Statement(oid, cls, TYPE, cls, _line(el)))
            self.no_text(el.text, el)
            for prop in el.iterchildren("*"):
                self.no_text(prop.tail, prop)
                key = self.qname(prop)
                if key == TYPE:
                    raise self.fail(prop, "rdf:type as a property is refused: type the element")
                out.append(Statement(oid, cls, key, self.value(prop), _line(prop)))
        return tuple(out)


def read_difference(
    source: str | Path | bytes, *, name: str | None = None, max_bytes: int = MAX_BYTES
) -> Difference:
    """Read one ``dm:DifferenceModel`` from a path or from bytes; refuse anything else."""
    if isinstance(source, bytes | bytearray):
        data, label = bytes(source), name or "<bytes>"
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise DifferenceError(label, 0, f"cannot read: {exc.strerror}") from None
    root = _parse(data, label, max_bytes)
    reader = _Reader(root, label)
    if root.tag != f"{{{RDF}}}RDF":
        raise reader.fail(root, f"root is {root.tag}, not rdf:RDF")
    models = list(root.iterchildren("*"))
    if len(models) != 1 or models[0].tag != f"{{{DM}}}DifferenceModel":
        raise reader.fail(root, "rdf:RDF must hold exactly one dm:DifferenceModel")
    model = models[0]
    about = model.get(_ABOUT, model.get(_ID, ""))
    header: dict[str, list[Value]] = {}
    sections: dict[str, tuple[Statement, ...]] = {}
    for el in model.iterchildren("*"):
        q = etree.QName(el)
        if q.namespace == MD:
            header.setdefault(q.localname, []).append(reader.value(el, header=True))
        elif q.namespace == DM and q.localname in SECTIONS and q.localname not in sections:
            sections[q.localname] = reader.statements(el)
        else:
            raise reader.fail(el, f"unexpected {reader.qname(el)} in dm:DifferenceModel")
    return Difference(
        about=about,
        header=header,
        reverse=sections.get("reverseDifferences", ()),
        forward=sections.get("forwardDifferences", ()),
        preconditions=sections.get("preconditions", ()),
        namespaces=reader.namespaces,
        name=label,
    )


def _namespaces(difference: Difference) -> dict[str, str]:
    out = {"rdf": RDF, "cim": "http://iec.ch/TC57/CIM100#"}
    out.update(difference.namespaces)
    out.setdefault("md", MD)
    out.setdefault("dm", DM)
    return out


def difference_bytes(difference: Difference) -> bytes:
    """The RDF/XML (UTF-8) of a difference: header, then the three statement sections."""
    namespaces = _namespaces(difference)
    default = cim_prefix(namespaces)

    def tag(qname: str, prefix: str) -> str:
        prefix, local = qualify(qname, prefix, namespaces)
        return f"{{{namespaces[prefix]}}}{local}"

    def put(parent: etree._Element, key: str, value: Value, prefix: str) -> None:
        el = etree.SubElement(parent, tag(key, prefix))
        if isinstance(value, Ref):
            el.set(_RESOURCE, f"urn:uuid:{value}" if prefix == "md" else f"#_{value}")
        elif isinstance(value, Uri):
            el.set(_RESOURCE, value)
        else:
            el.text = value

    nsmap = {p or None: u for p, u in namespaces.items()}
    root = etree.Element(f"{{{RDF}}}RDF", nsmap=nsmap)  # type: ignore[arg-type]
    model = etree.SubElement(root, f"{{{DM}}}DifferenceModel", {_ABOUT: difference.about})
    try:
        for key, values in difference.header.items():
            for v in values:
                put(model, key, v, "md")
        for section, statements in zip(
            SECTIONS,
            (difference.preconditions, difference.reverse, difference.forward),
            strict=True,
        ):
            holder = etree.SubElement(model, f"{{{DM}}}{section}", {_PARSE: "Statements"})
            current: tuple[str, str] | None = None
            el = holder
            for st in statements:
                if (st.id, st.cls) != current:
                    current = (st.id, st.cls)
                    name = tag(st.cls, default) if st.cls else f"{{{RDF}}}Description"
                    el = etree.SubElement(holder, name, {_ABOUT: f"#_{st.id}"})
                if st.prop != TYPE:
                    put(el, st.prop, st.value, default)
    except ValueError as exc:
        raise DifferenceError(difference.name, 0, f"cannot be written as XML: {exc}") from None
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def write_difference(difference: Difference, path: str | Path) -> Path:
    """Write a difference to ``path`` as RDF/XML; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(difference_bytes(difference))
    return out


__all__ = [
    "DM",
    "DM_PROFILE",
    "MAX_BYTES",
    "SECTIONS",
    "TYPE",
    "Difference",
    "DifferenceConflict",
    "DifferenceError",
    "Statement",
    "difference_bytes",
    "profile_uris",
    "read_difference",
    "write_difference",
]
