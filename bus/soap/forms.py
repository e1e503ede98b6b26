"""The shapes a SOAP body takes, read on the way in and written the same way on the way out.

Three body forms reach the one endpoint, in SOAP 1.1 or 1.2:

* **generic**: the plain envelope, ``RequestMessage``, ``EventMessage`` or ``ResponseMessage`` in
  ``http://iec.ch/TC57/2011/schema/message``;
* **typed**: a per-noun wrapper of the IEC 61968-100 WSDLs (``GetUsagePointConfig``,
  ``CreateMeterReadings``, ``CreatedMeterReadings``, ``MeterReadingsResponseMessage`` …);
* **abstract**: an operation of the generic service in ``http://iec.ch/TC57/2011/abstract``,
  ``Request`` or ``PublishEvent``, holding the plain envelope either as its ``message`` child
  (whose children are Header, Request, Payload in the message namespace, as deployed clients
  send it) or as a whole ``RequestMessage``/``EventMessage``. Its answer is written
  ``<abs:Response><abs:message>`` holding the ResponseMessage's children (the ``Abstract`` schema
  of :mod:`bus.soap.schema`). The envelope codec knows nothing of this wrapper; it is unwrapped
  and written here.

An answer is written in the form and SOAP version the message came in. A message that cannot be
answered in kind is answered with a SOAP Fault whose detail holds the FaultMessage (typed
``{Noun}FaultMessage`` when the typed wrapper was recognised).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from bus.envelope import (
    DEFAULT_LIMITS,
    MESSAGE_NS,
    FaultMessage,
    Limits,
    Message,
    ResponseMessage,
    SoapVersion,
    encode_soap,
    encode_xml,
    parse_xml,
    wrap_soap,
)
from bus.envelope.model import XML_INVALID_CHAR
from bus.envelope.typed import parse_typed_root
from bus.envelope.xmlread import decode_element
from bus.envelope.xmlsafe import SOAP11_NS, SOAP12_NS, unwrap_soap
from cim.errors import MalformedMessage, SchemaViolation

ABSTRACT_NS = "http://iec.ch/TC57/2011/abstract"
"""Namespace of the generic IEC 61968-100 service (operations Request and PublishEvent)."""
BodyForm = Literal["generic", "typed", "abstract"]
CONTENT_TYPES: dict[SoapVersion, str] = {
    "1.1": "text/xml; charset=utf-8",
    "1.2": "application/soap+xml; charset=utf-8",
}
_ABSTRACT_KINDS = {
    "Request": "RequestMessage",
    "PublishEvent": "EventMessage",
    "Response": "ResponseMessage",
}
_Element = etree._Element


@dataclass(frozen=True, slots=True)
class Arrival:
    """How a message arrived: SOAP version, body form and the body element's name."""

    version: SoapVersion
    form: BodyForm
    localname: str
    """The body element's local name: the operation (typed, abstract) or the message kind."""
    namespace: str | None = None
    noun: str | None = None
    """The noun a typed wrapper names, known before the header is read."""


def soap_version(root: _Element) -> SoapVersion:
    """The SOAP version of an Envelope element; MalformedMessage when it is not one."""
    if root.tag == f"{{{SOAP11_NS}}}Envelope":
        return "1.1"
    if root.tag == f"{{{SOAP12_NS}}}Envelope":
        return "1.2"
    raise MalformedMessage(
        f"expected a SOAP 1.1 or 1.2 Envelope, found {root.tag!r}; this endpoint speaks SOAP",
        path="/Envelope",
    )


def soap_ns(version: SoapVersion) -> str:
    """The envelope namespace of SOAP ``version``."""
    return SOAP11_NS if version == "1.1" else SOAP12_NS


def body_element(root: _Element, version: SoapVersion) -> _Element:
    """The single element in the Envelope's Body (a SOAP Fault is refused: it is no request)."""
    ns = soap_ns(version)
    body = root.find(f"{{{ns}}}Body")
    if body is None:
        raise MalformedMessage("the SOAP Envelope has no Body", path="/Envelope/Body")
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise MalformedMessage(
            f"the SOAP Body must hold exactly one message element, found {len(children)}",
            path="/Envelope/Body",
        )
    if children[0].tag == f"{{{ns}}}Fault":
        raise SchemaViolation(
            "a SOAP Fault is an answer; send a request, an event or a reply",
            path="/Envelope/Body/Fault",
        )
    return children[0]


def arrival_of(element: _Element, version: SoapVersion) -> Arrival:
    """Which form the body element ``element`` is in (generic when unrecognised)."""
    qname = etree.QName(element)
    ns, local = qname.namespace, qname.localname
    if ns == ABSTRACT_NS:
        return Arrival(version, "abstract", local, ns)
    typed = parse_typed_root(ns, local)
    if typed is not None:
        return Arrival(version, "typed", local, ns, typed.noun)
    return Arrival(version, "generic", local, ns)


def decode_body(element: _Element, arrival: Arrival, limits: Limits = DEFAULT_LIMITS) -> Message:
    """The message the body element holds, unwrapping the abstract service's operations."""
    if arrival.form != "abstract":
        return decode_element(element, limits)
    kind = _ABSTRACT_KINDS.get(arrival.localname)
    if kind is None:
        raise SchemaViolation(
            f"{arrival.localname!r} is not an element of the generic service; use Request, "
            f"PublishEvent or Response in {ABSTRACT_NS}",
            path=f"/{arrival.localname}",
        )
    inner = [c for c in element if isinstance(c.tag, str)]
    if len(inner) != 1:
        raise SchemaViolation(
            f"{arrival.localname} must hold one message element, found {len(inner)}",
            path=f"/{arrival.localname}",
        )
    message = inner[0]
    qname = etree.QName(message)
    if qname.localname == "message" and qname.namespace in (ABSTRACT_NS, MESSAGE_NS):
        message.tag = f"{{{MESSAGE_NS}}}{kind}"  # our own parsed tree: renaming is safe
    elif message.tag != f"{{{MESSAGE_NS}}}{kind}":
        raise SchemaViolation(
            f"{arrival.localname} holds {qname.localname!r}; expected its 'message' element or "
            f"a {kind}",
            path=f"/{arrival.localname}/{qname.localname}",
        )
    return decode_element(message, limits)


