"""What cimbus writes validates against the real IEC 61968-100 schemas, and the parser agrees
with the schema about what is invalid."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import bus.envelope as env

from fdis_schema import fdis_schema

pytestmark = pytest.mark.corpus
FDIS_ONLY = {"meterreadings-get-request.xml"}  # ID attributes exist only in the FDIS schema


@pytest.fixture(scope="module")
def fdis_xsd(shared_data: Path) -> etree.XMLSchema:
    """Message.xsd amended in memory with the FDIS changes."""
    return fdis_schema(shared_data / "iec61968-100" / "Message.xsd")


def _validate(schema: etree.XMLSchema, data: bytes) -> None:
    doc = etree.fromstring(data)
    assert schema.validate(doc), str(schema.error_log.last_error)


def test_examples_written_generic_validate_against_draft_xsd(message_xsd, example_files):
    """Every shipped example, written by cimbus, validates against the real draft Message.xsd
    unless it uses FDIS-only features."""
    checked = 0
    for path in example_files:
        if path.name in FDIS_ONLY:
            continue
        _validate(message_xsd, env.encode_xml(env.decode(path.read_bytes())))
        checked += 1
    assert checked >= 5


def test_fdis_features_fail_draft_and_pass_fdis_schema(message_xsd, fdis_xsd, example_files):
    """ID attributes are refused by the draft schema and accepted by its FDIS amendment."""
    for path in example_files:
        data = env.encode_xml(env.decode(path.read_bytes()))
        _validate(fdis_xsd, data)
        if path.name in FDIS_ONLY:
            assert not message_xsd.validate(etree.fromstring(data))


def test_full_fdis_reply_validates(fdis_xsd):
    """A reply using every Error field, including FDIS ID, relatedID and serialNumber, validates."""
    err = env.Error(
        code="2.4",
        level=env.Level.WARNING,
        reason="Meter not found",
        details="no such serial",
        xpath="/RequestMessage/Request/ID[2]",
        stack_trace="trace",
        location=env.Location(node="mdm-01", pipeline="get", stage="lookup"),
        id=env.ObjectID("LGZ-1", id_type="MeterSerial", kind=env.IdKind.NAME),
        related_ids=(env.ObjectID("u-1", kind=env.IdKind.UUID),),
        object=env.ErrorObject(
            mrid="m-1",
            serial_number="LGZ-1",
            names=(
                env.Name(
                    "meter 1", env.NameType("asset", "tag", env.NameTypeAuthority("utility", "us"))
                ),
            ),
            object_type="Meter",
        ),
        operation_id=3,
    )
    msg = env.ResponseMessage(
        env.make_header("reply", "MeterReadings", correlation_id="abc", context="ACCEPTANCE"),
        env.Reply(
            env.Result.PARTIAL,
            (err,),
            (env.ObjectID("t-9", kind=env.IdKind.TRANSACTION),),
            operation_id=3,
        ),
        env.Payload(ids=(env.ObjectID("x"),), format="XML"),
    )
    _validate(fdis_xsd, env.encode_xml(msg))
    assert env.decode(env.encode_xml(msg)) == msg


def _typed_schema(shared_data: Path, noun: str, get: bool) -> etree.XMLSchema:
    name = f"{'Get' if get else ''}{noun}Message.xsd"
    return etree.XMLSchema(
        etree.parse(str(shared_data / "iec61968-100" / "wsdl" / noun / "wsdl" / "xsd" / name))
    )


UPC = (
    '<u:UsagePointConfig xmlns:u="http://iec.ch/TC57/2011/UsagePointConfig#"><u:UsagePoint>'
    "<u:mRID>2a3b4c5d</u:mRID><u:isSdp>true</u:isSdp></u:UsagePoint></u:UsagePointConfig>"
)


@pytest.mark.parametrize("verb", ["create", "change", "cancel", "close", "delete"])
def test_typed_request_validates_against_real_per_noun_xsd(shared_data, verb):
    """A typed {Verb}UsagePointConfig written by cimbus validates against the WSDL's own XSD."""
    payload = env.Payload(
        (
            env.XmlFragment(
                UPC.encode(), "{http://iec.ch/TC57/2011/UsagePointConfig#}UsagePointConfig"
            ),
        )
    )
    msg = env.RequestMessage(env.make_header(verb, "UsagePointConfig", source="CIS"), None, payload)
    data = env.encode_xml(msg, form="typed")
    assert etree.fromstring(data).tag.endswith(f"}}{verb.capitalize()}UsagePointConfig")
    _validate(_typed_schema(shared_data, "UsagePointConfig", get=False), data)
    assert env.decode(data) == msg


