"""WorkRequests (IEC 61968-6) against the real 2011 XSD, and the samples of the three work nouns
against the XSDs cimbus emits. WorkOrders' and Crews' design and the refusals of all three are in
test_cim_profiles_work_design.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import (
    CREWS,
    PROFILES,
    WORK_ORDERS,
    WORK_REQUESTS,
    Node,
    Payload,
    Profile,
    from_json,
    from_xml,
    to_json,
    to_xml,
    validate,
)
from cim.profiles.samples_work import line_crew, work_order
from cim.profiles.samples_workrequests import work_request
from cim.profiles.workrequests import WORK_TIME_SCHEDULE_KINDS_2011
from cim.profiles.xsd import profile_xsd

from profile_strategies import payloads

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ELWORK = "/WorkRequests/ELWork[1]"
SAMPLES: list[tuple[Profile, Callable[[], Payload]]] = [
    (WORK_REQUESTS, work_request),
    (WORK_ORDERS, work_order),
    (CREWS, line_crew),
]


@pytest.fixture(scope="module")
def xsd_path(shared_data: Path) -> Path:
    """Where the real 2011 IEC 61968-6 WorkRequests XSD is (read in place, never copied)."""
    return shared_data / "iec61968-100" / "profiles" / "WorkRequests.xsd"


@pytest.fixture(scope="module")
def schema(xsd_path: Path) -> etree.XMLSchema:
    """The real 2011 WorkRequests XSD, compiled."""
    return etree.XMLSchema(etree.parse(str(xsd_path)))


def _assert_valid(schema: etree.XMLSchema, doc: etree._Element) -> None:
    if not schema.validate(doc):
        pytest.fail(str(schema.error_log))


def test_profiles_are_registered_by_noun() -> None:
    """PROFILES holds the three work nouns under their names, root elements and namespaces."""
    for noun, profile, root_class, namespace in (
        ("WorkRequests", WORK_REQUESTS, "Work", "http://iec.ch/TC57/2011/WorkRequests"),
        ("WorkOrders", WORK_ORDERS, "WorkOrder", "http://iec.ch/TC57/2011/WorkOrders#"),
        ("Crews", CREWS, "Crew", "http://iec.ch/TC57/2011/Crews#"),
    ):
        assert PROFILES[noun] is profile
        assert (profile.root_element, profile.root_class) == (noun, root_class)
        assert (profile.namespace, profile.version) == (namespace, "1.0")


@pytest.mark.corpus
def test_work_requests_namespace_is_the_xsds(xsd_path: Path) -> None:
    """The 2011 WorkRequests XSD's targetNamespace has no '#', unlike the 61968-9 profiles."""
    assert etree.parse(str(xsd_path)).getroot().get("targetNamespace") == WORK_REQUESTS.namespace


@pytest.mark.corpus
def test_work_request_sample_validates_against_the_real_xsd(schema: etree.XMLSchema) -> None:
    """The sample is valid, its bytes fit the real XSD as written, and it reads back from XML
    and JSON without loss."""
    payload = work_request()
    assert validate(WORK_REQUESTS, payload) == ()
    data = to_xml(WORK_REQUESTS, payload)
    _assert_valid(schema, etree.fromstring(data))
    assert from_xml(WORK_REQUESTS, data) == payload
    assert from_json(WORK_REQUESTS, to_json(WORK_REQUESTS, payload)) == payload


@pytest.mark.corpus
@SETTINGS
@given(st.data())
def test_generated_work_requests_fit_the_real_xsd_and_read_back(
    schema: etree.XMLSchema, data: st.DataObject
) -> None:
    """Any valid payload (2011 schedule kinds only), written by the codec, fits the real XSD
    byte for byte, reads back equal from XML and JSON, and writes the same bytes again."""
    literals: dict[str, tuple[str, ...]] = {"WorkTimeScheduleKind": WORK_TIME_SCHEDULE_KINDS_2011}
    payload = data.draw(payloads(WORK_REQUESTS, literals))
    xml = to_xml(WORK_REQUESTS, payload)
    _assert_valid(schema, etree.fromstring(xml))
    back = from_xml(WORK_REQUESTS, xml)
    assert back == payload and to_xml(WORK_REQUESTS, back) == xml
    assert from_json(WORK_REQUESTS, to_json(WORK_REQUESTS, payload)) == payload


