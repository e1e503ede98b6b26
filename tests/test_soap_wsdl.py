"""The gateway's WSDLs: answered by query with the serving endpoint, named as the published IEC
WSDLs, read by zeep over real HTTP, whose messages validate against the schemas and decode back."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import zeep
from cheroot import wsgi
from lxml import etree

import bus.envelope as env
from bus.envelope.typed import parse_typed_root
from bus.soap.catalog import CONTENT_TYPE, TYPED_NOUNS, Catalog
from bus.soap.gateway import reply_action
from bus.soap.schema import ABSTRACT_MESSAGE, schema_url
from bus.soap.wsdl import SOAP11_NS, SOAP12_NS, typed_service
from cim.errors import InvalidNoun

from soap_schemas import ALL, CATALOG, ENDPOINT, assert_valid

DOCS = Path(__file__).resolve().parents[1] / "docs"
WHEN = datetime(2024, 3, 18, 6, 15, 2, tzinfo=UTC)
READINGS = (
    b'<r:MeterReadings xmlns:r="http://iec.ch/TC57/2011/MeterReadings#">'
    b"<r:MeterReading/></r:MeterReadings>"
)


def test_lookup_answers_the_queries_partners_send():
    """``wsdl`` (any case), ``wsdl=Service`` and ``xsd=Name`` answer; anything else is None."""
    generic = CATALOG.lookup("wsdl", ENDPOINT)
    assert generic is not None and generic[0] == CONTENT_TYPE
    assert CATALOG.lookup("WSDL", ENDPOINT) == generic
    assert CATALOG.lookup("wsdl=Generic", ENDPOINT) == generic
    got = CATALOG.lookup("wsdl=GetMeterReadings", ENDPOINT)
    assert got is not None and b'<wsdl:service name="GetMeterReadings">' in got[1]
    junk = ("", "wsdl=GetNothing", "xsd=Nope", "xsd=", "wsdl&xsd=Message", "foo=bar", "&" * 10**5)
    for query in junk:
        assert CATALOG.lookup(query, ENDPOINT) is None, query
    assert len(CATALOG.services()) == 1 + 6 * len(TYPED_NOUNS)
    assert CATALOG.services()[0] == ("Generic", "wsdl")


def test_catalog_refuses_nouns_that_collide_or_are_not_names():
    """Two nouns naming the same service or schema, or a noun that is not a name, are refused."""
    with pytest.raises(ValueError, match="twice"):
        Catalog(["MeterReadings", "MeterReadings"])
    with pytest.raises(ValueError, match="twice"):
        Catalog(["Foo", "GetFoo"])  # Get{Foo}Message is the plain schema of the noun GetFoo
    with pytest.raises(InvalidNoun):
        Catalog(["Meter Readings"])
    assert Catalog(["WorkRequests"]).schema_names() == [
        "Message",
        "Abstract",
        "WorkRequestsMessage",
        "GetWorkRequestsMessage",
    ]


def test_documents_carry_the_endpoint_given_at_serve_time():
    """The address and every schema location use the endpoint, escaped as XML."""
    endpoint = "https://gw.example:8443/cim/soap;v=1&x"
    body = (CATALOG.lookup("wsdl=ReplyEndDeviceControls", endpoint) or ("", b""))[1]
    doc = etree.fromstring(body)
    addresses = doc.xpath(
        "//soap:address/@location | //soap12:address/@location",
        namespaces={"soap": SOAP11_NS, "soap12": SOAP12_NS},
    )
    assert addresses == [endpoint, endpoint]
    locations = doc.xpath("//@schemaLocation")
    assert locations == [
        schema_url(endpoint, "Message"),
        schema_url(endpoint, "EndDeviceControlsMessage"),
    ]


def test_services_follow_the_published_names():
    """Service, port type, binding, operations and soapActions follow the IEC WSDLs."""
    get = typed_service("Get", "UsagePointConfig")
    assert (get.namespace, get.port_type, get.binding) == (
        "http://iec.ch/TC57/2011/GetUsagePointConfig",
        "GetUsagePointConfig_Port",
        "GetUsagePointConfig_Binding",
    )
    assert get.operations[0].soap_actions == (
        "http://iec.ch/TC57/2011/GetUsagePointConfig/GetUsagePointConfig",
        "http://iec.ch/TC57/2011/UsagePointConfig/GetUsagePointConfig",
    )
    execute = typed_service("Execute", "EndDeviceControls")
    assert [op.name for op in execute.operations] == [
        f"{v}EndDeviceControls" for v in ("Create", "Change", "Cancel", "Close", "Delete")
    ]
    assert (
        execute.operations[0].soap_action
        == "http://iec.ch/TC57/2011/EndDeviceControls/CreateEndDeviceControls"
    )
    reply = typed_service("Reply", "MeterReadings")
    events = [f"{v}MeterReadings" for v in ("Created", "Changed", "Canceled", "Closed", "Deleted")]
    assert [op.name for op in reply.operations] == [*events, "ReplyMeterReadings"]
    response = "{http://iec.ch/TC57/2011/MeterReadingsMessage}MeterReadingsResponseMessage"
    answer = reply.operations[-1]
    assert (answer.input, answer.output, answer.kind) == (response, response, "ResponseMessage")
    assert answer.soap_action == reply_action("MeterReadings")  # what the gateway sends
    with pytest.raises(ValueError, match="unknown service kind"):
        typed_service("Publish", "MeterReadings")


# --- zeep, over real HTTP on loopback ---------------------------------------------------------


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    """The catalog served by a tiny cheroot WSGI app on 127.0.0.1; yields its endpoint."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        endpoint = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
        found = CATALOG.lookup(environ.get("QUERY_STRING", ""), endpoint)
        if found is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        content_type, body = found
        start_response(
            "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        return [body]

    server = wsgi.Server(("127.0.0.1", 0), app)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.bind_addr[1]}/soap"
    finally:
        server.stop()
        thread.join(10)


