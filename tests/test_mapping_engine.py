"""The mapping engine: each rule of the language, both directions, and whole-message failures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.crosswalk import NativeKey, SqliteCrosswalk
from adapters.mapping import MappingError, load_catalog, load_mapping
from cim.profiles import METER_READINGS, to_json, to_xml

from mapping_files import READING_TYPE, mdm_folder, record, write


@pytest.fixture
def crosswalk(tmp_path: Path) -> SqliteCrosswalk:
    """A crosswalk in a file of the test's own."""
    cw = SqliteCrosswalk(tmp_path / "crosswalk.db")
    yield cw
    cw.close()


@pytest.fixture
def mdm(tmp_path: Path, crosswalk: SqliteCrosswalk):
    """The MDM read mappings, to_cim and from_cim, compiled with the crosswalk."""
    catalog = load_catalog(mdm_folder(tmp_path / "m"), crosswalk=crosswalk)
    assert catalog.problems == []
    return catalog.mappings["mdm.read.to-cim"], catalog.mappings["mdm.read.from-cim"]


def _json(mapping, payload) -> dict:
    return json.loads(to_json(mapping.profile, payload))


def test_a_read_becomes_a_meter_reading_with_every_rule_applied(mdm, crosswalk) -> None:
    """Identity, required, each, local time -> UTC, kWh -> Wh, lookup, template, const."""
    to_cim, _ = mdm
    doc = record(("2026-01-15 00:15", 0.42), ("2026-01-15 00:30", 1.5))
    out = _json(to_cim, to_cim.to_cim(doc))["MeterReadings"]
    mrid = crosswalk.mrid_for(NativeKey("MDM", "meter", "MTR-1"), on_miss="fail")
    reading = out["MeterReading"][0]
    assert reading["Meter"] == {"mRID": mrid, "Names": [{"name": "MTR-1"}]}
    block = reading["IntervalBlocks"][0]
    assert block["ReadingType"] == {"ref": READING_TYPE}
    assert block["IntervalReadings"] == [
        {"timeStamp": "2026-01-14T23:15:00Z", "value": "420"},
        {"timeStamp": "2026-01-14T23:30:00Z", "value": "1500"},
    ]
    assert out["ReadingType"] == [
        {
            "mRID": READING_TYPE,
            "flowDirection": "forward",
            "unit": "Wh",
            "Names": [{"name": "MTR-1/A+"}],
        }
    ]


def test_summer_time_is_two_hours_ahead_of_utc(mdm) -> None:
    """A July wall time in Europe/Oslo is UTC+2; a January one UTC+1."""
    to_cim, _ = mdm
    out = _json(to_cim, to_cim.to_cim(record(("2026-07-01 12:00", 1.0))))
    readings = out["MeterReadings"]["MeterReading"][0]["IntervalBlocks"][0]["IntervalReadings"]
    assert readings[0]["timeStamp"] == "2026-07-01T10:00:00Z"


def test_the_output_validates_as_a_meter_readings_payload(mdm) -> None:
    """What the mapping makes is written by the profile's XML codec, which validates first."""
    to_cim, _ = mdm
    xml = to_xml(METER_READINGS, to_cim.to_cim(record(("2026-01-15 00:15", 0.42))))
    assert b"<m:value>420</m:value>" in xml


def test_round_trip_native_cim_native_is_the_identity(mdm) -> None:
    """from_cim(to_cim(record)) gives the record back, values and times exactly."""
    to_cim, from_cim = mdm
    doc = record(("2026-03-29 00:15", 0.1), ("2026-03-29 03:00", 2.675), register="A-")
    assert from_cim.from_cim(to_cim.to_cim(doc)) == doc


_KWH = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False).map(float)
_WALL = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


def _unambiguous(wall: dt.datetime) -> bool:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Oslo")
    a, b = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    back = a.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    return a.utcoffset() == b.utcoffset() and back == wall


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(_WALL.filter(_unambiguous), _KWH), min_size=1, max_size=6),
    st.sampled_from(["A+", "A-"]),
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
)
def test_round_trip_holds_for_generated_reads(mdm, intervals, register, meter) -> None:
    """Any read with unambiguous wall times and kWh to the Wh survives the round trip."""
    to_cim, from_cim = mdm
    doc = record(
        *((w.strftime("%Y-%m-%d %H:%M"), kwh) for w, kwh in intervals),
        meter=meter,
        register=register,
    )
    assert from_cim.from_cim(to_cim.to_cim(doc)) == doc


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            lambda d: d["intervals"][1].update(t="2026-03-29 02:30"),
            "MeterReading/IntervalBlocks/IntervalReadings[2]/timeStamp",
            "does not exist",
        ),
        (
            lambda d: d["intervals"][0].update(kwh="lots"),
            "MeterReading/IntervalBlocks/IntervalReadings[1]/value",
            "not a number",
        ),
        (lambda d: d.update(register="Z9"), "ReadingType/flowDirection", "not in lookup flow"),
        (lambda d: d.pop("meter"), "MeterReading/Meter/Names/name", "required"),
    ],
    ids=["dst-gap", "not-a-number", "unknown-code", "missing-required"],
)
def test_an_untranslatable_read_fails_whole_with_the_field_path(mdm, change, path, words) -> None:
    """A bad field fails the whole message: MappingError with target path, source and reason."""
    to_cim, _ = mdm
    doc = record(("2026-03-29 00:15", 0.42), ("2026-03-29 03:00", 1.5))
    change(doc)
    with pytest.raises(MappingError) as caught:
        to_cim.to_cim(doc)
    assert caught.value.path == path
    assert words in caught.value.reason
    assert caught.value.code == "1.8"
    assert caught.value.mapping == "mdm.read.to-cim"


