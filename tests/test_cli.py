"""The ``cimbus`` command line: message check and convert, demo, help and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import bus.envelope as env
from bus.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
BAD_VERB = (
    b'<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Header><Verb>publish'
    b"</Verb><Noun>MeterReadings</Noun><MessageID>bad-1</MessageID></Header></EventMessage>"
)


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_reports_ok_per_valid_file():
    """check prints OK verb noun MessageID for each valid file and exits 0."""
    files = sorted(str(p) for p in EXAMPLES.glob("*.xml"))
    result = _run("message", "check", *files)
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    assert "OK get MeterReadings b7e3c1d2-0f4a-4b8e-a6c9-3d2e1f0a9b8c" in result.stdout
    assert all(line.startswith("OK ") for line in lines)


def test_check_fails_with_code_and_reason(tmp_path):
    """A bad file gives FAIL <code> <reason> and exit 1, even beside good files."""
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BAD_VERB)
    result = _run("message", "check", str(EXAMPLES / "meterreadings-get-request.xml"), str(bad))
    assert result.exit_code == 1
    fail = [ln for ln in result.stdout.splitlines() if ln.startswith("FAIL")]
    assert len(fail) == 1 and fail[0].startswith("FAIL 2.9 unknown verb 'publish'")


def test_check_json_output(tmp_path):
    """--json prints one object with a result per file, including the MessageID of failures."""
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BAD_VERB)
    result = _run(
        "message", "check", "--json", str(bad), str(EXAMPLES / "meterreadings-created-event.json")
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["ok"], data["failed"]) == (1, 1)
    failed = next(r for r in data["results"] if not r["ok"])
    assert failed["code"] == "2.9" and failed["message_id"] == "bad-1"
    assert failed["element"] == "/EventMessage/Header/Verb"


def test_check_oversize_limit(tmp_path):
    """--max-bytes refuses larger files with code 3.1."""
    result = _run(
        "message", "check", "--max-bytes", "100", str(EXAMPLES / "meterreadings-created-event.xml")
    )
    assert result.exit_code == 1 and result.stdout.startswith("FAIL 3.1 ")


def test_check_missing_file_is_a_one_line_error(tmp_path):
    """A missing file exits non-zero with a one-line reason."""
    result = CliRunner().invoke(main, ["message", "check", str(tmp_path / "nope.xml")])
    assert result.exit_code != 0
    assert "cannot read" in result.output and "Traceback" not in result.output


def test_convert_xml_to_json_and_back(tmp_path):
    """convert --to json then --to xml (typed, SOAP) gives back the same message."""
    src = EXAMPLES / "meterreadings-get-request.xml"
    as_json = _run("message", "convert", str(src), "--to", "json")
    assert as_json.exit_code == 0
    json_file = tmp_path / "m.json"
    json_file.write_text(as_json.output)
    as_xml = _run(
        "message", "convert", str(json_file), "--to", "xml", "--form", "typed", "--soap", "1.2"
    )
    assert as_xml.exit_code == 0
    assert b"soap-envelope" in as_xml.stdout_bytes
    assert env.decode(as_xml.stdout_bytes) == env.decode(src.read_bytes())


def test_convert_refuses_bad_input(tmp_path):
    """convert on an invalid message exits non-zero naming the code."""
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BAD_VERB)
    result = CliRunner().invoke(main, ["message", "convert", str(bad), "--to", "json"])
    assert result.exit_code == 1 and "2.9" in result.output


def test_demo_runs_the_envelope_round_trip():
    """cimbus demo round-trips every example and answers the hostile inputs."""
    result = _run("demo")
    assert result.exit_code == 0, result.stdout
    assert "0 failures" in result.stdout and "billion laughs" in result.stdout


def test_every_command_has_help():
    """Each command answers --help with exit 0."""
    for args in (
        ["--help"],
        ["message", "--help"],
        ["message", "check", "--help"],
        ["message", "convert", "--help"],
        ["demo", "--help"],
        ["bench", "--help"],
        ["bus", "--help"],
        ["bus", "send", "--help"],
        ["bus", "tail", "--help"],
        ["broker", "setup", "--help"],
        ["dlq", "list", "--help"],
        ["dlq", "redrive", "--help"],
    ):
        result = _run(*args)
        assert result.exit_code == 0 and "Usage" in result.stdout, args


def test_installed_console_script_logs_refusal_as_json_with_message_id(tmp_path):
    """The real cimbus entry point logs a refused message as JSON with its message_id."""
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BAD_VERB)
    proc = subprocess.run(
        [sys.executable, "-m", "bus.cli", "message", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    event = json.loads(proc.stderr.strip().splitlines()[-1])
    assert event["event"] == "message refused" and event["message_id"] == "bad-1"
    assert event["code"] == "2.9" and event["level"] == "warning"