@pytest.mark.corpus
def test_written_bytes_fit_the_real_xsd_as_they_are(schema: etree.XMLSchema) -> None:
    """Only the root is in the namespace, as the 2011 XSD (no elementFormDefault) declares: the
    sample's bytes, unchanged, fit it, and so does the emitted XSD's elementFormDefault."""
    data = to_xml(WORK_REQUESTS, work_request())
    doc = etree.fromstring(data)
    assert doc.tag == f"{{{WORK_REQUESTS.namespace}}}WorkRequests"
    assert {etree.QName(e).namespace for e in doc.iterdescendants()} == {None}
    _assert_valid(schema, doc)
    emitted = etree.fromstring(profile_xsd(WORK_REQUESTS))
    assert emitted.get("elementFormDefault") == "unqualified"


@pytest.mark.corpus
def test_a_namespaced_child_is_refused_with_its_path(schema: etree.XMLSchema) -> None:
    """A child element in the profile namespace is refused by the real XSD and by the reader,
    naming the element; JSON has no namespaces and reads the same payload as before."""
    data = to_xml(WORK_REQUESTS, work_request())
    qualified = data.replace(b"<ELWork>", b"<m:ELWork>", 1).replace(b"</ELWork>", b"</m:ELWork>")
    assert not schema.validate(etree.fromstring(qualified))
    with pytest.raises(PayloadError, match="must be in no namespace") as info:
        from_xml(WORK_REQUESTS, qualified)
    assert info.value.path == "/WorkRequests/ELWork"
    deeper = data.replace(b"<glAccount>", b'<glAccount xmlns="urn:x">', 1)
    with pytest.raises(PayloadError) as info:
        from_xml(WORK_REQUESTS, deeper)
    assert info.value.path == f"{ELWORK}/glAccount"
    assert b'{"WorkRequests":{"Organisation":' in to_json(WORK_REQUESTS, work_request())


@pytest.mark.corpus
def test_call_ahead_cannot_be_carried(schema: etree.XMLSchema) -> None:
    """The 2011 XSD types callAhead as an empty complex type, so it cannot hold true: the
    profile leaves it out and the reader refuses it with its path."""
    data = to_xml(WORK_REQUESTS, work_request()).replace(
        b"<Appointment>", b"<Appointment><callAhead>true</callAhead>", 1
    )
    assert not schema.validate(etree.fromstring(data))
    with pytest.raises(PayloadError) as info:
        from_xml(WORK_REQUESTS, data)
    assert info.value.path == f"{ELWORK}/Appointment[1]/callAhead"


@pytest.mark.parametrize(("profile", "sample"), SAMPLES, ids=[p.name for p, _ in SAMPLES])
def test_emitted_xsd_accepts_each_sample(profile: Profile, sample: Callable[[], Payload]) -> None:
    """The XSD cimbus emits for each work noun accepts its sample and refuses an unknown
    element in it."""
    emitted = etree.XMLSchema(etree.fromstring(profile_xsd(profile)))
    data = to_xml(profile, sample())
    _assert_valid(emitted, etree.fromstring(data))
    prefix = b"m:" if profile.qualified else b""
    unknown = data.replace(b"<%smRID>" % prefix, b"<%scolour/><%smRID>" % (prefix, prefix), 1)
    assert unknown != data and not emitted.validate(etree.fromstring(unknown))


