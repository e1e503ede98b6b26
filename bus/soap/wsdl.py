"""WSDL 1.1 documents of the gateway's services: document/literal, SOAP 1.1 and 1.2 bindings.

One service per document, its address the endpoint given when the document is served. Names
follow the published IEC 61968-100 / 61968-9 WSDLs:

- ``Generic``: ``Request`` and ``PublishEvent``; bodies ``Request`` / ``PublishEvent`` in
  ``http://iec.ch/TC57/2011/abstract`` holding the plain envelope as ``message``.
- ``Get{Noun}``: ``Get{Noun}`` (wrapper namespace ``…/Get{Noun}Message``).
- ``Request{Noun}`` and ``Execute{Noun}``: ``Create|Change|Cancel|Close|Delete{Noun}``.
- ``Send{Noun}``, ``Receive{Noun}`` and ``Reply{Noun}``: ``Created|…|Deleted{Noun}``.
- ``Reply{Noun}`` also has ``Reply{Noun}``, whose body is ``{Noun}ResponseMessage``: the
  asynchronous answer to a request as cimbus sends it (a past-tense event cannot carry a Reply).

Every typed operation answers ``{Noun}ResponseMessage`` and faults with ``{Noun}FaultMessage``
(in the Get namespace for Get); the generic ones answer ``Response`` (holding a ResponseMessage)
and fault with the envelope's own ``FaultMessage``. The soapAction is
``http://iec.ch/TC57/2011/{Noun}/{Operation}``, except for Get, whose published WSDLs all use
``http://iec.ch/TC57/2011/Get{Noun}/Get{Noun}``; a server should accept both
(:attr:`OperationSpec.soap_actions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from bus.envelope.model import MESSAGE_NS, PAST_TENSE, Verb, check_noun
from bus.envelope.typed import WRAPPER_NS_PREFIX, typed_root_name, wrapper_namespace
from bus.soap.schema import (
    ABSTRACT_NS,
    ABSTRACT_XSD,
    GENERATED_BY,
    MESSAGE_XSD,
    XS,
    schema_url,
    wrapper_schema_name,
)

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP11_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12_NS = "http://schemas.xmlsoap.org/wsdl/soap12/"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
GENERIC_SERVICE = "Generic"
"""Name of the generic service carrying the plain envelope (``?wsdl``)."""
PATTERNS = ("Get", "Request", "Execute", "Send", "Receive", "Reply")
"""The typed service kinds, each ``{Pattern}{Noun}``."""
_REQUESTS = (Verb.CREATE, Verb.CHANGE, Verb.CANCEL, Verb.CLOSE, Verb.DELETE)
_EVENTS = tuple(PAST_TENSE[v] for v in _REQUESTS)


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One WSDL operation: its name, soapActions and the body elements it carries."""

    name: str
    soap_actions: tuple[str, ...]
    """The advertised soapAction first, then others a server should accept for it."""
    input: str
    """Clark name of the request body element (``{…/MeterReadingsMessage}CreateMeterReadings``)."""
    output: str
    fault: str
    input_message: str
    """Name of the input's WSDL message, e.g. ``CreateMeterReadingsRequestMessage``."""
    kind: str
    """The kind of message the input carries: ``RequestMessage``, ``EventMessage`` or (the
    ``Reply{Noun}`` operation) ``ResponseMessage``."""

    @property
    def soap_action(self) -> str:
        """The soapAction the WSDL advertises."""
        return self.soap_actions[0]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One service: names of its WSDL parts, the schema documents it needs, its operations."""

    name: str
    namespace: str
    port_type: str
    binding: str
    schemas: tuple[str, ...]
    operations: tuple[OperationSpec, ...]


def soap_action(noun: str, operation: str) -> str:
    """The soapAction convention of IEC 61968-100: ``http://iec.ch/TC57/2011/{Noun}/{Operation}``."""
    return f"{WRAPPER_NS_PREFIX}{noun}/{operation}"


def generic_service() -> ServiceSpec:
    """The generic service: ``Request`` and ``PublishEvent`` carrying the plain envelope."""
    a = f"{{{ABSTRACT_NS}}}"
    fault = f"{{{MESSAGE_NS}}}FaultMessage"
    ops = tuple(
        OperationSpec(op, (f"{ABSTRACT_NS}/{op}",), f"{a}{op}", f"{a}Response", fault, kind, kind)
        for op, kind in (("Request", "RequestMessage"), ("PublishEvent", "EventMessage"))
    )
    name = GENERIC_SERVICE
    return ServiceSpec(
        name, ABSTRACT_NS, f"{name}_Port", f"{name}_Binding", (MESSAGE_XSD, ABSTRACT_XSD), ops
    )


