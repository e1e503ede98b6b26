"""Message profiles: the MeterReadings profile, its XML and JSON codecs and its validation."""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

import cim.model as cm
from cim.errors import MalformedMessage, OversizeMessage, PayloadError, SchemaViolation
from cim.profiles import (
    METER_READINGS,
    Member,
    Node,
    Payload,
    Profile,
    ProfileClass,
    check,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples import READING_TYPE_MRID, interval_readings

from profile_checks import assert_valid
from profile_strategies import payloads

P = METER_READINGS
NS = P.namespace
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def xsd(shared_data: Path) -> etree.XMLSchema:
    """The real IEC 61968-9 MeterReadings.xsd (2011) as an lxml schema."""
    path = shared_data / "iec61968-100" / "profiles" / "MeterReadings.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def test_profile_classes_fit_the_generated_model() -> None:
    """Each profile class is a cim.model class; each non-embedded member is one of its fields."""
    for pclass in P.classes.values():
        fields = {f.name for f in dataclasses.fields(getattr(cm, pclass.cim_class))}
        for m in pclass.members:
            if m.kind == "association":
                assert m.type in P.classes, (pclass.name, m.element)
            else:
                assert m.path in fields, (pclass.name, m.path)
            if m.kind == "enum":
                assert issubclass(getattr(cm, m.type), enum.Enum)


def test_profile_identity() -> None:
    """MeterReadings 1.0 is in the 2011 MeterReadings namespace, with MeterReading as root class."""
    assert (P.name, P.version, P.root_element, P.root_class) == (
        "MeterReadings",
        "1.0",
        "MeterReadings",
        "MeterReading",
    )
    assert NS == "http://iec.ch/TC57/2011/MeterReadings#"


@pytest.mark.corpus
@pytest.mark.parametrize("count", [1, 10, 1000])
def test_written_payloads_validate_against_the_real_xsd(xsd: etree.XMLSchema, count: int) -> None:
    """Payloads with 1, 10 and 1,000 interval readings validate against MeterReadings.xsd."""
    data = to_xml(P, interval_readings(count))
    assert_valid(xsd, data)
    assert data.count(b"<m:IntervalReadings>") == count


@pytest.mark.corpus
@SETTINGS
@given(payloads(P))
def test_generated_payloads_validate_and_parse_without_loss(
    xsd: etree.XMLSchema, payload: Payload
) -> None:
    """Any valid payload writes XSD-valid XML that reads back equal and writes the same bytes."""
    data = to_xml(P, payload)
    assert_valid(xsd, data)
    back = from_xml(P, data)
    assert back == payload
    assert to_xml(P, back) == data


@SETTINGS
@given(payloads(P))
def test_xml_json_round_trip_is_byte_equal(payload: Payload) -> None:
    """XML -> objects -> JSON -> objects -> XML gives the same bytes, and JSON is stable."""
    data = to_xml(P, payload)
    doc = to_json(P, from_xml(P, data))
    back = from_json(P, doc)
    assert back == payload
    assert to_xml(P, back) == data
    assert to_json(P, back) == doc


HAND_WRITTEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand for this test: default namespace, indentation, comments -->
<MeterReadings xmlns="http://iec.ch/TC57/2011/MeterReadings#"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <MeterReading>
    <isCoincidentTrigger>false</isCoincidentTrigger>
    <Readings>
      <reason>billing</reason>
      <timeStamp>2026-03-01T00:00:00+01:00</timeStamp>
      <value>12345.6</value>
      <ReadingQualities>
        <ReadingQualityType ref="1.4.9"/>
      </ReadingQualities>
      <ReadingType ref="0.0.0.9.1.1.12.0.0.0.0.0.0.0.0.3.72.0"/>
    </Readings>
    <UsagePoint><mRID>up-7</mRID></UsagePoint>
  </MeterReading>
  <ReadingQualityType><mRID>1.4.9</mRID><Names><name>estimated</name></Names></ReadingQualityType>
  <ReadingType>
    <mRID>0.0.0.9.1.1.12.0.0.0.0.0.0.0.0.3.72.0</mRID>
    <argument><denominator>1</denominator><numerator>3</numerator></argument>
    <Names><name>bulk kWh</name></Names>
  </ReadingType>
</MeterReadings>
"""


def _c14n(data: bytes) -> str:
    return str(
        etree.canonicalize(
            etree.fromstring(data), strip_text=True, rewrite_prefixes=True, with_comments=False
        )
    )


@pytest.mark.corpus
def test_hand_written_instance_parses_without_loss(xsd: etree.XMLSchema) -> None:
    """A valid instance in another prefix and layout reads and writes the same canonical XML."""
    assert_valid(xsd, HAND_WRITTEN)
    payload = from_xml(P, HAND_WRITTEN)
    reading = payload.child("MeterReading")[0].child("Readings")[0].obj
    assert isinstance(reading, cm.Reading)
    assert reading.reason is cm.ReadingReasonKind.billing
    assert reading.ReadingType == cm.Ref("ReadingType", "0.0.0.9.1.1.12.0.0.0.0.0.0.0.0.3.72.0")
    out = to_xml(P, payload)
    assert_valid(xsd, out)
    assert _c14n(out) == _c14n(HAND_WRITTEN)


def _mutate(old: bytes, new: bytes) -> bytes:
    assert old in HAND_WRITTEN
    return HAND_WRITTEN.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (
            _mutate(b"<reason>billing</reason>", b"<reason>bribe</reason>"),
            SchemaViolation,
            "/MeterReadings/MeterReading[1]/Readings[1]/reason",
        ),
        (
            _mutate(b"2026-03-01T00:00:00+01:00", b"yesterday"),
            SchemaViolation,
            "/MeterReadings/MeterReading[1]/Readings[1]/timeStamp",
        ),
        (
            _mutate(b"<isCoincidentTrigger>false", b"<isCoincidentTrigger>maybe"),
            SchemaViolation,
            "/MeterReadings/MeterReading[1]/isCoincidentTrigger",
        ),
        (
            _mutate(b"<value>12345.6</value>", b"<value>1</value><colour>red</colour>"),
            PayloadError,
            "/MeterReadings/MeterReading[1]/Readings[1]/colour",
        ),
        (_mutate(b"<reason>billing</reason>", b""), None, None),
        (
            _mutate(b"<value>12345.6</value>", b"<value>1</value><reason>billing</reason>"),
            PayloadError,
            "/MeterReadings/MeterReading[1]/Readings[1]/reason",
        ),
        (
            _mutate(b"<UsagePoint><mRID>up-7</mRID></UsagePoint>", b"<UsagePoint/><UsagePoint/>"),
            PayloadError,
            "/MeterReadings/MeterReading[1]/UsagePoint",
        ),
        (
            _mutate(b'<ReadingQualityType ref="1.4.9"/>', b"<ReadingQualityType/>"),
            PayloadError,
            "/MeterReadings/MeterReading[1]/Readings[1]/ReadingQualities[1]/ReadingQualityType",
        ),
        (
            _mutate(b"<mRID>up-7</mRID>", b'<mRID a="1">up-7</mRID>'),
            PayloadError,
            "/MeterReadings/MeterReading[1]/UsagePoint/mRID",
        ),
        (
            _mutate(b"<MeterReading>", b"<MeterReading>stray"),
            PayloadError,
            "/MeterReadings/MeterReading[1]",
        ),
        (
            HAND_WRITTEN.replace(b"2011/MeterReadings#", b"2011/EndDeviceEvents#"),
            PayloadError,
            "/MeterReadings",
        ),
    ],
)
def test_invalid_xml_names_the_element_path(data: bytes, error: Any, path: str | None) -> None:
    """Bad values, unknown, misplaced or repeated elements fail with the element's path."""
    if error is None:  # control: an optional member may be left out
        from_xml(P, data)
        return
    with pytest.raises(error) as info:
        from_xml(P, data)
    assert info.value.path == path
    assert path in str(info.value)
    assert info.value.code.startswith("1.")


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><MeterReadings/>',
        b"<MeterReadings><MeterReading></MeterReadings>",
        b"",
        '<!DOCTYPE m [<!ENTITY x "y">]><MeterReadings>&x;</MeterReadings>'.encode("utf-16"),
    ],
)
def test_hostile_xml_is_refused(data: bytes) -> None:
    """DTDs, entities, broken XML and empty input are MalformedMessage, never parsed."""
    with pytest.raises(MalformedMessage):
        from_xml(P, data)


