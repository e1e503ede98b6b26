"""MeasurementValues profile (no reference XSD): emitted XSD, lossless codecs, paths in errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    MEASUREMENT_VALUES,
    PROFILES,
    Node,
    Payload,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples import scada_values
from cim.profiles.xsd import profile_xsd

from profile_checks import assert_valid

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = MEASUREMENT_VALUES
ANALOG = "/MeasurementValues/AnalogValue[1]"
DISCRETE = "/MeasurementValues/DiscreteValue[1]"


@pytest.fixture(scope="module")
def emitted() -> etree.XMLSchema:
    """The XSD that cim.profiles.xsd emits for MeasurementValues, compiled."""
    return etree.XMLSchema(etree.fromstring(profile_xsd(PROFILE)))


def test_profile_is_registered_by_noun() -> None:
    """PROFILES holds MeasurementValues under its name, in a 2011-style namespace."""
    assert PROFILES["MeasurementValues"] is PROFILE
    assert PROFILE.namespace == "http://iec.ch/TC57/2011/MeasurementValues#"
    assert PROFILE.version == "1.0"
    assert [m.element for m in PROFILE.root.members] == ["AnalogValue", "DiscreteValue"]


def test_measurement_references_are_by_mrid_and_need_not_resolve() -> None:
    """Analog, Discrete and MeasurementValueSource are references that the payload may not hold."""
    for cls_name, element, required in (
        ("AnalogValue", "Analog", 1),
        ("DiscreteValue", "Discrete", 1),
        ("AnalogValue", "MeasurementValueSource", 0),
        ("DiscreteValue", "MeasurementValueSource", 0),
    ):
        m = PROFILE.cls(cls_name).member(element)
        assert m is not None and m.kind == "reference" and not m.resolve and m.min == required


def test_sample_is_valid_and_reads_back() -> None:
    """The sample payload is valid, accepted by the emitted XSD and reads back equal."""
    payload = scada_values()
    assert validate(PROFILE, payload) == ()
    data = to_xml(PROFILE, payload)
    assert from_xml(PROFILE, data) == payload
    assert from_json(PROFILE, to_json(PROFILE, payload)) == payload


def test_emitted_xsd_accepts_the_sample_and_refuses_unknown(emitted: etree.XMLSchema) -> None:
    """The emitted XSD accepts the sample, and refuses an unknown element or a missing value."""
    data = to_xml(PROFILE, scada_values())
    assert_valid(emitted, data)
    assert not emitted.validate(
        etree.fromstring(data.replace(b"<m:mRID>", b"<m:colour/><m:mRID>", 1))
    )
    assert not emitted.validate(etree.fromstring(data.replace(b"<m:value>1</m:value>", b"", 1)))


_MV = to_xml(PROFILE, scada_values())


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (_mutate(_MV, b">412.5<", b">high<"), SchemaViolation, f"{ANALOG}/value"),
        (_mutate(_MV, b"<m:value>1<", b"<m:value>1.5<"), SchemaViolation, f"{DISCRETE}/value"),
        (
            _mutate(_MV, b">GOOD<", b">FINE<"),
            SchemaViolation,
            f"{ANALOG}/MeasurementValueQuality/validity",
        ),
        (
            _mutate(_MV, b">true<", b">yes<"),
            SchemaViolation,
            f"{DISCRETE}/MeasurementValueQuality/operatorBlocked",
        ),
        (
            _mutate(_MV, b"<m:source>PROCESS", b"<m:colour/><m:source>PROCESS"),
            PayloadError,
            f"{ANALOG}/MeasurementValueQuality/colour",
        ),
        (
            _mutate(_MV, b'<m:Analog ref="f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8"/>', b"<m:Analog/>"),
            PayloadError,
            f"{ANALOG}/Analog",
        ),
    ],
)
def test_invalid_xml_names_the_element_path(data: bytes, error: Any, path: str) -> None:
    """Bad values, unknown literals and elements, a reference without ref name their path."""
    with pytest.raises(error) as info:
        from_xml(PROFILE, data)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (b'{"MeasurementValues":{"AnalogValue":[{"value":"412.5"}]}}', f"{ANALOG}/value"),
        (
            b'{"MeasurementValues":{"DiscreteValue":[{"MeasurementValueQuality":{"suspect":1}}]}}',
            f"{DISCRETE}/MeasurementValueQuality/suspect",
        ),
    ],
)
def test_invalid_json_names_the_element_path(data: bytes, path: str) -> None:
    """A float must be a JSON number and a flag a JSON boolean, else the path is named."""
    with pytest.raises(SchemaViolation) as info:
        from_json(PROFILE, data)
    assert info.value.path == path


def test_missing_required_members_are_issues() -> None:
    """A value without value, timeStamp or its Measurement is reported with paths."""
    analog = Node(cm.AnalogValue(value=1.0))
    discrete = Node(
        cm.DiscreteValue(),
        (("MeasurementValueQuality", (Node(cm.MeasurementValueQuality()),)),),
    )
    payload = Payload.of(PROFILE, AnalogValue=[analog], DiscreteValue=[discrete])
    assert {i.path for i in validate(PROFILE, payload)} == {
        f"{ANALOG}/timeStamp",
        f"{ANALOG}/Analog",
        f"{DISCRETE}/timeStamp",
        f"{DISCRETE}/value",
        f"{DISCRETE}/Discrete",
    }
