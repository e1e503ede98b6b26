"""One contract for every transport: routing, request/reply, acks and retries, dead letters,
competing consumers, ordering, limits, journal. Parametrised over the implementations."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bus.envelope as env
from bus.idempotency import SqliteIdempotencyStore
from bus.journal import Journal
from bus.pipeline import Pipeline, decode_step, dedupe_step, dispatch_step
from bus.routing import request_bindings, request_queue, topic_matches
from bus.transport import transport_class
from bus.transport.base import Delivery
from bus.transport.memory import MemoryTransport
from cim.errors import ConfigurationError, OversizeMessage, RequestTimeout, TransportError

MR_NS = "http://iec.ch/TC57/2011/MeterReadings#"


def event(noun: str = "MeterReadings", verb: str = "created", n: int = 0) -> env.EventMessage:
    """An event carrying a small MeterReadings payload numbered ``n``."""
    body = f'<m:MeterReadings xmlns:m="{MR_NS}"><m:n>{n}</m:n></m:MeterReadings>'.encode()
    return env.EventMessage(
        env.make_header(verb, noun, source="test"), env.Payload((env.fragment_of(body),))
    )


def number(delivery: Delivery) -> int:
    """The ``n`` carried by an :func:`event`."""
    payload = delivery.message.payload  # type: ignore[union-attr]
    return int(payload.elements[0].xml.split(b"<m:n>")[1].split(b"<")[0])


@pytest.fixture(params=["memory", pytest.param("amqp", marks=pytest.mark.rabbitmq)])
def transport(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each transport implementation, fresh per test, with a fast retry policy.

    The AMQP one gets a namespace of its own (exchanges and queues) on the session's broker.
    """
    if request.param == "memory":
        t: Any = MemoryTransport(
            delivery_limit=3, retry_delay=0.01, journal=Journal(tmp_path / "j.jsonl")
        )
    else:
        url = request.getfixturevalue("amqp_url")
        namespace = f"test.{uuid.uuid4().hex[:12]}."
        t = transport_class("amqp")(url, namespace=namespace, delivery_limit=3, retry_delay=0.01)
    yield t
    t.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` holds, failing the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.005)


def test_topic_matching_follows_amqp_rules():
    """``*`` matches one word, ``#`` zero or more, literal words exactly."""
    assert topic_matches("MeterReadings.*", "MeterReadings.created")
    assert topic_matches("#.created", "EndDeviceEvents.created")
    assert topic_matches("MeterReadings.#", "MeterReadings")
    assert not topic_matches("*.created", "created")
    assert not topic_matches("MeterReadings.*", "MeterReadings.created.extra")


def test_events_reach_only_matching_queues(transport):
    """An event is delivered to every queue bound by a matching pattern and to no other."""
    got: dict[str, list[str]] = {"mr": [], "all": [], "ede": []}
    lock = threading.Lock()

    def collect(name: str):
        def handler(d: Delivery) -> None:
            with lock:
                got[name].append(d.routing_key)

        return handler

    transport.subscribe("q.mr", ["MeterReadings.*"], collect("mr"))
    transport.subscribe("q.all", ["#"], collect("all"))
    transport.subscribe("q.ede", ["EndDeviceEvents.created"], collect("ede"))
    transport.publish(event("MeterReadings", "created"))
    transport.publish(event("EndDeviceEvents", "created"))
    wait_for(lambda: len(got["all"]) == 2 and len(got["mr"]) == 1 and len(got["ede"]) == 1)
    assert got["mr"] == ["MeterReadings.created"]
    assert got["ede"] == ["EndDeviceEvents.created"]


def test_unroutable_publish_is_an_error(transport):
    """Publishing what no queue is bound to raises instead of dropping it silently."""
    with pytest.raises(TransportError, match="unroutable"):
        transport.publish(event("Nobody", "created"))


def test_delivery_carries_bytes_headers_and_model(transport):
    """The handler gets the published bytes, the decoded message and the routing headers."""
    seen: list[Delivery] = []
    transport.subscribe("q", ["#"], seen.append)
    sent = event(n=7)
    transport.publish(sent)
    wait_for(lambda: len(seen) == 1)
    d = seen[0]
    assert d.message == sent and d.body == env.encode_xml(sent)
    assert d.headers["Verb"] == "created" and d.headers["Noun"] == "MeterReadings"
    assert d.headers["Source"] == "test" and d.delivery_count == 1 and not d.redelivered


def test_request_reply_correlates(transport):
    """request() returns the reply the serving handler returns, correlated to the request."""

    def serve(d: Delivery) -> env.Message:
        assert isinstance(d.message, env.RequestMessage)
        return env.reply_to(d.message, source="mdm")

    transport.subscribe(request_queue("MeterReadings"), request_bindings("MeterReadings"), serve)
    req = env.RequestMessage(env.make_header("get", "MeterReadings", source="cis"))
    reply = transport.request(req, timeout=5)
    assert isinstance(reply, env.ResponseMessage)
    assert reply.header.correlation_id == req.header.message_id
    assert reply.reply.result is env.Result.OK and reply.header.source == "mdm"


def async_request(address: str) -> env.RequestMessage:
    """A get MeterReadings request asking for its answer at ``address``, asynchronously."""
    header = env.make_header(
        "get", "MeterReadings", source="cis", async_reply_flag=True, reply_address=address
    )
    return env.RequestMessage(header)


def test_async_request_is_acknowledged_at_once_and_answered_at_its_reply_address(transport):
    """AsyncReplyFlag: request() returns OK with code 0.3 before the handler is done; the
    handler's answer arrives later on the ReplyAddress queue, correlated."""
    done = threading.Event()

    def serve(d: Delivery) -> env.Message:
        time.sleep(0.3)
        done.set()
        return env.reply_to(d.message, source="mdm")  # type: ignore[arg-type]

    transport.subscribe(request_queue("MeterReadings"), request_bindings("MeterReadings"), serve)
    answers: list[env.Message] = []
    transport.subscribe("cis.replies", [], lambda d: answers.append(d.message))
    req = async_request("cis.replies")
    ack = transport.request(req, timeout=5)
    assert not done.is_set(), "the acknowledgement must not wait for the handler"
    assert isinstance(ack, env.ResponseMessage) and ack.reply.result is env.Result.OK
    assert [e.code for e in ack.reply.errors] == ["0.3"]
    assert ack.header.correlation_id == req.header.message_id
    wait_for(lambda: len(answers) == 1)
    answer = answers[0]
    assert isinstance(answer, env.ResponseMessage) and answer.header.source == "mdm"
    assert answer.header.correlation_id == req.header.message_id and answer.reply.errors == ()


def test_published_async_request_is_answered_at_its_reply_address_only(transport):
    """A request published (nobody waiting) with AsyncReplyFlag is answered at ReplyAddress."""
    transport.subscribe(
        request_queue("MeterReadings"),
        request_bindings("MeterReadings"),
        lambda d: env.reply_to(d.message),  # type: ignore[arg-type]
    )
    answers: list[env.Message] = []
    transport.subscribe("cis.replies", [], lambda d: answers.append(d.message))
    req = async_request("cis.replies")
    transport.publish(req)
    wait_for(lambda: len(answers) == 1)
    time.sleep(0.1)
    assert len(answers) == 1 and answers[0].header.correlation_id == req.header.message_id


def test_async_request_with_a_url_reply_address_is_refused_with_1_5(transport):
    """A URL ReplyAddress is a SOAP callback: answered FAILED 1.5 (or parked), never handled."""
    seen: list[Delivery] = []
    transport.subscribe(
        request_queue("MeterReadings"), request_bindings("MeterReadings"), seen.append
    )
    reply = transport.request(async_request("https://cis.example/callback"), timeout=5)
    assert isinstance(reply, env.ResponseMessage) and reply.reply.result is env.Result.FAILED
    assert reply.reply.errors[0].code == "1.5" and "SOAP gateway" in (
        reply.reply.errors[0].reason or ""
    )
    time.sleep(0.1)
    assert seen == [] and transport.dead_letters(request_queue("MeterReadings")) == []
    transport.publish(async_request("https://cis.example/callback"))  # nobody to answer in kind
    wait_for(lambda: len(transport.dead_letters(request_queue("MeterReadings"))) == 1)
    assert "ReplyAddress" in transport.dead_letters(request_queue("MeterReadings"))[0].reason
    assert seen == []


def test_async_answer_to_a_missing_queue_is_retried_then_parked_with_the_reason(transport):
    """An answer whose ReplyAddress queue does not exist cannot be delivered: the request is
    retried, then dead-lettered saying so; nothing is dropped silently."""
    q = request_queue("MeterReadings")
    transport.subscribe(q, request_bindings("MeterReadings"), lambda d: env.reply_to(d.message))  # type: ignore[arg-type]
    transport.publish(async_request("cis.nobody"))
    wait_for(lambda: len(transport.dead_letters(q)) == 1)
    assert "unroutable" in transport.dead_letters(q)[0].reason


def test_request_without_a_reply_times_out_with_code_4_1(transport):
    """A request whose handler never answers raises RequestTimeout (4.1) after the timeout."""
    transport.subscribe(
        request_queue("MeterReadings"), request_bindings("MeterReadings"), lambda d: None
    )
    req = env.RequestMessage(env.make_header("get", "MeterReadings"))
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        transport.request(req, timeout=0.2)
    assert caught.value.code == "4.1" and time.monotonic() - started >= 0.2
    assert caught.value.message_id == req.header.message_id


def test_request_for_a_noun_nobody_serves_is_unroutable(transport):
    """A request for a noun with no request queue raises at once."""
    with pytest.raises(TransportError, match="unroutable"):
        transport.request(env.RequestMessage(env.make_header("get", "Nothing")), timeout=5)


def test_failed_handler_is_retried_then_succeeds(transport):
    """A handler that raises gets the message again, with a higher delivery count."""
    counts: list[int] = []

    def flaky(d: Delivery) -> None:
        counts.append(d.delivery_count)
        if d.delivery_count < 2:
            raise ConnectionError("database briefly unavailable")

    transport.subscribe("q", ["#"], flaky)
    transport.publish(event())
    wait_for(lambda: counts == [1, 2])
    time.sleep(0.05)
    assert counts == [1, 2] and transport.dead_letters("q") == []


def test_poison_message_is_dead_lettered_and_good_ones_flow(transport):
    """A message that always fails is parked with its reason; 200 good ones around it flow."""
    done: set[int] = set()

    def handler(d: Delivery) -> None:
        n = number(d)
        if n == -1:
            raise ValueError("cannot map meter 42")
        done.add(n)

    transport.subscribe("q", ["#"], handler)
    for n in range(100):
        transport.publish(event(n=n))
    transport.publish(event(n=-1))
    for n in range(100, 200):
        transport.publish(event(n=n))
    wait_for(lambda: len(done) == 200 and len(transport.dead_letters("q")) == 1)
    (dead,) = transport.dead_letters("q")
    assert "cannot map meter 42" in dead.reason and dead.deliveries == 3
    assert transport.redrive("q") == 1


def test_competing_consumers_share_the_work_once(transport):
    """Two consumers of one queue handle every message exactly once between them."""
    seen: list[int] = []
    lock = threading.Lock()

    def handler(d: Delivery) -> None:
        time.sleep(0.001)
        with lock:
            seen.append(number(d))

    transport.subscribe("work", ["MeterReadings.created"], handler)
    transport.subscribe("work", ["MeterReadings.created"], handler)
    for n in range(200):
        transport.publish(event(n=n))
    wait_for(lambda: len(seen) == 200)
    time.sleep(0.05)
    assert sorted(seen) == list(range(200))


def test_one_consumer_sees_publish_order(transport):
    """A single consumer receives one queue's messages in the order they were published."""
    seen: list[int] = []
    transport.subscribe("q", ["#"], lambda d: seen.append(number(d)))
    for n in range(300):
        transport.publish(event(n=n))
    wait_for(lambda: len(seen) == 300)
    assert seen == list(range(300))


def test_publish_many_is_confirmed_in_order(transport):
    """A pipelined batch is confirmed as a whole and a single consumer sees it in order."""
    seen: list[int] = []
    transport.subscribe("q", ["MeterReadings.created"], lambda d: seen.append(number(d)))
    assert transport.publish_many(event(n=n) for n in range(500)) == 500
    wait_for(lambda: len(seen) == 500)
    assert seen == list(range(500))


def test_publish_many_names_what_failed_and_sends_the_rest(transport):
    """One unroutable message in a batch fails the call, saying which; the others arrive."""
    seen: list[int] = []
    transport.subscribe("q", ["MeterReadings.created"], lambda d: seen.append(number(d)))
    lost = event(noun="Nobody", n=99)
    batch = [event(n=1), lost, event(n=2)]
    with pytest.raises(TransportError) as caught:
        transport.publish_many(batch)
    assert "1 of 3" in caught.value.reason and "unroutable" in caught.value.reason
    assert caught.value.message_id == lost.header.message_id
    wait_for(lambda: len(seen) == 2)
    assert seen == [1, 2]


def test_oversize_message_is_refused_before_sending(tmp_path):
    """A message larger than the size limit raises OversizeMessage (3.1) and is not routed."""
    t = MemoryTransport(limits=env.Limits(max_bytes=600))
    try:
        t.declare("q", ["#"])
        with pytest.raises(OversizeMessage) as caught:
            t.publish(event(n=10**400))
        assert caught.value.code == "3.1" and t.depth("q") == 0
    finally:
        t.close()


def test_journal_holds_every_routed_message_byte_exact_in_order(transport):
    """Events, batches, a request and its reply are journalled as sent; the unroutable is not."""
    answers: list[env.Message] = []

    def serve(d: Delivery) -> env.Message:
        answers.append(env.reply_to(d.message, source="mdm"))  # type: ignore[arg-type]
        return answers[-1]

    transport.subscribe(request_queue("MeterReadings"), request_bindings("MeterReadings"), serve)
    transport.subscribe("q", ["MeterReadings.created"], lambda d: None)
    sent: list[env.Message] = [event(n=n) for n in range(6)]
    for m in sent[:2]:
        transport.publish(m)
    transport.publish_many(sent[2:])
    with pytest.raises(TransportError, match="unroutable"):
        transport.publish(event(noun="Nobody"))
    req = env.RequestMessage(env.make_header("get", "MeterReadings", source="cis"))
    transport.request(req, timeout=5)
    expected = [env.encode_xml(m) for m in [*sent, req, *answers]]

    entries = list(transport.read_journal(limit=len(expected)))
    assert [e.body for e in entries] == expected
    assert [e.offset for e in entries] == list(range(entries[0].offset, entries[0].offset + 8))
    assert [e.headers.get("MessageID") for e in entries[:6]] == [
        m.header.message_id
        for m in sent  # type: ignore[union-attr]
    ]
    assert entries[0].routing_key == "MeterReadings.created"
    assert entries[6].headers["Verb"] == "get" and entries[7].headers["Verb"] == "reply"
    assert list(transport.read_journal(offset=entries[-1].offset + 1)) == []
    tail = list(transport.read_journal(offset=entries[3].offset, limit=2))
    assert [e.body for e in tail] == expected[3:5]


def test_journal_reads_from_a_point_in_time(transport):
    """read_journal(since=t) starts with the first message published at or after t."""
    transport.declare("q", ["#"])
    transport.publish_many(event(n=n) for n in range(3))
    time.sleep(0.05)
    t = datetime.now(UTC)
    later = [event(n=n) for n in range(3, 6)]
    transport.publish_many(later)
    entries = list(transport.read_journal(since=t, limit=3))
    assert [e.body for e in entries] == [env.encode_xml(m) for m in later]
    assert all(e.timestamp >= t for e in entries)
    assert list(transport.read_journal(since=datetime.now(UTC) + timedelta(hours=1))) == []


def test_memory_journal_file_reads_back_after_restart(tmp_path):
    """The memory transport's journal is a file: a later process reads the same entries."""
    transport = MemoryTransport(journal=Journal(tmp_path / "j.jsonl"))
    try:
        transport.declare("q", ["#"])
        sent = [event(n=n) for n in range(5)]
        for m in sent:
            transport.publish(m)
    finally:
        transport.close()
    entries = list(Journal(tmp_path / "j.jsonl").read())
    assert [e.body for e in entries] == [env.encode_xml(m) for m in sent]
    assert [e.offset for e in entries] == list(range(5))
    again = Journal(tmp_path / "j.jsonl")
    assert again.append(b"<x/>", "k", {}) == 5


def test_close_lets_the_in_flight_handler_finish(transport):
    """close() waits for the handler that is running and acknowledges its message."""
    started, finished = threading.Event(), threading.Event()

    def slow(d: Delivery) -> None:
        started.set()
        time.sleep(0.2)
        finished.set()

    transport.subscribe("q", ["#"], slow)
    transport.publish(event())
    assert started.wait(5)
    transport.close()
    assert finished.is_set() and transport.dead_letters("q") == []


def test_registry_names_transports_and_suggests_close_names():
    """transport_class finds registered transports and suggests a name for a typo."""
    assert transport_class("memory") is MemoryTransport
    with pytest.raises(ConfigurationError, match="did you mean 'memory'"):
        transport_class("memroy")


def test_redelivered_or_duplicated_message_has_its_effect_once(transport, tmp_path):
    """With the dedupe step, a MessageID published twice and a retried delivery apply once."""
    store = SqliteIdempotencyStore(tmp_path / "claims.db")
    applied: list[str] = []
    lock = threading.Lock()
    failed_once: set[str] = set()

    def apply(message: env.Message) -> None:
        mid = message.header.message_id or ""  # type: ignore[union-attr]
        with lock:
            if mid.endswith("-flaky") and mid not in failed_once:
                failed_once.add(mid)
                raise ConnectionError("transient: the effect was not committed")
            applied.append(mid)

    pipeline = Pipeline(
        [
            ("decode", decode_step()),
            ("dedupe", dedupe_step(store, "c")),
            ("dispatch", dispatch_step({"MeterReadings": apply})),
        ]
    )
    transport.subscribe("dedupe", ["MeterReadings.created"], pipeline.handler)
    twice = event(n=1)
    flaky = env.EventMessage(
        env.make_header(
            "created", "MeterReadings", source="test", message_id=f"{uuid.uuid4()}-flaky"
        )
    )
    transport.publish(twice)
    transport.publish(twice)
    transport.publish(flaky)
    wait_for(lambda: len(applied) == 2)
    time.sleep(0.3)
    try:
        assert sorted(applied) == sorted([twice.header.message_id, flaky.header.message_id])
    finally:
        store.close()
