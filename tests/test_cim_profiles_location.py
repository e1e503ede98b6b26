"""ServiceLocationConfig profile: real 2011 XSD, lossless codecs, emitted XSD, paths in errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    PROFILES,
    SERVICE_LOCATION_CONFIG,
    Node,
    Payload,
    from_json,
    from_xml,
    to_xml,
    validate,
)
from cim.profiles.samples import service_location
from cim.profiles.xsd import profile_xsd

from profile_checks import assert_valid
from profile_strategies import payloads

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = SERVICE_LOCATION_CONFIG
ROOT = "/ServiceLocationConfig/ServiceLocation[1]"


@pytest.fixture(scope="module")
def schema(shared_data: Path) -> etree.XMLSchema:
    """The real 2011 IEC 61968-9 ServiceLocationConfig XSD."""
    path = shared_data / "iec61968-100" / "profiles" / "ServiceLocationConfig.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def emitted() -> etree.XMLSchema:
    """The XSD that cim.profiles.xsd emits for ServiceLocationConfig, compiled."""
    return etree.XMLSchema(etree.fromstring(profile_xsd(PROFILE)))


def test_profile_is_registered_by_noun() -> None:
    """PROFILES holds ServiceLocationConfig under its name, in its 2011 namespace."""
    assert PROFILES["ServiceLocationConfig"] is PROFILE
    assert PROFILE.namespace == "http://iec.ch/TC57/2011/ServiceLocationConfig#"
    assert (PROFILE.root_element, PROFILE.root_class) == (
        "ServiceLocationConfig",
        "ServiceLocation",
    )


@pytest.mark.corpus
def test_sample_validates_against_the_real_xsd(schema: etree.XMLSchema) -> None:
    """The sample payload writes XML that the real 2011 XSD accepts, and reads back."""
    payload = service_location()
    assert validate(PROFILE, payload) == ()
    data = to_xml(PROFILE, payload)
    assert_valid(schema, data)
    assert from_xml(PROFILE, data) == payload


@pytest.mark.corpus
@SETTINGS
@given(st.data())
def test_generated_payloads_validate_and_parse_without_loss(
    schema: etree.XMLSchema, data: st.DataObject
) -> None:
    """Any valid payload is XSD-valid, reads back equal and writes the same bytes."""
    payload = data.draw(payloads(PROFILE))
    xml = to_xml(PROFILE, payload)
    assert_valid(schema, xml)
    back = from_xml(PROFILE, xml)
    assert back == payload
    assert to_xml(PROFILE, back) == xml


def test_emitted_xsd_accepts_the_sample(emitted: etree.XMLSchema) -> None:
    """The generated XSD accepts the sample payload and refuses it with an unknown element."""
    data = to_xml(PROFILE, service_location())
    assert_valid(emitted, data)
    assert not emitted.validate(
        etree.fromstring(data.replace(b"<m:mRID>", b"<m:colour/><m:mRID>", 1))
    )


def test_cim100_members_beyond_2011_are_not_carried() -> None:
    """CIM100 address members the 2011 message lacks are dropped on writing (not in the profile)."""
    address = cm.StreetAddress(postalCode="1204", townDetail=cm.TownDetail(name="Genève"))
    payload = Payload.of(PROFILE, ServiceLocation=[Node(cm.ServiceLocation(mainAddress=address))])
    data = to_xml(PROFILE, payload)
    assert b"postalCode" not in data
    back = from_xml(PROFILE, data)
    assert back.child("ServiceLocation")[0].obj.mainAddress == cm.StreetAddress(
        townDetail=cm.TownDetail(name="Genève")
    )


_SL = to_xml(PROFILE, service_location())


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (
            _mutate(_SL, b">false<", b">maybe<"),
            SchemaViolation,
            f"{ROOT}/needsInspection",
        ),
        (
            _mutate(_SL, b"<m:sequenceNumber>1<", b"<m:sequenceNumber>first<"),
            SchemaViolation,
            f"{ROOT}/PositionPoints[1]/sequenceNumber",
        ),
        (
            _mutate(_SL, b"<m:streetDetail>", b"<m:postalCode>1204</m:postalCode><m:streetDetail>"),
            PayloadError,
            f"{ROOT}/mainAddress/postalCode",
        ),
        (
            _mutate(_SL, b"<m:townDetail>", b"<m:colour/><m:townDetail>"),
            PayloadError,
            f"{ROOT}/mainAddress/colour",
        ),
        (
            _mutate(_SL, b"<m:CoordinateSystem>", b"<m:ConfigurationEvents/><m:CoordinateSystem>"),
            PayloadError,
            f"{ROOT}/ConfigurationEvents",
        ),
        (
            _mutate(_SL, b"<m:CoordinateSystem>", b'<m:CoordinateSystem ref="x">'),
            PayloadError,
            f"{ROOT}/CoordinateSystem",
        ),
    ],
)
def test_invalid_xml_names_the_element_path(data: bytes, error: Any, path: str) -> None:
    """Bad values, CIM100-only or unknown elements, a second ConfigurationEvents and a
    CoordinateSystem by reference fail with the element's path."""
    with pytest.raises(error) as info:
        from_xml(PROFILE, data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (
            b'{"ServiceLocationConfig":{"ServiceLocation":[{"needsInspection":"no"}]}}',
            f"{ROOT}/needsInspection",
        ),
        (
            b'{"ServiceLocationConfig":{"ServiceLocation":[{"mainAddress":'
            b'{"streetDetail":{"withinTownLimits":1}}}]}}',
            f"{ROOT}/mainAddress/streetDetail/withinTownLimits",
        ),
    ],
)
def test_invalid_json_names_the_element_path(data: bytes, path: str) -> None:
    """A boolean must be a JSON boolean, also inside nested compounds, else the path is named."""
    with pytest.raises(SchemaViolation) as info:
        from_json(PROFILE, data)
    assert info.value.path == path


def test_missing_required_members_are_issues() -> None:
    """A PositionPoint without x/y and a Name without its name are issues with paths."""
    point = Node(cm.PositionPoint(sequenceNumber=1, xPosition="6.1"))
    coordinates = Node(cm.CoordinateSystem(), (("Names", (Node(cm.Name()),)),))
    location = Node(
        cm.ServiceLocation(),
        (("CoordinateSystem", (coordinates,)), ("PositionPoints", (point,))),
    )
    payload = Payload.of(PROFILE, ServiceLocation=[location])
    assert {i.path for i in validate(PROFILE, payload)} == {
        f"{ROOT}/CoordinateSystem/Names[1]/name",
        f"{ROOT}/PositionPoints[1]/yPosition",
    }
