"""MeterConfig profile: real 2011 XSD, lossless codecs, emitted XSD, paths in errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    METER_CONFIG,
    PROFILES,
    Node,
    Payload,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples_meterconfig import BULK_READING_TYPE_MRID, meter_config
from cim.profiles.xsd import profile_xsd

from profile_checks import assert_valid
from profile_strategies import payloads

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = METER_CONFIG
METER = "/MeterConfig/Meter[1]"
REGISTER = "/MeterConfig/SimpleEndDeviceFunction[1]/Registers[1]"


@pytest.fixture(scope="module")
def schema(shared_data: Path) -> etree.XMLSchema:
    """The real 2011 IEC 61968-9 MeterConfig XSD."""
    path = shared_data / "iec61968-100" / "profiles" / "MeterConfig.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def emitted() -> etree.XMLSchema:
    """The XSD that cim.profiles.xsd emits for MeterConfig, compiled."""
    return etree.XMLSchema(etree.fromstring(profile_xsd(PROFILE)))


def test_profile_is_registered_by_noun() -> None:
    """PROFILES holds MeterConfig under its name, in its 2011 namespace, rooted at Meter."""
    assert PROFILES["MeterConfig"] is PROFILE
    assert PROFILE.namespace == "http://iec.ch/TC57/2011/MeterConfig#"
    assert (PROFILE.root_element, PROFILE.root_class) == ("MeterConfig", "Meter")


@pytest.mark.corpus
def test_sample_validates_against_the_real_xsd(schema: etree.XMLSchema) -> None:
    """The sample payload writes XML that the real 2011 XSD accepts, and reads back (XML, JSON)."""
    payload = meter_config()
    assert validate(PROFILE, payload) == ()
    data = to_xml(PROFILE, payload)
    assert_valid(schema, data)
    assert from_xml(PROFILE, data) == payload
    assert from_json(PROFILE, to_json(PROFILE, payload)) == payload


@pytest.mark.corpus
@SETTINGS
@given(st.data())
def test_generated_payloads_validate_and_parse_without_loss(
    schema: etree.XMLSchema, data: st.DataObject
) -> None:
    """Any valid payload is XSD-valid and reads back equal from XML and from JSON, same bytes."""
    payload = data.draw(payloads(PROFILE))
    xml = to_xml(PROFILE, payload)
    assert_valid(schema, xml)
    back = from_xml(PROFILE, xml)
    assert back == payload
    assert to_xml(PROFILE, back) == xml
    doc = to_json(PROFILE, back)
    assert from_json(PROFILE, doc) == payload


@pytest.mark.corpus
def test_generated_payloads_include_references_dates_and_times(schema: etree.XMLSchema) -> None:
    """The payload strategy draws function references, lifecycle dates and TOU tier times, and a
    payload holding all three validates against the real XSD."""

    def all_three(payload: Payload) -> bool:
        xml = to_xml(PROFILE, payload)
        return all(t in xml for t in (b"Function ref=", b"Date>", b"<m:touTier><m:"))

    found = find(
        payloads(PROFILE),
        all_three,
        settings=settings(database=None, max_examples=500, deadline=None, phases=[Phase.generate]),
    )
    assert_valid(schema, to_xml(PROFILE, found))


def test_emitted_xsd_accepts_the_sample(emitted: etree.XMLSchema) -> None:
    """The generated XSD accepts the sample payload and refuses it with an unknown element."""
    data = to_xml(PROFILE, meter_config())
    assert_valid(emitted, data)
    assert not emitted.validate(
        etree.fromstring(data.replace(b"<m:mRID>", b"<m:colour/><m:mRID>", 1))
    )


def test_cim100_members_beyond_2011_are_not_carried() -> None:
    """CIM100 Meter members the 2011 message lacks (connectionCategory) are not written."""
    meter = cm.Meter(mRID="m-1", connectionCategory="LV", serialNumber="42")
    data = to_xml(PROFILE, Payload.of(PROFILE, Meter=[Node(meter)]))
    assert b"connectionCategory" not in data
    (back,) = from_xml(PROFILE, data).child("Meter")
    assert back.obj == cm.Meter(mRID="m-1", serialNumber="42")


_MC = to_xml(PROFILE, meter_config())


def _mutate(old: bytes, new: bytes) -> bytes:
    assert old in _MC
    return _MC.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (
            _MC.replace(b"2011/MeterConfig#", b"2011/MeterReadings#"),
            PayloadError,
            "/MeterConfig",
        ),
        (
            _mutate(b"<m:serialNumber>", b"<m:colour/><m:serialNumber>"),
            PayloadError,
            f"{METER}/colour",
        ),
        (
            _mutate(b">rfMesh<", b">smoke<"),
            SchemaViolation,
            "/MeterConfig/ComFunction[1]/technology",
        ),
        (
            _mutate(b">lead<", b">wax<"),
            SchemaViolation,
            f"{METER}/Seals[1]/kind",
        ),
        (
            _mutate(b"<m:leftDigitCount>6<", b"<m:leftDigitCount>six<"),
            SchemaViolation,
            f"{REGISTER}/leftDigitCount",
        ),
        (
            _mutate(b"<m:purchasePrice>84.50<", b"<m:purchasePrice>8.45e1<"),
            SchemaViolation,
            f"{METER}/purchasePrice",
        ),
        (
            _mutate(b"<m:armedTimeout>300.0<", b"<m:armedTimeout>5 min<"),
            SchemaViolation,
            "/MeterConfig/ConnectDisconnectFunction[1]/rcdInfo/armedTimeout",
        ),
        (
            _mutate(b"<m:electronicAddress>", b"<m:ConfigurationEvents/><m:electronicAddress>"),
            PayloadError,
            f"{METER}/ConfigurationEvents",
        ),
        (
            _mutate(b"<m:serialNumber>", b"<m:mRID>again</m:mRID><m:serialNumber>"),
            PayloadError,
            f"{METER}/mRID",
        ),
        (
            _mutate(
                f'<m:ReadingType ref="{BULK_READING_TYPE_MRID}"/>'.encode(), b"<m:ReadingType/>"
            ),
            PayloadError,
            f"{REGISTER}/Channels[1]/ReadingType",
        ),
    ],
)
def test_invalid_xml_names_the_element_path(data: bytes, error: Any, path: str) -> None:
    """A wrong namespace, unknown, repeated or misplaced elements, bad literals and numbers, and
    a reference without ref fail with the element's path."""
    with pytest.raises(error) as info:
        from_xml(PROFILE, data)
    assert info.value.path == path
    assert path in str(info.value)