def test_native_bytes_that_are_not_json_are_refused(mdm) -> None:
    """Truncated JSON bytes are a MappingError, not a crash."""
    to_cim, _ = mdm
    with pytest.raises(MappingError, match="not JSON"):
        to_cim.to_cim(b'{"meter": "MTR-1", "intervals": [')


def test_an_unknown_mrid_fails_from_cim_with_2_15(mdm, crosswalk, tmp_path) -> None:
    """A payload naming a meter the crosswalk has no MDM ID for is refused with code 2.15."""
    to_cim, from_cim = mdm
    payload = to_cim.to_cim(record(("2026-01-15 00:15", 0.42), meter="MTR-9"))
    other = SqliteCrosswalk(tmp_path / "empty.db")
    stranger = load_mapping(from_cim.file, crosswalk=other)
    with pytest.raises(MappingError) as caught:
        stranger.from_cim(payload)
    assert caught.value.code == "2.15"
    assert caught.value.path == "meter"
    other.close()


def _one(tmp_path: Path, rules: str, *, direction: str = "to_cim", extra: str = "") -> object:
    head = (
        f"mapping: t\nsystem: OMS\ndirection: {direction}\n"
        "cim: {noun: MeterReadings, verb: created}\n" + extra + "rules:\n"
    )
    folder = write(tmp_path / "one", {"t.yaml": head + rules})
    return load_mapping(folder / "t.yaml", crosswalk=SqliteCrosswalk(tmp_path / "one.db"))


def test_group_by_makes_one_object_per_meter_from_many_rows(tmp_path) -> None:
    """CSV rows grouped by meter: one MeterReading per meter, its rows its IntervalReadings."""
    mapping = _one(
        tmp_path,
        """\
  MeterReading:
    each: rows
    group_by: meter
    fields:
      Meter: {fields: {Names: {fields: {name: meter}}}}
      IntervalBlocks:
        fields:
          ReadingType: {const: rt}
          IntervalReadings:
            each: "@group"
            fields:
              value: wh
              timeStamp: {from: utc}
""",
        extra="native: {format: csv}\n",
    )
    data = (
        b"meter,utc,wh\nA,2026-01-01T00:15:00Z,1\n"
        b"B,2026-01-01T00:15:00Z,2\nA,2026-01-01T00:30:00Z,3\n"
    )
    payload = mapping.to_cim(data)
    readings = payload.child("MeterReading")
    assert [r.child("Meter")[0].child("Names")[0].obj.name for r in readings] == ["A", "B"]
    values = [
        [x.obj.value for x in r.child("IntervalBlocks")[0].child("IntervalReadings")]
        for r in readings
    ]
    assert values == [["1", "3"], ["2"]]


def test_when_default_index_root_and_parent_paths(tmp_path) -> None:
    """when skips objects; default fills absent values; @index, $. and ^. reach out of the item."""
    mapping = _one(
        tmp_path,
        """\
  MeterReading:
    each: reads
    when: {path: skip, present: false}
    fields:
      IntervalBlocks:
        fields:
          ReadingType: {from: $.reading_type}
          IntervalReadings:
            each: values
            fields:
              value: {from: "@"}
              source: {template: "{^.id}#{@index}"}
              reportedDateTime: {from: $.at, default: "2026-01-01T00:00:00Z"}
""",
    )
    doc = {
        "reading_type": "rt-1",
        "reads": [
            {"id": "r1", "values": [5, 6]},
            {"id": "r2", "skip": True, "values": [7]},
            {"id": "r3", "values": [8]},
        ],
    }
    readings = mapping.to_cim(doc).child("MeterReading")
    assert len(readings) == 2
    blocks = [r.child("IntervalBlocks")[0] for r in readings]
    assert blocks[0].obj.ReadingType.mrid == "rt-1"
    got = [(x.obj.value, x.obj.source) for b in blocks for x in b.child("IntervalReadings")]
    assert got == [("5", "r1#1"), ("6", "r1#2"), ("8", "r3#1")]
    stamp = blocks[0].child("IntervalReadings")[0].obj.reportedDateTime
    assert stamp == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_conditions_combine_with_all_any_not_and_in(tmp_path) -> None:
    """A value is set only where its condition holds."""
    mapping = _one(
        tmp_path,
        """\
  MeterReading:
    each: reads
    fields:
      isCoincidentTrigger:
        const: true
        when:
          all:
            - {path: kind, in: [trip, alarm]}
            - not: {path: test, equals: true}
""",
    )
    doc = {"reads": [{"kind": "trip"}, {"kind": "alarm", "test": True}, {"kind": "read"}]}
    flags = [r.obj.isCoincidentTrigger for r in mapping.to_cim(doc).child("MeterReading")]
    assert flags == [True, None, None]