def typed_service(pattern: str, noun: str) -> ServiceSpec:
    """The strongly typed service ``{pattern}{noun}``, e.g. ``GetMeterReadings``."""
    check_noun(noun)
    if pattern not in PATTERNS:
        raise ValueError(f"unknown service kind {pattern!r}; use one of {', '.join(PATTERNS)}")
    get = pattern == "Get"
    wrapper = f"{{{wrapper_namespace(noun, get=get)}}}"
    output = wrapper + typed_root_name("ResponseMessage", None, noun)
    fault = wrapper + typed_root_name("FaultMessage", None, noun)
    kind, verbs = (
        ("RequestMessage", (Verb.GET,) if get else _REQUESTS)
        if pattern in ("Get", "Request", "Execute")
        else ("EventMessage", _EVENTS)
    )
    ops = []
    for verb in verbs:
        op = typed_root_name(kind, verb, noun)
        # the published Get WSDLs use Get{Noun}/Get{Noun}; the convention says {Noun}/Get{Noun}
        actions = (soap_action(op, op), soap_action(noun, op)) if get else (soap_action(noun, op),)
        ops.append(OperationSpec(op, actions, wrapper + op, output, fault, op + kind, kind))
    if pattern == "Reply":  # the asynchronous answer itself, as the gateway sends and takes it
        op = f"Reply{noun}"
        action = (soap_action(noun, op),)
        ops.append(
            OperationSpec(op, action, output, output, fault, f"{op}Message", "ResponseMessage")
        )
    port_type = f"Get{noun}_Port" if get else f"{noun}_Port"
    return ServiceSpec(
        name=f"{pattern}{noun}",
        namespace=WRAPPER_NS_PREFIX + pattern + noun,
        port_type=port_type,
        binding=port_type.replace("_Port", "_Binding"),
        schemas=(MESSAGE_XSD, wrapper_schema_name(noun, get=get)),
        operations=tuple(ops),
    )


def wsdl_document(service: ServiceSpec, endpoint: str) -> bytes:
    """The WSDL of ``service`` with its address and schema imports at ``endpoint``."""
    prefixes = {MESSAGE_NS: "msg", ABSTRACT_NS: "abs"}
    for op in service.operations:
        for tag in (op.input, op.output, op.fault):
            prefixes.setdefault(tag[1:].split("}", 1)[0], "infoMessage")
    nsmap = {
        "wsdl": WSDL_NS,
        "soap": SOAP11_NS,
        "soap12": SOAP12_NS,
        "xs": XS,
        "tns": service.namespace,
        **{p: ns for ns, p in prefixes.items()},
    }
    root = etree.Element(f"{{{WSDL_NS}}}definitions", nsmap=nsmap)
    root.set("name", service.name)
    root.set("targetNamespace", service.namespace)
    _w(root, "documentation").text = GENERATED_BY
    schema = etree.SubElement(_w(root, "types"), f"{{{XS}}}schema")
    schema.set("elementFormDefault", "qualified")
    imported = {MESSAGE_XSD: MESSAGE_NS, ABSTRACT_XSD: ABSTRACT_NS}
    for name in service.schemas:
        ns = imported.get(name) or f"{WRAPPER_NS_PREFIX}{name}"
        location = schema_url(endpoint, name)
        etree.SubElement(schema, f"{{{XS}}}import", namespace=ns, schemaLocation=location)

    def qname(tag: str) -> str:
        ns, local = tag[1:].split("}", 1)
        return f"{prefixes[ns]}:{local}"

    messages: dict[str, str] = {}
    for op in service.operations:
        messages[op.input_message] = qname(op.input)
        messages["ResponseMessage"] = qname(op.output)
        messages["FaultMessage"] = qname(op.fault)
    for name, element in messages.items():
        _w(_w(root, "message", name=name), "part", name=name, element=element)
    port_type = _w(root, "portType", name=service.port_type)
    for op in service.operations:
        o = _w(port_type, "operation", name=op.name)
        _w(o, "input", name=_input_name(op), message=f"tns:{op.input_message}")
        _w(o, "output", name=f"{op.name}Response", message="tns:ResponseMessage")
        _w(o, "fault", name=f"{op.name}Fault", message="tns:FaultMessage")
    for soap, suffix in ((SOAP11_NS, ""), (SOAP12_NS, "12")):
        _binding(root, service, soap, suffix)
    svc = _w(root, "service", name=service.name)
    for soap, suffix in ((SOAP11_NS, ""), (SOAP12_NS, "12")):
        port = _w(svc, "port", name=service.port_type + suffix)
        port.set("binding", f"tns:{service.binding}{suffix}")
        etree.SubElement(port, f"{{{soap}}}address", location=endpoint)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _w(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{WSDL_NS}}}{tag}", attrs)


def _input_name(op: OperationSpec) -> str:
    return op.input_message.removesuffix("Message")


def _binding(root: etree._Element, service: ServiceSpec, soap: str, suffix: str) -> None:
    binding = _w(root, "binding", name=service.binding + suffix, type=f"tns:{service.port_type}")
    etree.SubElement(binding, f"{{{soap}}}binding", style="document", transport=HTTP_TRANSPORT)
    for op in service.operations:
        o = _w(binding, "operation", name=op.name)
        etree.SubElement(o, f"{{{soap}}}operation", soapAction=op.soap_action, style="document")
        for tag, name in (("input", _input_name(op)), ("output", f"{op.name}Response")):
            etree.SubElement(_w(o, tag, name=name), f"{{{soap}}}body", use="literal")
        fault = _w(o, "fault", name=f"{op.name}Fault")
        etree.SubElement(fault, f"{{{soap}}}fault", name=f"{op.name}Fault", use="literal")