_REFS = (
    b'<m:ComFunction ref="8b9c0d1e-2f3a-4b5c-9d6e-7f8a9b0c1d2e"/>'
    b'<m:SimpleEndDeviceFunction ref="6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c"/>'
    b'<m:ConnectDisconnectFunction ref="9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"/>'
)
_LIFECYCLE = (
    b"<m:lifecycle><m:installationDate>2026-01-01</m:installationDate>"
    b"<m:manufacturedDate>2025-11-03</m:manufacturedDate></m:lifecycle>"
)
_TOU = b"<m:touTier><m:end>23:59:59</m:end><m:start>00:00:00</m:start></m:touTier>"
_COM, _SWITCH = b"8b9c0d1e-2f3a-4b5c-9d6e-7f8a9b0c1d2e", b"9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"


def _meter(payload: Payload) -> Any:
    return payload.child("Meter")[0].obj


def _register(payload: Payload) -> Any:
    return payload.child("SimpleEndDeviceFunction")[0].child("Registers")[0].obj


@pytest.mark.corpus
def test_sample_carries_function_references_lifecycle_and_tou_tier() -> None:
    """The sample writes the 2011 elements for EndDeviceFunctions, lifecycleDate and touTier."""
    assert _REFS in _MC and _LIFECYCLE in _MC and _TOU in _MC
    assert b'"EndDeviceFunctions":[{"ComFunction":{"ref":"8b9c' in to_json(PROFILE, meter_config())


@pytest.mark.parametrize(
    ("refs", "targets"),
    [
        (b"", ()),
        (
            b'<m:ConnectDisconnectFunction ref="%s"/><m:ComFunction ref="%s"/>'
            b'<m:ConnectDisconnectFunction ref="%s"/>' % (_SWITCH, _COM, _SWITCH),
            ("ConnectDisconnectFunction", "ComFunction", "ConnectDisconnectFunction"),
        ),
        (b'<m:ComFunction ref="%s"/>' % _COM, ("ComFunction",)),
    ],
    ids=["none", "any-order-repeated", "one"],
)
@pytest.mark.corpus
def test_function_references_in_any_order_read_without_loss(
    schema: etree.XMLSchema, refs: bytes, targets: tuple[str, ...]
) -> None:
    """XSD-valid references to functions, none, one or several in any order and repeated, read
    back as EndDeviceFunctions Refs whose target is the element, and write the same bytes."""
    data = _mutate(_REFS, refs)
    assert_valid(schema, data)
    payload = from_xml(PROFILE, data)
    assert tuple(r.target for r in _meter(payload).EndDeviceFunctions) == targets
    assert to_xml(PROFILE, payload) == data
    assert from_json(PROFILE, to_json(PROFILE, payload)) == payload


