"""What only the RabbitMQ transport has: wire format, quorum topology, confirms, pika's edge."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

import bus.envelope as env
from bus.transport import amqp_topology as topo
from bus.transport.amqp import AmqpTransport
from bus.transport.amqp_flow import Confirms
from bus.transport.base import Delivery, PermanentFailure
from cim.errors import OversizeMessage, TransportError

rabbitmq = pytest.mark.rabbitmq
MR_NS = "http://iec.ch/TC57/2011/MeterReadings#"


def event(n: int = 0, noun: str = "MeterReadings", pad: int = 0) -> env.EventMessage:
    """A MeterReadings event numbered ``n``, optionally padded with ``pad`` bytes of text."""
    body = f'<m:MeterReadings xmlns:m="{MR_NS}"><m:n>{n}</m:n>{"x" * pad}</m:MeterReadings>'
    header = env.make_header(
        "created", noun, source="mdm", context="PRODUCTION", correlation_id="corr-1"
    )
    return env.EventMessage(header, env.Payload((env.fragment_of(body.encode()),)))


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` holds, failing the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.01)


@pytest.fixture
def namespace() -> str:
    """A prefix no other test uses, so each test has its own exchanges and queues."""
    return f"t.{uuid.uuid4().hex[:12]}."


@pytest.fixture
def amqp(amqp_url: str, namespace: str) -> Iterator[AmqpTransport]:
    """A transport in its own namespace with a fast retry policy."""
    t = AmqpTransport(amqp_url, namespace=namespace, delivery_limit=3, retry_delay=0.01)
    yield t
    t.close()


@contextmanager
def raw_channel(url: str) -> Iterator[BlockingChannel]:
    """A plain pika channel for looking at what the transport put on the broker."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        yield connection.channel()
    finally:
        if connection.is_open:
            connection.close()


@rabbitmq
def test_properties_and_headers_on_the_wire(amqp, amqp_url, namespace):
    """A published event is persistent XML with MessageID, CorrelationID and routing headers."""
    amqp.declare("q", ["#"])
    sent = event(n=1)
    amqp.publish(sent)
    with raw_channel(amqp_url) as ch:
        method, props, body = ch.basic_get(f"{namespace}q", auto_ack=True)
    assert method is not None and body == env.encode_xml(sent)
    assert method.exchange == f"{namespace}cimbus" and method.routing_key == "MeterReadings.created"
    assert props.delivery_mode == 2 and props.content_type == "application/xml"
    assert props.message_id == sent.header.message_id and props.correlation_id == "corr-1"
    assert props.headers.pop("x-delivery-count") == 0  # the quorum queue's own header
    assert props.headers == {
        "Verb": "created",
        "Noun": "MeterReadings",
        "Source": "mdm",
        "Context": "PRODUCTION",
    }


@rabbitmq
def test_queues_are_quorum_with_limits_and_at_least_once_dead_lettering(
    amqp, amqp_url, namespace, rabbitmq_node
):
    """Work and dead-letter queues are quorum queues; the work queue dead-letters safely."""
    amqp.declare("q", ["MeterReadings.*"])
    listed = json.loads(
        rabbitmq_node.ctl("list_queues", "name", "arguments", "--formatter", "json", "--silent")
    )
    args = {q["name"]: {k: v for k, _type, v in q["arguments"]} for q in listed}
    assert args[f"{namespace}q"] == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 2,  # RabbitMQ delivers N+1 times: a handler sees 3 at most
        "x-dead-letter-exchange": f"{namespace}cimbus.dlx",
        "x-dead-letter-routing-key": f"{namespace}q",
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    assert args[f"{namespace}q.dead"] == {"x-queue-type": "quorum"}


@rabbitmq
def test_declaring_with_other_arguments_is_a_clear_error(amqp, amqp_url, namespace):
    """A queue that exists with another delivery limit gives a TransportError saying so."""
    amqp.declare("q", ["#"])
    other = AmqpTransport(amqp_url, namespace=namespace, delivery_limit=7)
    try:
        with pytest.raises(TransportError, match=r"406 PRECONDITION_FAILED.*same delivery_limit"):
            other.declare("q", ["#"])
    finally:
        other.close()


