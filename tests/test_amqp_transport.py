"""What only the RabbitMQ transport has: wire format, quorum topology, confirms, pika's edge."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from structlog.testing import capture_logs

import bus.envelope as env
from bus.transport import amqp_topology as topo
from bus.transport import connect
from bus.transport.amqp import AmqpTransport
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
def test_publish_waits_out_an_outage_then_fails_after_reconnect_timeout(fresh_rabbitmq_node):
    """With the broker down, publish() waits reconnect_timeout and raises (a request keeps to its
    own timeout), later ones raise at once, and once the broker is back publishing works again
    without a new transport. A second, dead, broker URL is given too: the reconnection
    attempts go round both and still find the node when it is back."""
    node = fresh_rabbitmq_node
    t = AmqpTransport(
        [node.amqp_url, dead_url()],
        namespace="lost.",
        reconnect_timeout=1.5,
        max_reconnect_delay=0.5,
    )
    try:
        t.declare("q", ["#"])
        time.sleep(5.5)  # let the quorum queue settle before the kill (RABBITMQ.md)
        t.publish(event(n=1))
        node.kill()
        killed = time.monotonic()
        with pytest.raises(TransportError, match="did not confirm"):  # its own timeout holds
            t.request(env.RequestMessage(env.make_header("get", "MeterReadings")), timeout=0.5)
        assert 0.4 < time.monotonic() - killed < 1.2
        with pytest.raises(TransportError, match=r"unreachable for 1\.5 s.*may or may not"):
            t.publish(event(n=2))
        assert 1.2 < time.monotonic() - killed < 4
        started = time.monotonic()
        with pytest.raises(TransportError, match=r"unreachable for over 1\.5 s.*was not sent"):
            t.publish(event(n=3))
        assert time.monotonic() - started < 0.5
        node.restart()
        wait_for(lambda: published(t, event(n=4)), timeout=30)
        assert t.depth("q") == 2  # 1 and 4; 2 and 3 were never sent
    finally:
        started = time.monotonic()
        t.close()
        assert time.monotonic() - started < 5


def published(t: AmqpTransport, message: env.Message) -> bool:
    """Whether ``t`` published ``message`` (False when it refused it)."""
    try:
        t.publish(message)
    except TransportError:
        return False
    return True


def number(d: Delivery) -> int:
    """The ``n`` carried by an :func:`event`."""
    payload = d.message.payload  # type: ignore[union-attr]
    return int(payload.elements[0].xml.split(b"<m:n>")[1].split(b"<")[0])


@rabbitmq
def test_a_dropped_connection_is_reopened_and_no_stale_ack_reaches_the_new_channel(
    amqp_url, namespace, rabbitmq_node
):
    """The broker drops the connection while a handler runs: publisher and consumer come back by
    themselves, the message is delivered again, and the late ack of the first delivery is not
    sent on the new channel (where its tag would ack another delivery or close the channel)."""
    t = AmqpTransport(amqp_url, namespace=namespace, reconnect_delay=0.05)
    release = threading.Event()
    seen: list[tuple[int, int]] = []

    def handler(d: Delivery) -> None:
        seen.append((number(d), d.delivery_count))
        if len(seen) == 1:
            assert release.wait(20)

    try:
        with capture_logs() as logs:
            t.subscribe("q", ["#"], handler)
            t.publish(event(n=1))
            wait_for(lambda: len(seen) == 1)
            rabbitmq_node.ctl("close_all_connections", "cimbus test: a network loss")
            t.publish(event(n=2))  # waits for the new connection, then confirmed
            wait_for(lambda: any(e["event"] == "re-subscribed" for e in logs))
            release.set()  # the first handler ends now: its ack belongs to the lost channel
            wait_for(lambda: len(seen) == 3)
            wait_for(lambda: t.depth("q") == 0)
            time.sleep(0.3)
        events = [e["event"] for e in logs]
        assert sorted(seen) == [(1, 1), (1, 2), (2, 1)]
        assert events.count("AMQP connection lost") == 1 and "reconnected to RabbitMQ" in events
        assert sum(e.startswith("consumer channel lost") for e in events) == 1, events
        attempts = [e for e in logs if e["event"] == "reconnecting to RabbitMQ"]
        assert attempts[0]["attempt"] == 1 and 0 < attempts[0]["delay"] <= 0.05
    finally:
        release.set()
        t.close()


@rabbitmq
def test_a_publishing_channel_closed_by_the_broker_is_reopened(amqp, amqp_url, namespace):
    """A publish the broker refuses by closing the channel fails with the reason; the channel
    is opened again and later publishes are confirmed."""
    amqp.declare("q", ["#"])
    with raw_channel(amqp_url) as ch:
        ch.exchange_delete(f"{namespace}cimbus")
    with pytest.raises(TransportError, match="404 NOT_FOUND"):
        amqp.publish(event(n=1))
    amqp.declare("q", ["#"])
    amqp.publish(event(n=2))
    assert amqp.depth("q") == 1


@rabbitmq
def test_a_consumer_whose_queue_is_deleted_declares_it_again(amqp, amqp_url, namespace):
    """RabbitMQ cancels the consumer of a deleted queue; the consumer re-declares the queue and
    its bindings and consumes again by itself."""
    seen: list[int] = []
    amqp.subscribe("q", ["MeterReadings.*"], lambda d: seen.append(number(d)))
    amqp.publish(event(n=1))
    wait_for(lambda: seen == [1])
    with raw_channel(amqp_url) as ch:
        ch.queue_delete(f"{namespace}q")
    wait_for(lambda: published(amqp, event(n=2)))  # unroutable until it is declared again
    wait_for(lambda: seen == [1, 2])


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


@rabbitmq
def test_journal_reads_past_its_credit_window_and_stops_cleanly(amqp):
    """Reading 1,000 of 1,200 entries from offset 100 crosses the 500-entry credit window,
    and stopping at the limit leaves the connection healthy (no nack on a stream)."""
    amqp.declare("q", ["#"])
    sent = [event(n) for n in range(1200)]
    amqp.publish_many(sent)
    some = list(amqp.read_journal(offset=100, limit=1000))
    assert [e.offset for e in some] == list(range(100, 1100))
    assert [e.body for e in some[:3]] == [env.encode_xml(m) for m in sent[100:103]]
    assert len(list(amqp.read_journal(idle=0.5))) == 1200


@rabbitmq
def test_journal_can_be_turned_off(amqp_url, namespace):
    """journal=False publishes no copies and reading says why there is nothing to read."""
    quiet = AmqpTransport(amqp_url, namespace=namespace, journal=False)
    try:
        quiet.declare("q", ["#"])
        quiet.publish(event())
        with pytest.raises(TransportError, match="journal=False"):
            list(quiet.read_journal())
    finally:
        quiet.close()
    with raw_channel(amqp_url) as ch, pytest.raises(pika.exceptions.ChannelClosedByBroker):
        ch.queue_declare(f"{namespace}cimbus.journal", passive=True)


@rabbitmq
def test_close_under_load_drains_what_it_accepted(amqp_url, namespace):
    """close() while 4 threads and a 3,000-message batch publish and a consumer works: a
    publish either is confirmed or is refused as closed (none fails half-way); the running
    handler finishes; a new consumer gets the rest; each confirmed message applies once."""
    transport = AmqpTransport(amqp_url, namespace=namespace)
    lock, applied, from_batch = threading.Lock(), Counter[str](), threading.Event()

    def apply(d: Delivery) -> None:
        time.sleep(0.001)
        with lock:
            applied[d.headers["MessageID"]] += 1
            if b"<m:n>1<" in d.body:
                from_batch.set()

    transport.subscribe("work", ["MeterReadings.#"], apply, prefetch=50)
    confirmed: list[str] = []
    refused: list[str] = []

    def publish() -> None:
        while True:
            m = event()
            try:
                transport.publish(m)
            except TransportError as exc:
                refused.append(exc.reason)
                return
            confirmed.append(m.header.message_id or "")

    batch = [event(1) for _ in range(3000)]
    batch_result: list[int | str] = []

    def publish_batch() -> None:
        try:
            batch_result.append(transport.publish_many(batch))
        except TransportError as exc:
            batch_result.append(exc.reason)

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    wait_for(lambda: len(confirmed) >= 200 and len(applied) >= 50, 30)
    batcher = threading.Thread(target=publish_batch)
    batcher.start()
    assert from_batch.wait(30)  # the batch is handed over, and its confirms are coming in
    transport.close()
    for t in [*threads, batcher]:
        t.join(30)
    assert refused == ["the transport is closed"] * 4, refused[:2]
    assert batch_result == [3000], batch_result  # handed over before close: all confirmed
    confirmed += [m.header.message_id or "" for m in batch]
    after = AmqpTransport(amqp_url, namespace=namespace)
    try:
        after.subscribe("work", ["MeterReadings.#"], apply, prefetch=50)
        wait_for(lambda: set(confirmed) <= set(applied), 30)
    finally:
        after.close()
    assert set(applied) == set(confirmed) and set(applied.values()) == {1}


def dead_url() -> str:
    """An AMQP URL on a loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"amqp://guest:guest@127.0.0.1:{port}/%2F"


@rabbitmq
def test_several_broker_urls_skip_a_node_that_is_down(amqp_url, namespace):
    """Given a dead node first (comma-separated, as on the command line), the transport and
    its operator calls use the next one."""
    t = connect(f"{dead_url()},{amqp_url}", namespace=namespace)
    try:
        seen: list[str] = []
        t.subscribe("q", ["#"], lambda d: seen.append(d.routing_key))
        t.publish(event())
        wait_for(lambda: seen == ["MeterReadings.created"])
        assert t.depth("q") == 0  # type: ignore[attr-defined]
    finally:
        t.close()


def test_all_broker_urls_down_is_one_clear_error():
    """With every broker unreachable the constructor fails fast, naming what to check."""
    with pytest.raises(TransportError, match="check that the broker runs"):
        AmqpTransport([dead_url(), dead_url()])
    with pytest.raises(TransportError, match="no broker URL"):
        AmqpTransport(" , ")
