"""Safe XML intake: bounded size, no DTDs, entities or network, SOAP unwrapping, fragments.

Everything that reaches lxml from outside goes through :func:`parse_xml`; nothing else in cimbus
builds an lxml parser for untrusted bytes. libxml2 (without XML_PARSE_HUGE, which cimbus never
sets) refuses nesting deeper than 256 elements and text nodes over 10 MB.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lxml import etree

from bus.envelope.model import MESSAGE_NS, XmlFragment
from cim.errors import MalformedMessage, OversizeMessage

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_Element = etree._Element


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Input limits applied before and while parsing."""

    max_bytes: int = 16 * 1024 * 1024
    """Largest accepted message, in bytes."""


DEFAULT_LIMITS = Limits()
MAX_DEPTH = 256
"""Nesting depth libxml2 accepts without XML_PARSE_HUGE (which cimbus never sets)."""

_local = threading.local()


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> _Element:
    """Parse bytes into an lxml element safely, or raise MalformedMessage/OversizeMessage."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedMessage("XML input must be bytes as received, not decoded text")
    if len(data) > limits.max_bytes:
        raise OversizeMessage(
            f"message is {len(data)} bytes, over the limit of {limits.max_bytes}; "
            "split it or send the payload Compressed"
        )
    if not data.strip():
        raise MalformedMessage("message is empty")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedMessage(f"not well-formed XML: {_syntax_reason(exc)}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise MalformedMessage(f"unreadable XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise MalformedMessage(
            "document type declarations (DTDs) and entities are refused; send plain XML"
        )
    return root


def _syntax_reason(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc).strip()
    if "Excessive depth" in msg:
        return f"nesting deeper than {MAX_DEPTH} elements (line {exc.lineno})"
    if "Entity" in msg or "entity" in msg:
        return f"{msg} — entities are refused"
    return msg


def unwrap_soap(root: _Element) -> _Element:
    """The message element: the first child of a SOAP Body, or ``root`` itself."""
    tag = root.tag
    if tag in (f"{{{SOAP11_NS}}}Envelope", f"{{{SOAP12_NS}}}Envelope"):
        ns = tag[1 : tag.index("}")]
        body = root.find(f"{{{ns}}}Body")
        if body is None:
            raise MalformedMessage("SOAP Envelope has no Body", path="/Envelope/Body")
        children = [c for c in body if isinstance(c.tag, str)]
        if len(children) != 1:
            raise MalformedMessage(
                f"SOAP Body must hold exactly one message element, found {len(children)}",
                path="/Envelope/Body",
            )
        child = children[0]
        if child.tag == f"{{{ns}}}Fault":
            return _fault_detail(child, ns)
        return child
    return root


def _fault_detail(fault: _Element, ns: str) -> _Element:
    for el in fault.iter():
        if isinstance(el.tag, str) and el.tag.endswith("FaultMessage"):
            return el
    text = " ".join(str(t).strip() for t in fault.itertext() if str(t).strip())
    raise MalformedMessage(f"SOAP Fault without an IEC 61968-100 FaultMessage: {text[:200]}")


ENVELOPE_NS = frozenset({MESSAGE_NS, SOAP11_NS, SOAP12_NS})


def fragment(el: _Element, envelope: frozenset[str] = ENVELOPE_NS) -> XmlFragment:
    """``el`` as an :class:`XmlFragment` in exclusive C14N form.

    Every namespace in scope is kept except the envelope's own (``envelope``) where the fragment
    does not use them, so prefixes inside QName values (``xsi:type="cim:Breaker"``) still resolve.
    """
    keep = [p or "#default" for p, uri in el.nsmap.items() if uri not in envelope]
    xml = etree.tostring(el, method="c14n", exclusive=True, inclusive_ns_prefixes=keep)
    return XmlFragment(xml, el.tag)