def read_soap(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[Message, Arrival]:
    """The message in a SOAP envelope of any form, and how it came (a Fault: its FaultMessage)."""
    root = parse_xml(data, limits)
    version = soap_version(root)
    ns = soap_ns(version)
    if root.find(f"{{{ns}}}Body/{{{ns}}}Fault") is not None:
        return decode_element(unwrap_soap(root), limits), Arrival(version, "generic", "Fault", ns)
    element = body_element(root, version)
    arrival = arrival_of(element, version)
    return decode_body(element, arrival, limits), arrival


def encode_answer(answer: Message, arrival: Arrival) -> bytes:
    """``answer`` as a SOAP envelope in the form and version ``arrival`` came in."""
    if isinstance(answer, FaultMessage):
        return encode_fault(answer, arrival)
    if arrival.form == "typed" and answer.header.noun == arrival.noun:
        return encode_soap(
            answer, version=arrival.version, form="typed", namespace=arrival.namespace
        )
    if arrival.form == "abstract" and arrival.localname in _ABSTRACT_KINDS:
        return wrap_soap(_abstract_response(answer), arrival.version)
    return encode_soap(answer, version=arrival.version)


def _abstract_response(answer: Message) -> bytes:
    """``<abs:Response><abs:message>`` holding the answer's children."""
    root = etree.fromstring(encode_xml(answer, declaration=False))  # our own output
    root.tag = f"{{{ABSTRACT_NS}}}message"
    wrapper = etree.Element(f"{{{ABSTRACT_NS}}}Response", nsmap={"abs": ABSTRACT_NS})
    wrapper.append(root)
    return etree.tostring(wrapper, encoding="UTF-8")


def encode_fault(fault: FaultMessage, arrival: Arrival | SoapVersion) -> bytes:
    """A SOAP Fault whose detail holds ``fault`` (typed when the wrapper was recognised)."""
    if isinstance(arrival, Arrival):
        version = arrival.version
        typed = arrival.form == "typed" and arrival.noun is not None
        detail = encode_xml(
            fault,
            form="typed" if typed else "generic",
            noun=arrival.noun,
            namespace=arrival.namespace,
            declaration=False,
        )
    else:
        version, detail = arrival, encode_xml(fault, declaration=False)
    error = fault.reply.errors[0] if fault.reply.errors else None
    reason = _esc((error.reason if error else None) or "the message was refused")
    sender = is_sender_fault(error.code if error else "5.3")
    if version == "1.1":
        code = "soap:Client" if sender else "soap:Server"
        body = (
            (
                f"<soap:Fault><faultcode>{code}</faultcode><faultstring>{reason}</faultstring>"
                f"<detail>"
            ).encode()
            + detail
            + b"</detail></soap:Fault>"
        )
    else:
        code = "soap:Sender" if sender else "soap:Receiver"
        body = (
            (
                f"<soap:Fault><soap:Code><soap:Value>{code}</soap:Value></soap:Code><soap:Reason>"
                f'<soap:Text xml:lang="en">{reason}</soap:Text></soap:Reason><soap:Detail>'
            ).encode()
            + detail
            + b"</soap:Detail></soap:Fault>"
        )
    return wrap_soap(body, version)


def is_sender_fault(code: str) -> bool:
    """Whether an IEC 61968-100 error ``code`` blames the sender (1, 2, 3, 6 and 7.x)."""
    return code.split(".", 1)[0] not in ("4", "5")


def fault_status(fault: FaultMessage, version: SoapVersion) -> int:
    """The HTTP status of a SOAP Fault: 500 in SOAP 1.1; 400 or 500 in SOAP 1.2."""
    if version == "1.1":
        return 500
    code = fault.reply.errors[0].code if fault.reply.errors else "5.3"
    return 400 if is_sender_fault(code) else 500


def operation_names(message: Message, arrival: Arrival) -> frozenset[str]:
    """The operation names a SOAPAction may end with for ``message`` as it arrived."""
    names = {arrival.localname}
    if isinstance(message, FaultMessage):
        return frozenset(names)
    h = message.header
    if isinstance(message, ResponseMessage):
        names |= {f"Reply{h.noun}", f"{h.noun}ResponseMessage", "Reply", "ResponseMessage"}
    elif message.kind == "EventMessage":
        names |= {f"{h.verb.value.capitalize()}{h.noun}", "PublishEvent", "EventMessage"}
    else:
        names |= {f"{h.verb.value.capitalize()}{h.noun}", "Request", "RequestMessage"}
    return frozenset(names)


_ACTION_TAIL = re.compile(r"[^/#:]*\Z")


def action_operation(action: str) -> str:
    """The operation a SOAPAction names: its last ``/``, ``#`` or ``:`` separated segment."""
    match = _ACTION_TAIL.search(action.strip().strip('"').rstrip("/"))
    return match.group(0) if match else ""


def _esc(text: str) -> str:
    text = XML_INVALID_CHAR.sub("?", text[:1000])
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
