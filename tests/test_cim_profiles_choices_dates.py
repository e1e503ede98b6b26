"""Codec features any profile may use: a choice of reference elements (``targets``) and the
xs:date and xs:time primitives, on a small profile of their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    Member,
    Node,
    Payload,
    Profile,
    ProfileClass,
    _values,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles._dsl import MRID, attr, cls, compound, nested, ref_choice, root
from cim.profiles.model import XsdType
from cim.profiles.xsd import XS, profile_xsd

from profile_strategies import payloads

_FUNCTIONS = ("ComFunction", "SimpleEndDeviceFunction")
TINY = Profile(
    name="Tiny",
    version="1",
    namespace="urn:example:tiny",
    root_element="Tiny",
    root_class="Meter",
    root=root(
        "Tiny",
        nested("ComFunction", "ComFunction"),
        nested("Meter", "Meter"),
        nested("Register", "Register"),
        nested("SimpleEndDeviceFunction", "SimpleEndDeviceFunction"),
    ),
    classes={
        c.name: c
        for c in (
            cls("ComFunction", MRID),
            cls("LifecycleDate", attr("installationDate", "date"), attr("removalDate", "date")),
            cls(
                "Meter",
                MRID,
                ref_choice("EndDeviceFunctions", "EndDeviceFunction", *_FUNCTIONS, max=2),
                compound("lifecycle", "LifecycleDate", path="lifecycleDate"),
                attr("serialNumber"),
            ),
            cls("Register", MRID, compound("touTier", "TimeInterval")),
            cls("SimpleEndDeviceFunction", MRID),
            cls("TimeInterval", attr("end", "time"), attr("start", "time")),
        )
    },
)
"""A Meter referring to up to two functions by element, with dates; a Register with times."""

HEAD = b"<?xml version='1.0' encoding='UTF-8'?>\n<m:Tiny xmlns:m=\"urn:example:tiny\">"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _doc(meter: bytes) -> bytes:
    """A Tiny document: functions c1 and s1 and one Meter holding ``meter``."""
    return b"".join(
        (
            HEAD,
            b"<m:ComFunction><m:mRID>c1</m:mRID></m:ComFunction>",
            b"<m:Meter>" + meter + b"</m:Meter>",
            b"<m:SimpleEndDeviceFunction><m:mRID>s1</m:mRID></m:SimpleEndDeviceFunction>",
            b"</m:Tiny>",
        )
    )


def _meter(payload: Payload) -> Any:
    return payload.child("Meter")[0].obj


def test_a_choice_member_is_found_by_its_targets_in_xml_and_its_field_in_json() -> None:
    """The XML lookup maps each target element to the member; the JSON key is the CIM field."""
    meter = TINY.cls("Meter")
    assert meter.tags["ComFunction"] == meter.tags["SimpleEndDeviceFunction"] == 1
    assert "EndDeviceFunctions" not in meter.tags
    choice = meter.member("EndDeviceFunctions")
    assert choice is not None and choice.targets == _FUNCTIONS and choice.path == choice.element
    assert meter.member("ComFunction") is None
    assert meter.member("serialNumber") is meter.members[meter.tags["serialNumber"]]


@pytest.mark.parametrize(
    "members",
    [
        (ref_choice("Fs", "EndDeviceFunction", "ComFunction"), attr("ComFunction")),
        (
            ref_choice("Fs", "EndDeviceFunction", "ComFunction"),
            ref_choice("Gs", "EndDeviceFunction", "ComFunction"),
        ),
        (ref_choice("Fs", "EndDeviceFunction", "ComFunction"), attr("Fs")),
    ],
    ids=["target-and-element", "target-twice", "field-and-element"],
)
def test_a_profile_class_refuses_an_element_name_twice(members: tuple[Member, ...]) -> None:
    """A target that is also another member's element, or another choice's target, and a choice
    field that is also an element are refused when the profile is defined."""
    with pytest.raises(ValueError, match="twice"):
        ProfileClass(name="Meter", cim_class="Meter", members=members)


def test_only_a_reference_has_targets() -> None:
    """Targets on a member that is not a reference are refused when the profile is defined."""
    with pytest.raises(ValueError, match="only a reference"):
        Member(element="x", path="x", kind="attribute", type="string", targets=("ComFunction",))


def test_references_of_a_choice_round_trip_in_any_order() -> None:
    """References in any order read back with the element as Ref.target, and write the same
    XML bytes; in JSON each is {"<target>": {"ref": mRID}} under the field's key."""
    refs = b'<m:SimpleEndDeviceFunction ref="s1"/><m:ComFunction ref="c1"/>'
    data = _doc(b"<m:mRID>m1</m:mRID>" + refs + b"<m:serialNumber>7</m:serialNumber>")
    payload = from_xml(TINY, data)
    assert _meter(payload).EndDeviceFunctions == (
        cm.Ref("SimpleEndDeviceFunction", "s1"),
        cm.Ref("ComFunction", "c1"),
    )
    assert to_xml(TINY, payload) == data
    doc = to_json(TINY, payload)
    assert (
        b'"EndDeviceFunctions":[{"SimpleEndDeviceFunction":{"ref":"s1"}},'
        b'{"ComFunction":{"ref":"c1"}}]'
    ) in doc
    assert from_json(TINY, doc) == payload


