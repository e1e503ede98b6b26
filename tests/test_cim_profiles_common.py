"""What every message profile must hold, run once over cim.profiles.PROFILES: its classes fit
the generated model, and any valid payload fits the emitted XSD, reads back without loss and
survives XML -> JSON -> XML byte for byte. Per-noun files test their samples, the real IEC XSDs
and their own refusals."""

from __future__ import annotations

import dataclasses
import enum

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import cim.model as cm
from cim.profiles import PROFILES, Profile, from_json, from_xml, to_json, to_xml, validate

from profile_checks import emitted_schema
from profile_strategies import payloads

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALL = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=lambda p: p.name)


@ALL
def test_profile_classes_fit_the_generated_model(profile: Profile) -> None:
    """Each profile class is a cim.model class; each member neither embedded nor an extension
    is one of its fields, and an extension is none (it exists because the CIM has no home for
    it); the targets of a choice of references are subclasses of the reference's class."""
    for pclass in profile.classes.values():
        fields = {f.name for f in dataclasses.fields(getattr(cm, pclass.cim_class))}
        for m in pclass.members:
            if m.kind == "association":
                assert m.type in profile.classes, (pclass.name, m.element)
            elif m.kind == "extension":
                assert m.element not in fields, (pclass.name, m.element)
            else:
                assert m.path in fields, (pclass.name, m.path)
            if m.kind == "enum":
                assert issubclass(getattr(cm, m.type), enum.Enum)
            for target in m.targets:
                assert issubclass(getattr(cm, target), getattr(cm, m.type)), (m.element, target)


@ALL
@SETTINGS
@given(data=st.data())
def test_valid_payloads_fit_the_emitted_xsd_and_read_back_without_loss(
    profile: Profile, data: st.DataObject
) -> None:
    """A valid payload validates against the emitted XSD, reads back equal, same bytes."""
    payload = data.draw(payloads(profile))
    assert validate(profile, payload) == ()
    xml = to_xml(profile, payload)
    schema = emitted_schema(profile.name)
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log)
    back = from_xml(profile, xml)
    assert back == payload and to_xml(profile, back) == xml


@ALL
@SETTINGS
@given(data=st.data())
def test_xml_json_round_trip_is_byte_equal(profile: Profile, data: st.DataObject) -> None:
    """XML -> objects -> JSON -> objects -> XML gives the same bytes, and JSON is stable."""
    payload = data.draw(payloads(profile))
    xml = to_xml(profile, payload)
    doc = to_json(profile, from_xml(profile, xml))
    back = from_json(profile, doc)
    assert back == payload
    assert to_xml(profile, back) == xml and to_json(profile, back) == doc
