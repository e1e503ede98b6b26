"""UsagePointConfig profile: real 2011 XSD, lossless codecs, emitted XSD, paths in errors."""

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
    USAGE_POINT_CONFIG,
    Node,
    Payload,
    Profile,
    from_json,
    from_xml,
    to_xml,
    validate,
)
from cim.profiles.samples import READING_TYPE_MRID, usage_point
from cim.profiles.xsd import profile_xsd

from profile_checks import assert_valid
from profile_strategies import Literals, payloads

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOUNS = [USAGE_POINT_CONFIG]
LITERALS_2011: dict[str, Literals] = {
    "UsagePointConfig": {
        "PhaseCode": tuple(
            p.value for p in cm.PhaseCode if p.value not in {"X", "XN", "XY", "XYN", "none"}
        ),
        "ServiceKind": (
            "electricity",
            "gas",
            "heat",
            "internet",
            "other",
            "rates",
            "refuse",
            "sewerage",
            "time",
            "tvLicence",
            "water",
        ),
        "SupplierKind": ("other", "retailer", "utility"),
    },
}
"""The CIM100 literals each 2011 XSD also knows, for enumerations that gained literals."""


@pytest.fixture(scope="module")
def schemas(shared_data: Path) -> dict[str, etree.XMLSchema]:
    """The real 2011 IEC 61968-9 XSDs of the nouns, by noun."""
    folder = shared_data / "iec61968-100" / "profiles"
    return {p.name: etree.XMLSchema(etree.parse(str(folder / f"{p.name}.xsd"))) for p in NOUNS}


@pytest.fixture(scope="module")
def emitted() -> dict[str, etree.XMLSchema]:
    """The XSDs that cim.profiles.xsd emits for the nouns, compiled, by noun."""
    return {p.name: etree.XMLSchema(etree.fromstring(profile_xsd(p))) for p in NOUNS}


def test_config_profiles_are_registered_by_noun() -> None:
    """PROFILES holds each config noun under its name, in its 2011 namespace."""
    for p in NOUNS:
        assert PROFILES[p.name] is p
        assert p.namespace == f"http://iec.ch/TC57/2011/{p.name}#"


SAMPLES = {"UsagePointConfig": usage_point}


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
    """Any valid payload (2011 literals) is XSD-valid, reads back equal, writes the same bytes."""
    profile = data.draw(st.sampled_from(NOUNS))
    payload = data.draw(payloads(profile, LITERALS_2011.get(profile.name)))
    xml = to_xml(profile, payload)
    assert_valid(schemas[profile.name], xml)
    back = from_xml(profile, xml)
    assert back == payload
    assert to_xml(profile, back) == xml


@pytest.mark.parametrize("profile", NOUNS, ids=lambda p: p.name)
def test_emitted_xsd_accepts_the_sample(
    emitted: dict[str, etree.XMLSchema], profile: Profile
) -> None:
    """The generated XSD accepts the sample payload and refuses it with an unknown element."""
    data = to_xml(profile, SAMPLES[profile.name]())
    assert_valid(emitted[profile.name], data)
    assert not emitted[profile.name].validate(
        etree.fromstring(data.replace(b"<m:mRID>", b"<m:colour/><m:mRID>", 1))
    )


def test_cim100_literals_beyond_2011_are_carried() -> None:
    """A CIM100-only PhaseCode literal (not in the 2011 XSD) is written and read back."""
    payload = Payload.of(
        USAGE_POINT_CONFIG, UsagePoint=[Node(cm.UsagePoint(phaseCode=cm.PhaseCode.XY))]
    )
    data = to_xml(USAGE_POINT_CONFIG, payload)
    assert b"<m:phaseCode>XY</m:phaseCode>" in data
    assert from_xml(USAGE_POINT_CONFIG, data) == payload


_UP = to_xml(USAGE_POINT_CONFIG, usage_point())


def _mutate(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("profile", "data", "error", "path"),
    [
        (
            USAGE_POINT_CONFIG,
            _mutate(_UP, b">s1N<", b">s3<"),
            SchemaViolation,
            "/UsagePointConfig/UsagePoint[1]/phaseCode",
        ),
        (
            USAGE_POINT_CONFIG,
            _mutate(_UP, b"<m:ratedCurrent>63.0", b"<m:ratedCurrent>lots"),
            SchemaViolation,
            "/UsagePointConfig/UsagePoint[1]/ratedCurrent",
        ),
        (
            USAGE_POINT_CONFIG,
            _mutate(_UP, b"<m:isSdp>", b"<m:colour/><m:isSdp>"),
            PayloadError,
            "/UsagePointConfig/UsagePoint[1]/colour",
        ),
        (
            USAGE_POINT_CONFIG,
            _mutate(_UP, b">ctRatio<", b">ratio<"),
            SchemaViolation,
            "/UsagePointConfig/UsagePoint[1]/ServiceMultipliers[1]/kind",
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
            b'{"UsagePointConfig":{"UsagePoint":[{"nominalServiceVoltage":"230"}]}}',
            "/UsagePointConfig/UsagePoint[1]/nominalServiceVoltage",
        ),
        (
            b'{"UsagePointConfig":{"UsagePoint":[{"connectionState":"maybe"}]}}',
            "/UsagePointConfig/UsagePoint[1]/connectionState",
        ),
    ],
)
def test_invalid_json_names_the_element_path(data: bytes, path: str) -> None:
    """A datatype must be a number and an enum a CIM100 literal, else the path is named."""
    with pytest.raises(SchemaViolation) as info:
        from_json(USAGE_POINT_CONFIG, data)
    assert info.value.path == path


def test_missing_required_members_are_issues() -> None:
    """A requirement without ReadingTypes, an unresolved one, a multiplier Name without
    NameType, and a ReadingType without Names are issues with paths."""
    requirement = Node(cm.MetrologyRequirement())
    dangling = Node(cm.MetrologyRequirement(ReadingTypes=(cm.Ref("ReadingType", "nowhere"),)))
    multiplier = Node(cm.ServiceMultiplier(), (("Names", (Node(cm.Name(name="x")),)),))
    point = Node(
        cm.UsagePoint(),
        (("MetrologyRequirements", (requirement, dangling)), ("ServiceMultipliers", (multiplier,))),
    )
    kind = Node(cm.ReadingType(mRID=READING_TYPE_MRID))
    payload = Payload.of(USAGE_POINT_CONFIG, ReadingType=[kind], UsagePoint=[point])
    up = "/UsagePointConfig/UsagePoint[1]"
    assert {i.path for i in validate(USAGE_POINT_CONFIG, payload)} == {
        f"{up}/MetrologyRequirements[1]/ReadingTypes",
        f"{up}/MetrologyRequirements[2]/ReadingTypes[1]",
        f"{up}/ServiceMultipliers[1]/Names[1]/NameType",
        "/UsagePointConfig/ReadingType[1]/Names",
    }


EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def test_docs_operation_set_payloads_decode_and_check() -> None:
    """Each UsagePointConfig payload of the documented OperationSet decodes and validates."""
    doc = etree.parse(str(EXAMPLES / "usagepointconfig-operationset.xml"))
    found = doc.iter("{" + USAGE_POINT_CONFIG.namespace + "}UsagePointConfig")
    decoded = [from_xml(USAGE_POINT_CONFIG, etree.tostring(el)) for el in found]
    assert [validate(USAGE_POINT_CONFIG, p) for p in decoded] == [(), ()]
    mrids = [node.obj.mRID for p in decoded for node in p.child("UsagePoint")]
    assert mrids == ["2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7081", "1f0e3d2c-4b5a-4968-8776-a5b4c3d2e1f0"]