def test_oversize_and_text_input_are_refused() -> None:
    """Input over the limit is OversizeMessage; decoded text is refused."""
    with pytest.raises(OversizeMessage):
        from_xml(P, HAND_WRITTEN, max_bytes=100)
    with pytest.raises(MalformedMessage):
        from_xml(P, HAND_WRITTEN.decode())  # type: ignore[arg-type]
    with pytest.raises(OversizeMessage):
        from_json(P, b"{}", max_bytes=1)


def test_json_mapping_is_documented_shape() -> None:
    """JSON uses element names, lists for multivalued members, ISO times, literals and refs."""
    doc = json.loads(to_json(P, interval_readings(2)))
    reading = doc["MeterReadings"]["MeterReading"][0]
    block = reading["IntervalBlocks"][0]
    assert block["IntervalReadings"][0] == {"timeStamp": "2026-01-01T00:15:00Z", "value": "0.25"}
    assert block["ReadingType"] == {"ref": READING_TYPE_MRID}
    assert reading["Meter"]["Names"] == [{"name": "M-000123"}]
    assert doc["MeterReadings"]["ReadingType"][0]["unit"] == "Wh"


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (b'{"MeterReadings":{},"MeterReadings":{}}', MalformedMessage, None),
        (
            b'{"MeterReadings":{"MeterReading":[{"isCoincidentTrigger":NaN}]}}',
            MalformedMessage,
            None,
        ),
        (
            b'{"MeterReadings":{"MeterReading":[{"colour":"red"}]}}',
            PayloadError,
            "/MeterReadings/MeterReading[1]/colour",
        ),
        (
            b'{"MeterReadings":{"MeterReading":[{"isCoincidentTrigger":"yes"}]}}',
            SchemaViolation,
            "/MeterReadings/MeterReading[1]/isCoincidentTrigger",
        ),
        (b'{"MeterReadings":{"MeterReading":{}}}', PayloadError, "/MeterReadings/MeterReading"),
        (
            b'{"MeterReadings":{"MeterReading":[{"Readings":[{"reason":"bribe"}]}]}}',
            SchemaViolation,
            "/MeterReadings/MeterReading[1]/Readings[1]/reason",
        ),
        (
            b'{"MeterReadings":{"MeterReading":[{"Readings":[{"ReadingType":"x"}]}]}}',
            PayloadError,
            "/MeterReadings/MeterReading[1]/Readings[1]/ReadingType",
        ),
        (b'{"EndDeviceEvents":{}}', PayloadError, "/MeterReadings"),
    ],
)
def test_invalid_json_names_the_element_path(data: bytes, error: Any, path: str | None) -> None:
    """Duplicate keys, NaN, unknown keys, wrong JSON types and bad literals are refused."""
    with pytest.raises(error) as info:
        from_json(P, data)
    assert info.value.path == path