@pytest.mark.parametrize(
    ("meter", "path"),
    [
        (b'<m:EndDevice ref="c1"/>', "/Tiny/Meter[1]/EndDevice"),
        (b'<m:EndDeviceFunctions ref="c1"/>', "/Tiny/Meter[1]/EndDeviceFunctions"),
        (b'<m:ComFunction ref="c1"/><m:ComFunction/>', "/Tiny/Meter[1]/ComFunction[2]"),
        (
            b'<m:ComFunction ref="c1"/><m:SimpleEndDeviceFunction ref="s1"/>'
            b'<m:ComFunction ref="c1"/>',
            "/Tiny/Meter[1]/ComFunction[2]",
        ),
        (
            b'<m:ComFunction ref="c1"/><m:serialNumber>7</m:serialNumber><m:ComFunction ref="c1"/>',
            "/Tiny/Meter[1]/ComFunction",
        ),
        (b'<m:ComFunction ref="c1" kind="x"/>', "/Tiny/Meter[1]/ComFunction[1]"),
    ],
    ids=["unknown-target", "field-name", "no-ref", "over-max", "out-of-order", "attribute"],
)
def test_a_wrong_reference_element_names_its_path(meter: bytes, path: str) -> None:
    """An element that is not a target (or is the field's name), a reference without ref, a third
    reference where two are allowed, one after a later member and a stray attribute fail with
    the element's path, each indexed among its own elements."""
    with pytest.raises(PayloadError) as info:
        from_xml(TINY, _doc(meter))
    assert info.value.path == path
    assert path in str(info.value)


def test_validation_names_references_as_xml_does() -> None:
    """A wrong target, an unresolved reference and too many references are issues with paths."""
    refs = (cm.Ref("Meter", "m1"), cm.Ref("ComFunction", "c2"), cm.Ref("ComFunction", "c1"))
    payload = Payload.of(
        TINY,
        ComFunction=[Node(cm.ComFunction(mRID="c1"))],
        Meter=[Node(cm.Meter(mRID="m1", EndDeviceFunctions=refs))],
    )
    assert [i.path for i in validate(TINY, payload)] == [
        "/Tiny/Meter[1]/EndDeviceFunctions",
        "/Tiny/Meter[1]/Meter[1]",
        "/Tiny/Meter[1]/ComFunction[1]",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 1, 1), "2026-01-01"),
        (date(1, 12, 31), "0001-12-31"),
        (time(8, 0), "08:00:00"),
        (time(23, 59, 59, 5), "23:59:59.000005"),
        (time(8, 0, tzinfo=UTC), "08:00:00Z"),
        (time(8, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))), "08:00:00-05:30"),
    ],
)
def test_dates_and_times_have_one_text_form(value: date | time, text: str) -> None:
    """A date is written yyyy-mm-dd, a time hh:mm:ss with microseconds if any and its zone (UTC
    as Z), and the text reads back to the same value."""
    xsd: XsdType = "date" if isinstance(value, date) else "time"
    member = attr("x", xsd)
    assert _values.to_text(member, value) == text
    back = _values.parse_text(member, text)
    assert back == value and type(back) is type(value)
    assert _values.parse_text(member, f" {text}\n") == value  # XSD collapses whitespace