def test_2011_elements_land_in_cim100_members() -> None:
    """ELWork reads as a Work whose unrelated CIM100 fields stay empty: its four extensions are
    on the Node, in profile order; the Organisation's PostalAddress is a StreetAddress; siteId is
    an embedded Location."""
    back = from_xml(WORK_REQUESTS, to_xml(WORK_REQUESTS, work_request()))
    work = back.child("ELWork")[0]
    assert isinstance(work.obj, cm.Work) and work.obj.kind is cm.ServiceRequestKind.replace
    assert work.extensions == (
        ("changedBy", "oms-dispatch-2"),
        ("failureKind", "winding failure"),
        ("glAccount", "6310-OH-REPAIR"),
        ("problemKind", "no supply"),
    )
    assert work.extension("glAccount") == "6310-OH-REPAIR" and work.extension("x") is None
    assert (work.obj.electronicAddress, work.obj.priority, work.obj.docStatus) == (None,) * 3
    assert work.obj.aliasName is None
    assert b'"changedBy":"oms-dispatch-2","failureKind":"winding failure"' in to_json(
        WORK_REQUESTS, back
    )
    (site,) = work.child("siteId")
    assert isinstance(site.obj, cm.Location) and site.obj.mRID == "SITE-0815"
    organisation = back.child("Organisation")[0].obj
    assert isinstance(organisation, cm.Organisation)
    assert organisation.postalAddress == cm.StreetAddress(
        postalCode="1217", townDetail=cm.TownDetail(name="Meyrin", country="CH")
    )


def test_required_2011_members_are_issues() -> None:
    """An ELWork without the 2011 XSD's required members is reported member by member."""
    payload = Payload.of(WORK_REQUESTS, ELWork=[Node(cm.Work(mRID="w-1"))])
    assert {i.path for i in validate(WORK_REQUESTS, payload)} == {
        f"{ELWORK}/{element}"
        for element in (
            "changedBy",
            "failureKind",
            "glAccount",
            "kind",
            "problemKind",
            "requestDateTime",
            "siteId",
            "status",
        )
    }


def test_extension_values_are_checked_like_members() -> None:
    """An extension of the wrong type, one the class does not carry, one given twice, or a
    JSON value of the wrong type is refused with its path; an absent one is ``None``."""
    (work,) = work_request().child("ELWork")
    ext = dict(work.extensions)

    def issues(*extensions: tuple[str, object]) -> set[tuple[str, str]]:
        node = replace(work, extensions=extensions)
        found = validate(WORK_REQUESTS, Payload.of(WORK_REQUESTS, ELWork=[node]))
        return {(i.path, i.code) for i in found}

    assert issues(*ext.items()) == set()
    assert issues(*{**ext, "glAccount": 6310}.items()) == {(f"{ELWORK}/glAccount", "1.8")}
    assert issues(*ext.items(), ("costCentre", "x")) == {(ELWORK, "1.8")}
    assert issues(*ext.items(), ("changedBy", "y")) == {(f"{ELWORK}/changedBy", "1.8")}
    with pytest.raises(SchemaViolation) as info:
        from_json(WORK_REQUESTS, b'{"WorkRequests":{"ELWork":[{"changedBy":7}]}}')
    assert info.value.path == f"{ELWORK}/changedBy"


@pytest.mark.corpus
def test_cim100_only_literals_fit_the_profile_but_not_the_2011_xsd(
    schema: etree.XMLSchema,
) -> None:
    """CIM100's schedule kind ``immediate`` reads as its enum literal, but the 2011 XSD refuses
    it, which is why the hypothesis test above draws the 2011 literals only."""
    assert "immediate" not in WORK_TIME_SCHEDULE_KINDS_2011
    data = to_xml(WORK_REQUESTS, work_request()).replace(
        b"<kind>latest</kind>", b"<kind>immediate</kind>", 1
    )
    (schedule,) = from_xml(WORK_REQUESTS, data).child("ELWork")[0].child("TimeSchedules")
    assert isinstance(schedule.obj, cm.WorkTimeSchedule)
    assert schedule.obj.kind is cm.WorkTimeScheduleKind.immediate
    assert not schema.validate(etree.fromstring(data))
