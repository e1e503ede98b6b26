"""Fault tests of the RabbitMQ transport: the broker killed mid-stream, a consumer process killed
mid-batch, a poison message among good ones, refusals across an outage.

Each test has a node of its own (``fresh_rabbitmq_node``) and counts what was sent, confirmed,
received and applied. "Applied" stands in for the idempotency store: a handler records the
MessageIDs it has applied and skips one it has applied before, so a redelivery has no second
effect. Quorum queues are left to settle (``SETTLE``) before the node is killed: one declared
less than a few seconds earlier can come back without a leader (docs: RABBITMQ.md).

Unroutable publishes and oversize messages without a fault are covered by
``test_transport_contract.py::test_unroutable_publish_is_an_error`` (both transports) and
``test_amqp_transport.py::test_oversize_message_is_refused_before_sending``; here they are
checked across an outage.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import bus.envelope as env
from bus.transport.amqp import AmqpTransport
from bus.transport.base import Delivery
from cim.errors import OversizeMessage, TransportError

rabbitmq = pytest.mark.rabbitmq
MR_NS = "http://iec.ch/TC57/2011/MeterReadings#"
REPO = Path(__file__).resolve().parents[1]

MESSAGES = 20_000
"""Messages published through the broker kill (the issue's count; about 40 s on 2 cores)."""
PUBLISHERS = 4
SETTLE = 5.5
"""Seconds between declaring a quorum queue and killing the node (RABBITMQ.md: at least 5)."""
GOOD = 1_000
"""Good messages published around the poison message."""
KILLED_CONSUMER_MESSAGES = 200


def event(n: int = 0, pad: int = 0, noun: str = "MeterReadings") -> env.EventMessage:
    """A MeterReadings payload numbered ``n`` in a ``<noun>.created`` event, fresh MessageID."""
    body = f'<m:MeterReadings xmlns:m="{MR_NS}"><m:n>{n}</m:n>{"x" * pad}</m:MeterReadings>'
    header = env.make_header("created", noun, source="faults")
    return env.EventMessage(header, env.Payload((env.fragment_of(body.encode()),)))


def mid(d: Delivery) -> str:
    """The MessageID of a delivery."""
    message_id = d.message.header.message_id  # type: ignore[union-attr]
    assert message_id is not None
    return message_id


def number(d: Delivery) -> int:
    """The ``n`` carried by an :func:`event`."""
    payload = d.message.payload  # type: ignore[union-attr]
    return int(payload.elements[0].xml.split(b"<m:n>")[1].split(b"<")[0])


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``predicate()`` holds; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)


