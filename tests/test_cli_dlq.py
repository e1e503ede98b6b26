"""``cimbus dlq list|redrive`` against a real RabbitMQ node."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from click.testing import CliRunner

import bus.envelope as env
from bus.cli import main
from bus.transport.amqp import AmqpTransport
from bus.transport.base import PermanentFailure

pytestmark = pytest.mark.rabbitmq


def test_list_shows_the_reason_and_redrive_puts_it_back(amqp_url):
    """A refused message is listed with its reason and MessageID; redrive empties the list."""
    queue = f"cimbus.dlqtest.{uuid.uuid4().hex[:8]}"
    noun = f"Dlq{uuid.uuid4().hex[:6]}"
    t = AmqpTransport(amqp_url)
    try:

        def refuse(d):
            raise PermanentFailure("meter 42 is not in the crosswalk")

        sub = t.subscribe(queue, [f"{noun}.created"], refuse)
        sent = env.EventMessage(env.make_header("created", noun, source="test"))
        t.publish(sent)
        deadline = time.monotonic() + 20
        while not t.dead_letters(queue) and time.monotonic() < deadline:
            time.sleep(0.1)
        sub.cancel()
    finally:
        t.close()
    runner = CliRunner()
    listed = runner.invoke(main, ["dlq", "list", "--queue", queue, "--broker", amqp_url, "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)["dead_letters"]
    assert row["message_id"] == sent.header.message_id and row["noun"] == noun
    assert "not in the crosswalk" in row["reason"] and row["deliveries"] == 1
    moved = runner.invoke(main, ["dlq", "redrive", "--queue", queue, "--broker", amqp_url])
    assert moved.exit_code == 0 and "redrove 1 message(s)" in moved.stdout
    again = runner.invoke(main, ["dlq", "list", "--queue", queue, "--broker", amqp_url])
    assert "0 dead letter(s)" in again.stdout
