"""The SOAP gateway over real HTTP on loopback: every form, both SOAP versions, events, and
every error answered with a SOAP Fault or a FAILED ResponseMessage, never an HTML page."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import bus.envelope as env
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapConfig
from bus.soap.forms import ABSTRACT_NS

from soapserver import (  # noqa: F401 (fixtures)
    SOAP11,
    SOAP12,
    UP,
    answered,
    body_of,
    failed_code,
    fault_code,
    get_request,
    memory_bus_fixture,
    post,
    request,
    serve_noun,
    soap_envelope,
    soap_server_fixture,
)

M = env.MESSAGE_NS


@pytest.fixture
def gateway(memory_bus, soap_server):
    """A gateway in front of a bus serving UsagePointConfig requests."""
    serve_noun(memory_bus, UP)
    return soap_server(memory_bus, SoapConfig(timeout=5))


# --- forms and versions ----------------------------------------------------------------------


def test_generic_request_is_answered_from_the_bus(gateway):
    """A generic RequestMessage goes to the noun's adapter and its reply comes back generic."""
    req = get_request()
    reply = post(gateway.url, soap_envelope(body_of(req)))
    assert reply.content_type.startswith("text/xml")
    message = answered(reply, req)
    assert message.header.source == "MDM"
    assert f'<m:ResponseMessage xmlns:m="{M}"'.encode() in reply.body
    assert b"<u:mRID>get</u:mRID>" in reply.body


def test_typed_get_is_answered_typed_in_the_get_namespace(gateway):
    """GetUsagePointConfig is answered with UsagePointConfigResponseMessage in its namespace."""
    req = get_request()
    action = "http://iec.ch/TC57/2011/GetUsagePointConfig/GetUsagePointConfig"
    reply = post(gateway.url, soap_envelope(body_of(req, form="typed")), action=action)
    answered(reply, req)
    assert b"UsagePointConfigResponseMessage" in reply.body
    assert b'xmlns:w="http://iec.ch/TC57/2011/GetUsagePointConfigMessage"' in reply.body


def test_typed_create_is_answered_typed(gateway):
    """CreateUsagePointConfig (Execute service) reaches the adapter as a create request."""
    req = env.RequestMessage(env.make_header("create", UP, source="CIS"))
    action = f"http://iec.ch/TC57/2011/{UP}/Create{UP}"
    reply = post(gateway.url, soap_envelope(body_of(req, form="typed")), action=action)
    answered(reply, req)
    assert b'xmlns:w="http://iec.ch/TC57/2011/UsagePointConfigMessage"' in reply.body
    assert b"<u:mRID>create</u:mRID>" in reply.body


def test_abstract_request_is_unwrapped_and_answered_in_kind(gateway):
    """The generic service's Request/message is answered Response/message, same namespace."""
    req = get_request()
    inner = body_of(req).replace(b"<m:RequestMessage ", b"<a:message ", 1)
    inner = inner.replace(b"</m:RequestMessage>", b"</a:message>")
    body = f'<a:Request xmlns:a="{ABSTRACT_NS}">'.encode() + inner + b"</a:Request>"
    reply = post(gateway.url, soap_envelope(body), action=f"{ABSTRACT_NS}/Request")
    assert reply.status == 200, reply.body
    assert f'<abs:Response xmlns:abs="{ABSTRACT_NS}"><abs:message'.encode() in reply.body
    # the plain envelope inside is a ResponseMessage correlated to the request
    text = reply.body.decode()
    assert f"<m:CorrelationID>{req.header.message_id}</m:CorrelationID>" in text


def test_abstract_publish_event_holding_a_whole_event_message(memory_bus, soap_server):
    """PublishEvent may hold an EventMessage element; the event reaches its subscribers."""
    got: list[env.Message] = []
    memory_bus.subscribe(
        "test.events", ["EndDeviceEvents.created"], lambda d: got.append(d.message)
    )
    running = soap_server(memory_bus)
    event = env.EventMessage(env.make_header("created", "EndDeviceEvents", source="AMI"))
    body = (
        f'<a:PublishEvent xmlns:a="{ABSTRACT_NS}">'.encode() + body_of(event) + b"</a:PublishEvent>"
    )
    reply = post(running.url, soap_envelope(body))
    assert reply.status == 200 and b"<abs:Response" in reply.body
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got[0].header.message_id == event.header.message_id  # type: ignore[union-attr]


