"""The IEC 61968-100 codec: examples, every form, golden output, strict models, helpers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

import bus.envelope as env
from cim.errors import CimbusError, InvalidNoun, InvalidVerb, OversizeMessage, PayloadError

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
MR_NS = "http://iec.ch/TC57/2011/MeterReadings#"


def _example(name: str) -> env.Message:
    return env.decode((EXAMPLES / name).read_bytes())


def full_request() -> env.RequestMessage:
    """A request that uses every header and request field."""
    profile = env.XmlFragment(
        f'<m:GetMeterReadings xmlns:m="{MR_NS}"><m:Meter><m:mRID>a&amp;b</m:mRID></m:Meter>'
        "</m:GetMeterReadings>".encode(),
        f"{{{MR_NS}}}GetMeterReadings",
    )
    ext = env.XmlFragment(
        b'<x:Trace xmlns:x="urn:example:trace" hop="1">r\xc3\xa9seau</x:Trace>',
        "{urn:example:trace}Trace",
    )
    header = env.Header(
        env.Verb.GET,
        "MeterReadings",
        revision="2.0",
        replay_detection=env.ReplayDetection("n-1", datetime(2024, 3, 18, 7, tzinfo=UTC)),
        context="TESTING",
        timestamp=datetime(2024, 3, 18, 7, 0, 0, 250000, tzinfo=UTC),
        source="CIS",
        async_reply_flag=True,
        reply_address="cis.replies",
        ack_required=False,
        user=env.User("ops", "Northgrid"),
        message_id="m-1",
        correlation_id="c-1",
        comment='1 < 2 & "quoted"',
        properties=(env.Property("region", "north"), env.Property("flag")),
        extensions=(ext,),
    )
    request = env.Request(
        start_time=datetime(2024, 3, 17, tzinfo=timezone(timedelta(hours=1))),
        end_time=datetime(2024, 3, 18),
        options=(env.Option("ReadingType", "0.0.2"),),
        ids=(
            env.ObjectID(
                "8d6f",
                id_type="mRID",
                id_authority="Northgrid",
                kind=env.IdKind.UUID,
                object_type="Meter",
            ),
        ),
        profile=(profile,),
    )
    return env.RequestMessage(header, request)


def test_example_request_decodes_every_field():
    """The get-request example decodes with its header, options and FDIS ID attributes."""
    m = _example("meterreadings-get-request.xml")
    assert isinstance(m, env.RequestMessage)
    h = m.header
    assert (h.verb, h.noun, h.source, h.context) == (
        env.Verb.GET,
        "MeterReadings",
        "CIS",
        "PRODUCTION",
    )
    assert h.timestamp == datetime(2024, 3, 18, 6, tzinfo=UTC)
    assert h.async_reply_flag is True and h.ack_required is True
    assert h.user == env.User("billing-batch", "Northgrid")
    assert m.request is not None and m.request.options == (
        env.Option("ReadingType", "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"),
    )
    assert m.request.ids[1] == env.ObjectID(
        "LGZ-0045187233", "MeterSerial", "Northgrid", env.IdKind.NAME, None
    )
    assert h.revision is None and h.comment is None and m.payload is None


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir()))
def test_every_example_round_trips_in_every_form(name):
    """Each example survives generic XML, typed XML, SOAP 1.1/1.2 and JSON unchanged."""
    m = _example(name)
    noun = "MeterReadings" if isinstance(m, env.FaultMessage) else None
    for data in (
        env.encode_xml(m),
        env.encode_xml(m, form="typed", noun=noun),
        env.encode_json(m),
        env.encode_soap(m, version="1.1"),
        env.encode_soap(m, version="1.2", form="typed", noun=noun),
    ):
        assert env.decode(data) == m


def test_typed_soap_example_equals_its_generic_form():
    """The per-noun SOAP example and its generic rewrite parse into the same model."""
    typed = _example("enddevicecontrols-create-soap.xml")
    assert isinstance(typed, env.RequestMessage) and typed.payload is not None
    assert typed.payload.elements[0].localname == "EndDeviceControls"
    assert env.decode(env.encode_xml(typed)) == typed
    root = etree.fromstring(env.encode_xml(typed, form="typed"))
    assert root.tag == "{http://iec.ch/TC57/2011/EndDeviceControlsMessage}CreateEndDeviceControls"


def test_get_typed_form_uses_get_namespace_for_request_children():
    """A typed get is GetX in GetXMessage, with StartTime/ID in that namespace as the WSDLs say."""
    root = etree.fromstring(env.encode_xml(full_request(), form="typed"))
    ns = "http://iec.ch/TC57/2011/GetMeterReadingsMessage"
    assert root.tag == f"{{{ns}}}GetMeterReadings"
    request = root.find(f"{{{ns}}}Request")
    assert request is not None and request.find(f"{{{ns}}}StartTime") is not None


def test_golden_xml_and_json():
    """A request using every field is written exactly as the golden files record."""
    m = full_request()
    assert env.encode_xml(m) == (GOLDEN / "full-request.xml").read_bytes()
    assert env.encode_xml(m, form="typed") == (GOLDEN / "full-request-typed.xml").read_bytes()
    assert env.encode_json(m, indent=2) == (GOLDEN / "full-request.json").read_bytes()
    for name in ("full-request.xml", "full-request-typed.xml", "full-request.json"):
        assert env.decode((GOLDEN / name).read_bytes()) == m


def test_payload_keeps_namespaces_used_only_in_qname_values():
    """A prefix declared on the envelope and used only inside xsi:type survives the round trip."""
    data = (
        b'<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message" '
        b'xmlns:cim="http://iec.ch/TC57/CIM100#" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Header><Verb>changed</Verb>'
        b'<Noun>Switches</Noun></Header><Payload><s:Switches xmlns:s="urn:s">'
        b'<s:Switch xsi:type="cim:Breaker"/></s:Switches></Payload></EventMessage>'
    )
    m = env.decode(data)
    assert isinstance(m, env.EventMessage) and m.payload is not None
    frag = etree.fromstring(m.payload.elements[0].xml)
    switch = frag[0]
    prefix, _, local = switch.get("{http://www.w3.org/2001/XMLSchema-instance}type").partition(":")
    assert (switch.nsmap[prefix], local) == ("http://iec.ch/TC57/CIM100#", "Breaker")
    assert b"schema/message" not in m.payload.elements[0].xml  # unused envelope ns dropped
    again = env.decode(env.encode_xml(m))
    assert again == m


def test_draft_generic_message_element_takes_its_kind_from_the_verb():
    """The draft's generic <Message> element parses as Request, Event or Response by verb."""
    for verb, kind in (("get", env.RequestMessage), ("created", env.EventMessage)):
        data = (
            f'<Message xmlns="http://iec.ch/TC57/2011/schema/message"><Header><Verb>{verb}'
            f"</Verb><Noun>MeterReadings</Noun></Header></Message>"
        ).encode()
        assert isinstance(env.decode(data), kind)