def test_typed_get_and_its_reply_validate_against_real_get_xsd(shared_data):
    """GetUsagePointConfig and its typed reply validate against GetUsagePointConfigMessage.xsd."""
    schema = _typed_schema(shared_data, "UsagePointConfig", get=True)
    request = env.RequestMessage(
        env.make_header("get", "UsagePointConfig"),
        env.Request(options=(env.Option("detail", "full"),), ids=(env.ObjectID("up-1"),)),
    )
    data = env.encode_xml(request, form="typed")
    _validate(schema, data)
    assert env.decode(data) == request
    payload = env.Payload(
        (
            env.XmlFragment(
                UPC.encode(), "{http://iec.ch/TC57/2011/UsagePointConfig#}UsagePointConfig"
            ),
        )
    )
    reply = env.reply_to(request, payload=payload)
    ns = env.wrapper_namespace("UsagePointConfig", get=True)
    data = env.encode_xml(reply, form="typed", namespace=ns)
    _validate(schema, data)
    assert env.decode(data) == reply


def test_typed_event_validates_against_real_meter_read_schedule_xsd(shared_data):
    """A CreatedMeterReadSchedule event written by cimbus validates against the real XSD."""
    schema = _typed_schema(shared_data, "MeterReadSchedule", get=False)
    ns = "http://iec.ch/TC57/2011/MeterReadSchedule#"
    body = f'<s:MeterReadSchedule xmlns:s="{ns}"/>'.encode()
    msg = env.EventMessage(
        env.make_header("created", "MeterReadSchedule"),
        env.Payload((env.XmlFragment(body, f"{{{ns}}}MeterReadSchedule"),)),
    )
    _validate(schema, env.encode_xml(msg, form="typed"))


MUTATIONS = {
    "Noun before Verb": (
        "<Verb>created</Verb>\n    <Noun>MeterReadings</Noun>",
        "<Noun>MeterReadings</Noun><Verb>created</Verb>",
    ),
    "Verb missing": ("<Verb>created</Verb>", ""),
    "Noun missing": ("<Noun>MeterReadings</Noun>", ""),
    "Noun twice": ("<Noun>MeterReadings</Noun>", "<Noun>MeterReadings</Noun><Noun>X</Noun>"),
    "unknown verb": ("<Verb>created</Verb>", "<Verb>published</Verb>"),
    "Source before Timestamp": (
        "<Timestamp>2024-03-18T06:15:02Z</Timestamp>\n    <Source>MDM</Source>",
        "<Source>MDM</Source><Timestamp>2024-03-18T06:15:02Z</Timestamp>",
    ),
    "bad Timestamp": ("2024-03-18T06:15:02Z", "18/03/2024 06:15"),
    "bad AckRequired": ("<AckRequired>false</AckRequired>", "<AckRequired>no</AckRequired>"),
    "unknown header element": (
        "<Source>MDM</Source>",
        "<Source>MDM</Source><Priority>1</Priority>",
    ),
    "text in Header": ("<Source>MDM</Source>", "<Source>MDM</Source>stray text"),
    "Property without Name": ("<Name>region</Name>", ""),
    "Header missing": ("<Header>", "<Headr>"),
    "Payload before Header": (
        '<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message">',
        '<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Payload/>',
    ),
    "wrong envelope namespace": (
        "http://iec.ch/TC57/2011/schema/message",
        "http://iec.ch/TC57/2010/schema/message",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_parser_refuses_what_the_schema_refuses(message_xsd, name):
    """For each mutation of a valid message, the real XSD and the cimbus parser both say invalid."""
    from cim.errors import CimbusError

    original = (
        Path(__file__).parents[1] / "docs/examples/meterreadings-created-event.xml"
    ).read_text()
    old, new = MUTATIONS[name]
    assert old in original
    mutated = original.replace(old, new, 1)
    if name == "Header missing":
        mutated = mutated.replace("</Header>", "</Headr>", 1)
    try:
        schema_ok = message_xsd.validate(etree.fromstring(mutated.encode()))
    except etree.XMLSyntaxError:
        schema_ok = False
    assert not schema_ok
    with pytest.raises(CimbusError):
        env.decode(mutated.encode())
