"""``cimbus mappings check|test``: problems with file:line:col, case diffs, JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from test_mapping_testing import CIM, FLOW, GAP, NATIVE, TO_CIM, write_folder

from bus.cli import main

RT_RULE = '          ReadingType: {const: "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"}\n'
SCHEMA = {
    "type": "object",
    "properties": {
        "meter": {"type": "string"},
        "register": {"type": "string", "enum": ["A+", "A-"]},
        "intervals": {
            "type": "array",
            "items": {"type": "object", "properties": {"t": {"type": "string"}, "kWh": {}}},
        },
    },
}


def _run(*args: str):
    return CliRunner().invoke(main, ["mappings", *args], catch_exceptions=False)


def _at(path: Path, needle: str) -> str:
    """``file:line:col`` of the first occurrence of ``needle`` in ``path``."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return f"{path}:{number}:{line.index(needle) + 1}"
    raise AssertionError(f"{needle!r} not in {path}")


def _checked(root: Path, count: int = 1) -> list[str]:
    """The problem lines of ``mappings check root``, which must fail with ``count`` problems."""
    result = _run("check", str(root))
    assert result.exit_code == 1, result.output
    *problems, summary = result.stdout.splitlines()
    assert summary.endswith(f"; {count} problems")
    return problems


def test_passing_folder_checks_and_tests_clean(tmp_path):
    """A correct folder passes check and test with exit 0 and a summary line each."""
    write_folder(tmp_path)
    check = _run("check", str(tmp_path))
    assert check.exit_code == 0, check.output
    summary = "checked 4 files: 2 mappings, 1 lookup tables, 1 test files; 0 problems"
    assert check.stdout == summary + "\n"
    test = _run("test", str(tmp_path))
    assert test.exit_code == 0, test.output
    assert test.stdout == "2 cases, 2 passed, 0 failed\n"


