"""``cimbus bus send|tail`` against a real RabbitMQ node."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from bus.cli import main

pytestmark = pytest.mark.rabbitmq
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
EVENT = EXAMPLES / "meterreadings-created-event.xml"


def start_tail(amqp_url: str, *args: str) -> subprocess.Popen[str]:
    """``cimbus bus tail`` in its own process, returned once it is listening."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bus.cli", "bus", "tail", "--broker", amqp_url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("listening on"):
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"bus tail did not start: {proc.stderr.read()}")


def send(amqp_url: str, *args: str):
    """Run ``cimbus bus send`` in this process."""
    return CliRunner().invoke(main, ["bus", "send", "--broker", amqp_url, *args])


def test_send_repeat_and_tail_count(amqp_url):
    """send --repeat 3 confirms three copies with fresh MessageIDs; tail prints them and stops."""
    queue = f"cli.{uuid.uuid4().hex[:8]}"
    tail = start_tail(
        amqp_url, "--queue", queue, "--bind", "MeterReadings.created", "--count", "3", "--json"
    )
    result = send(amqp_url, str(EVENT), "--repeat", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "sent 3 confirmed 3"
    out, _ = tail.communicate(timeout=60)
    assert tail.returncode == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3 and len({x["message_id"] for x in lines}) == 3
    assert all(
        x["verb"] == "created" and x["noun"] == "MeterReadings" and x["source"] == "MDM"
        for x in lines
    )


def test_tail_does_not_print_a_message_id_twice(amqp_url):
    """The same MessageID sent twice is printed once; tail waits for a new one to reach COUNT."""
    queue = f"cli.{uuid.uuid4().hex[:8]}"
    tail = start_tail(amqp_url, "--queue", queue, "--bind", "MeterReadings.created", "--count", "2")
    assert send(amqp_url, str(EVENT)).exit_code == 0
    assert send(amqp_url, str(EVENT)).exit_code == 0  # same file, same MessageID
    assert send(amqp_url, str(EVENT), "--repeat", "2").exit_code == 0
    out, _ = tail.communicate(timeout=60)
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "5a0b8a4e-8c55-4f5e-9d2e-0c2d5b8f3a11"
    assert lines[1].split()[0] != lines[0].split()[0]
    assert lines[0].split()[1:] == ["created", "MeterReadings", "MDM"]


def test_send_unroutable_is_not_confirmed(amqp_url, tmp_path):
    """A message no queue is bound to is reported as not confirmed, with exit status 1."""
    unrouted = tmp_path / "nobody.xml"
    unrouted.write_text(EVENT.read_text().replace("MeterReadings", "NobodyListens"))
    result = send(amqp_url, str(unrouted))
    assert result.exit_code == 1
    assert "sent 1 confirmed 0" in result.stdout and "unroutable" in result.output


def test_send_refuses_unreadable_files(amqp_url, tmp_path):
    """A broken file is reported with its IEC 61968-100 code and makes the exit status 1."""
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<EventMessage")
    result = send(amqp_url, str(bad))
    assert result.exit_code == 1 and "FAIL" in result.output and "1.8" in result.output
    assert "sent 0 confirmed 0" in result.stdout