def test_fdis_free_context_and_optional_organization_are_accepted():
    """FDIS relaxations: any Context string, User without Organization."""
    data = (
        b'<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Header><Verb>created'
        b"</Verb><Noun>X</Noun><Context>ACCEPTANCE</Context><User><UserID>u</UserID></User>"
        b"</Header></EventMessage>"
    )
    m = env.decode(data)
    assert isinstance(m, env.EventMessage)
    assert m.header.context == "ACCEPTANCE" and m.header.user == env.User("u", None)


def test_soap_fault_carrying_a_fault_message_decodes_to_it():
    """A SOAP Fault whose detail holds a FaultMessage decodes to that FaultMessage."""
    data = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Client</faultcode><faultstring>bad</faultstring><detail>"
        b'<FaultMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Reply><Result>FAILED'
        b"</Result><Error><code>1.8</code></Error></Reply></FaultMessage></detail></s:Fault>"
        b"</s:Body></s:Envelope>"
    )
    m = env.decode(data)
    assert isinstance(m, env.FaultMessage) and m.reply.errors[0].code == "1.8"


def test_compressed_payload_round_trip_and_bomb_refused():
    """Compressed payloads inflate back to the original; inflating past the limit is refused."""
    body = b"<m:MeterReadings xmlns:m='urn:x'/>" * 100
    payload = env.Payload(compressed=env.compress(body), format="XML")
    m = env.EventMessage(env.make_header("created", "MeterReadings"), payload)
    back = env.decode(env.encode_xml(m))
    assert isinstance(back, env.EventMessage) and back.payload is not None
    assert env.decompress(back.payload.compressed or "") == body
    bomb = env.compress(b"\0" * 2_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(OversizeMessage):
        env.decompress(bomb, max_bytes=1_000_000)
    with pytest.raises(PayloadError):
        env.decompress(env.compress(body)[:40])


def test_models_are_strict_and_immutable():
    """Verbs must fit the message kind, nouns must be names, payloads hold one kind, no mutation."""
    with pytest.raises(InvalidVerb):
        env.RequestMessage(env.make_header("created", "X"))
    with pytest.raises(InvalidVerb):
        env.EventMessage(env.make_header("create", "X"))
    with pytest.raises(InvalidVerb):
        env.ResponseMessage(env.make_header("get", "X"), env.Reply(env.Result.OK))
    with pytest.raises(InvalidNoun):
        env.make_header("get", "Meter Readings")
    with pytest.raises(PayloadError):
        env.Payload(elements=(env.XmlFragment(b"<a/>", "a"),), compressed="AA==")
    m = full_request()
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.header.noun = "Other"  # type: ignore[misc]


def test_reply_to_correlates_with_the_request():
    """reply_to answers with verb reply, the same noun and CorrelationID = request MessageID."""
    req = full_request()
    reply = env.reply_to(req, result=env.Result.FAILED, errors=(env.Error("2.4"),), source="MDM")
    assert reply.header.verb is env.Verb.REPLY and reply.header.noun == "MeterReadings"
    assert reply.header.correlation_id == "m-1" and reply.header.message_id not in (None, "m-1")
    assert reply.reply.result is env.Result.FAILED and reply.header.source == "MDM"


def test_failure_answer_is_a_fault_when_nothing_was_readable():
    """Unparseable input is answered with a FaultMessage carrying the code and reason."""
    with pytest.raises(CimbusError) as caught:
        env.decode(b"<not-closed")
    answer = env.failure_answer(caught.value)
    assert isinstance(answer, env.FaultMessage)
    assert answer.reply.result is env.Result.FAILED and answer.reply.errors[0].code == "1.8"
