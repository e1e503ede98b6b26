"""The gateway serves the IEC 61968-100 contract end to end: zeep clients built from every WSDL it
serves, and from the published WSDLs of the corpus, call every operation of the real server.

One cheroot server on loopback for the module, a MemoryTransport behind it with an adapter
answering every typed noun's requests and a subscriber taking every past-tense event; a
:class:`Ledger` records what reached the bus and the reply handler, so each answer is checked
against what the gateway actually did with the message, not only against its Result.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import zeep
from conftest import SHARED_DATA, require_corpus
from lxml import etree

import bus.envelope as env
from bus.envelope.typed import parse_typed_root, wrapper_namespace
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapApp, SoapConfig
from bus.soap.catalog import TYPED_NOUNS, Catalog
from bus.soap.http import HttpServer, HttpSettings
from bus.soap.wsdl import OperationSpec
from bus.transport.base import Delivery
from bus.transport.memory import MemoryTransport

from soapserver import (  # noqa: F401 (fixtures)
    body_of,
    fault_code,
    post,
    receiver_fixture,
    request,
    soap_envelope,
)

CATALOG = Catalog()
SETTINGS = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True)
WHEN = datetime(2024, 3, 18, 7, 0, tzinfo=UTC)
PUBLISHED = ("UsagePointConfig", "MeterReadSchedule")
"""The nouns whose published WSDLs are in the corpus."""
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def profile_namespace(noun: str) -> str:
    """The namespace of ``noun``'s CIM profile (WorkRequests, IEC 61968-6, has no ``#``)."""
    return f"http://iec.ch/TC57/2011/{noun}" + ("" if noun == "WorkRequests" else "#")


def profile_xml(noun: str, mrid: str) -> bytes:
    """A small profile document naming one UsagePoint (valid in the two published profiles)."""
    return (
        f'<p:{noun} xmlns:p="{profile_namespace(noun)}"><p:UsagePoint><p:mRID>{mrid}</p:mRID>'
        f"</p:UsagePoint></p:{noun}>"
    ).encode()


# --- the bus behind the gateway ---------------------------------------------------------------


@dataclass
class Ledger:
    """Every message that reached the bus's adapter and subscriber or the reply handler."""

    seen: dict[str, env.Message] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def record(self, message: env.Message) -> None:
        """Note ``message`` under its MessageID."""
        assert not isinstance(message, env.FaultMessage)
        with self._cond:
            self.seen[message.header.message_id or ""] = message
            self._cond.notify_all()

    def wait(self, message_id: str, timeout: float = 5.0) -> env.Message:
        """The message recorded as ``message_id``, waiting up to ``timeout`` s for it."""
        with self._cond:
            if not self._cond.wait_for(lambda: message_id in self.seen, timeout):
                raise AssertionError(f"{message_id} never reached the bus or the reply handler")
            return self.seen[message_id]


def adapter(ledger: Ledger) -> Any:
    """A handler recording each request and answering it OK; a get with a profile document
    whose mRID names the request."""

    def handle(delivery: Delivery) -> env.Message:
        request = delivery.message
        assert isinstance(request, env.RequestMessage)
        ledger.record(request)
        h = request.header
        payload = None
        if h.verb is env.Verb.GET:
            doc = env.fragment_of(profile_xml(h.noun, f"got-{h.message_id}"))
            payload = env.Payload(elements=(doc,))
        return env.reply_to(request, payload=payload, source="MDM")

    return handle


@dataclass
class Contract:
    """The running gateway: its endpoint, what reached the bus, the zeep transport to use."""

    url: str
    ledger: Ledger
    transport: zeep.Transport


