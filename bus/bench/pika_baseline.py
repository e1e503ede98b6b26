"""The raw pika baseline of ``cimbus bench bus``: the reference the bus is measured against.

Besides the transport's pika edge (:mod:`bus.transport.amqp_pika`) this is the only module of
cimbus that imports pika, on purpose: it is what a careful programmer would write with pika
alone, so that the benchmark shows what cimbus adds to the broker and the client library. It
uses the bus's own settings, taken from :mod:`bus.transport.amqp_topology` (plain data, no
pika): the same durable topic exchange, quorum queues declared with the same arguments,
persistent messages (``delivery_mode`` 2) published ``mandatory`` with the same properties,
publisher confirms handled asynchronously in the I/O loop with a window of unconfirmed
messages, consumers with manual acks and the same prefetch. Every message is encoded once by
cimbus's encoder before timing (:func:`wire`); the baseline sends those bytes and never decodes
what it receives.

One ``SelectConnection`` belongs to one I/O thread; the caller's thread only starts a round and
waits for its outcome. Channels: ``pub`` publishes in confirm mode and consumes direct reply-to,
``events`` consumes the event queue, ``server`` consumes the request queue and replies on
``pub``, acknowledging each request once its reply is confirmed (as the bus does).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pika  # type: ignore[import-untyped]
import pika.exceptions  # type: ignore[import-untyped]

from bus.bench.report import BenchError
from bus.envelope import Message, encode_xml
from bus.routing import routing_key
from bus.transport import amqp_topology as topo

_T = TypeVar("_T")
STEP_TIMEOUT = 30.0
"""Seconds to wait for the broker to open the connection and its channels."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """What both sides of the benchmark declare and how they consume (the same on each side)."""

    events_queue: str
    event_bindings: tuple[str, ...]
    requests_queue: str
    request_bindings: tuple[str, ...]
    delivery_limit: int
    prefetch: int


@dataclass(frozen=True, slots=True)
class Wire:
    """One message as the baseline sends it: routing key, bytes and AMQP properties."""

    key: str
    body: bytes
    properties: Any
    """A ``pika.BasicProperties``, built once."""
    message_id: str | None


def wire(message: Message, *, request: bool = False) -> Wire:
    """``message`` encoded once by cimbus, with the AMQP properties the bus gives it.

    A ``request`` asks for its reply on direct reply-to, as the bus's ``request`` does.
    """
    props = topo.properties(message, reply_to=topo.REPLY_TO if request else None)
    key = "" if message.kind in ("ResponseMessage", "FaultMessage") else routing_key(message)
    return Wire(key, encode_xml(message), pika.BasicProperties(**props), props["message_id"])


def reply_properties(reply: Message, correlation_id: str | None) -> Any:
    """The AMQP properties of a reply correlated to ``correlation_id`` (built per request)."""
    return pika.BasicProperties(**topo.properties(reply, correlation_id=correlation_id))


def pika_version() -> str:
    """The version of pika in use."""
    return str(getattr(pika, "__version__", "unknown"))


@dataclass(slots=True)
class _Round:
    """A throughput round in progress (I/O thread only)."""

    wires: Sequence[Wire]
    count: int
    window: int
    done: Future[int]
    sent: int = 0
    confirmed: int = 0
    consumed: int = 0
    started_ns: int = 0


@dataclass(slots=True)
class _Requests:
    """Sequential requests in progress (I/O thread only)."""

    requests: Sequence[Wire]
    done: Future[list[int]]
    index: int = 0
    started_ns: int = 0
    confirmed: bool = False
    replied: bool = False
    latencies: list[int] = field(default_factory=list)


class PikaBaseline:
    """Raw pika on one SelectConnection: throughput rounds and sequential request/reply."""

    def __init__(self, url: str, namespace: str, setup: Setup) -> None:
        self._url = url
        self._names = topo.Names(namespace)
        self._setup = setup
        self._conn: Any = None
        self._pub: Any = None
        self._thread: threading.Thread | None = None
        self._ready: Future[None] = Future()
        self._tag = 0
        self._waiting: deque[tuple[int, Callable[[], None]]] = deque()
        self._early: set[int] = set()
        self._round: _Round | None = None
        self._rr: _Requests | None = None
        self._reply: tuple[bytes, Message] | None = None
        self._gone: str | None = None
        self.server_version = "unknown"

    # --- from the caller's thread -----------------------------------------------------------

    def start(self, reply: Message, reply_body: bytes) -> None:
        """Declare the topology, connect and open the channels; ``reply`` answers requests."""
        self._reply = (reply_body, reply)
        declare_topology(self._url, self._names, self._setup)
        self._thread = threading.Thread(target=self._run, name="bench-pika-io", daemon=True)
        self._thread.start()
        _result(self._ready, STEP_TIMEOUT, "opening the raw pika connection")

    def throughput(self, wires: Sequence[Wire], count: int, window: int, timeout: float) -> int:
        """Nanoseconds to publish ``count`` of ``wires`` (cycled) and consume and ack them all.

        At most ``window`` publishes wait for their confirm at any time; the clock stops when
        every message is both confirmed and acknowledged by the consumer.
        """
        done: Future[int] = Future()
        self._call(lambda: self._start_round(_Round(wires, count, window, done)))
        return _result(done, timeout, f"a raw pika round of {count} messages")

    def request_latencies(self, requests: Sequence[Wire], timeout: float) -> list[int]:
        """Nanoseconds of each of ``requests`` sent one after the other: confirm and reply."""
        done: Future[list[int]] = Future()
        self._call(lambda: self._start_requests(_Requests(requests, done)))
        return _result(done, timeout, f"{len(requests)} raw pika requests")

    def close(self) -> None:
        """Close the connection and end the I/O thread."""
        if self._thread is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._close_now)
        self._thread.join(STEP_TIMEOUT)
        self._thread = None

    def _call(self, fn: Callable[[], None]) -> None:
        if self._conn is None or self._gone is not None:
            raise BenchError(self._gone or "the raw pika connection is not open")
        self._conn.ioloop.add_callback_threadsafe(fn)

    # --- the I/O thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._conn = pika.SelectConnection(
                pika.URLParameters(self._url),
                on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_closed,
            )
            self._conn.ioloop.start()
        except Exception as exc:
            self._fail(f"the raw pika I/O loop failed: {exc!r}")
        finally:
            self._fail("the raw pika connection closed")
            self._gone = self._gone or "the raw pika connection closed"
            with contextlib.suppress(Exception):
                self._conn.ioloop.close()

    def _close_now(self) -> None:
        if self._conn.is_closed:
            self._conn.ioloop.stop()
        elif not self._conn.is_closing:
            self._conn.close()

    def _on_open(self, conn: Any) -> None:
        version = (conn.server_properties or {}).get("version", b"unknown")
        self.server_version = version.decode() if isinstance(version, bytes) else str(version)
        conn.channel(on_open_callback=self._on_pub)

    def _on_open_error(self, conn: Any, error: BaseException) -> None:
        self._fail(f"cannot connect the raw pika baseline: {error!r}")
        conn.ioloop.stop()

    def _on_closed(self, conn: Any, reason: BaseException) -> None:
        self._gone = f"the raw pika connection closed: {reason!r}"
        self._fail(self._gone)
        conn.ioloop.stop()

    def _on_pub(self, ch: Any) -> None:
        self._pub = ch
        ch.add_on_return_callback(self._on_return)
        ch.add_on_close_callback(self._on_channel_closed)

        def replies(_: Any) -> None:
            ch.basic_consume(topo.REPLY_TO, self._on_reply, auto_ack=True, callback=opened)

        def opened(_: Any) -> None:
            self._consumer(self._names.queue(self._setup.events_queue), self._on_event, server)

        def server() -> None:
            queue = self._names.queue(self._setup.requests_queue)
            self._consumer(queue, self._on_request, lambda: self._ready.set_result(None))

        ch.confirm_delivery(self._on_confirm, callback=replies)

    def _consumer(self, queue: str, on_message: Any, then: Callable[[], None]) -> None:
        def opened(ch: Any) -> None:
            def consume(_: Any) -> None:
                ch.basic_consume(queue, on_message, callback=lambda _f: then())

            ch.add_on_close_callback(self._on_channel_closed)
            ch.basic_qos(prefetch_count=self._setup.prefetch, callback=consume)

        self._conn.channel(on_open_callback=opened)

    def _on_channel_closed(self, ch: Any, reason: BaseException) -> None:
        if not isinstance(reason, pika.exceptions.ChannelClosedByClient):
            self._fail(f"RabbitMQ closed a raw pika channel: {reason!r}")

    def _publish(
        self, exchange: str, key: str, body: bytes, props: Any, *, mandatory: bool, then: Any
    ) -> None:
        self._pub.basic_publish(exchange, key, body, props, mandatory)
        self._tag += 1
        self._waiting.append((self._tag, then))

    def _on_confirm(self, frame: Any) -> None:
        m = frame.method
        if isinstance(m, pika.spec.Basic.Nack):
            self._fail("RabbitMQ refused a raw pika publish (nack)")
            return
        waiting = self._waiting
        if m.multiple:
            while waiting and waiting[0][0] <= m.delivery_tag:
                waiting.popleft()[1]()
        else:
            self._early.add(m.delivery_tag)
            while waiting and waiting[0][0] in self._early:
                tag, then = waiting.popleft()
                self._early.discard(tag)
                then()
        if self._round is not None:
            self._pump()

    def _on_return(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        self._fail(f"unroutable raw pika publish to {method.routing_key!r}: {method.reply_text}")

    def _fail(self, why: str) -> None:
        error = BenchError(why)
        for future in (
            self._ready,
            None if self._round is None else self._round.done,
            None if self._rr is None else self._rr.done,
        ):
            if future is not None and not future.done():
                future.set_exception(error)
        self._round, self._rr = None, None

    # throughput

    def _start_round(self, r: _Round) -> None:
        self._round = r
        r.started_ns = time.perf_counter_ns()
        self._pump()

    def _pump(self) -> None:
        r = self._round
        assert r is not None
        wires, n = r.wires, len(r.wires)
        exchange = self._names.exchange
        while r.sent < r.count and r.sent - r.confirmed < r.window:
            w = wires[r.sent % n]
            self._publish(exchange, w.key, w.body, w.properties, mandatory=True, then=self._one)
            r.sent += 1

    def _one(self) -> None:
        if self._round is not None:
            self._round.confirmed += 1
            self._check()

    def _on_event(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        ch.basic_ack(method.delivery_tag)
        if self._round is not None:
            self._round.consumed += 1
            self._check()

    def _check(self) -> None:
        r = self._round
        if r is not None and r.consumed >= r.count and r.confirmed >= r.count:
            self._round = None
            r.done.set_result(time.perf_counter_ns() - r.started_ns)

    # request/reply

    def _start_requests(self, rr: _Requests) -> None:
        self._rr = rr
        self._send_request()

    def _send_request(self) -> None:
        rr = self._rr
        assert rr is not None
        w = rr.requests[rr.index]
        rr.confirmed = rr.replied = False
        rr.started_ns = time.perf_counter_ns()
        exchange = self._names.exchange
        self._publish(exchange, w.key, w.body, w.properties, mandatory=True, then=self._sent)

    def _sent(self) -> None:
        if self._rr is not None:
            self._rr.confirmed = True
            self._answered()

    def _on_reply(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        rr = self._rr
        if rr is not None and props.correlation_id == rr.requests[rr.index].message_id:
            rr.replied = True
            self._answered()

    def _answered(self) -> None:
        rr = self._rr
        if rr is None or not (rr.confirmed and rr.replied):
            return
        rr.latencies.append(time.perf_counter_ns() - rr.started_ns)
        rr.index += 1
        if rr.index < len(rr.requests):
            self._send_request()
        else:
            self._rr = None
            rr.done.set_result(rr.latencies)

    def _on_request(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        assert self._reply is not None
        reply_body, reply = self._reply
        tag = method.delivery_tag
        self._publish(
            "",
            props.reply_to,
            reply_body,
            reply_properties(reply, props.message_id),
            mandatory=False,
            then=lambda: ch.basic_ack(tag),
        )


def _result(future: Future[_T], timeout: float, doing: str) -> _T:
    try:
        return future.result(timeout)
    except FutureTimeout:
        raise BenchError(f"no outcome within {timeout:g} s while {doing}") from None


def declare_topology(url: str, names: topo.Names, setup: Setup) -> None:
    """Declare the exchanges and both queues exactly as the bus declares them."""
    steps = [
        *topo.queue_declarations(
            names, setup.events_queue, setup.event_bindings, setup.delivery_limit
        ),
        *topo.queue_declarations(
            names, setup.requests_queue, setup.request_bindings, setup.delivery_limit
        ),
    ]
    with _blocking(url, "declaring the raw pika topology") as conn:
        ch = conn.channel()
        for step in steps:
            if step.kind == "exchange":
                ch.exchange_declare(step.name, step.exchange_type, durable=True)
            elif step.kind == "queue":
                ch.queue_declare(step.name, durable=True, arguments=step.arguments)
            else:
                ch.queue_bind(step.name, step.exchange, routing_key=step.key)


def delete_topology(url: str, namespaces: Iterable[str], queues: Sequence[str]) -> None:
    """Delete what a run declared in ``namespaces``: exchanges, journal, queues, dead letters."""
    with _blocking(url, "deleting the benchmark's queues") as conn:
        ch = conn.channel()
        for names in map(topo.Names, namespaces):
            reals = [f(q) for q in queues for f in (names.queue, names.dead_queue)]
            for real in [*reals, names.journal]:
                try:
                    ch.queue_delete(real)
                except pika.exceptions.ChannelClosedByBroker:
                    ch = conn.channel()
            for exchange in (names.exchange, names.dead_exchange, names.journal):
                try:
                    ch.exchange_delete(exchange)
                except pika.exceptions.ChannelClosedByBroker:
                    ch = conn.channel()


@contextlib.contextmanager
def _blocking(url: str, doing: str) -> Iterator[Any]:
    try:
        conn = pika.BlockingConnection(pika.URLParameters(url))
    except pika.exceptions.AMQPError as exc:
        raise BenchError(f"cannot connect to RabbitMQ while {doing}: {exc!r}") from exc
    try:
        yield conn
    except pika.exceptions.AMQPError as exc:
        raise BenchError(f"RabbitMQ failed while {doing}: {exc!r}") from exc
    finally:
        with contextlib.suppress(pika.exceptions.AMQPError):
            if conn.is_open:
                conn.close()