class Ledger:
    """What was sent, confirmed, failed, received and applied, by MessageID (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: set[str] = set()
        self.confirmed: set[str] = set()
        self.failed: dict[str, str] = {}
        self.received: Counter[str] = Counter()
        self.applied: set[str] = set()
        self.applications = 0
        self.confirmed_after_restart = 0
        self.applied_after_restart = 0
        self.restarted = threading.Event()

    def publish(self, transport: AmqpTransport, message: env.EventMessage) -> None:
        """Publish ``message`` and count the outcome (a refusal is counted, not raised)."""
        message_id = message.header.message_id
        assert message_id is not None
        with self.lock:
            self.sent.add(message_id)
        try:
            transport.publish(message)
        except TransportError as exc:
            with self.lock:
                self.failed[message_id] = exc.reason
        else:
            with self.lock:
                self.confirmed.add(message_id)
                self.confirmed_after_restart += self.restarted.is_set()

    def apply(self, message_id: str) -> bool:
        """Receive ``message_id``; apply it unless applied before. True if applied now."""
        with self.lock:
            self.received[message_id] += 1
            if message_id in self.applied:
                return False
            self.applied.add(message_id)
            self.applications += 1
            self.applied_after_restart += self.restarted.is_set()
            return True

    def summary(self) -> str:
        """The counts, for assertion messages and the report."""
        with self.lock:
            return (
                f"sent={len(self.sent)} confirmed={len(self.confirmed)} "
                f"failed={len(self.failed)} received={sum(self.received.values())} "
                f"applied={len(self.applied)} duplicates="
                f"{sum(self.received.values()) - len(self.received)} "
                f"missing={len(self.confirmed - self.applied)}"
            )


@pytest.fixture
def transports() -> Iterator[list[AmqpTransport]]:
    """Transports the test opens; all closed at the end, even when it fails."""
    opened: list[AmqpTransport] = []
    yield opened
    for t in opened:
        t.close()


@rabbitmq
def test_broker_killed_mid_stream_loses_nothing_confirmed(fresh_rabbitmq_node, transports):
    """SIGKILL the broker under 4 publishers and 2 consumers, restart it: every confirmed
    message is applied exactly once and is in the journal; publishers and consumers resume."""
    node = fresh_rabbitmq_node
    publisher = AmqpTransport(node.amqp_url, namespace="f.")
    consumer = AmqpTransport(node.amqp_url, namespace="f.")
    transports += [publisher, consumer]
    ledger = Ledger()
    for _ in range(2):  # two competing consumers of one quorum queue
        consumer.subscribe("work", ["MeterReadings.#"], lambda d: ledger.apply(mid(d)))
    time.sleep(SETTLE)

    def publish(share: int) -> None:
        for n in range(share):
            ledger.publish(publisher, event(n))

    threads = [
        threading.Thread(target=publish, args=(MESSAGES // PUBLISHERS,), name=f"publisher-{i}")
        for i in range(PUBLISHERS)
    ]
    for t in threads:
        t.start()
    wait_for(lambda: len(ledger.confirmed) >= MESSAGES * 0.3, 60, "30% confirmed")
    node.kill()
    assert any(t.is_alive() for t in threads), "the kill must come while publishing"
    node.restart()
    ledger.restarted.set()
    for t in threads:
        t.join(90)
    assert not any(t.is_alive() for t in threads), f"publishers stuck: {ledger.summary()}"
    wait_for(lambda: ledger.confirmed <= ledger.applied, 60, f"applied ({ledger.summary()})")
    wait_for(lambda: consumer.depth("work") == 0, 30, "queue drained")

    summary = ledger.summary()
    assert len(ledger.sent) == MESSAGES, summary
    assert len(ledger.confirmed) + len(ledger.failed) == MESSAGES, summary
    assert ledger.confirmed <= ledger.applied <= ledger.sent, summary
    assert ledger.applications == len(ledger.applied), summary  # each effect once
    if not ledger.failed:
        assert len(ledger.applied) == len(ledger.confirmed) == MESSAGES, summary
    assert ledger.confirmed_after_restart > 0 and ledger.applied_after_restart > 0, summary
    journalled = [e.headers.get("MessageID") for e in publisher.read_journal(idle=2.0)]
    missing = ledger.confirmed - set(journalled)
    assert not missing, f"{len(missing)} confirmed messages are not in the journal stream"
    print(f"\nbroker kill: {summary}; journal entries {len(journalled)}")


CHILD_APPLIES = 20
"""Messages the consumer process applies before it hangs, holding its batch, and is killed."""
CONSUMER_SCRIPT = """
import sys, time
from bus.transport.amqp import AmqpTransport
url, namespace, record, last = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
transport = AmqpTransport(url, namespace=namespace)
applied = open(record, "a", buffering=1)
count = 0
def handler(d):
    global count
    applied.write(d.message.header.message_id + "\\n")  # the effect, committed
    applied.flush()
    count += 1
    time.sleep(600 if count == last else 0.05)  # slow work after the commit; then stuck