@pytest.mark.parametrize(
    ("lifecycle", "tou", "dates", "times"),
    [
        (
            b"<m:lifecycle><m:installationDate>2026-01-01</m:installationDate>"
            b"<m:manufacturedDate>2025-11-03</m:manufacturedDate>"
            b"<m:purchaseDate>2025-12-01</m:purchaseDate>"
            b"<m:receivedDate>2025-12-15</m:receivedDate>"
            b"<m:removalDate>2041-06-30</m:removalDate><m:retiredDate>2041-07-31</m:retiredDate>"
            b"</m:lifecycle>",
            b"<m:touTier><m:end>22:00:00Z</m:end><m:start>07:30:00.250000+02:00</m:start>"
            b"</m:touTier>",
            {"installationDate": date(2026, 1, 1), "retiredDate": date(2041, 7, 31)},
            {
                "end": time(22, tzinfo=UTC),
                "start": time(7, 30, 0, 250000, tzinfo=timezone(timedelta(hours=2))),
            },
        ),
        (
            b"<m:lifecycle/>",
            b"<m:touTier><m:start>00:00:00-05:30</m:start></m:touTier>",
            {"installationDate": None},
            {"end": None, "start": time(0, tzinfo=timezone(-timedelta(hours=5, minutes=30)))},
        ),
    ],
    ids=["all-dates-zoned-times", "empty-lifecycle-negative-offset"],
)
@pytest.mark.corpus
def test_dates_and_times_read_without_loss(
    schema: etree.XMLSchema,
    lifecycle: bytes,
    tou: bytes,
    dates: dict[str, date | None],
    times: dict[str, time | None],
) -> None:
    """XSD-valid lifecycle dates and TOU tier times (with Z, offsets and fractions) read as
    datetime.date and datetime.time, write back the same bytes and survive JSON."""
    data = _mutate(_LIFECYCLE, lifecycle).replace(_TOU, tou, 1)
    assert_valid(schema, data)
    payload = from_xml(PROFILE, data)
    for name, day in dates.items():
        assert getattr(_meter(payload).lifecycleDate, name) == day
    for name, moment in times.items():
        assert getattr(_register(payload).touTier, name) == moment
    assert to_xml(PROFILE, payload) == data
    assert from_json(PROFILE, to_json(PROFILE, payload)) == payload


@pytest.mark.corpus
def test_other_lexical_forms_read_as_the_same_values(schema: etree.XMLSchema) -> None:
    """A short fraction and a +00:00 offset are valid xs:time forms: they read as the same values
    and are written in the canonical form (six digits, Z), which the real XSD accepts."""
    data = _mutate(b">00:00:00<", b">00:00:00.5<").replace(b">23:59:59<", b">23:59:59+00:00<")
    assert_valid(schema, data)
    payload = from_xml(PROFILE, data)
    assert _register(payload).touTier == cm.TimeInterval(
        start=time(0, 0, 0, 500000), end=time(23, 59, 59, tzinfo=UTC)
    )
    written = to_xml(PROFILE, payload)
    assert b"<m:end>23:59:59Z</m:end><m:start>00:00:00.500000</m:start>" in written
    assert_valid(schema, written)


@pytest.mark.parametrize(
    "literal",
    [b"2026-01-01Z", b"2026-01-01+02:00"],
    ids=["utc", "offset"],
)
@pytest.mark.corpus
def test_zoned_dates_are_refused_not_truncated(schema: etree.XMLSchema, literal: bytes) -> None:
    """An xs:date with a zone is valid 2011 XML, but datetime.date cannot hold the zone: reading
    refuses it with its path rather than dropping it."""
    data = _mutate(b">2026-01-01<", b">" + literal + b"<")
    assert_valid(schema, data)
    with pytest.raises(SchemaViolation) as info:
        from_xml(PROFILE, data)
    assert info.value.path == f"{METER}/lifecycle/installationDate"


