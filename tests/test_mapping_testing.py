"""The mapping test-case runner: tests files beside mappings, checked both ways and round trip."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from adapters.crosswalk import NativeKey, SqliteCrosswalk
from adapters.mapping import load_mapping
from adapters.mapping import testing as mt
from cim.profiles import METER_READINGS, from_json, to_xml

from mapping_files import FLOW, FROM_CIM, TO_CIM
from mapping_files import READING_TYPE as RT

MRID = "6b1f0c2e-0000-4000-8000-000000000001"
NATIVE = {
    "meter": "MTR-1",
    "register": "A+",
    "intervals": [{"t": "2024-03-31 01:45", "kwh": 1.5}, {"t": "2024-03-31 03:00", "kwh": 2}],
}
GAP = {**NATIVE, "intervals": [{"t": "2024-03-31 01:45", "kwh": 1}, {"t": "2024-03-31 02:30"}]}
GAP_PATH = "MeterReading/IntervalBlocks/IntervalReadings[2]/timeStamp"

# Written out of profile order on purpose: ReadingType first, Meter after IntervalBlocks.
CIM = {
    "MeterReadings": {
        "ReadingType": [
            {"unit": "Wh", "mRID": RT, "flowDirection": "forward", "Names": [{"name": "MTR-1/A+"}]}
        ],
        "MeterReading": [
            {
                "IntervalBlocks": [
                    {
                        "ReadingType": {"ref": RT},
                        "IntervalReadings": [
                            {"value": "1500", "timeStamp": "2024-03-31T00:45:00Z"},
                            {"timeStamp": "2024-03-31T01:00:00Z", "value": "2000"},
                        ],
                    }
                ],
                "Meter": {"Names": [{"name": "MTR-1"}], "mRID": MRID},
            }
        ],
    }
}


def suite_text(cases: list[dict[str, object]], **top: object) -> str:
    """A tests file (JSON is YAML) for both example mappings, seeded with MTR-1."""
    doc = {
        "tests": "MDM interval reads",
        "to_cim": "read.to_cim.yaml",
        "from_cim": "read.from_cim.yaml",
        "crosswalk": [{"object_type": "meter", "native_id": "MTR-1", "mrid": MRID}],
        "cases": cases,
        **top,
    }
    return json.dumps({k: v for k, v in doc.items() if v is not None}, indent=2)


def write_folder(root: Path, cases: list[dict[str, object]] | None = None, **top: object) -> Path:
    """A mappings folder: both mappings, the flow table and a tests file; returns the tests file."""
    (root / "lookups").mkdir(parents=True, exist_ok=True)
    (root / "lookups" / "flow.yaml").write_text(FLOW)
    (root / "read.to_cim.yaml").write_text(TO_CIM)
    (root / "read.from_cim.yaml").write_text(FROM_CIM)
    if cases is None:
        cases = [
            {"name": "a quarter-hour read", "native": NATIVE, "cim": CIM},
            {
                "name": "a wall time in the DST gap is refused",
                "native": GAP,
                "error": {"path": GAP_PATH, "contains": "does not exist", "code": "1.8"},
            },
        ]
    path = root / "read.tests.yaml"
    path.write_text(suite_text(cases, **top))
    return path


def by_check(results: list[mt.CaseResult]) -> dict[tuple[str, str], mt.CaseResult]:
    """The results by (case, check)."""
    return {(r.case, r.check): r for r in results}


def test_passing_file_runs_every_check(tmp_path):
    """A correct case passes to_cim, from_cim and round trip; the error case passes too."""
    results = mt.run_test_file(write_folder(tmp_path))
    assert [(r.case, r.check, r.ok) for r in results] == [
        ("a quarter-hour read", "to_cim", True),
        ("a quarter-hour read", "from_cim", True),
        ("a quarter-hour read", "round_trip", True),
        ("a wall time in the DST gap is refused", "error", True),
    ]


def test_wrong_expected_value_fails_with_a_diff(tmp_path):
    """A wrong expected CIM value fails to_cim with a unified diff: -expected, +actual."""
    cim = json.loads(json.dumps(CIM).replace('"1500"', '"1501"'))
    results = by_check(
        mt.run_test_file(write_folder(tmp_path, [{"name": "c", "native": NATIVE, "cim": cim}]))
    )
    to_cim = results[("c", "to_cim")]
    assert not to_cim.ok
    assert to_cim.detail.startswith("--- expected\n+++ actual\n")
    assert '-                "value": "1501"' in to_cim.detail.splitlines()
    assert '+                "value": "1500"' in to_cim.detail.splitlines()
    from_cim = results[("c", "from_cim")]  # the native expected (1.5 kWh) differs from 1.501
    assert not from_cim.ok and '+      "kwh": 1.501,' in from_cim.detail.splitlines()
    assert results[("c", "round_trip")].ok


def test_round_trip_detects_a_dropped_field(tmp_path):
    """A from_cim mapping that drops a field fails the round trip, the field shown removed."""
    write_folder(tmp_path, [{"name": "trip", "native": NATIVE}])
    lossy = FROM_CIM.replace("  register: {from: ReadingType.flowDirection, lookup: flow}\n", "")
    (tmp_path / "read.from_cim.yaml").write_text(lossy)
    [result] = mt.run_test_file(tmp_path / "read.tests.yaml")
    assert (result.check, result.ok) == ("round_trip", False)
    assert '-  "register": "A+"' in result.detail.splitlines()


def test_error_case_with_another_path_fails(tmp_path):
    """An error case fails when the error's target path is not the one expected."""
    other = "MeterReading/IntervalBlocks/IntervalReadings[1]/timeStamp"
    path = write_folder(tmp_path, [{"name": "gap", "native": GAP, "error": {"path": other}}])
    [result] = mt.run_test_file(path)
    assert (result.check, result.ok) == ("error", False)
    assert f"path: expected {other!r}, got {GAP_PATH!r}" in result.detail