def test_abstract_operation_with_the_wrong_kind_is_refused(gateway):
    """PublishEvent holding a request verb is refused with 2.9, correlated to the message."""
    req = get_request()
    inner = body_of(req).replace(b"<m:RequestMessage ", b"<a:message ", 1)
    inner = inner.replace(b"</m:RequestMessage>", b"</a:message>")
    body = f'<a:PublishEvent xmlns:a="{ABSTRACT_NS}">'.encode() + inner + b"</a:PublishEvent>"
    reply = post(gateway.url, soap_envelope(body))
    assert failed_code(reply) == "2.9"
    assert b"<abs:Response" in reply.body


def test_event_is_published_and_acknowledged(memory_bus, soap_server):
    """A typed CreatedUsagePointConfig event is published and answered Result OK."""
    got: list[env.Message] = []
    memory_bus.subscribe("test.up", [f"{UP}.*"], lambda d: got.append(d.message))
    running = soap_server(memory_bus)
    event = env.EventMessage(env.make_header("created", UP, source="MDM"))
    action = f"http://iec.ch/TC57/2011/{UP}/Created{UP}"
    reply = post(running.url, soap_envelope(body_of(event, form="typed")), action=action)
    message = answered(reply, event)
    assert message.reply.result is env.Result.OK
    assert b"UsagePointConfigResponseMessage" in reply.body
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got and got[0].header.message_id == event.header.message_id  # type: ignore[union-attr]


def test_event_nobody_subscribes_to_is_failed_2_5(gateway):
    """An event with no subscriber is unroutable: FAILED 2.5, not lost."""
    event = env.EventMessage(env.make_header("created", "Crew", source="WFM"))
    assert failed_code(post(gateway.url, soap_envelope(body_of(event)))) == "2.5"


def test_soap_12_is_answered_in_soap_12(gateway):
    """A SOAP 1.2 request is answered in SOAP 1.2 with its content type; its faults are 400."""
    req = get_request()
    reply = post(
        gateway.url, soap_envelope(body_of(req, form="typed"), version="1.2"), version="1.2"
    )
    answered(reply, req)
    assert reply.content_type.startswith("application/soap+xml")
    assert f'xmlns:soap="{SOAP12}"'.encode() in reply.body
    bad = post(
        gateway.url, soap_envelope(b"<x:Nope xmlns:x='urn:x'/>", version="1.2"), version="1.2"
    )
    assert bad.status == 400 and fault_code(bad) == "1.8"
    assert b"<soap:Value>soap:Sender</soap:Value>" in bad.body


def test_soap_12_action_parameter_is_checked(gateway):
    """The action parameter of a SOAP 1.2 Content-Type must name the body's operation."""
    req = get_request()
    ctype = 'application/soap+xml; charset=utf-8; action="http://iec.ch/TC57/2011/UsagePointConfig/CreateUsagePointConfig"'
    reply = post(
        gateway.url, soap_envelope(body_of(req, form="typed"), version="1.2"), content_type=ctype
    )
    assert failed_code(reply) == "2.9"


def test_soap_action_naming_another_operation_is_refused(gateway):
    """A SOAPAction that contradicts the body is refused with 2.9; an empty one is fine."""
    req = get_request()
    body = soap_envelope(body_of(req, form="typed"))
    wrong = post(gateway.url, body, action=f"http://iec.ch/TC57/2011/{UP}/Delete{UP}")
    assert failed_code(wrong) == "2.9"
    assert b"DeleteUsagePointConfig" in wrong.body
    answered(post(gateway.url, body, action=""), req)
    answered(post(gateway.url, body, action=f"http://iec.ch/TC57/2011/{UP}/Get{UP}"), req)


# --- errors ----------------------------------------------------------------------------------

