"""Profile-driven XML codec: payload objects to and from XML in the profile's namespace.

Writing follows the profile's member order, so the output validates against the profile's XSD
when the payload passes :func:`cim.profiles.validate.check` (``to_xml`` runs it first). Reading is
strict: unknown, out-of-order or repeated elements, stray attributes or text are
:class:`~cim.errors.PayloadError` / :class:`~cim.errors.SchemaViolation` with the element path
(``/MeterReadings/MeterReading[1]/IntervalBlocks[2]/IntervalReadings[7]/value``). The elements
below the root are in the namespace unless the profile says they are unqualified
(``Profile.qualified``): then they are written and read in no namespace, and a namespaced one is
refused. Extension values are written and read from ``Node.extensions``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from cim.errors import PayloadError
from cim.model import Ref
from cim.profiles import _values
from cim.profiles.model import Member, Node, Payload, Profile, ProfileClass
from cim.profiles.validate import check
from cim.profiles.xmlsafe import MAX_BYTES, parse_payload_xml

_TEXT = frozenset({"attribute", "enum", "extension"})
_ON_NODE = frozenset({"association", "extension"})
"""Member kinds held on the Node rather than on the model object."""
PREFIX = "m"
"""The namespace prefix written (readers accept any prefix)."""


def to_xml(profile: Profile, payload: Payload, *, validate: bool = True) -> bytes:
    """The payload as UTF-8 XML bytes with an XML declaration."""
    if validate:
        check(profile, payload)
    root = etree.Element(
        "{" + profile.namespace + "}" + profile.root_element, nsmap={PREFIX: profile.namespace}
    )
    path = "/" + profile.root_element
    ns = _child_ns(profile)
    for m in profile.root.members:
        for i, node in enumerate(payload.child(m.element), 1):
            elem = etree.SubElement(root, ns + m.element)
            _write(profile, profile.cls(m.type), node, elem, f"{path}/{m.element}[{i}]", ns)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _write(
    profile: Profile, pclass: ProfileClass, node: Node, elem: Any, path: str, ns: str
) -> None:
    _values.check_type(pclass, node.obj, path)
    _write_members(profile, pclass, node.obj, node, elem, path, ns)


def _write_members(
    profile: Profile,
    pclass: ProfileClass,
    obj: object,
    node: Node | None,
    elem: Any,
    path: str,
    ns: str,
) -> None:
    sub = etree.SubElement
    for m in pclass.members:
        if m.kind not in _ON_NODE:
            value = getattr(obj, m.path)
        elif m.kind == "extension":
            value = node.extension(m.element) if node is not None else None
        else:
            nested = node.child(m.element) if node is not None else ()
            if nested:
                tag, target = ns + m.element, profile.cls(m.type)
                for i, child in enumerate(nested, 1):
                    cpath = f"{path}/{m.element}[{i}]"
                    _write(profile, target, child, sub(elem, tag), cpath, ns)
            continue
        if value is None or value == ():
            continue
        tag = ns + m.element
        for v in value if isinstance(value, tuple) else (value,):
            if m.kind == "reference":
                sub(elem, _target(m, v, path, ns) if m.targets else tag).set("ref", v.mrid)
                continue
            el = sub(elem, tag)
            if m.kind == "compound" and m.text_field is not None:
                text = getattr(v, m.text_field)
                tm = _values.text_member(profile, m)
                el.text = "" if text is None else _values.to_text(tm, text)
            elif m.kind == "compound":
                cpath = f"{path}/{m.element}"
                _write_members(profile, profile.cls(m.type), v, None, el, cpath, ns)
            else:
                el.text = _values.to_text(m, v)


def _target(m: Member, ref: Ref, path: str, ns: str) -> str:
    """The element of one reference of a choice: its target (refused unless one of ``targets``)."""
    if ref.target not in m.targets:
        bad = f"{path}/{ref.target}"
        raise PayloadError(f"{bad}: {m.element} refers to {' or '.join(m.targets)}", path=bad)
    return ns + ref.target


def from_xml(profile: Profile, data: bytes, *, max_bytes: int = MAX_BYTES) -> Payload:
    """The payload in ``data``; raises MalformedMessage, PayloadError or SchemaViolation."""
    root = parse_payload_xml(data, max_bytes=max_bytes)
    ns = "{" + profile.namespace + "}"
    path = "/" + etree.QName(root).localname
    if root.tag != ns + profile.root_element:
        raise PayloadError(
            f"{path}: the payload root must be {profile.root_element} in {profile.namespace}",
            path=path,
        )
    for key in map(str, root.attrib):  # xsi:schemaLocation and the like, on the root only
        if not key.startswith("{http://www.w3.org/2001/XMLSchema-instance}"):
            raise PayloadError(f"{path}: unexpected attribute {key}", path=path)
    _fields, nested = _read_members(profile, profile.root, root, path, _child_ns(profile))
    return Payload(_values.children(profile.root, nested))


def _child_ns(profile: Profile) -> str:
    """The ``{namespace}`` of the elements below the root: none when they are unqualified."""
    return "{" + profile.namespace + "}" if profile.qualified else ""


def _read_members(
    profile: Profile, pclass: ProfileClass, elem: Any, path: str, ns: str
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    fields: dict[str, Any] = {}
    nested: dict[str, list[Any]] = {}  # embedded objects and extension values, by element
    counts: dict[str, int] = {}
    chosen: dict[str, str] = {}
    members, tags, cut = pclass.members, pclass.tags, len(ns)
    i = 0
    if elem.text is not None and elem.text.strip():
        raise PayloadError(f"{path}: unexpected text in {pclass.name}", path=path)
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):  # comments and processing instructions
            continue
        if child.tail is not None and child.tail.strip():
            raise PayloadError(f"{path}: unexpected text in {pclass.name}", path=path)
        j = tags.get(tag[cut:]) if tag.startswith(ns) else None
        if j is None or j < i:  # members come in profile order, each from where the last was
            raise _misplaced(pclass, tag, j, path, ns)
        i = j
        m = members[j]
        name = m.element
        if m.single_value and not child.keys() and not len(child):
            if m.path in fields:  # the fast path for a single primitive; errors take the long one
                cpath = f"{path}/{name}"
                raise PayloadError(f"{cpath}: {name} occurs more than 1 time(s)", path=cpath)
            try:
                fields[m.path] = _values.parse_text(m, child.text or "")
                continue
            except ValueError:
                raise _values.not_a_literal(m, child.text or "", f"{path}/{name}") from None
        n = counts[name] = counts.get(name, 0) + 1
        if m.targets:  # a choice of references, in any order: named by the element as written
            tname = tag[cut:]
            k = counts[tname] = counts.get(tname, 0) + 1
            cpath = f"{path}/{tname}[{k}]"
        else:
            cpath = f"{path}/{name}[{n}]" if m.many else f"{path}/{name}"
        if m.max is not None and n > m.max:
            raise PayloadError(f"{cpath}: {name} occurs more than {m.max} time(s)", path=cpath)
        if m.choice is not None and chosen.setdefault(m.choice, name) != name:
            why = f"{name} excludes {chosen[m.choice]} (one of a choice)"
            raise PayloadError(f"{cpath}: {why}", path=cpath)
        value = _read_member(profile, m, child, cpath, ns)
        if m.kind in _ON_NODE:
            nested.setdefault(name, []).append(value)
        elif m.many:
            fields.setdefault(m.path, []).append(value)
        else:
            fields[m.path] = value
    return fields, nested


def _read_member(profile: Profile, m: Member, elem: Any, path: str, ns: str) -> Any:
    if m.kind == "reference":
        _no_attributes(elem, path, allowed=("ref",))
        mrid = elem.get("ref")
        if not mrid or len(elem) or (elem.text and elem.text.strip()):
            raise PayloadError(
                f'{path}: a reference is an empty element with ref="mRID"', path=path
            )
        return Ref(elem.tag[len(ns) :] if m.targets else m.type, mrid)
    _no_attributes(elem, path, allowed=())
    if m.kind in _TEXT or m.text_field is not None:
        if len(elem):
            raise PayloadError(f"{path}: {m.element} holds a value, not elements", path=path)
        text = elem.text or ""
        if m.text_field is not None:
            pclass = profile.cls(m.type)
            value = _values.from_text(_values.text_member(profile, m), text, path)
            return _values.build(pclass, {m.text_field: value}, path)
        return _values.from_text(m, text, path)
    pclass = profile.cls(m.type)
    fields, nested = _read_members(profile, pclass, elem, path, ns)
    obj = _values.build(pclass, fields, path)
    if m.kind == "compound":
        return obj
    return _values.node(pclass, obj, nested)


def _misplaced(pclass: ProfileClass, tag: str, j: int | None, path: str, ns: str) -> PayloadError:
    """The error for a child element that is out of order, unknown or in the wrong namespace."""
    qname = etree.QName(tag)
    cpath = f"{path}/{qname.localname}"
    if j is not None:
        why = "is out of order"
    elif qname.localname in pclass.tags:
        why = f"must be in {ns[1:-1] or 'no namespace'}, not {qname.namespace or 'none'}"
    else:
        why = f"is not part of {pclass.name}"
    return PayloadError(f"{cpath}: element {tag} {why}", path=cpath)


def _no_attributes(elem: Any, path: str, *, allowed: tuple[str, ...]) -> None:
    keys: list[str] = elem.keys()  # not elem.attrib: no proxy object per element
    for key in keys:
        if key not in allowed:
            raise PayloadError(f"{path}: unexpected attribute {key}", path=path)


__all__ = ["PREFIX", "from_xml", "to_xml"]