def test_error_case_fails_on_text_and_code(tmp_path):
    """An error case fails when the message lacks the text or the code differs."""
    want = {"contains": "no such words", "code": "2.15"}
    path = write_folder(tmp_path, [{"name": "gap", "native": GAP, "error": want}])
    [result] = mt.run_test_file(path)
    assert not result.ok
    assert "message: expected 'no such words'" in result.detail
    assert "code: expected '2.15', got '1.8'" in result.detail


def test_error_case_fails_when_nothing_is_raised(tmp_path):
    """An error case whose native message translates fine fails, showing what was made."""
    path = write_folder(tmp_path, [{"name": "fine", "native": NATIVE, "error": {}}])
    [result] = mt.run_test_file(path)
    assert not result.ok and result.detail.startswith("no error raised; made:")


def test_from_cim_error_case(tmp_path):
    """An error case with cim input runs the from_cim mapping and checks its error."""
    unknown = json.loads(json.dumps(CIM).replace(MRID, "00000000-0000-4000-8000-00000000abcd"))
    want = {"contains": "00000000-0000-4000-8000-00000000abcd"}
    path = write_folder(tmp_path, [{"name": "unknown meter", "cim": unknown, "error": want}])
    [result] = mt.run_test_file(path)
    assert (result.check, result.ok) == ("error", True), result.detail


def test_files_for_native_and_cim(tmp_path):
    """native_file is read with the mapping; cim_file may be profile JSON or XML."""
    write_folder(tmp_path)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "read.json").write_text(json.dumps(NATIVE))
    (tmp_path / "cases" / "read.cim.json").write_text(json.dumps(CIM))
    payload = from_json(METER_READINGS, json.dumps(CIM).encode())
    (tmp_path / "cases" / "read.cim.xml").write_bytes(to_xml(METER_READINGS, payload))
    cases = [
        {"name": "json", "native_file": "cases/read.json", "cim_file": "cases/read.cim.json"},
        {"name": "xml", "native_file": "cases/read.json", "cim_file": "cases/read.cim.xml"},
    ]
    results = mt.run_test_file(write_folder(tmp_path, cases))
    assert len(results) == 6 and all(r.ok for r in results), [r.detail for r in results]