def _with_reading(reading: cm.Reading, **extra: list[Node]) -> Payload:
    return Payload.of(
        P, MeterReading=[Node(cm.MeterReading(), (("Readings", (Node(reading),)),))], **extra
    )


def test_validation_finds_required_cardinality_enum_and_reference_issues() -> None:
    """Missing required members, wrong types and dangling references are issues with paths."""
    bad_reading = cm.Reading(reason="billing", value=3)  # type: ignore[arg-type]
    rt = Node(cm.ReadingType(mRID="rt"))  # Names is required in this profile
    issues = validate(P, _with_reading(bad_reading, ReadingType=[rt]))
    found = {(i.path, i.code) for i in issues}
    base = "/MeterReadings/MeterReading[1]/Readings[1]"
    assert (f"{base}/reason", "1.8") in found
    assert (f"{base}/value", "1.8") in found
    assert (f"{base}/ReadingType", "1.8") in found  # required reference missing
    assert ("/MeterReadings/ReadingType[1]/Names", "1.8") in found
    dangling = cm.Reading(ReadingType=cm.Ref("ReadingType", "nowhere"))
    (issue,) = validate(P, _with_reading(dangling))
    assert issue.path == f"{base}/ReadingType" and "'nowhere' is not in the payload" in issue.reason


def test_valid_sample_has_no_issues_and_writing_refuses_invalid_payloads() -> None:
    """The sample validates; to_xml and to_json refuse a payload with issues, naming the path."""
    assert validate(P, interval_readings(3)) == ()
    payload = _with_reading(cm.Reading(ReadingType=cm.Ref("ReadingType", "nowhere")))
    for write in (to_xml, to_json):
        with pytest.raises(SchemaViolation) as info:
            write(P, payload)
        assert info.value.path == "/MeterReadings/MeterReading[1]/Readings[1]/ReadingType"
    with pytest.raises(SchemaViolation):
        check(P, Payload.of(P, MeterReading=[Node(cm.Meter())]))


def test_unresolved_meter_reference_uses_the_iec_object_code() -> None:
    """A dangling reference to a Meter is error 2.4, to a UsagePoint 2.12 (IEC 61968-100)."""
    holder = ProfileClass(
        name="EndDeviceEvent",
        cim_class="EndDeviceEvent",
        members=(
            Member(
                element="EndDevice",
                path="EndDevice",
                kind="reference",
                type="Meter",
                min=1,
                resolve=True,
            ),
            Member(
                element="UsagePoint",
                path="UsagePoint",
                kind="reference",
                type="UsagePoint",
                min=1,
                resolve=True,
            ),
        ),
    )
    root = ProfileClass(
        name="Events",
        cim_class="",
        members=(
            Member(
                element="EndDeviceEvent",
                path="",
                kind="association",
                type="EndDeviceEvent",
                max=None,
            ),
        ),
    )
    profile = Profile(
        name="Events",
        version="0",
        namespace="urn:x",
        root_element="Events",
        root_class="EndDeviceEvent",
        root=root,
        classes={"EndDeviceEvent": holder},
    )
    event = cm.EndDeviceEvent(EndDevice=cm.Ref("Meter", "m1"), UsagePoint=cm.Ref("UsagePoint", "u"))
    codes = [i.code for i in validate(profile, Payload.of(profile, EndDeviceEvent=[Node(event)]))]
    assert codes == ["2.4", "2.12"]