@pytest.mark.parametrize(
    "literal",
    [b"24:00:00", b"00:00:00.1234567"],
    ids=["end-of-day", "beyond-microseconds"],
)
@pytest.mark.corpus
def test_times_python_cannot_hold_are_refused(schema: etree.XMLSchema, literal: bytes) -> None:
    """24:00:00 and fractions finer than a microsecond are valid xs:time that datetime.time
    cannot hold exactly: reading refuses them with their path."""
    data = _mutate(b">00:00:00<", b">" + literal + b"<")
    assert_valid(schema, data)
    with pytest.raises(SchemaViolation) as info:
        from_xml(PROFILE, data)
    assert info.value.path == f"{REGISTER}/touTier/start"


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (b">2026-01-01<", b">2026-13-01<", f"{METER}/lifecycle/installationDate"),
        (b">2026-01-01<", b">20260101<", f"{METER}/lifecycle/installationDate"),
        (b">2026-01-01<", b">2026-W01-4<", f"{METER}/lifecycle/installationDate"),
        (b">2026-01-01<", b">2026-01-01T00:00:00<", f"{METER}/lifecycle/installationDate"),
        (b">00:00:00<", b">00:00<", f"{REGISTER}/touTier/start"),
        (b">00:00:00<", b">0000<", f"{REGISTER}/touTier/start"),
        (b">00:00:00<", b">00:61:00<", f"{REGISTER}/touTier/start"),
        (b">23:59:59<", b">noon<", f"{REGISTER}/touTier/end"),
    ],
)
def test_bad_date_and_time_literals_name_their_path(old: bytes, new: bytes, path: str) -> None:
    """Impossible dates, ISO 8601 forms that are not XSD (basic, week dates), a dateTime where a
    date belongs, short or impossible times are SchemaViolations with the element path."""
    with pytest.raises(SchemaViolation) as info:
        from_xml(PROFILE, _mutate(old, new))
    assert info.value.path == path
    assert path in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (_REFS, b'<m:EndDevice ref="x"/>', f"{METER}/EndDevice"),
        (_REFS, b'<m:EndDeviceFunctions ref="x"/>', f"{METER}/EndDeviceFunctions"),
        (_REFS, b'<m:ReadingType ref="x"/>', f"{METER}/ReadingType"),
        (_REFS, _REFS + b"<m:ComFunction/>", f"{METER}/ComFunction[2]"),
        (_REFS, _REFS + b'<m:ComFunction ref="x">text</m:ComFunction>', f"{METER}/ComFunction[2]"),
        (_REFS + b"<m:EndDeviceInfo>", b"<m:EndDeviceInfo>", f"{METER}/ComFunction"),
    ],
    ids=["unknown-target", "field-name", "other-class", "no-ref", "with-text", "out-of-order"],
)
def test_wrong_function_references_name_their_path(old: bytes, new: bytes, path: str) -> None:
    """An element that is not one of the function targets (nor the CIM field's name), a reference
    without ref or with text, and references after EndDeviceInfo fail with the element path."""
    data = _mutate(old, new)
    if old.endswith(b"<m:EndDeviceInfo>"):  # move the references behind the info
        data = data.replace(b"</m:EndDeviceInfo>", b"</m:EndDeviceInfo>" + _REFS, 1)
    with pytest.raises(PayloadError) as info:
        from_xml(PROFILE, data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (b'{"MeterReadings":{}}', PayloadError, "/MeterConfig"),
        (b'{"MeterConfig":{"Meter":[{"colour":"red"}]}}', PayloadError, f"{METER}/colour"),
        (
            b'{"MeterConfig":{"Meter":[{"timeZoneOffset":"60"}]}}',
            SchemaViolation,
            f"{METER}/timeZoneOffset",
        ),
        (
            b'{"MeterConfig":{"ComFunction":[{"direction":"sideways"}]}}',
            SchemaViolation,
            "/MeterConfig/ComFunction[1]/direction",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"purchasePrice":84.5}]}}',
            SchemaViolation,
            f"{METER}/purchasePrice",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"EndDeviceInfo":{"capability":{"metrology":"yes"}}}]}}',
            SchemaViolation,
            f"{METER}/EndDeviceInfo/capability/metrology",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"EndDeviceFunctions":[{"EndDevice":{"ref":"x"}}]}]}}',
            PayloadError,
            f"{METER}/EndDeviceFunctions[1]/EndDevice",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"EndDeviceFunctions":[{"ref":"x"}]}]}}',
            PayloadError,
            f"{METER}/EndDeviceFunctions[1]/ref",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"EndDeviceFunctions":[{"ComFunction":{"ref":"a"},'
            b'"ConnectDisconnectFunction":{"ref":"b"}}]}]}}',
            PayloadError,
            f"{METER}/EndDeviceFunctions[1]",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"EndDeviceFunctions":[{"ComFunction":"a"}]}]}}',
            PayloadError,
            f"{METER}/EndDeviceFunctions[1]/ComFunction",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"EndDeviceFunctions":{"ComFunction":{"ref":"a"}}}]}}',
            PayloadError,
            f"{METER}/EndDeviceFunctions",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"ComFunction":[{"ref":"a"}]}]}}',
            PayloadError,
            f"{METER}/ComFunction",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"lifecycle":{"removalDate":"2026-02-30"}}]}}',
            SchemaViolation,
            f"{METER}/lifecycle/removalDate",
        ),
        (
            b'{"MeterConfig":{"Meter":[{"lifecycle":{"removalDate":20260228}}]}}',
            SchemaViolation,
            f"{METER}/lifecycle/removalDate",
        ),
        (
            b'{"MeterConfig":{"SimpleEndDeviceFunction":[{"Registers":[{"touTier":'
            b'{"end":"25:00:00"}}]}]}}',
            SchemaViolation,
            "/MeterConfig/SimpleEndDeviceFunction[1]/Registers[1]/touTier/end",
        ),
    ],
)
def test_invalid_json_names_the_element_path(data: bytes, error: Any, path: str) -> None:
    """A wrong root, an unknown key, a datatype as a string, a bad literal, Money as a number, a
    non-boolean capability, function references that name no target, several, or are not a
    list, and bad dates and times fail with the element's path."""
    with pytest.raises(error) as info:
        from_json(PROFILE, data)
    assert info.value.path == path