@pytest.fixture(scope="module", name="contract")
def contract_fixture() -> Iterator[Contract]:
    """The gateway with its catalog on loopback, every typed noun served on the bus behind it."""
    ledger = Ledger()
    bus = MemoryTransport(retry_delay=0.01)
    for noun in TYPED_NOUNS:
        bus.subscribe(request_queue(noun), request_bindings(noun), adapter(ledger))
    events = sorted(f"*.{verb.value}" for verb in env.EVENT_VERBS)
    bus.subscribe("contract.events", events, lambda d: ledger.record(d.message))
    # WSDL contracts, not payload content: every noun carries the same UsagePoint document
    config = SoapConfig(timeout=10, check_payloads=False)
    app = SoapApp(bus, config, catalog=CATALOG, on_reply=ledger.record)
    server = HttpServer(app, HttpSettings(port=0, threads=8))
    url = server.start()
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment for loopback
    transport = zeep.Transport(session=session, timeout=10)
    try:
        yield Contract(url, ledger, transport)
    finally:
        server.stop()
        app.close()
        bus.close()


# --- messages and checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One operation call: what to send, and what the gateway must have done with it."""

    operation: str
    kind: str
    verb: env.Verb
    noun: str
    message_id: str
    arguments: dict[str, Any]
    answers: str | None = None
    """For a reply: the MessageID of the request it answers."""


def header(verb: env.Verb, noun: str, message_id: str, **more: Any) -> dict[str, Any]:
    """A minimal Header as zeep takes it."""
    return {
        "Verb": verb.value,
        "Noun": noun,
        "Timestamp": WHEN,
        "Source": "CIS",
        "MessageID": message_id,
        **more,
    }


def our_call(op: OperationSpec) -> Call:
    """A call of an operation of a served WSDL: CIM content as an lxml element (``xs:any``)."""
    mid = str(uuid.uuid4())
    namespace, local = op.input[1:].split("}", 1)
    typed = parse_typed_root(namespace, local)
    if typed is None:  # the generic service: a get through Request, an event through PublishEvent
        verb = env.Verb.GET if op.kind == "RequestMessage" else env.Verb.CREATED
        noun = TYPED_NOUNS[0]
    else:
        verb = typed.verb or env.Verb.REPLY
        noun = typed.noun
    cim = {"_value_1": [etree.fromstring(profile_xml(noun, f"sent-{mid}"))]}
    content: dict[str, Any] = {"Header": header(verb, noun, mid)}
    answers = None
    if verb is env.Verb.GET:
        content["Request"] = {"ID": [{"_value_1": "up-1", "kind": "name"}]}
    elif op.kind == "ResponseMessage":
        answers = str(uuid.uuid4())
        content["Header"]["CorrelationID"] = answers
        content |= {"Reply": {"Result": "OK"}, "Payload": cim}
    else:
        content["Payload"] = cim
    arguments = content if typed else {"message": content}
    return Call(op.name, op.kind, verb, noun, mid, arguments, answers)


def published_call(operation: str, noun: str, get: bool) -> Call:
    """A call of an operation of a published WSDL: CIM content as the profile's own type."""
    mid = str(uuid.uuid4())
    typed = parse_typed_root(wrapper_namespace(noun, get=get), operation)
    assert typed is not None and typed.verb is not None, operation
    content: dict[str, Any] = {"Header": header(typed.verb, noun, mid)}
    if get:
        content["Request"] = {"ID": ["up-1"]}
    else:
        content["Payload"] = {noun: {"UsagePoint": [{"mRID": f"sent-{mid}"}]}}
    return Call(operation, typed.kind, typed.verb, noun, mid, content)


def check(answer: Any, call: Call, ledger: Ledger) -> env.Message:
    """The answer is an OK ResponseMessage correlated to the call, and the message reached the
    adapter (requests), a subscriber (events) or the reply handler (replies) as it was sent;
    returns what arrived there."""
    assert answer.Header.Verb == "reply" and answer.Header.Noun == call.noun
    assert answer.Header.CorrelationID == call.message_id
    assert answer.Reply.Result == "OK", answer.Reply
    arrived = ledger.wait(call.message_id)
    assert arrived.kind == call.kind
    assert isinstance(arrived, env.RequestMessage | env.EventMessage | env.ResponseMessage)
    assert (arrived.header.verb, arrived.header.noun) == (call.verb, call.noun)
    if call.answers is not None:
        assert arrived.header.correlation_id == call.answers
    if call.verb is not env.Verb.GET:
        assert arrived.payload is not None
        (element,) = arrived.payload.elements
        ns = profile_namespace(call.noun)
        assert element.tag == f"{{{ns}}}{call.noun}"
        mrid = etree.fromstring(element.xml).findtext(f"{{{ns}}}UsagePoint/{{{ns}}}mRID")
        assert mrid == f"sent-{call.message_id}"
    return arrived


