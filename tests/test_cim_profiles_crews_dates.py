"""Crews carries a tool's lastCalibrationDate as an xs:date, in XML, JSON and the emitted XSD."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from lxml import etree

import cim.model as cm
from cim.errors import PayloadError, SchemaViolation
from cim.profiles import CREWS, Node, Payload, from_json, from_xml, to_json, to_xml, validate
from cim.profiles.samples_work import CREW_MRID, line_crew
from cim.profiles.xsd import XS, profile_xsd

TOOL = "/Crews/Crew[1]/Tools[1]"
_CR = to_xml(CREWS, line_crew())
_DATE = b"<m:lastCalibrationDate>2025-11-22</m:lastCalibrationDate>"


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(profile_xsd(CREWS)))


def _tool(payload: Payload) -> cm.Tool:
    (tool,) = payload.child("Crew")[0].child("Tools")
    assert isinstance(tool.obj, cm.Tool)
    return tool.obj


def _crew_with(tool: cm.Tool) -> Payload:
    return Payload.of(CREWS, Crew=[Node(cm.Crew(mRID=CREW_MRID), (("Tools", (Node(tool),)),))])


def test_last_calibration_date_is_the_cim100_field_in_name_order() -> None:
    """The Tool member is CIM100 Tool.lastCalibrationDate, an optional xs:date, before name."""
    tool = CREWS.cls("Tool")
    member = tool.member("lastCalibrationDate")
    assert member is not None and (member.kind, member.type, member.min) == ("attribute", "date", 0)
    assert "lastCalibrationDate" in {f.name for f in dataclasses.fields(cm.Tool)}
    assert [m.element for m in tool.members[:3]] == ["mRID", "lastCalibrationDate", "name"]


def test_the_sample_tool_date_round_trips_and_fits_the_emitted_xsd() -> None:
    """The hot stick's calibration date is written yyyy-mm-dd and reads back as a date."""
    assert _DATE in _CR
    schema = _schema()
    assert schema.validate(etree.fromstring(_CR)), str(schema.error_log)
    back = from_xml(CREWS, _CR)
    assert back == line_crew()
    assert type(_tool(back).lastCalibrationDate) is date
    doc = to_json(CREWS, line_crew())
    assert b'"lastCalibrationDate":"2025-11-22"' in doc
    assert from_json(CREWS, doc) == line_crew()
    assert to_xml(CREWS, from_json(CREWS, doc)) == _CR


def test_the_emitted_xsd_types_the_date_and_refuses_a_datetime() -> None:
    """The schema declares lastCalibrationDate xs:date and refuses a dateTime in it."""
    doc = etree.fromstring(profile_xsd(CREWS))
    types = {
        e.get("type")
        for e in doc.iter(f"{{{XS}}}element")
        if e.get("name") == "lastCalibrationDate"
    }
    assert types == {"xs:date"}
    bad = _CR.replace(b">2025-11-22<", b">2025-11-22T00:00:00<", 1)
    assert not _schema().validate(etree.fromstring(bad))


@pytest.mark.parametrize("text", [b"2026-02-30", b"2026-01-01T00:00:00", b"2025-11-22Z", b""])
def test_a_bad_date_literal_in_xml_names_its_path(text: bytes) -> None:
    """An impossible, timed, zoned or empty date is a schema violation at the tool's element."""
    with pytest.raises(SchemaViolation) as info:
        from_xml(CREWS, _CR.replace(b">2025-11-22<", b">" + text + b"<", 1))
    assert info.value.path == f"{TOOL}/lastCalibrationDate"


def test_a_date_out_of_its_place_names_its_path() -> None:
    """A lastCalibrationDate after the tool's name is out of order and fails at that element."""
    moved = _CR.replace(_DATE, b"", 1).replace(
        b"<m:name>Hot stick 3</m:name>", b"<m:name>Hot stick 3</m:name>" + _DATE, 1
    )
    with pytest.raises(PayloadError) as info:
        from_xml(CREWS, moved)
    assert info.value.path == f"{TOOL}/lastCalibrationDate"


@pytest.mark.parametrize(
    "value",
    [b'"2026-02-30"', b'"2026-01-01T00:00:00"', b"20251122", b"null"],
)
def test_a_bad_date_in_json_names_its_path(value: bytes) -> None:
    """An impossible or timed date string, a number and null fail at the tool's element."""
    doc = b'{"Crews":{"Crew":[{"Tools":[{"lastCalibrationDate":' + value + b"}]}]}}"
    with pytest.raises(SchemaViolation) as info:
        from_json(CREWS, doc)
    assert info.value.path == f"{TOOL}/lastCalibrationDate"


def test_a_datetime_in_the_model_is_an_issue() -> None:
    """A datetime where the calibration date belongs is an issue with its path."""
    tool = cm.Tool(mRID="t-1", lastCalibrationDate=datetime(2025, 11, 22, tzinfo=UTC))
    assert [i.path for i in validate(CREWS, _crew_with(tool))] == [f"{TOOL}/lastCalibrationDate"]
    assert validate(CREWS, _crew_with(cm.Tool(mRID="t-1", lastCalibrationDate=date(1, 1, 1)))) == ()