def test_wrong_expected_value_fails_with_a_diff(tmp_path):
    """A wrong expected value exits 1; the diff names the field with -expected/+actual lines."""
    cim = json.loads(json.dumps(CIM).replace('"1500"', '"1501"'))
    tests = write_folder(tmp_path, [{"name": "read", "native": NATIVE, "cim": cim}])
    result = _run("test", str(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{tests}: read: to_cim" in lines
    assert '-                "value": "1501"' in lines
    assert '+                "value": "1500"' in lines
    assert lines[-1] == "1 cases, 0 passed, 1 failed"


def test_round_trip_failure_is_reported(tmp_path):
    """A from_cim mapping that loses a field fails the round trip of the test command."""
    tests = write_folder(tmp_path, [{"name": "trip", "native": NATIVE}])
    mapping = tmp_path / "read.from_cim.yaml"
    kept = [ln for ln in mapping.read_text().splitlines(True) if not ln.startswith("  register")]
    mapping.write_text("".join(kept))
    result = _run("test", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tests}: trip: round_trip" in result.stdout
    assert '-  "register": "A+"' in result.stdout.splitlines()


def test_error_cases_pass_or_fail_on_their_path(tmp_path):
    """An expected error with its path passes; the same error expected elsewhere fails."""
    other = "MeterReading/IntervalBlocks/IntervalReadings[1]/timeStamp"
    cases = [
        {"name": "gap", "native": GAP, "error": {"contains": "does not exist", "code": "1.8"}},
        {"name": "gap elsewhere", "native": GAP, "error": {"path": other}},
    ]
    tests = write_folder(tmp_path, cases)
    result = _run("test", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tests}: gap elsewhere: error" in result.stdout
    assert f"{tests}: gap: error" not in result.stdout
    assert f"path: expected {other!r}" in result.stdout
    assert result.stdout.endswith("2 cases, 1 passed, 1 failed\n")


def test_check_reports_an_unknown_key(tmp_path):
    """An unknown key is reported at its own line and column with a hint."""
    write_folder(tmp_path)
    mapping = tmp_path / "read.to_cim.yaml"
    mapping.write_text(TO_CIM + "colour: red\n")
    hint = "see docs/mappings.md for the keys allowed here"
    assert _checked(tmp_path) == [f"{_at(mapping, 'colour')}: unknown key 'colour' — {hint}"]


def test_check_reports_a_member_the_profile_lacks(tmp_path):
    """A target member the profile lacks is reported with the members it has."""
    write_folder(tmp_path)
    mapping = tmp_path / "read.to_cim.yaml"
    mapping.write_text(TO_CIM.replace("      Meter:\n", "      Metre:\n"))
    [problem] = _checked(tmp_path)
    where = _at(mapping, "Metre:")
    assert problem.startswith(f"{where}: MeterReading has no member 'Metre' — use one of: ")
    assert "IntervalBlocks, Meter, Readings" in problem


def test_check_reports_a_lookup_incomplete_for_the_enum(tmp_path):
    """A from_cim lookup that lacks codes for enum literals (and no native_default) is refused."""
    write_folder(tmp_path)
    (tmp_path / "lookups" / "flow.yaml").write_text(FLOW.replace('native_default: "?"\n', ""))
    mapping = tmp_path / "read.from_cim.yaml"
    [problem] = _checked(tmp_path)
    assert problem.startswith(f"{_at(mapping, 'flow}')}: lookup flow has no code for lagging, ")
    assert problem.endswith("or give it a native_default")


def test_check_reports_a_path_the_native_schema_lacks(tmp_path):
    """A source path absent from the declared native JSON schema is reported where written."""
    write_folder(tmp_path)
    (tmp_path / "read.schema.json").write_text(json.dumps(SCHEMA))
    mapping = tmp_path / "read.to_cim.yaml"
    declared = "native: {format: json, schema: read.schema.json}"
    mapping.write_text(TO_CIM.replace("native: {format: json}", declared))
    assert _checked(tmp_path) == [
        f"{_at(mapping, 'kwh,')}: path 'kwh': the native schema has no 'kwh' here; it has kWh, t"
    ]


def test_check_reports_a_required_member_left_unmapped(tmp_path):
    """A member the profile requires and no rule makes is reported at the enclosing object."""
    write_folder(tmp_path)
    mapping = tmp_path / "read.to_cim.yaml"
    mapping.write_text(TO_CIM.replace(RT_RULE, ""))
    assert _checked(tmp_path) == [
        f"{_at(mapping, 'IntervalReadings:')}: IntervalBlock.ReadingType is required by the "
        "MeterReadings profile — add a rule for ReadingType"
    ]


def test_check_reports_bad_yaml_with_its_position(tmp_path):
    """A YAML syntax error is reported with the line and column the parser stopped at."""
    write_folder(tmp_path)
    mapping = tmp_path / "read.to_cim.yaml"
    mapping.write_text("mapping: x\nrules: {a: 1\n")
    [problem] = _checked(tmp_path)
    assert problem.startswith(f"{mapping}:3:1: invalid YAML: ")


def test_check_reports_problems_of_tests_files(tmp_path):
    """check also reads tests files: an unknown key there is a problem at its position."""
    tests = write_folder(tmp_path, [{"name": "c", "native": NATIVE, "cim": CIM, "expect": 1}])
    [problem] = _checked(tmp_path)
    where = _at(tests, '"expect"')
    assert problem.startswith(f"{where}: unknown key 'expect'")


def test_test_command_stops_on_check_problems(tmp_path):
    """test runs no case when the check finds problems, and exits 1 with a one-line reason."""
    write_folder(tmp_path)
    (tmp_path / "read.to_cim.yaml").write_text(TO_CIM + "colour: red\n")
    result = _run("test", str(tmp_path))
    assert result.exit_code == 1
    assert "unknown key 'colour'" in result.stdout and "cases" not in result.stdout
    assert result.stderr == "error: 1 problems found by the check; no case was run\n"


def test_missing_folder_fails_with_one_line(tmp_path):
    """Both commands exit 1 with one line on stderr when DIR does not exist."""
    missing = tmp_path / "nowhere"
    for command in ("check", "test"):
        result = _run(command, str(missing))
        assert result.exit_code == 1
        assert result.stderr == f"error: no such mappings folder or file: {missing}\n"


def test_default_folder_is_mappings(tmp_path, monkeypatch):
    """Without DIR the commands read ./mappings."""
    write_folder(tmp_path / "mappings")
    monkeypatch.chdir(tmp_path)
    assert _run("check").exit_code == 0
    assert _run("test").stdout == "2 cases, 2 passed, 0 failed\n"


def test_json_output_of_check_and_test(tmp_path):
    """--json prints one object each, with the same counts as the text output."""
    write_folder(
        tmp_path,
        [
            {"name": "read", "native": NATIVE, "cim": CIM},
            {"name": "gap", "native": GAP, "error": {"code": "9.9"}},
        ],
    )
    check = json.loads(_run("check", "--json", str(tmp_path)).stdout)
    assert check == {
        "files": 4,
        "mappings": 2,
        "lookups": 1,
        "tests": 1,
        "problems": [],
        "ok": True,
    }
    result = _run("test", "--json", str(tmp_path))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["cases"], data["passed"], data["failed"], data["ok"]) == (2, 1, 1, False)
    assert data["checks"] == len(data["results"]) == 4
    failed = [r for r in data["results"] if not r["ok"]]
    assert [(r["case"], r["check"]) for r in failed] == [("gap", "error")]
    assert "code: expected '9.9', got '1.8'" in failed[0]["detail"]


def test_json_output_of_check_problems(tmp_path):
    """check --json carries each problem's file, line, column, message and hint."""
    write_folder(tmp_path)
    mapping = tmp_path / "read.to_cim.yaml"
    mapping.write_text(TO_CIM + "colour: red\n")
    result = _run("check", "--json", str(tmp_path))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["files"], data["mappings"], data["ok"]) == (4, 1, False)
    [problem] = data["problems"]
    assert problem["file"] == str(mapping) and problem["message"] == "unknown key 'colour'"
    assert f"{mapping}:{problem['line']}:{problem['column']}" == _at(mapping, "colour")


def test_mappings_help_lists_both_commands():
    """cimbus mappings --help lists check and test."""
    result = CliRunner().invoke(main, ["mappings", "--help"])
    assert result.exit_code == 0
    assert "check" in result.stdout and "test" in result.stdout


def test_cimbus_help_does_not_import_adapters():
    """cimbus --help and importing bus.cli leave the adapters package unimported."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bus.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0 and 'mappings' in result.output\n"
        "print(any(m == 'adapters' or m.startswith('adapters.') for m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout == "False\n"