transport.subscribe("work", ["MeterReadings.#"], handler, prefetch=10)
time.sleep(600)
"""


@rabbitmq
def test_killed_consumer_process_hands_its_unacked_messages_over(
    fresh_rabbitmq_node, transports, tmp_path
):
    """SIGKILL a consumer process holding unacked messages: another consumer gets them again,
    and with the applied records of both, each message has its effect once."""
    url, record = fresh_rabbitmq_node.amqp_url, tmp_path / "applied-by-child.txt"
    transport = AmqpTransport(url, namespace="k.")
    transports.append(transport)
    transport.declare("work", ["MeterReadings.#"])
    ledger = Ledger()
    for n in range(KILLED_CONSUMER_MESSAGES):
        ledger.publish(transport, event(n))
    assert len(ledger.confirmed) == KILLED_CONSUMER_MESSAGES, ledger.summary()

    errors = tmp_path / "child.err"
    with errors.open("w") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CONSUMER_SCRIPT, url, "k.", str(record), str(CHILD_APPLIES)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    lines = lambda: record.read_text().split() if record.exists() else []  # noqa: E731
    try:
        wait_for(
            lambda: len(lines()) == CHILD_APPLIES or child.poll() is not None,
            30,
            "the consumer process applying messages",
        )
        assert child.poll() is None, f"the consumer process died: {errors.read_text()[-2000:]}"
        time.sleep(0.2)  # its last handler is stuck after the commit, its batch unacked
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    by_child = lines()
    assert len(by_child) == len(set(by_child)) == CHILD_APPLIES, by_child
    with ledger.lock:
        ledger.applied |= set(by_child)  # the idempotency store the two consumers share
        ledger.applications += len(by_child)
    redelivered: list[str] = []

    def handler(d: Delivery) -> None:
        if d.redelivered:
            redelivered.append(mid(d))
        ledger.apply(mid(d))

    transport.subscribe("work", ["MeterReadings.#"], handler)
    wait_for(lambda: ledger.applied >= ledger.confirmed, 30, f"applied ({ledger.summary()})")
    wait_for(lambda: transport.depth("work") == 0, 10, "queue drained")

    summary = f"{ledger.summary()} by_child={len(by_child)} redelivered={len(redelivered)}"
    assert ledger.applied == ledger.confirmed == ledger.sent, summary
    assert ledger.applications == len(ledger.applied), summary  # each effect once
    assert redelivered, summary  # the unacked batch of the killed child came back
    # applied but never acked: delivered again, and skipped (no second effect)
    assert by_child[-1] in redelivered and ledger.received[by_child[-1]] == 1, summary
    print(f"\nkilled consumer: {summary}")


@rabbitmq
def test_poison_message_is_parked_with_its_reason_and_good_ones_flow(
    fresh_rabbitmq_node, transports
):
    """A message that always fails is dead-lettered after the delivery limit with the reason;
    the 1,000 good messages published around it are each applied once."""
    t = AmqpTransport(fresh_rabbitmq_node.amqp_url, namespace="p.", delivery_limit=3)
    transports.append(t)
    ledger = Ledger()
    poison_seen: list[int] = []

    def handler(d: Delivery) -> None:
        if number(d) == -1:
            poison_seen.append(d.delivery_count)
            raise ValueError("meter 42 is not in the crosswalk")
        ledger.apply(mid(d))

    t.subscribe("work", ["MeterReadings.#"], handler)
    for n in range(GOOD // 2):
        ledger.publish(t, event(n))
    t.publish(event(-1))
    for n in range(GOOD // 2, GOOD):
        ledger.publish(t, event(n))
    wait_for(lambda: len(ledger.applied) == GOOD, 60, f"good ones applied ({ledger.summary()})")
    wait_for(lambda: len(t.dead_letters("work")) == 1, 30, "the poison message parked")

    (dead,) = t.dead_letters("work")
    summary = ledger.summary()
    assert dead.reason == "ValueError: meter 42 is not in the crosswalk", dead.reason
    assert dead.deliveries == 3 and poison_seen == [1, 2, 3], poison_seen
    assert dead.routing_key == "MeterReadings.created"
    assert ledger.applied == ledger.confirmed and len(ledger.confirmed) == GOOD, summary
    assert ledger.applications == GOOD and not ledger.failed, summary
    assert t.depth("work") == 0


@rabbitmq
def test_refusals_hold_across_an_outage(fresh_rabbitmq_node, transports):
    """While the broker is down an oversize message is refused at once; once it is back, an
    unroutable publish still raises (on the new channel) and a routable one is confirmed."""
    node = fresh_rabbitmq_node
    t = AmqpTransport(
        node.amqp_url, namespace="r.", limits=env.Limits(max_bytes=2000), max_reconnect_delay=1
    )
    transports.append(t)
    t.declare("work", ["MeterReadings.#"])
    time.sleep(SETTLE)
    t.publish(event(1))
    node.kill()
    started = time.monotonic()
    with pytest.raises(OversizeMessage) as caught:
        t.publish(event(2, pad=5000))
    assert caught.value.code == "3.1" and time.monotonic() - started < 1
    node.restart()
    t.publish(event(3))  # waits for the reconnection, then confirmed
    with pytest.raises(TransportError, match="unroutable"):
        t.publish(event(4, noun="Nobody"))
    assert t.depth("work") == 2