def got_mrid(answer: Any, noun: str) -> str:
    """The mRID in a get answer's payload, read as zeep gives it (``xs:any`` or typed)."""
    payload = answer.Payload
    if "_value_1" in payload:
        (element,) = payload["_value_1"]
        return str(element.findtext(f"{{{profile_namespace(noun)}}}UsagePoint/*"))
    return str(payload[noun].UsagePoint[0].mRID)


# --- every WSDL the gateway serves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "query"), CATALOG.services(), ids=[name for name, _ in CATALOG.services()]
)
def test_zeep_client_from_each_served_wsdl_calls_every_operation(contract, service, query):
    """zeep builds a client from ``?wsdl[=Service]`` on the server; on both the SOAP 1.1 and
    1.2 ports, addressed at the endpoint the client used, every operation is answered OK and
    correlated: a get with the adapter's payload, a request by the adapter, an event after it
    reached the bus, a ``Reply{Noun}`` after the reply handler took it."""
    spec = CATALOG.service(service)
    assert spec is not None
    client = zeep.Client(f"{contract.url}?{query}", transport=contract.transport, settings=SETTINGS)
    (wsdl_service,) = client.wsdl.services.values()
    ports = wsdl_service.ports
    assert set(ports) == {spec.port_type, spec.port_type + "12"}
    for port_name, port in ports.items():
        assert port.binding_options["address"] == contract.url
        assert set(port.binding._operations) == {op.name for op in spec.operations}
        proxy = client.bind(service, port_name)
        for op in spec.operations:
            call = our_call(op)
            answer = getattr(proxy, op.name)(**call.arguments)
            check(answer, call, contract.ledger)
            if call.verb is env.Verb.GET:
                assert got_mrid(answer, call.noun) == f"got-{call.message_id}", port_name


# --- the published WSDLs of IEC 61968-100 -----------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("noun", PUBLISHED)
@pytest.mark.parametrize("pattern", ["Get", "Request", "Reply"])
def test_client_from_published_wsdl_calls_every_operation_of_the_gateway(contract, pattern, noun):
    """A zeep client built from the IEC WSDL files (their own XSDs, profile-typed payloads),
    pointed at the gateway, succeeds for each operation: the soapActions, element names and
    namespaces of the standard are ours; the answers parse strictly against the IEC schemas."""
    require_corpus()
    path = SHARED_DATA / "iec61968-100" / "wsdl" / noun / "wsdl" / f"{pattern}{noun}Message.wsdl"
    client = zeep.Client(str(path), transport=contract.transport, settings=SETTINGS)
    ((binding_name, binding),) = client.wsdl.bindings.items()
    proxy = client.create_service(binding_name, contract.url)
    operations = list(binding._operations)
    assert len(operations) == (1 if pattern == "Get" else 5)
    for operation in operations:
        call = published_call(operation, noun, get=pattern == "Get")
        answer = getattr(proxy, operation)(**call.arguments)
        arrived = check(answer, call, contract.ledger)
        if pattern == "Get":
            assert isinstance(arrived, env.RequestMessage) and arrived.request is not None
            assert [i.value for i in arrived.request.ids] == ["up-1"]
            assert got_mrid(answer, noun) == f"got-{call.message_id}"