def test_identity_defer_leaves_the_reference_out_and_fail_refuses(tmp_path) -> None:
    """on_miss defer: an unknown ID is absent; fail: the message is refused with 2.15."""
    rules = """\
  MeterReading:
    fields:
      Meter: {{fields: {{mRID: {{from: meter, identity: {{object_type: meter, on_miss: {0}}}}}}}}}
"""
    deferred = _one(tmp_path / "a", rules.format("defer"))
    node = deferred.to_cim({"meter": "X"}).child("MeterReading")[0].child("Meter")[0]
    assert node.obj.mRID is None
    failing = _one(tmp_path / "b", rules.format("fail"))
    with pytest.raises(MappingError) as caught:
        failing.to_cim({"meter": "X"})
    assert caught.value.code == "2.15"
    assert caught.value.path == "MeterReading/Meter/mRID"


def test_a_value_path_through_several_items_is_an_error_not_a_guess(tmp_path) -> None:
    """A path that meets a list of two where one value is needed names the path."""
    mapping = _one(tmp_path, "  MeterReading:\n    fields:\n      Meter: {fields: {mRID: ids}}\n")
    with pytest.raises(MappingError, match="use each or"):
        mapping.to_cim({"ids": ["a", "b"]})
    assert mapping.to_cim({"ids": ["a"]}).child("MeterReading")[0].child("Meter")[0].obj.mRID == "a"


def test_mappings_are_plain_callables_compiled_once(mdm) -> None:
    """The compiled mapping holds a function; translating twice gives equal payloads."""
    to_cim, _ = mdm
    assert callable(to_cim.translate)
    doc = record(("2026-01-15 00:15", 0.42))
    assert to_cim.to_cim(doc) == to_cim.to_cim(doc)


def test_a_deferred_identity_in_a_list_leaves_that_item_out(tmp_path) -> None:
    """A value rule with each + identity defer: known calls are referenced, the unknown one is
    left out of the list (no null that the profile would refuse)."""
    folder = write(
        tmp_path / "inc",
        {
            "t.yaml": """\
mapping: t
system: OMS
direction: to_cim
cim: {noun: IncidentInformation, verb: changed}
rules:
  Incident:
    fields:
      mRID: {const: inc-1}
      TroubleTickets: {each: calls, from: "@", identity: {object_type: call, on_miss: defer}}
"""
        },
    )
    cw = SqliteCrosswalk(tmp_path / "inc.db")
    known = "0b5c1a52-56a4-4f2e-9a0e-6d3c1b2a4f10"
    cw.link(NativeKey("OMS", "call", "C-1"), known)
    mapping = load_mapping(folder / "t.yaml", crosswalk=cw)
    (incident,) = mapping.to_cim({"calls": ["C-1", "C-2"]}).child("Incident")
    assert [r.mrid for r in incident.obj.TroubleTickets] == [known]
    (nobody,) = mapping.to_cim({"calls": ["C-9"]}).child("Incident")
    assert not nobody.obj.TroubleTickets
    cw.close()


def test_a_native_object_with_nothing_in_it_is_left_out(tmp_path) -> None:
    """from_cim: an object rule whose fields are all absent writes no empty {}."""
    mapping = _one(
        tmp_path,
        "  meter: {fields: {id: MeterReading.Meter.mRID}}\n"
        "  flag: MeterReading.isCoincidentTrigger\n",
        direction="from_cim",
    )
    from cim.model import MeterReading
    from cim.profiles import Node, Payload

    payload = Payload((("MeterReading", (Node(MeterReading(isCoincidentTrigger=True)),)),))
    assert mapping.from_cim(payload) == {"flag": True}


def test_a_list_of_object_rules_makes_several_objects_for_one_member(tmp_path) -> None:
    """Two rules under IntervalBlocks: one block of energy, one of demand, in rule order."""
    mapping = _one(
        tmp_path,
        """\
  MeterReading:
    fields:
      IntervalBlocks:
        - fields:
            ReadingType: {const: energy}
            IntervalReadings: {each: energy, fields: {value: "@"}}
        - when: {path: demand, present: true}
          fields:
            ReadingType: {const: demand}
            IntervalReadings: {each: demand, fields: {value: "@"}}
""",
    )
    blocks = mapping.to_cim({"energy": [1, 2], "demand": [7]}).child("MeterReading")[0]
    got = [
        (b.obj.ReadingType.mrid, [x.obj.value for x in b.child("IntervalReadings")])
        for b in blocks.child("IntervalBlocks")
    ]
    assert got == [("energy", ["1", "2"]), ("demand", ["7"])]
    only = mapping.to_cim({"energy": [3]}).child("MeterReading")[0].child("IntervalBlocks")
    assert len(only) == 1