def test_unknown_key_is_a_load_failure_with_its_position(tmp_path):
    """An unknown key in a tests file is one failing load result naming file:line:col."""
    path = write_folder(tmp_path, [{"name": "x", "native": NATIVE, "cim": CIM, "expect": 1}])
    [result] = mt.run_test_file(path)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if '"expect"' in t)
    assert (result.check, result.ok, result.case) == ("load", False, "")
    assert result.detail.startswith(f"{path}:{line}:7: unknown key 'expect'")


def test_bad_yaml_is_a_load_failure_with_its_position(tmp_path):
    """A tests file that is not YAML fails to load with the line and column of the error."""
    path = write_folder(tmp_path)
    path.write_text("tests: broken\ncases:\n  - name: [unclosed\n")
    [result] = mt.run_test_file(path)
    assert result.check == "load" and result.detail.startswith(f"{path}:4:1: invalid YAML")


def test_missing_and_broken_mappings_are_load_failures(tmp_path):
    """A tests file naming a missing mapping, or one that does not load, fails to load."""
    path = write_folder(tmp_path, to_cim="nowhere.yaml")
    [result] = mt.run_test_file(path)
    assert "no such file: nowhere.yaml" in result.detail
    path = write_folder(tmp_path)
    (tmp_path / "read.to_cim.yaml").write_text(TO_CIM.replace("unit: {const: Wh}", "unit: 1: 2"))
    [result] = mt.run_test_file(path)
    lines = result.detail.splitlines()
    assert lines[0] == f"{path}:3:13: mapping read.to_cim.yaml does not load"
    assert lines[1].startswith(f"{tmp_path / 'read.to_cim.yaml'}:")


def test_a_case_that_checks_nothing_fails_to_load(tmp_path):
    """A case with cim but no mapping to check it against is a failing load result."""
    path = write_folder(tmp_path, [{"name": "a", "cim": CIM}], to_cim=None)
    [result] = mt.run_test_file(path)
    assert (result.case, result.check, result.ok) == ("a", "load", False)
    assert "checks nothing" in result.detail


def test_a_repeated_case_name_fails_the_file(tmp_path):
    """Two cases of one name make the tests file fail to load, at the second name."""
    path = write_folder(tmp_path, [{"name": "a", "native": GAP, "error": {}}] * 2)
    [result] = mt.run_test_file(path)
    line = [i for i, t in enumerate(path.read_text().splitlines(), 1) if '"name": "a"' in t][1]
    assert result.detail == f"{path}:{line}:15: case 'a' is named twice — rename one"


def test_invalid_expected_cim_is_a_load_failure(tmp_path):
    """Expected CIM the profile refuses is reported as the case's input problem."""
    bad = {"MeterReadings": {"MeterReading": [{"Bogus": 1}]}}
    [result] = mt.run_test_file(
        write_folder(tmp_path, [{"name": "c", "native": NATIVE, "cim": bad}])
    )
    assert (result.check, result.ok) == ("load", False)
    assert "the CIM payload is not valid" in result.detail and "Bogus" in result.detail