def test_missing_required_members_are_issues() -> None:
    """A ReadingType without Names, a Name without its name, a NameType without its name and a
    channel naming a ReadingType absent from the payload are issues with paths."""
    name = Node(cm.Name(name="x"), (("NameType", (Node(cm.NameType()),)),))
    channel = Node(cm.Channel(ReadingType=cm.Ref("ReadingType", "nowhere")))
    register = Node(cm.Register(), (("Channels", (channel,)), ("Names", (Node(cm.Name()),))))
    function = Node(cm.SimpleEndDeviceFunction(), (("Registers", (register,)),))
    switch = Node(cm.ConnectDisconnectFunction(), (("Names", (name,)),))
    payload = Payload.of(
        PROFILE,
        ConnectDisconnectFunction=[switch],
        ReadingType=[Node(cm.ReadingType(mRID=BULK_READING_TYPE_MRID))],
        SimpleEndDeviceFunction=[function],
    )
    found = {(i.path, i.code) for i in validate(PROFILE, payload)}
    assert found == {
        ("/MeterConfig/ConnectDisconnectFunction[1]/Names[1]/NameType/name", "1.8"),
        ("/MeterConfig/ReadingType[1]/Names", "1.8"),
        (f"{REGISTER}/Channels[1]/ReadingType", "1.8"),
        (f"{REGISTER}/Names[1]/name", "1.8"),
    }


def test_function_references_are_checked() -> None:
    """A function reference to a class that is not one of the targets, one naming no function
    of the payload, and a datetime where a date belongs are issues named as the XML names them."""
    meter = cm.Meter(
        mRID="m-1",
        EndDeviceFunctions=(
            cm.Ref("ComFunction", "com-1"),
            cm.Ref("ReadingType", "rt-1"),
            cm.Ref("ComFunction", "nowhere"),
        ),
        lifecycleDate=cm.LifecycleDate(removalDate=datetime(2026, 1, 1)),
    )
    payload = Payload.of(
        PROFILE, ComFunction=[Node(cm.ComFunction(mRID="com-1"))], Meter=[Node(meter)]
    )
    found = [(i.path, i.code) for i in validate(PROFILE, payload)]
    assert found == [
        (f"{METER}/ReadingType[1]", "1.8"),
        (f"{METER}/lifecycle/removalDate", "1.8"),
        (f"{METER}/ComFunction[2]", "1.8"),
    ]
    with pytest.raises(PayloadError) as info:
        to_xml(PROFILE, payload, validate=False)
    assert info.value.path == f"{METER}/ReadingType"


@pytest.mark.corpus
def test_decoded_xml_missing_required_members_is_refused(schema: etree.XMLSchema) -> None:
    """XML whose ReadingType lacks its required Names, which the real XSD also refuses, decodes
    to a payload whose issue names that path, and writing it back fails with the path."""
    start = _MC.index(b"<m:Names><m:name>forward kWh</m:name></m:Names>")
    end = _MC.index(b"</m:Names>", start) + len(b"</m:Names>")
    data = _MC[:start] + _MC[end:]
    assert not schema.validate(etree.fromstring(data))
    payload = from_xml(PROFILE, data)
    assert [i.path for i in validate(PROFILE, payload)] == ["/MeterConfig/ReadingType[1]/Names"]
    for write in (to_xml, to_json):
        with pytest.raises(SchemaViolation) as info:
            write(PROFILE, payload)
        assert info.value.path == "/MeterConfig/ReadingType[1]/Names"
