"""EndDeviceEvents and EndDeviceControls profiles: real XSD, lossless codecs, paths in errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    END_DEVICE_CONTROLS,
    END_DEVICE_EVENTS,
    METER_READINGS,
    PROFILES,
    Node,
    Payload,
    Profile,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples import LOAD_CONTROL, demand_response, outage_events

from profile_checks import assert_valid
from profile_strategies import payloads

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOUNS = [END_DEVICE_EVENTS, END_DEVICE_CONTROLS]
SAMPLES: dict[str, Callable[[], Payload]] = {
    "EndDeviceEvents": lambda: outage_events(3),
    "EndDeviceControls": demand_response,
}


@pytest.fixture(scope="module")
def schemas(shared_data: Path) -> dict[str, etree.XMLSchema]:
    """The real 2011 IEC 61968-9 XSDs of the nouns, by noun."""
    folder = shared_data / "iec61968-100" / "profiles"
    return {p.name: etree.XMLSchema(etree.parse(str(folder / f"{p.name}.xsd"))) for p in NOUNS}


def test_profiles_are_registered_by_noun() -> None:
    """PROFILES maps each noun to its profile, in its 2011 namespace (others add more nouns)."""
    assert PROFILES["MeterReadings"] is METER_READINGS
    assert PROFILES["EndDeviceEvents"] is END_DEVICE_EVENTS
    assert PROFILES["EndDeviceControls"] is END_DEVICE_CONTROLS
    assert {"UsagePointConfig", "ServiceLocationConfig", "MeasurementValues"} <= set(PROFILES)
    for noun, p in PROFILES.items():
        assert p.root_element == noun  # WorkRequests.xsd's namespace has no "#"
        assert p.namespace in (
            f"http://iec.ch/TC57/2011/{noun}#",
            f"http://iec.ch/TC57/2011/{noun}",
        )
    with pytest.raises(TypeError):
        PROFILES["X"] = METER_READINGS  # type: ignore[index]


@pytest.mark.corpus
@pytest.mark.parametrize("profile", NOUNS, ids=lambda p: p.name)
def test_samples_validate_against_the_real_xsd(
    schemas: dict[str, etree.XMLSchema], profile: Profile
) -> None:
    """The sample payload of each noun writes XML that its real XSD accepts, and reads back."""
    payload = SAMPLES[profile.name]()
    assert validate(profile, payload) == ()
    data = to_xml(profile, payload)
    assert_valid(schemas[profile.name], data)
    assert from_xml(profile, data) == payload


@pytest.mark.corpus
@SETTINGS
@given(st.data())
def test_generated_payloads_validate_and_parse_without_loss(
    schemas: dict[str, etree.XMLSchema], data: st.DataObject
) -> None:
    """Any valid payload of either noun is XSD-valid, reads back equal and writes the same bytes."""
    profile = data.draw(st.sampled_from(NOUNS))
    payload = data.draw(payloads(profile))
    xml = to_xml(profile, payload)
    assert_valid(schemas[profile.name], xml)
    back = from_xml(profile, xml)
    assert back == payload
    assert to_xml(profile, back) == xml


def test_datatypes_travel_as_their_value() -> None:
    """Minutes, PerCent and Money are typed values: float and decimal text, JSON number/string."""
    doc = json.loads(to_json(END_DEVICE_CONTROLS, demand_response()))
    action = doc["EndDeviceControls"]["EndDeviceControl"][0]["PanDemandResponse"]
    assert (action["duration"], action["dutyCycle"]) == (60.0, 50.0)
    detail = Node(cm.PanPricingDetail(price=cm.Money(value=Decimal("1E+2"))))
    pricing = Node(cm.PanPricing(), (("PanPricingDetails", (detail,)),))
    payload = _control(("PanPricing", pricing))
    assert b"<m:price>100</m:price>" in to_xml(END_DEVICE_CONTROLS, payload)
    body = json.loads(to_json(END_DEVICE_CONTROLS, payload))["EndDeviceControls"]
    assert body["EndDeviceControl"][0]["PanPricing"]["PanPricingDetails"][0] == {"price": "100"}


def _control(*actions: tuple[str, Node]) -> Payload:
    control = Node(
        cm.EndDeviceControl(EndDeviceControlType=cm.Ref("EndDeviceControlType", LOAD_CONTROL)),
        tuple((name, (node,)) for name, node in actions),
    )
    kind = Node(
        cm.EndDeviceControlType(mRID=LOAD_CONTROL), (("Names", (Node(cm.Name(name="x")),)),)
    )
    return Payload.of(END_DEVICE_CONTROLS, EndDeviceControl=[control], EndDeviceControlType=[kind])


def test_only_one_pan_action_of_the_choice() -> None:
    """Two PAN actions in one control are an issue on writing, and refused on reading."""
    payload = _control(
        ("PanDemandResponse", Node(cm.PanDemandResponse())), ("PanDisplay", Node(cm.PanDisplay()))
    )
    (issue,) = validate(END_DEVICE_CONTROLS, payload)
    assert issue.path == "/EndDeviceControls/EndDeviceControl[1]/PanDisplay"
    xml = to_xml(END_DEVICE_CONTROLS, payload, validate=False)
    with pytest.raises(PayloadError) as info:
        from_xml(END_DEVICE_CONTROLS, xml)
    assert info.value.path == "/EndDeviceControls/EndDeviceControl[1]/PanDisplay"
    doc = to_json(END_DEVICE_CONTROLS, payload, validate=False)
    with pytest.raises(PayloadError) as info:
        from_json(END_DEVICE_CONTROLS, doc)
    assert info.value.path == "/EndDeviceControls/EndDeviceControl[1]/PanDisplay"


_EVENTS = to_xml(END_DEVICE_EVENTS, outage_events(1))
_CONTROLS = to_xml(END_DEVICE_CONTROLS, demand_response())


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("profile", "data", "error", "path"),
    [
        (
            END_DEVICE_EVENTS,
            _mutate(_EVENTS, b"2026-01-01T00:00:00Z", b"noon"),
            SchemaViolation,
            "/EndDeviceEvents/EndDeviceEvent[1]/createdDateTime",
        ),
        (
            END_DEVICE_EVENTS,
            _mutate(_EVENTS, b"<m:severity>", b"<m:colour/><m:severity>"),
            PayloadError,
            "/EndDeviceEvents/EndDeviceEvent[1]/colour",
        ),
        (
            END_DEVICE_CONTROLS,
            _mutate(_CONTROLS, b"<m:dutyCycle>50.0", b"<m:dutyCycle>half"),
            SchemaViolation,
            "/EndDeviceControls/EndDeviceControl[1]/PanDemandResponse/dutyCycle",
        ),
        (
            END_DEVICE_CONTROLS,
            _mutate(_CONTROLS, b">start<", b">sometimes<"),
            SchemaViolation,
            "/EndDeviceControls/EndDeviceControl[1]/primaryDeviceTiming/randomisation",
        ),
        (
            END_DEVICE_CONTROLS,
            _mutate(_CONTROLS, b"<m:drProgramLevel>2", b"<m:drProgramLevel>2.5"),
            SchemaViolation,
            "/EndDeviceControls/EndDeviceControl[1]/drProgramLevel",
        ),
    ],
)
def test_invalid_xml_names_the_element_path(
    profile: Profile, data: bytes, error: Any, path: str
) -> None:
    """Bad values and unknown elements fail with the element's path."""
    with pytest.raises(error) as info:
        from_xml(profile, data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (
            b'{"EndDeviceControls":{"EndDeviceControl":[{"PanPricing":{"PanPricingDetails":'
            b'[{"price":12.5}]}}]}}',
            "/EndDeviceControls/EndDeviceControl[1]/PanPricing/PanPricingDetails[1]/price",
        ),
        (
            b'{"EndDeviceControls":{"EndDeviceControl":[{"PanPricing":{"PanPricingDetails":'
            b'[{"price":"1e5"}]}}]}}',
            "/EndDeviceControls/EndDeviceControl[1]/PanPricing/PanPricingDetails[1]/price",
        ),
        (
            b'{"EndDeviceControls":{"EndDeviceControl":[{"PanDisplay":{"duration":"long"}}]}}',
            "/EndDeviceControls/EndDeviceControl[1]/PanDisplay/duration",
        ),
    ],
)
def test_invalid_json_names_the_element_path(data: bytes, path: str) -> None:
    """Money must be an xs:decimal string and Minutes a number, else the path is named."""
    with pytest.raises(SchemaViolation) as info:
        from_json(END_DEVICE_CONTROLS, data)
    assert info.value.path == path


def test_missing_required_members_are_issues() -> None:
    """An event without createdDateTime or type, a type without Names, are issues with paths."""
    event = Node(cm.EndDeviceEvent(mRID="e"))
    kind = Node(cm.EndDeviceEventType(mRID="t"))
    payload = Payload.of(END_DEVICE_EVENTS, EndDeviceEvent=[event], EndDeviceEventType=[kind])
    assert {i.path for i in validate(END_DEVICE_EVENTS, payload)} == {
        "/EndDeviceEvents/EndDeviceEvent[1]/createdDateTime",
        "/EndDeviceEvents/EndDeviceEvent[1]/EndDeviceEventType",
        "/EndDeviceEvents/EndDeviceEventType[1]/Names",
    }