@pytest.mark.corpus
@pytest.mark.parametrize("noun", PUBLISHED)
def test_asynchronous_answer_follows_the_published_reply_contract(contract, receiver, noun):
    """A create from the published Request WSDL asking for an asynchronous reply is acknowledged
    (0.3); the answer POSTed to its ReplyAddress is the published Reply WSDL's ``Created{Noun}``,
    with its soapAction, valid against the IEC message schema and correlated to the request."""
    require_corpus()
    folder = SHARED_DATA / "iec61968-100" / "wsdl" / noun / "wsdl"
    client = zeep.Client(
        str(folder / f"Request{noun}Message.wsdl"), transport=contract.transport, settings=SETTINGS
    )
    ((binding_name, _),) = client.wsdl.bindings.items()
    proxy = client.create_service(binding_name, contract.url)
    call = published_call(f"Create{noun}", noun, get=False)
    call.arguments["Header"] |= {"AsyncReplyFlag": True, "ReplyAddress": receiver.url}
    answer = getattr(proxy, call.operation)(**call.arguments)
    assert answer.Header.CorrelationID == call.message_id and answer.Reply.Result == "OK"
    assert [e.code for e in answer.Reply.Error] == ["0.3"]
    (posted,) = receiver.wait(1)
    assert posted.headers["soapaction"] == f'"http://iec.ch/TC57/2011/{noun}/Created{noun}"'
    body = etree.fromstring(posted.body).find(f"{{{SOAP11_ENV}}}Body")
    assert body is not None and len(body) == 1
    schema = etree.XMLSchema(etree.parse(str(folder / "xsd" / f"{noun}Message.xsd")))
    assert schema.validate(body[0]), str(schema.error_log.last_error)
    assert body[0].tag == f"{{{wrapper_namespace(noun)}}}Created{noun}"
    m = env.MESSAGE_NS
    assert body[0].findtext(f".//{{{m}}}CorrelationID") == call.message_id


# --- the HTTP boundary of the catalog ---------------------------------------------------------

PASSWD_MARKER = b"root:x:0:0"
"""The start of /etc/passwd on every Unix: must never be served."""


@pytest.mark.parametrize(
    "target",
    [
        "?xsd=../../etc/passwd",
        "?wsdl=../../etc/passwd",
        "?xsd=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "?xsd=/etc/passwd",
        "?xsd=file:///etc/passwd",
        "?xsd=Message%00/../../../etc/passwd",
        "?xsd=Message&xsd=../../etc/passwd",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd?wsdl",
    ],
)
def test_catalog_urls_cannot_reach_files(contract, target):
    """A GET naming a path instead of a document is 404 in plain text, without file content:
    documents are generated by name, nothing is read from disk."""
    reply = request("GET", contract.url + target)
    assert reply.status == 404 and reply.content_type.startswith("text/plain")
    assert PASSWD_MARKER not in reply.body and b"<html" not in reply.body.lower()


@pytest.mark.parametrize("query", ["wsdl", "WSDL", "wsdl=GetMeterReadings", "xsd=Message"])
def test_post_to_a_document_url_is_404_and_reaches_nothing(contract, query):
    """A SOAP request POSTed to ``?wsdl`` or ``?xsd=`` is refused 404 with a SOAP Fault (1.8),
    neither served the document nor put on the bus."""
    message = env.RequestMessage(env.make_header("get", TYPED_NOUNS[0], source="CIS"))
    reply = post(f"{contract.url}?{query}", soap_envelope(body_of(message)))
    assert reply.status == 404 and fault_code(reply) == "1.8"
    assert b"definitions" not in reply.body and b"<xs:schema" not in reply.body
    assert message.header.message_id not in contract.ledger.seen


def test_served_addresses_follow_the_host_the_client_used(contract):
    """The port addresses and schema locations of a served WSDL are the endpoint as the client
    reached it (its Host), so a client behind another name is sent back to that name."""
    host = "gateway.example:8443"
    reply = request("GET", f"{contract.url}?wsdl=RequestMeterReadings", headers={"Host": host})
    reached = f"http://{host}/cimbus"
    assert reply.status == 200
    doc = etree.fromstring(reply.body)
    addresses = doc.xpath("//*[local-name()='address']/@location")
    assert addresses == [reached, reached]
    locations = doc.xpath("//@schemaLocation")
    assert locations and all(loc.startswith(f"{reached}?xsd=") for loc in locations)