_GOOD = body_of(get_request()).decode()
HOSTILE = {
    "malformed": b"<soap:Envelope xmlns:soap='" + SOAP11.encode() + b"'><soap:Body><unclosed>",
    "dtd": b'<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ELEMENT a ANY>]>'
    + soap_envelope(_GOOD.encode()).split(b"\n", 1)[1],
    "external-entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<x>&e;</x>",
    "billion-laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]><lolz>&lol9;</lolz>",
    "wrong-namespace": soap_envelope(_GOOD.replace(M, "urn:not-iec").encode()),
    "not-an-envelope": _GOOD.encode(),
    "empty": b"",
    "two-body-elements": soap_envelope(_GOOD.encode() * 2),
    "soap-fault-body": soap_envelope(
        b"<soap:Fault><faultcode>soap:Client</faultcode></soap:Fault>"
    ),
    "wrong-soap-namespace": soap_envelope(_GOOD.encode()).replace(SOAP11.encode(), b"urn:soap"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_unparseable_input_gets_a_soap_fault_and_the_server_goes_on(gateway, name):
    """Each hostile body gets an HTTP 500 SOAP 1.1 Fault with code 1.8; the next request works."""
    reply = post(gateway.url, HOSTILE[name])
    assert reply.status == 500, reply.body
    assert reply.content_type.startswith("text/xml")
    assert fault_code(reply) == "1.8"
    assert b"<faultcode>soap:Client</faultcode>" in reply.body
    assert b"root:" not in reply.body
    req = get_request()
    answered(post(gateway.url, soap_envelope(body_of(req))), req)


def test_unknown_verb_is_failed_2_9_correlated(gateway):
    """A readable header with an unknown verb gets a FAILED 2.9 reply correlated to it."""
    req = get_request()
    body = body_of(req).replace(b"<m:Verb>get</m:Verb>", b"<m:Verb>fetch</m:Verb>")
    reply = post(gateway.url, soap_envelope(body))
    assert failed_code(reply) == "2.9"
    assert reply.message().header.correlation_id == req.header.message_id  # type: ignore[union-attr]


def test_unknown_noun_nobody_serves_is_failed_2_5(gateway):
    """A request for a noun no adapter serves is unroutable: FAILED 2.5."""
    req = get_request("TroubleTicket")
    reply = post(gateway.url, soap_envelope(body_of(req)))
    assert failed_code(reply) == "2.5"
    assert b"TroubleTicket" in reply.body


def test_bus_timeout_is_failed_4_1(memory_bus, soap_server):
    """An adapter slower than the gateway's timeout gives FAILED 4.1."""
    memory_bus.subscribe(request_queue(UP), request_bindings(UP), lambda d: time.sleep(0.6))
    running = soap_server(memory_bus, SoapConfig(timeout=0.2))
    req = get_request()
    reply = post(running.url, soap_envelope(body_of(req)))
    assert failed_code(reply) == "4.1"
    assert reply.message().header.correlation_id == req.header.message_id  # type: ignore[union-attr]


def test_unexpected_error_is_a_failed_5_3_not_a_crash(gateway, soap_server, memory_bus):
    """A reply handler raising anything is answered FAILED 5.3; the server goes on."""

    def broken(message: env.ResponseMessage) -> None:
        raise RuntimeError("boom")

    running = soap_server(memory_bus, on_reply=broken)
    body = soap_envelope(body_of(env.reply_to(get_request())))
    reply = post(running.url, body)
    assert failed_code(reply) == "5.3"
    assert b"boom" not in reply.body
    assert failed_code(post(running.url, body)) == "5.3"


def test_oversize_by_content_length_is_413_without_reading(memory_bus, soap_server):
    """A Content-Length over the limit is refused (413, Fault 3.1) before the body is read."""
    running = soap_server(memory_bus, SoapConfig(limits=env.Limits(max_bytes=4096)))
    reply = post(running.url, b"<" + b"x" * 10_000 + b"/>")
    assert reply.status == 413 and fault_code(reply) == "3.1"
    parts = urlsplit(running.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(
            f"POST {parts.path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            f"Content-Length: 100000000000\r\n\r\n<a>".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert b"<m:code>3.1</m:code>" in data
    assert b"Connection: close" in data
    req = get_request("Crew")
    assert failed_code(post(running.url, soap_envelope(body_of(req)))) == "2.5"  # still serving


def test_oversize_chunked_body_is_413_while_reading(memory_bus, soap_server):
    """A chunked body is counted while it is read and refused past the limit."""
    running = soap_server(memory_bus, SoapConfig(limits=env.Limits(max_bytes=4096)))
    chunks = iter([b"<a>"] + [b"x" * 1000] * 10 + [b"</a>"])
    reply = post(running.url, chunks, chunked=True)
    assert reply.status == 413 and fault_code(reply) == "3.1"


def test_small_chunked_body_is_accepted(gateway):
    """A chunked request within the limit is read whole and answered."""
    req = get_request()
    data = soap_envelope(body_of(req))
    reply = post(gateway.url, iter([data[:100], data[100:]]), chunked=True)
    answered(reply, req)


def test_get_without_a_catalog_is_404_plain_text(gateway):
    """?wsdl with no catalog configured: 404, a short text/plain body."""
    reply = request("GET", gateway.url + "?wsdl")
    assert reply.status == 404 and reply.content_type.startswith("text/plain")
    assert b"no service description" in reply.body


def test_get_is_delegated_to_the_catalog(memory_bus, soap_server):
    """GET queries go to the catalog with the endpoint URL; unknown ones are 404."""
    asked: list[tuple[str, str]] = []

    class Catalog:
        def lookup(self, query: str, endpoint: str) -> tuple[str, bytes] | None:
            asked.append((query, endpoint))
            return ("text/xml; charset=utf-8", b"<definitions/>") if query == "wsdl" else None

    running = soap_server(memory_bus, catalog=Catalog())
    found = request("GET", running.url + "?wsdl")
    assert found.status == 200 and found.body == b"<definitions/>"
    assert asked[0] == ("wsdl", running.url)
    assert request("GET", running.url + "?xsd=Nope").status == 404
    public = soap_server(
        memory_bus, SoapConfig(public_url="https://cimbus.example.net/soap"), catalog=Catalog()
    )
    request("GET", public.url + "?wsdl")
    assert asked[-1] == ("wsdl", "https://cimbus.example.net/soap")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_with_allow(gateway, method):
    """Methods other than GET and POST: 405 with Allow and a SOAP Fault body."""
    reply = request(method, gateway.url, b"", headers={"Content-Type": "text/xml"})
    assert reply.status == 405 and reply.headers["allow"] == "GET, POST"
    assert fault_code(reply) == "1.8"


@pytest.mark.parametrize("ctype", ["application/json", "text/html", "multipart/related", None])
def test_wrong_content_type_is_415_soap_fault(gateway, ctype):
    """A body that is not declared SOAP is refused with 415 and a SOAP Fault."""
    headers = {"Content-Type": ctype} if ctype else {}
    reply = request("POST", gateway.url, soap_envelope(_GOOD.encode()), headers=headers)
    assert reply.status == 415 and fault_code(reply) == "1.8"


def test_other_paths_are_404(gateway):
    """Only the endpoint path serves; elsewhere is 404 (a SOAP Fault for POST)."""
    root = gateway.url.rsplit("/", 1)[0]
    assert request("GET", root + "/other").status == 404
    reply = post(root + "/other", soap_envelope(_GOOD.encode()))
    assert reply.status == 404 and fault_code(reply) == "1.8"


# --- command line ----------------------------------------------------------------------------


def test_cli_serve_prints_its_url_answers_and_stops_on_sigterm(tmp_path: Path):
    """``cimbus soap serve --port 0`` prints its URL, answers SOAP, and exits 0 on SIGTERM."""
    cimbus = Path(sys.executable).with_name("cimbus")
    environ = {k: v for k, v in os.environ.items() if k != "CIMBUS_BROKER"}
    proc = subprocess.Popen(
        [str(cimbus), "soap", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().strip()
        assert line.startswith("serving on http://127.0.0.1:") and line.endswith("/cimbus"), line
        url = line.removeprefix("serving on ")
        req = get_request()
        reply = post(url, soap_envelope(body_of(req)))
        assert failed_code(reply) == "2.5"  # the embedded bus serves no noun
        wsdl = request("GET", url + "?wsdl")
        assert wsdl.status == 200 and b"definitions" in wsdl.body
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        assert "without authentication" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
