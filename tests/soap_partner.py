"""A partner SOAP service for the client tests: a WSGI app with canned answers per soapAction.

It records every request and can answer 503, hang past the client's timeout, answer a Fault, a
DTD or an HTML error page; by default it echoes (``Echo`` -> ``EchoResponse``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

import bus.envelope as env

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "urn:cimbus:test:partner"
CIM = "urn:cimbus:test:cim#"
MSG = env.MESSAGE_NS
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
UPC = "http://iec.ch/TC57/2011/UsagePointConfig#"
UPC_MSG = "http://iec.ch/TC57/2011/UsagePointConfigMessage"

WSDL = f"""<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="Partner" targetNamespace="{TNS}" xmlns:tns="{TNS}"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <wsdl:types>
    <xs:schema targetNamespace="{TNS}" elementFormDefault="qualified">
      <xs:complexType name="Header"><xs:sequence>
        <xs:element name="Verb" type="xs:string"/>
        <xs:element name="Noun" type="xs:string"/>
        <xs:element name="MessageID" type="xs:string" minOccurs="0"/>
      </xs:sequence></xs:complexType>
      <xs:complexType name="Payload"><xs:sequence>
        <xs:any namespace="##other" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence></xs:complexType>
      <xs:complexType name="Message"><xs:sequence>
        <xs:element name="Header" type="tns:Header"/>
        <xs:element name="Payload" type="tns:Payload" minOccurs="0"/>
      </xs:sequence></xs:complexType>
      <xs:element name="Echo" type="tns:Message"/>
      <xs:element name="EchoResponse" type="tns:Message"/>
      <xs:element name="Publish" type="tns:Message"/>
      <xs:element name="PublishResponse" type="tns:Message"/>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="EchoIn"><wsdl:part name="in" element="tns:Echo"/></wsdl:message>
  <wsdl:message name="EchoOut"><wsdl:part name="out" element="tns:EchoResponse"/></wsdl:message>
  <wsdl:message name="PublishIn"><wsdl:part name="in" element="tns:Publish"/></wsdl:message>
  <wsdl:message name="PublishOut">
    <wsdl:part name="out" element="tns:PublishResponse"/>
  </wsdl:message>
  <wsdl:portType name="PartnerPort">
    <wsdl:operation name="Echo">
      <wsdl:input message="tns:EchoIn"/><wsdl:output message="tns:EchoOut"/>
    </wsdl:operation>
    <wsdl:operation name="Publish">
      <wsdl:input message="tns:PublishIn"/><wsdl:output message="tns:PublishOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="PartnerBinding" type="tns:PartnerPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Echo">
      <soap:operation soapAction="{TNS}/Echo" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="Publish">
      <soap:operation soapAction="{TNS}/Publish" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="Partner">
    <wsdl:port name="PartnerPort" binding="tns:PartnerBinding">
      <soap:address location="http://partner.invalid/soap"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""


def soap(body: str) -> bytes:
    """A SOAP 1.1 envelope around ``body``."""
    return (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>{body}</soap:Body></soap:Envelope>'.encode()
    )


FAULT = soap(
    "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>noun not served</faultstring>"
    f'<detail><m:UsagePointConfigFaultMessage xmlns:m="{MSG}"><m:Reply><m:Result>FAILED</m:Result>'
    "<m:Error><m:code>2.5</m:code><m:reason>no such noun: Gizmo</m:reason></m:Error></m:Reply>"
    "</m:UsagePointConfigFaultMessage></detail></soap:Fault>"
)
DTD = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY boom "boom">]>' + soap(
    f'<t:EchoResponse xmlns:t="{TNS}"><t:Header><t:Verb>&boom;</t:Verb>'
    "<t:Noun>x</t:Noun></t:Header></t:EchoResponse>"
)


@dataclass(frozen=True)
class Answer:
    """One canned HTTP answer: status, body, headers; ``hang`` waits past the timeout first."""

    status: str = "200 OK"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False


UNAVAILABLE = Answer("503 Service Unavailable", b"busy")
HTML_500 = Answer("500 Internal Server Error", b"<html><body>Oops: stack trace</body></html>")


@dataclass(frozen=True)
class Received:
    """A request as the partner received it."""

    action: str
    path: str
    content_type: str
    body: bytes

    @property
    def root(self) -> etree._Element:
        """The envelope, parsed."""
        return env.parse_xml(self.body)


class Partner:
    """The partner's SOAP service: canned answers per soapAction, an echo by default."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[Answer]] = {}
        self.release = threading.Event()
        self.url = ""
        self._lock = threading.Lock()

    def answer(self, action: str, *answers: Answer) -> None:
        """Answer the next requests for ``action`` with ``answers`` in turn, then echo."""
        self.scripts[action] = list(answers)

    def calls(self, action: str | None = None) -> int:
        """Requests received (for ``action``)."""
        return sum(1 for r in self.received if action is None or r.action == action)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        ctype = environ.get("CONTENT_TYPE", "")
        action = environ.get("HTTP_SOAPACTION", "").strip('"')
        if not action and "action=" in ctype:
            action = ctype.split('action="')[1].split('"')[0]
        with self._lock:
            self.received.append(Received(action, environ["PATH_INFO"], ctype, body))
            script = self.scripts.get(action) or []
            answer = script.pop(0) if script else None
        if answer is None:
            answer = Answer(body=self.echo(body), headers=(("Content-Type", "text/xml"),))
        if answer.hang:
            self.release.wait(10)
        start_response(answer.status, list(answer.headers))
        return [answer.body]

    def echo(self, body: bytes) -> bytes:
        """The answer to Echo/Publish: the request's element renamed ...Response."""
        request = env.parse_xml(body).find("{*}Body")[0]  # type: ignore[index]
        if request.tag == f"{{{UPC_MSG}}}CreateUsagePointConfig":
            return soap(
                f'<r:UsagePointConfigResponseMessage xmlns:r="{UPC_MSG}" xmlns:m="{MSG}">'
                "<r:Header><m:Verb>reply</m:Verb><m:Noun>UsagePointConfig</m:Noun></r:Header>"
                "<r:Reply><m:Result>OK</m:Result></r:Reply></r:UsagePointConfigResponseMessage>"
            )
        if request.tag.startswith(f"{{{TNS}}}"):
            request.tag += "Response"
            return soap(etree.tostring(request).decode())
        return b""  # an asynchronous reply: accepted, nothing to say


class Server:
    """A cheroot server on a free loopback port, serving the current test's partner."""

    def __init__(self) -> None:
        self.partner = Partner()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        return self.partner(environ, start_response)