def test_the_temporary_crosswalk_is_removed(tmp_path, monkeypatch):
    """The seeded crosswalk lives in a temporary folder that is gone after the run."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert all(r.ok for r in mt.run_test_file(write_folder(tmp_path / "m")))
    assert list(scratch.iterdir()) == []


def test_given_mappings_are_used_instead_of_the_files(tmp_path):
    """A mapping passed in ``mappings`` replaces loading its file (it keeps its own crosswalk)."""
    path = write_folder(tmp_path, [{"name": "c", "native": NATIVE, "cim": CIM}], from_cim=None)
    with SqliteCrosswalk(tmp_path / "own.db") as cw:
        cw.link(NativeKey("MDM", "meter", "MTR-1"), MRID)
        compiled = load_mapping(tmp_path / "read.to_cim.yaml", crosswalk=cw)
        (tmp_path / "read.to_cim.yaml").write_text("not: a mapping\n")
        results = mt.run_test_file(path, mappings={tmp_path / "read.to_cim.yaml": compiled})
    assert [(r.check, r.ok) for r in results] == [("to_cim", True)]


def test_mapping_files_tested_names_resolved_paths(tmp_path):
    """mapping_files_tested gives the resolved files a tests file names, none when unreadable."""
    path = write_folder(tmp_path)
    assert mt.mapping_files_tested(path) == [
        (tmp_path / "read.to_cim.yaml").resolve(),
        (tmp_path / "read.from_cim.yaml").resolve(),
    ]
    path.write_text("tests: [\n")
    assert mt.mapping_files_tested(path) == []


def test_run_tests_reports_cases_of_every_file(tmp_path):
    """run_tests finds every tests file under a folder and counts cases, not checks."""
    write_folder(tmp_path / "a")
    write_folder(tmp_path / "b", [{"name": "gap", "native": GAP, "error": {"code": "9.9"}}])
    report = mt.run_tests(tmp_path)
    assert (report.passed, report.failed) == (2, 1)
    assert report.summary() == "3 cases, 2 passed, 1 failed"
    data = json.loads(json.dumps(report.as_dict()))
    assert (data["checks"], data["ok"], len(data["results"])) == (5, False, 5)
    assert [r.case for r in report.failures] == ["gap"]


def test_run_tests_on_a_missing_folder_fails(tmp_path):
    """run_tests on a folder that does not exist gives one failing load result."""
    report = mt.run_tests(tmp_path / "nope")
    assert report.failed == 1 and "no such file or folder" in report.failures[0].detail


CSV_TO = """\
mapping: csv.to
system: MDM
direction: to_cim
native: {format: csv}
cim: {noun: MeterReadings, verb: created}
rules:
  MeterReading:
    fields:
      Meter: {fields: {Names: {fields: {name: {from: "rows[1].meter"}}}}}
      IntervalBlocks:
        fields:
          ReadingType: {const: RT}
          IntervalReadings:
            each: rows
            fields:
              timeStamp: {from: t, time: {zone: UTC}}
              value: {from: kwh, unit: {from: kWh, to: Wh}}
  ReadingType: {fields: {mRID: {const: RT}, Names: {fields: {name: {const: RT}}}}}
"""

CSV_FROM = """\
mapping: csv.from
system: MDM
direction: from_cim
native: {format: csv}
cim: {noun: MeterReadings, verb: created}
rules:
  rows:
    each: MeterReading.IntervalBlocks.IntervalReadings
    fields:
      meter: {from: $.MeterReading.Meter.Names.name}
      t: {from: timeStamp, time: {zone: UTC}}
      kwh: {from: value, unit: {from: Wh, to: kWh}, type: number}
"""


def test_csv_native_documents_are_compared_as_text(tmp_path):
    """CSV rows given as YAML numbers are compared as the text cells the wire carries."""
    (tmp_path / "to.yaml").write_text(CSV_TO)
    (tmp_path / "from.yaml").write_text(CSV_FROM)
    (tmp_path / "rows.csv").write_text("meter,t,kwh\nM1,2024-01-01T00:00:00,1.5\n")
    rows = [{"meter": "M1", "t": "2024-01-01T00:15:00", "kwh": 0.25}]
    cases = [
        {"name": "file", "native_file": "rows.csv"},
        {"name": "data", "native": {"rows": rows}},
    ]
    path = write_folder(tmp_path, cases, to_cim="to.yaml", from_cim="from.yaml", crosswalk=None)
    results = mt.run_test_file(path)
    assert [(r.case, r.check, r.ok) for r in results] == [
        ("file", "round_trip", True),
        ("data", "round_trip", True),
    ], [r.detail for r in results]