@rabbitmq
def test_eight_threads_publish_concurrently_and_every_message_is_confirmed(amqp):
    """Publishes from 8 threads at once all return confirmed; the queue holds every one."""
    amqp.declare("q", ["#"])
    errors: list[BaseException] = []

    def publish_many(base: int) -> None:
        try:
            for n in range(base, base + 50):
                amqp.publish(event(n=n, pad=900))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish_many, args=(i * 1000,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and amqp.depth("q") == 400


@rabbitmq
def test_unroutable_messages_fail_alone_among_concurrent_publishes(amqp):
    """A return marks only its own publish unroutable; routable neighbours are confirmed."""
    amqp.declare("q", ["MeterReadings.#"])
    outcome: dict[str, list[str]] = {"ok": [], "unroutable": []}
    lock = threading.Lock()

    def publish(noun: str) -> None:
        for _ in range(20):
            try:
                amqp.publish(event(noun=noun))
                result = "ok"
            except TransportError as exc:
                assert "unroutable" in exc.reason and exc.message_id
                result = "unroutable"
            with lock:
                outcome[result].append(noun)

    threads = [threading.Thread(target=publish, args=(n,)) for n in ["MeterReadings", "Nobody"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(outcome["ok"])) == ["MeterReadings"] and len(outcome["ok"]) == 60
    assert sorted(set(outcome["unroutable"])) == ["Nobody"] and len(outcome["unroutable"]) == 60
    assert amqp.depth("q") == 60


@rabbitmq
def test_oversize_message_is_refused_before_sending(amqp_url, namespace):
    """Over the size limit: OversizeMessage (3.1) and nothing reaches the queue."""
    t = AmqpTransport(amqp_url, namespace=namespace, limits=env.Limits(max_bytes=600))
    try:
        t.declare("q", ["#"])
        with pytest.raises(OversizeMessage) as caught:
            t.publish(event(pad=1000))
        assert caught.value.code == "3.1" and t.depth("q") == 0
    finally:
        t.close()


@rabbitmq
def test_parked_message_carries_its_reason_and_is_redriven_with_its_key(amqp, amqp_url, namespace):
    """A parked message has reason, count and key headers; redrive restores key and count."""
    attempts: list[Delivery] = []
    healed = threading.Event()

    def handler(d: Delivery) -> None:
        attempts.append(d)
        if not healed.is_set():
            raise ValueError("meter 42 is not in the crosswalk")

    amqp.subscribe("q", ["MeterReadings.*"], handler)
    amqp.publish(event())
    wait_for(lambda: len(amqp.dead_letters("q")) == 1)
    with raw_channel(amqp_url) as ch:
        _, props, _ = ch.basic_get(f"{namespace}q.dead", auto_ack=False)
    assert props.headers[topo.X_REASON] == "ValueError: meter 42 is not in the crosswalk"
    assert props.headers[topo.X_DELIVERIES] == 3
    assert props.headers[topo.X_ROUTING_KEY] == "MeterReadings.created"
    assert [d.delivery_count for d in attempts] == [1, 2, 3]
    healed.set()
    assert amqp.redrive("q") == 1
    wait_for(lambda: len(attempts) == 4)
    assert attempts[3].delivery_count == 1 and attempts[3].routing_key == "MeterReadings.created"
    wait_for(lambda: amqp.dead_letters("q") == [])


@rabbitmq
def test_permanent_failure_is_parked_on_the_first_delivery(amqp):
    """A handler raising PermanentFailure gets no retries: the message is parked at once."""
    counts: list[int] = []

    def handler(d: Delivery) -> None:
        counts.append(d.delivery_count)
        raise PermanentFailure("payload names a meter that was retired")

    amqp.subscribe("q", ["#"], handler)
    amqp.publish(event())
    wait_for(lambda: len(amqp.dead_letters("q")) == 1)
    (dead,) = amqp.dead_letters("q")
    assert counts == [1] and dead.deliveries == 1 and "retired" in dead.reason


@rabbitmq
def test_broker_parks_a_message_whose_consumer_keeps_dying(amqp, amqp_url, namespace):
    """Returned without an answer delivery_limit times, RabbitMQ itself dead-letters it."""
    amqp.declare("q", ["#"])
    amqp.publish(event())
    with raw_channel(amqp_url) as ch:
        for _ in range(3):  # a consumer that crashes mid-message, three times
            wait_for(lambda: amqp.depth("q") == 1)
            method, _, _ = ch.basic_get(f"{namespace}q", auto_ack=False)
            ch.basic_nack(method.delivery_tag, requeue=True)
    wait_for(lambda: len(amqp.dead_letters("q")) == 1)
    (dead,) = amqp.dead_letters("q")
    assert "dead-lettered by the broker (delivery_limit)" in dead.reason
    assert dead.deliveries == 3 and dead.routing_key == "MeterReadings.created"


@rabbitmq
def test_handlers_run_off_the_io_thread_so_heartbeats_go_on(amqp_url, namespace):
    """A handler longer than two heartbeat intervals does not cost the connection."""
    t = AmqpTransport(f"{amqp_url}?heartbeat=1", namespace=namespace)
    done: Future[str] = Future()

    def slow(d: Delivery) -> None:
        if not done.done():
            time.sleep(3)
            done.set_result(threading.current_thread().name)

    try:
        t.subscribe("q", ["#"], slow)
        t.publish(event())
        assert done.result(10) != "cimbus-amqp-io"
        t.publish(event())  # the connection survived
    finally:
        t.close()


@rabbitmq
def test_close_returns_prefetched_messages_it_did_not_start(amqp):
    """close() finishes the running handler; the prefetched rest go back to the queue."""
    started = threading.Event()
    handled: list[int] = []

    def slow(d: Delivery) -> None:
        started.set()
        time.sleep(0.3)
        handled.append(1)

    amqp.subscribe("q", ["#"], slow, prefetch=10)
    for n in range(5):
        amqp.publish(event(n=n))
    assert started.wait(5)
    amqp.close()
    assert handled == [1]
    wait_for(lambda: amqp.depth("q") == 4)
    with pytest.raises(TransportError, match="closed"):
        amqp.publish(event())


@rabbitmq
def test_a_lost_broker_fails_calls_fast_with_the_cause(fresh_rabbitmq_node):
    """After the broker dies, publish raises TransportError at once; close() does not hang."""
    t = AmqpTransport(fresh_rabbitmq_node.amqp_url, namespace="lost.")
    try:
        t.declare("q", ["#"])
        t.publish(event())
        fresh_rabbitmq_node.kill()
        started = time.monotonic()
        with pytest.raises(TransportError, match=r"lost|closed"):
            for _ in range(100):  # the first may be written before the loss is noticed
                t.publish(event())
                time.sleep(0.05)
        assert time.monotonic() - started < 5
    finally:
        t.close()


@rabbitmq
def test_a_handler_may_cancel_its_own_subscription(amqp):
    """cancel() from inside the handler stops the consumer once the handler returns."""
    seen: list[int] = []
    subs: list[Any] = []

    def handler(d: Delivery) -> None:
        seen.append(1)
        subs[0].cancel()

    subs.append(amqp.subscribe("q", ["#"], handler))
    amqp.publish(event(n=1))
    wait_for(lambda: seen == [1])
    amqp.publish(event(n=2))
    wait_for(lambda: amqp.depth("q") == 1)
    assert seen == [1]


@rabbitmq
def test_wrong_password_is_translated_and_redacted(amqp_url):
    """Refused credentials become a TransportError that names the cause, not the password."""
    bad = amqp_url.replace("guest:guest@", "guest:s3cret@")
    with pytest.raises(TransportError) as caught:
        AmqpTransport(bad)
    assert "password" in caught.value.reason and "s3cret" not in caught.value.reason


def test_unreachable_broker_is_a_transport_error():
    """Nothing listening on the port: TransportError saying it cannot connect."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransportError, match="cannot connect"):
        AmqpTransport(f"amqp://guest:guest@127.0.0.1:{port}/%2F?connection_attempts=1")


def test_confirms_resolve_single_multiple_nacked_and_returned_publishes():
    """Acks (single and multiple) confirm, a nack refuses, a return before the ack fails one."""
    c = Confirms()
    futures: list[Future[Any]] = [Future() for _ in range(5)]
    for i, f in enumerate(futures):
        c.sent(f, f"m{i}", "x", "A.created" if i != 2 else "B.created")
    c.returned("m2", "x", "B.created", "312 NO_ROUTE")
    c.confirmed(3, multiple=True, acked=True)
    assert futures[0].result(0) is None and futures[1].result(0) is None
    with pytest.raises(TransportError, match=r"unroutable: no queue is bound to .B\.created."):
        futures[2].result(0)
    assert not futures[3].done() and len(c) == 2
    c.confirmed(5, multiple=False, acked=False)
    with pytest.raises(TransportError, match="nack"):
        futures[4].result(0)
    c.confirmed(4, multiple=False, acked=True)
    assert futures[3].result(0) is None and len(c) == 0


def test_password_is_redacted_from_urls():
    """redact() hides the password and keeps the rest of the URL."""
    assert topo.redact("amqp://u:pw@host:5672/%2F") == "amqp://u:***@host:5672/%2F"
    assert topo.redact("amqp://host/%2F") == "amqp://host/%2F"