@pytest.mark.parametrize(
    ("xsd", "text"),
    [
        ("date", "2026-01-01Z"),
        ("date", "2026-01-01+02:00"),
        ("date", "20260101"),
        ("date", "2026-W01-4"),
        ("date", "2026-02-30"),
        ("date", "0000-01-01"),
        ("date", "-0044-03-15"),
        ("date", "2026-01-01T00:00:00"),
        ("date", "٢٠٢٦-01-01"),
        ("time", "24:00:00"),
        ("time", "08:00"),
        ("time", "0800"),
        ("time", "08:00:00.1234567"),
        ("time", "08:00:00+0200"),
        ("time", "8:00:00"),
        ("time", ""),
    ],
)
def test_literals_that_are_not_carried_are_schema_violations(xsd: XsdType, text: str) -> None:
    """Zoned dates, ISO forms that XSD lacks, impossible dates, years outside 1-9999, 24:00:00,
    sub-microsecond fractions and non-ASCII digits are refused with the element path."""
    member = attr("x", xsd)
    with pytest.raises(ValueError):
        _values.parse_text(member, text)
    with pytest.raises(SchemaViolation, match=f"is not an xs:{xsd}") as info:
        _values.from_text(member, text, "/Tiny/x")
    assert info.value.path == "/Tiny/x"


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (
            b'{"Tiny":{"Meter":[{"lifecycle":{"installationDate":"2026-1-1"}}]}}',
            "/Tiny/Meter[1]/lifecycle/installationDate",
        ),
        (
            b'{"Tiny":{"Meter":[{"lifecycle":{"removalDate":null}}]}}',
            "/Tiny/Meter[1]/lifecycle/removalDate",
        ),
        (b'{"Tiny":{"Register":[{"touTier":{"start":480}}]}}', "/Tiny/Register[1]/touTier/start"),
        (
            b'{"Tiny":{"Register":[{"touTier":{"end":"08:00:00z"}}]}}',
            "/Tiny/Register[1]/touTier/end",
        ),
    ],
)
def test_bad_json_dates_and_times_name_their_path(data: bytes, path: str) -> None:
    """A date or time that is not a string of the XSD form (or is null) fails with its path."""
    with pytest.raises(SchemaViolation) as info:
        from_json(TINY, data)
    assert info.value.path == path


def test_a_datetime_is_not_a_date() -> None:
    """A datetime (a date subclass) where a date belongs is an issue, not a dateTime in XML."""
    meter = cm.Meter(
        mRID="m1",
        lifecycleDate=cm.LifecycleDate(installationDate=datetime(2026, 1, 1)),
    )
    issues = validate(TINY, Payload.of(TINY, Meter=[Node(meter)]))
    assert [i.path for i in issues] == ["/Tiny/Meter[1]/lifecycle/installationDate"]


def test_emitted_xsd_has_a_choice_of_reference_elements() -> None:
    """The emitted schema has the choice with its bounds, one ref element per target, and the
    xs:date and xs:time types; it refuses an element that is not a target."""
    schema_doc = etree.fromstring(profile_xsd(TINY))
    ns = {"xs": XS}
    (choice,) = schema_doc.findall(".//xs:complexType[@name='Meter']/xs:sequence/xs:choice", ns)
    assert (choice.get("minOccurs"), choice.get("maxOccurs")) == ("0", "2")
    assert [e.get("name") for e in choice] == list(_FUNCTIONS)
    assert all(
        e.find("xs:complexType/xs:attribute[@use='required']", ns) is not None for e in choice
    )
    types = {e.get("name"): e.get("type") for e in schema_doc.iter(f"{{{XS}}}element")}
    assert (types["installationDate"], types["start"]) == ("xs:date", "xs:time")
    schema = etree.XMLSchema(schema_doc)
    ok = _doc(b'<m:SimpleEndDeviceFunction ref="s1"/><m:ComFunction ref="c1"/>')
    assert schema.validate(etree.fromstring(ok)), schema.error_log
    assert not schema.validate(etree.fromstring(_doc(b'<m:EndDevice ref="c1"/>')))


@SETTINGS
@given(payloads(TINY))
def test_generated_payloads_fit_the_emitted_xsd_and_round_trip(payload: Payload) -> None:
    """Any valid payload of the small profile fits its XSD and survives XML and JSON unchanged."""
    assert validate(TINY, payload) == ()
    xml = to_xml(TINY, payload)
    schema = etree.XMLSchema(etree.fromstring(profile_xsd(TINY)))
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log)
    assert from_xml(TINY, xml) == payload
    assert from_json(TINY, to_json(TINY, payload)) == payload
