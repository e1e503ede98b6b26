"""Safe XML intake: bounded size, no DTDs, entities or network, SOAP unwrapping, fragments.

Everything that reaches lxml from outside goes through :func:`parse_xml`; nothing else in cimbus
builds an lxml parser for untrusted bytes. libxml2 (without XML_PARSE_HUGE, which cimbus never
sets) refuses nesting deeper than 256 elements and text nodes over 10 MB.
"""

from __future__ import annotations

import re
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
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")


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
        parser.resolvers.add(_NothingResolver())
        _local.parser = parser
    return parser


class _NothingResolver(etree.Resolver):
    """Answers every external DTD or entity load with an empty document: nothing is read."""

    # lxml-stubs omit the ``context`` argument that lxml passes (and resolve_string needs)
    def resolve(  # type: ignore[override]
        self, system_url: str, public_id: str, context: object
    ) -> object:
        """An empty document instead of ``system_url``."""
        return self.resolve_string("", context)  # type: ignore[call-arg]


def parse_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> _Element:
    """Parse bytes into an lxml element safely, or raise MalformedMessage/OversizeMessage."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedMessage("XML input must be bytes as received, not decoded text")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise OversizeMessage(
            f"message is {len(data)} bytes, over the limit of {limits.max_bytes}; "
            "split it or send the payload Compressed"
        )
    if not data.strip():
        raise MalformedMessage("message is empty")
    raw = data
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        _check_utf16_declaration(raw)
    first = _ELEMENT_START.search(raw)
    if b"<!DOCTYPE" in raw[: first.start() if first else len(raw)]:
        # a DTD stands before the root element: refused before libxml2 reads it. Other
        # encodings (UTF-16) are caught after parsing, and the resolver above makes sure no
        # external file or URL is read on the way.
        raise MalformedMessage(
            "document type declarations (DTDs) and entities are refused; send plain XML"
        )
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        reason = _syntax_reason(exc)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # for the message only, not for safety
            reason = f"DTDs and entities are refused (send plain XML); {reason}"
        raise MalformedMessage(f"not well-formed XML: {reason}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise MalformedMessage(f"unreadable XML: {exc}") from None
    # Always ask the tree: a byte scan for "<!DOCTYPE" misses UTF-16 and other encodings.
    if _has_doctype(root):
        raise MalformedMessage(
            "document type declarations (DTDs) and entities are refused; send plain XML"
        )
    return root


_DECLARED = re.compile(r"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _check_utf16_declaration(raw: bytes) -> None:
    """A UTF-16 byte order mark with another declared encoding is a fatal XML error."""
    head = raw[:400].decode("utf-16", errors="replace")
    m = _DECLARED.match(head)
    if m and not m.group(1).lower().startswith("utf-16"):
        raise MalformedMessage(
            f"the bytes are UTF-16 (byte order mark) but the declaration says encoding "
            f"{m.group(1)!r}; send UTF-8, or declare the encoding the bytes are in"
        )


def _has_doctype(root: _Element) -> bool:
    docinfo = root.getroottree().docinfo
    return bool(getattr(docinfo, "doctype", "")) or docinfo.internalDTD is not None


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
    """``el`` serialised on its own, without the envelope's unused namespace declarations.

    lxml declares every namespace in scope on the fragment's root (its own first, then the
    ancestors' in document order), so prefixes inside QName values (``xsi:type="cim:Breaker"``)
    still resolve; an envelope namespace (``envelope``) is dropped when nothing in the fragment
    is in it. The result is a fixed point: decoding it inside any envelope gives the same bytes.
    Not C14N: libxml2's subtree C14N writes ``xmlns=""`` on grandchildren of a default
    namespace and leaves ``&`` unescaped in namespace URIs, both of which change the meaning.
    """
    xml = etree.tostring(el, encoding="UTF-8", with_tail=False)
    for prefix, uri in el.nsmap.items():
        if uri not in envelope:
            continue
        if prefix is None:
            decl = f' xmlns="{uri}"'.encode()
        else:
            decl = f' xmlns:{prefix}="{uri}"'.encode()
            # names in this namespace are written "<p:x" or " p:x=": absent means unused
            # (present may still be another binding of p: then the exact check decides)
            if f"<{prefix}:".encode() not in xml and f" {prefix}:".encode() not in xml:
                xml = xml.replace(decl, b"", 1)
                continue
        if not _uses_namespace(el, uri):
            xml = xml.replace(decl, b"", 1)
    return XmlFragment(xml, el.tag)


_NS_ATTRIBUTE = etree.XPath("boolean(descendant-or-self::*/@*[namespace-uri() = $uri])")


def _uses_namespace(el: _Element, uri: str) -> bool:
    """Whether any element or attribute of the subtree ``el`` is in namespace ``uri``."""
    return next(el.iter(f"{{{uri}}}*"), None) is not None or bool(_NS_ATTRIBUTE(el, uri=uri))
