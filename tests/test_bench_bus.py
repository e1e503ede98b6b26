"""``cimbus bench bus``: the JSON of a quick run on a real broker, and the refusals.

Performance is never asserted here: only structure (rows, ratios, verdicts) and clean-up.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pika
import pika.exceptions
import pytest
from click.testing import CliRunner

from bus.bench.bus_plan import (
    TARGET_MEMORY_RATE,
    TARGET_P99_RATIO,
    TARGET_THROUGHPUT_RATIO,
    percentile,
)
from bus.cli.bench import bench
from bus.transport.amqp_topology import Names

from benchchecks import check_rows

ROWS = {
    ("RabbitMQ", "events end to end vs raw pika"),
    ("RabbitMQ", "request/reply p50 vs raw pika"),
    ("RabbitMQ", "request/reply p99 vs raw pika"),
    ("memory", "events end to end vs codec alone"),
}


@pytest.fixture(scope="module")
def quick_json(rabbitmq_node: Any) -> dict[str, Any]:
    """The JSON object of one quick bus bench run on the session's broker."""
    if not rabbitmq_node.is_running():
        rabbitmq_node.restart()
    args = ["bus", "--quick", "--json", "--repeat", "2", "--broker", rabbitmq_node.amqp_url]
    result = CliRunner().invoke(bench, args)
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    parsed["_broker"] = rabbitmq_node.amqp_url
    return parsed


@pytest.mark.rabbitmq
def test_json_has_every_row_beside_its_reference(quick_json):
    """--json prints one object with the four rows: events, p50, p99 and the memory transport."""
    rows = quick_json["rows"]
    assert {(r["group"], r["name"]) for r in rows} == ROWS
    assert quick_json["candidate"] == "cimbus bus" and quick_json["baseline"] == "reference"
    assert quick_json["ratio_definition"] == "candidate time / baseline time"
    env = quick_json["environment"]
    assert env["pika"] and env["rabbitmq"] and env["cpus"]
    assert quick_json["details"]["settings"]["quick"] is True


@pytest.mark.rabbitmq
def test_every_ratio_is_candidate_over_baseline_with_a_verdict(quick_json):
    """Each row has positive times, ratio = candidate / baseline and a verdict for its target."""
    check_rows(quick_json)


@pytest.mark.rabbitmq
def test_targets_are_the_issue_targets(quick_json):
    """Events: ratio ≤ 1/0.7; p99 ≤ 1.5x; p50 informative; memory judged at 20,000 msg/s."""
    by_name = {r["name"]: r for r in quick_json["rows"]}
    assert by_name["events end to end vs raw pika"]["target"] == pytest.approx(
        TARGET_THROUGHPUT_RATIO
    )
    assert by_name["request/reply p99 vs raw pika"]["target"] == TARGET_P99_RATIO
    assert by_name["request/reply p50 vs raw pika"]["target"] is None
    memory = by_name["events end to end vs codec alone"]
    budget_us = memory["target"] * memory["baseline"]  # the target ratio × the codec time
    assert budget_us == pytest.approx(1e6 / TARGET_MEMORY_RATE, rel=1e-2)
    assert memory["candidate_mb_s"] > 0
    assert quick_json["details"]["messages"]["event_bytes_mean"] == pytest.approx(1000, rel=0.15)


@pytest.mark.rabbitmq
def test_run_deletes_its_queues(quick_json):
    """After the run none of the benchmark's queues and exchanges is left on the broker."""
    conn = pika.BlockingConnection(pika.URLParameters(quick_json["_broker"]))
    try:
        for namespace in quick_json["details"]["settings"]["namespaces"]:
            names = Names(namespace)
            queues = ("bench.events", "cimbus.requests.MeterReadings")
            reals = [f(q) for q in queues for f in (names.queue, names.dead_queue)]
            for real in [*reals, names.journal]:
                with pytest.raises(pika.exceptions.ChannelClosedByBroker) as caught:
                    conn.channel().queue_declare(real, passive=True)
                assert caught.value.reply_code == 404, real
            for exchange in (names.exchange, names.dead_exchange, names.journal):
                with pytest.raises(pika.exceptions.ChannelClosedByBroker) as caught:
                    conn.channel().exchange_declare(exchange, passive=True)
                assert caught.value.reply_code == 404, exchange
    finally:
        conn.close()


@pytest.mark.rabbitmq
def test_table_output_names_the_ratio_and_the_cases(amqp_url):
    """Without --json the command prints a table whose caption defines the ratio."""
    result = CliRunner().invoke(bench, ["bus", "--quick", "--repeat", "1", "--broker", amqp_url])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "candidate time / baseline time" in text
    assert "RabbitMQ" in text and "memory" in text and "raw pika" in text


def test_without_a_broker_it_says_how_to_get_one(monkeypatch):
    """No --broker and no CIMBUS_BROKER: exit status 2 and how to start a private node."""
    monkeypatch.delenv("CIMBUS_BROKER", raising=False)
    result = CliRunner().invoke(bench, ["bus", "--quick"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "--broker" in text and "CIMBUS_BROKER" in text and "tests/rabbitnode.py" in text


def test_unreachable_broker_fails_with_one_line():
    """A broker that does not answer: exit status 1 and one line saying so."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(
        bench, ["bus", "--quick", "--broker", f"amqp://guest:guest@127.0.0.1:{port}/%2F"]
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: bus bench failed:")
    assert "cannot connect" in lines[0]


def test_bad_repeat_is_refused():
    """--repeat 0 is a usage error."""
    result = CliRunner().invoke(bench, ["bus", "--repeat", "0", "--broker", "amqp://x"])
    assert result.exit_code == 2 and "--repeat" in result.output


def test_percentile_is_nearest_rank():
    """p50 and p99 of 1..100 are 50 and 99; of one sample, that sample."""
    data = list(range(100, 0, -1))
    assert percentile(data, 50) == 50 and percentile(data, 99) == 99
    assert percentile([7], 99) == 7