def zeep_client(url: str) -> zeep.Client:
    """A zeep client for ``url`` that ignores proxy settings of the environment."""
    session = requests.Session()
    session.trust_env = False
    return zeep.Client(url, transport=zeep.Transport(session=session, timeout=10))


def zeep_payloads() -> list[dict[str, Any]]:
    """One Payload of each kind, as zeep takes it: CIM content, IDs, Compressed, OperationSet."""
    cim = etree.fromstring(READINGS)
    return [
        {"_value_1": [cim], "Format": "XML"},
        {"ID": [{"_value_1": "x", "kind": "uuid"}, {"_value_1": "y"}]},
        {"Compressed": env.compress(b"<x/>")},
        {"OperationSet": {"enforceMsgSequence": True, "Operation": [{"operationId": 1}]}},
    ]


def zeep_args(op_input: str, kind: str, index: int) -> dict[str, Any]:
    """Keyword arguments for zeep's message builder: a header agreeing with the operation and
    the ``index``-th kind of payload."""
    ns, local = op_input[1:].split("}", 1)
    typed = parse_typed_root(ns, local)
    if typed is not None and typed.verb is not None:
        verb = typed.verb.value
    else:
        verb = {"RequestMessage": "get", "EventMessage": "created"}.get(kind, "reply")
    header = {
        "Verb": verb,
        "Noun": typed.noun if typed else "MeterReadings",
        "MessageID": "m-1",
        "Timestamp": WHEN,
        "User": {"UserID": "u"},
    }
    payloads = zeep_payloads()
    content: dict[str, Any] = {"Header": header, "Payload": payloads[index % len(payloads)]}
    if kind == "RequestMessage":
        options = [{"name": "a", "value": "b"}]
        content["Request"] = {"Option": options, "ID": [{"_value_1": "y", "kind": "name"}]}
    elif kind == "ResponseMessage":
        content["Reply"] = {"Result": "FAILED", "Error": [{"code": "2.4", "level": "WARNING"}]}
    return content if typed else {"message": content}


def decode_body(body: etree._Element, kind: str) -> env.Message:
    """The codec's reading of a SOAP body element; a generic body's ``message`` is re-tagged as
    the envelope element it stands for, as the server does."""
    inner = body.find(ABSTRACT_MESSAGE)
    if inner is not None:
        inner.tag = f"{{{env.MESSAGE_NS}}}{kind}"
        body = inner
    return env.decode(etree.tostring(body))


@pytest.mark.parametrize(
    ("service", "query"), CATALOG.services(), ids=[s for s, _ in CATALOG.services()]
)
def test_zeep_builds_a_client_and_every_message_from_each_wsdl(gateway, service, query):
    """zeep reads the WSDL over HTTP; both bindings carry the expected operations and
    soapActions; each message zeep builds validates against the schemas and decodes back."""
    spec = CATALOG.service(service)
    assert spec is not None
    client = zeep_client(f"{gateway}?{query}")
    bindings = {b.name.localname: b for b in client.wsdl.bindings.values()}
    assert set(bindings) == {spec.binding, spec.binding + "12"}
    expected = {op.name: op.soap_action for op in spec.operations}
    for binding in bindings.values():
        assert {n: o.soapaction for n, o in binding._operations.items()} == expected
    for index, op in enumerate(spec.operations):
        args = zeep_args(op.input, op.kind, index + len(service))
        envelope = client.create_message(client.service, op.name, **args)
        body = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
        assert body.tag == op.input
        assert_valid(ALL, body)
        message = decode_body(body, op.kind)
        assert message.kind == op.kind


def test_examples_in_the_partner_guide_validate_and_decode():
    """Every SOAP example in docs/soap.md validates against the served schemas and decodes."""
    blocks = re.findall(r"```xml\n(.*?)```", (DOCS / "soap.md").read_text(), re.S)
    assert len(blocks) >= 11
    for block in blocks:
        envelope = etree.fromstring(block.encode())
        body = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        assert body is not None and len(body) == 1, block[:200]
        assert_valid(ALL, body[0])
        name = etree.QName(body[0])
        typed = parse_typed_root(name.namespace, name.localname)
        generic = {"Request": "RequestMessage", "PublishEvent": "EventMessage"}
        kind = typed.kind if typed else generic.get(name.localname, "ResponseMessage")
        assert decode_body(body[0], kind).kind == kind


def test_profile_query_serves_the_message_profile_xsd():
    """?profile=NOUN serves the XSD of that noun's message profile, the one `cimbus cim xsd`
    writes; it compiles and accepts the profile's sample. An unknown noun is None (404)."""
    from cim.profiles import METER_READINGS, PROFILES, to_xml
    from cim.profiles.samples import interval_readings
    from cim.profiles.xsd import profile_xsd

    catalog = Catalog()
    for noun, profile in PROFILES.items():
        found = catalog.lookup(f"profile={noun}", "http://h/cimbus")
        assert found is not None and found[1] == profile_xsd(profile)
    _, body = catalog.lookup("profile=MeterReadings", "http://h/cimbus") or ("", b"")
    schema = etree.XMLSchema(etree.fromstring(body))
    schema.assertValid(etree.fromstring(to_xml(METER_READINGS, interval_readings(3))))
    assert catalog.lookup("profile=Nope", "http://h/cimbus") is None
