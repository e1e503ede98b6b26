"""The RabbitMQ transport (AMQP 0-9-1 through pika): the only module of cimbus that imports pika.

Same semantics as :mod:`bus.transport.memory`. Pika-free siblings hold the rest: topology and
wire conventions (``amqp_topology``), the I/O thread's bookkeeping (``amqp_flow``) and the
consumer worker that runs handlers, retries and parks (``amqp_worker``, whose docstring has
the retry and dead-letter rules).

Threads
    One ``SelectConnection`` belongs to one I/O thread; no other thread touches it. Others
    queue commands (publish, ack, nack, consume) with one coalesced wake-up of the loop per
    batch and wait on a ``concurrent.futures.Future``. Topology and operator calls (declare,
    depth, dead_letters, redrive) open a short-lived ``BlockingConnection`` (about 5 ms), so
    they also work after close().

Publishing: pipelined confirms
    One confirm-mode channel carries every publish (persistent, ``mandatory``). The I/O thread
    sends each message as soon as it is handed over and keeps its future under the channel's
    next delivery tag; ``basic.ack`` (single or ``multiple``) resolves futures, ``basic.nack``
    fails them, and a ``basic.return`` (sent before the ack) marks the oldest pending publish
    with the same message id, exchange and key unroutable. N threads publishing at once keep
    N messages in flight instead of paying one round trip each.

Request/reply
    Requests go out on that channel with ``reply_to = amq.rabbitmq.reply-to``, which the same
    channel consumes (direct reply-to requires it); replies are matched on ``correlation_id``
    = the request's MessageID and are sent without ``mandatory`` (3.10 returns them spuriously).

Consuming
    A subscription is a channel (``basic.qos`` prefetch, manual acks) feeding one worker thread,
    so the I/O thread keeps servicing heartbeats while handlers run. A failed delivery is
    nacked with requeue after a backoff (``call_later``) so that the quorum queue counts it;
    on the last allowed delivery the worker publishes the message to the dead-letter exchange
    with ``x-cimbus-reason`` and ``x-cimbus-deliveries`` (confirmed) and acks it, because
    RabbitMQ's ``x-death`` cannot carry a reason; ``x-delivery-limit`` remains the safety net
    for consumers that crash. Cancelling lets the running handler finish; prefetched messages
    not yet started return to the queue when the channel closes.

Errors: translated here, nothing of pika escapes::

    pika / AMQP                                  cimbus (the reason says what to do)
    ProbableAuthenticationError                  TransportError  wrong user or password
    ProbableAccessDeniedError                    TransportError  no access to the vhost
    ConnectionClosed, StreamLostError,           TransportError  connection lost; this version
      AMQPHeartbeatTimeout                                       does not reconnect: restart
    other AMQPConnectionError                    TransportError  cannot connect: broker, URL
    ChannelClosedByBroker 404 / 406 / 403        TransportError  missing / declared with other
                                                                 arguments / access refused
    basic.return, UnroutableError                TransportError  "unroutable: ..."
    basic.nack, NackError                        TransportError  refused by the broker
    ChannelWrongStateError, other AMQPError      TransportError
    no confirm within confirm_timeout            TransportError
    no reply within the request's timeout        RequestTimeout (4.1)

Not in this version: reconnecting (after a broker restart, a network loss or a publishing
channel closed by the broker: every later call raises TransportError with the cause), the
journal stream.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pika  # type: ignore[import-untyped]
import pika.exceptions  # type: ignore[import-untyped]

from bus.envelope import (
    DEFAULT_LIMITS,
    FaultMessage,
    Limits,
    Message,
    RequestMessage,
    ResponseMessage,
    decode,
)
from bus.log import get_logger
from bus.routing import routing_key
from bus.transport import amqp_topology as topo
from bus.transport.amqp_flow import Commands, Confirms, Replies, confirmed, settle, wait
from bus.transport.amqp_worker import Incoming, Retry, Subscription
from bus.transport.base import Handler
from bus.transport.memory import DeadLetter
from cim.errors import RequestTimeout, TransportError

_log = get_logger("cimbus.transport.amqp")
_STEP_TIMEOUT = 10.0
"""Seconds to wait for the broker to open, consume, cancel or close."""


class AmqpTransport:
    """Moves IEC 61968-100 messages through RabbitMQ with confirms, quorum queues and DLQs."""

    def __init__(
        self,
        url: str = "amqp://guest:guest@localhost:5672/%2F",
        *,
        namespace: str = "",
        delivery_limit: int = 5,
        retry_delay: float = 0.05,
        max_retry_delay: float = 5.0,
        limits: Limits = DEFAULT_LIMITS,
        confirm_timeout: float = 30.0,
    ) -> None:
        if delivery_limit < 1:
            raise ValueError("delivery_limit must be at least 1")
        self._url = url
        self._names = topo.Names(namespace)
        self._retry = Retry(
            delivery_limit=delivery_limit, first_delay=retry_delay, max_delay=max_retry_delay
        )
        self._limits = limits
        self._confirm_timeout = confirm_timeout
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self._closed = False
        with self._admin("declaring the exchanges") as conn:
            self._declare_exchanges(conn.channel())
        self._io = _Io(url)

    # --- the protocol ----------------------------------------------------------------------

    def publish(self, message: Message) -> None:
        """Publish ``message`` to the exchange by its header; return once RabbitMQ confirmed it."""
        if isinstance(message, ResponseMessage | FaultMessage):
            raise TransportError(
                "a reply is sent by returning it from the handler of the request, not published"
            )
        self._check_open()
        sent = self._send(self._names.exchange, routing_key(message), message, mandatory=True)
        self._confirmed(sent, topo.message_id_of(message))

    def request(self, message: RequestMessage, *, timeout: float = 30.0) -> Message:
        """Send ``message`` with direct reply-to and wait up to ``timeout`` s for its reply."""
        self._check_open()
        mid = message.header.message_id
        if mid is None:
            raise TransportError("a request needs a Header MessageID to correlate its reply")
        started = time.monotonic()
        reply = self._io.replies.expect(mid)
        try:
            key = routing_key(message)
            sent = self._send(
                self._names.exchange, key, message, mandatory=True, reply_to=topo.REPLY_TO
            )
            self._confirmed(sent, mid)
            try:
                body = reply.result(max(0.0, timeout - (time.monotonic() - started)))
            except FutureTimeout:
                raise RequestTimeout(
                    f"no reply to {message.header.verb.value} {message.header.noun} "
                    f"within {timeout:g} s; is an adapter serving that noun running?",
                    message_id=mid,
                ) from None
        finally:
            self._io.replies.forget(mid)
        return decode(body, self._limits)

    def subscribe(
        self, queue: str, bindings: Sequence[str], handler: Handler, *, prefetch: int = 16
    ) -> Subscription:
        """Declare ``queue`` bound to ``bindings`` and consume it with ``prefetch`` unacked."""
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        self._check_open()
        self.declare(queue, bindings)
        sub = Subscription(
            queue,
            handler,
            _Channel(self._io, self._names.queue(queue), prefetch, self._url),
            retry=self._retry,
            limits=self._limits,
            outbox=(functools.partial(self._park, queue), self._reply),
            on_closed=self._forget,
        )
        with self._lock:
            self._subscriptions.append(sub)
        try:
            sub.start()
        except BaseException:
            self._forget(sub)
            raise
        return sub

    def close(self) -> None:
        """Let running handlers finish, cancel every consumer and close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subs = list(self._subscriptions)
        for sub in subs:
            sub.cancel()
        self._io.close()

    # --- operators (not part of the protocol) ----------------------------------------------

    def declare(self, queue: str, bindings: Sequence[str] = ()) -> None:
        """Declare ``queue``, its dead-letter queue and its ``bindings`` (idempotent)."""
        n = self._names
        args = topo.queue_arguments(n, queue, self._retry.delivery_limit)
        with self._admin(f"declaring queue {queue!r}") as conn:
            ch = conn.channel()
            self._declare_exchanges(ch)
            ch.queue_declare(n.dead_queue(queue), durable=True, arguments=topo.DEAD_QUEUE_ARGUMENTS)
            ch.queue_bind(n.dead_queue(queue), n.dead_exchange, routing_key=n.queue(queue))
            ch.queue_declare(n.queue(queue), durable=True, arguments=args)
            for pattern in bindings:
                ch.queue_bind(n.queue(queue), n.exchange, routing_key=pattern)

    def depth(self, queue: str) -> int:
        """Messages ready in ``queue`` (not counting unacknowledged ones); 0 if it is missing."""
        with self._admin(f"counting queue {queue!r}") as conn:
            return _count(conn, self._names.queue(queue)) or 0

    def dead_letters(self, queue: str) -> list[DeadLetter]:
        """The messages parked for ``queue``, read and returned to its dead-letter queue.

        AMQP cannot peek: each message is fetched and put back when the connection closes.
        """
        dead, limit = self._names.dead_queue(queue), self._retry.delivery_limit
        with self._admin(f"reading {dead!r}") as conn:
            if _count(conn, dead) is None:
                return []
            ch, out = conn.channel(), []
            while (got := ch.basic_get(dead, auto_ack=False))[0] is not None:
                method, props, body = got
                out.append(topo.dead_letter(body, props.headers, method.routing_key, limit))
            return out  # closing the connection puts them back

    def redrive(self, queue: str) -> int:
        """Move ``queue``'s dead letters back onto it (confirmed), with a fresh delivery count."""
        dead = self._names.dead_queue(queue)
        with self._admin(f"re-driving {dead!r}") as conn:
            waiting = _count(conn, dead)
            if waiting is None:
                raise TransportError(f"no queue {queue!r} here; declare or subscribe to it first")
            ch = conn.channel()
            ch.confirm_delivery()
            moved = 0
            for _ in range(waiting):  # no more: a failing consumer may park them again
                method, props, body = ch.basic_get(dead, auto_ack=False)
                if method is None:
                    break
                headers = topo.redriven_headers(props.headers, method.routing_key)
                again = topo.moved_properties(
                    props.content_type, props.message_id, props.correlation_id, headers
                )
                ch.basic_publish(
                    "", self._names.queue(queue), body, pika.BasicProperties(**again), True
                )
                ch.basic_ack(method.delivery_tag)
                moved += 1
        _log.info("dead letters re-driven", queue=queue, count=moved)
        return moved

    # --- internals -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError("the transport is closed")

    def _forget(self, sub: Subscription) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._subscriptions.remove(sub)

    def _declare_exchanges(self, ch: Any) -> None:
        ch.exchange_declare(self._names.exchange, "topic", durable=True)
        ch.exchange_declare(self._names.dead_exchange, "direct", durable=True)

    @contextlib.contextmanager
    def _admin(self, doing: str) -> Iterator[Any]:
        """A short-lived blocking connection for topology and operator calls."""
        try:
            conn = pika.BlockingConnection(pika.URLParameters(self._url))
        except pika.exceptions.AMQPError as exc:
            raise _translate(exc, doing, self._url) from exc
        try:
            yield conn
        except pika.exceptions.AMQPError as exc:
            raise _translate(exc, doing, self._url) from exc
        finally:
            with contextlib.suppress(pika.exceptions.AMQPError):
                if conn.is_open:
                    conn.close()

    def _send(
        self,
        exchange: str,
        key: str,
        message: Message,
        *,
        mandatory: bool,
        reply_to: str | None = None,
        correlation_id: str | None = None,
    ) -> Future[None]:
        props = topo.properties(message, reply_to=reply_to, correlation_id=correlation_id)
        body = topo.encode(message, self._limits)
        return self._io.publish(exchange, key, body, props, mandatory=mandatory)

    def _confirmed(self, sent: Future[None], message_id: str | None) -> None:
        confirmed(sent, self._confirm_timeout, message_id)

    def _park(self, queue: str, incoming: Incoming, key: str, deliveries: int, why: str) -> None:
        """Publish a failed message to ``queue``'s dead letters with the reason (confirmed)."""
        headers = topo.parked_headers(incoming.headers, key, why, deliveries)
        props = topo.moved_properties(
            incoming.content_type, incoming.message_id, incoming.correlation_id, headers
        )
        n = self._names
        sent = self._io.publish(
            n.dead_exchange, n.queue(queue), incoming.body, props, mandatory=True
        )
        self._confirmed(sent, incoming.message_id)

    def _reply(self, reply: Message, reply_to: str, correlation_id: str | None) -> None:
        """Send a handler's reply to ``reply_to`` without ``mandatory`` (confirmed)."""
        sent = self._send("", reply_to, reply, mandatory=False, correlation_id=correlation_id)
        self._confirmed(sent, correlation_id)


class _Io:
    """One SelectConnection and the thread running its I/O loop (the only thread touching it)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._closing = False
        self._lost: str | None = None
        self.connection: Any = None
        self._channel: Any = None
        self.commands = Commands(self._wake)
        self.confirms = Confirms()
        self.replies = Replies()
        self._opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="cimbus-amqp-io", daemon=True)
        self._thread.start()
        try:
            wait(self._opened, _STEP_TIMEOUT, f"connecting to {topo.redact(url)}")
        except TransportError:
            self.close()
            raise

    def publish(
        self, exchange: str, key: str, body: bytes, props: dict[str, Any], *, mandatory: bool
    ) -> Future[None]:
        """Send one message (from any thread); the future resolves on its confirm."""
        sent: Future[None] = Future()

        def now() -> None:
            if self._channel is None:
                raise TransportError(self._lost or "the publishing channel is closed")
            properties = pika.BasicProperties(**props)
            self._channel.basic_publish(exchange, key, body, properties, mandatory)
            self.confirms.sent(sent, props["message_id"], exchange, key)

        self.commands.put(now, sent)
        return sent

    def close(self) -> None:
        """Close the connection (unconfirmed publishes fail) and end the I/O thread."""
        self._closing = True
        with contextlib.suppress(TransportError):
            self.commands.put(self._close_now)
        self._thread.join(_STEP_TIMEOUT)

    # --- the I/O thread ------------------------------------------------------------------

    def _wake(self) -> None:
        self.connection.ioloop.add_callback_threadsafe(self._drain)

    def _drain(self) -> None:
        self.commands.drain(lambda exc: _translate(exc, "talking to RabbitMQ", self._url))

    def _run(self) -> None:
        try:
            self.connection = pika.SelectConnection(
                pika.URLParameters(self._url),
                on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_closed,
            )
            self.connection.ioloop.start()
        except Exception as exc:
            self._lost = _translate(exc, "running the AMQP connection", self._url).reason
        finally:
            reason = self._lost or "the AMQP connection is closed"
            settle(self._opened, error=TransportError(reason))
            self.commands.stop(reason)
            self.confirms.fail_all(reason)
            self.replies.fail_all(reason)

    def _close_now(self) -> None:
        if self.connection.is_closed:
            self.connection.ioloop.stop()
        elif not self.connection.is_closing:
            self.connection.close()  # _on_closed (or _on_open_error) stops the loop

    def _on_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, ch: Any) -> None:
        self._channel = ch
        ch.add_on_close_callback(self._on_channel_closed)
        ch.add_on_return_callback(self._on_return)

        def consume_replies(_: Any) -> None:
            ch.basic_consume(topo.REPLY_TO, self._on_reply, auto_ack=True, callback=ready)

        def ready(_: Any) -> None:
            settle(self._opened, result=None)

        ch.confirm_delivery(self._on_confirm, callback=consume_replies)

    def _on_open_error(self, connection: Any, error: BaseException) -> None:
        self._lost = _translate(error, "connecting", self._url).reason
        connection.ioloop.stop()

    def _on_closed(self, connection: Any, reason: BaseException) -> None:
        if not self._closing:
            self._lost = _translate(reason, "working", self._url).reason
            _log.error("AMQP connection lost", reason=self._lost)
        connection.ioloop.stop()

    def _on_channel_closed(self, ch: Any, reason: BaseException) -> None:
        self._channel = None
        if not self._closing:
            self._lost = _translate(reason, "publishing", self._url).reason
            _log.error("AMQP publishing channel closed", reason=self._lost)
        why = self._lost or "the publishing channel closed before RabbitMQ confirmed"
        self.confirms.fail_all(why)
        self.replies.fail_all(why)

    def _on_return(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        why = f"{method.reply_code} {method.reply_text}"
        self.confirms.returned(props.message_id, method.exchange, method.routing_key, why)

    def _on_confirm(self, frame: Any) -> None:
        m = frame.method
        acked = isinstance(m, pika.spec.Basic.Ack)
        self.confirms.confirmed(m.delivery_tag, multiple=bool(m.multiple), acked=acked)

    def _on_reply(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        if not self.replies.arrived(props.correlation_id, body):
            _log.info("late or unknown reply dropped", correlation_id=props.correlation_id)


class _Channel:
    """A consumer channel on the I/O thread's connection: prefetch and manual acks."""

    def __init__(self, io: _Io, queue: str, prefetch: int, url: str) -> None:
        self._io = io
        self._queue = queue
        self._prefetch = prefetch
        self._url = url
        self._channel: Any = None
        self._tag: str | None = None
        self._closed: Future[None] = Future()

    def consume(self, deliver: Callable[[Incoming], None], lost: Callable[[str], None]) -> None:
        """Open the channel, set the prefetch and consume; returns on consume-ok."""
        started: Future[None] = Future()

        def opened(ch: Any) -> None:
            self._channel = ch
            ch.add_on_close_callback(closed)
            ch.basic_qos(prefetch_count=self._prefetch, callback=lambda _f: consume(ch))

        def consume(ch: Any) -> None:
            ready = lambda _f: settle(started, result=None)  # noqa: E731
            self._tag = ch.basic_consume(self._queue, on_message, callback=ready)

        def on_message(ch: Any, method: Any, props: Any, body: bytes) -> None:
            deliver(
                Incoming(
                    tag=method.delivery_tag,
                    body=body,
                    routing_key=method.routing_key,
                    headers=props.headers or {},
                    message_id=props.message_id,
                    correlation_id=props.correlation_id,
                    reply_to=props.reply_to,
                    content_type=props.content_type,
                )
            )

        def closed(ch: Any, reason: BaseException) -> None:
            failure = _translate(reason, f"consuming {self._queue!r}", self._url)
            settle(started, error=failure)
            settle(self._closed, result=None)
            lost(failure.reason)

        self._io.commands.put(lambda: self._io.connection.channel(on_open_callback=opened), started)
        wait(started, _STEP_TIMEOUT, f"starting to consume {self._queue!r}")

    def ack(self, tag: int) -> None:
        """Acknowledge delivery ``tag``."""
        self._later(0.0, lambda ch: ch.basic_ack(tag))

    def nack(self, tag: int, delay: float) -> None:
        """Return delivery ``tag`` to the queue after ``delay`` s (counted by the queue)."""
        self._later(delay, lambda ch: ch.basic_nack(tag, requeue=True))

    def cancel(self) -> None:
        """basic.cancel; returns on cancel-ok (every delivery has been handed over by then)."""
        done: Future[None] = Future()

        def run() -> None:
            if not self._open() or self._tag is None:
                settle(done, result=None)
            else:
                self._channel.basic_cancel(self._tag, callback=lambda _f: settle(done, result=None))

        self._io.commands.put(run, done)
        wait(done, _STEP_TIMEOUT, f"cancelling the consumer of {self._queue!r}")

    def close(self) -> None:
        """Close the channel (unacknowledged deliveries go back to the queue)."""

        def run() -> None:
            if self._open():
                self._channel.close()
            else:
                settle(self._closed, result=None)

        self._io.commands.put(run, self._closed)
        wait(self._closed, _STEP_TIMEOUT, f"closing the consumer of {self._queue!r}")

    def _open(self) -> bool:
        return self._channel is not None and bool(self._channel.is_open)

    def _later(self, delay: float, op: Callable[[Any], None]) -> None:
        """Run ``op(channel)`` in the I/O thread after ``delay`` s, if the channel is open."""

        def run() -> None:
            if self._open():
                op(self._channel)

        def schedule() -> None:
            if delay > 0:
                self._io.connection.ioloop.call_later(delay, run)
            else:
                run()

        try:
            self._io.commands.put(schedule)
        except TransportError as exc:  # no connection: RabbitMQ requeues it by itself
            _log.warning("could not settle a delivery", queue=self._queue, reason=exc.reason)


def _count(conn: Any, queue: str) -> int | None:
    """Ready messages in ``queue``, or None when it does not exist."""
    try:
        count: int = conn.channel().queue_declare(queue, passive=True).method.message_count
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return None
        raise
    return count


def _translate(exc: BaseException, doing: str, url: str) -> TransportError:
    """The cimbus error for a pika exception (the tree is drawn in the module docstring)."""
    if isinstance(exc, TransportError):
        return exc
    e, where = pika.exceptions, f"RabbitMQ at {topo.redact(url)}"
    if isinstance(exc, e.ProbableAuthenticationError):
        why = f"{where} refused the user name or password; check the credentials in the URL"
    elif isinstance(exc, e.ProbableAccessDeniedError):
        why = f"{where} refused access to the virtual host; grant the user permissions on it"
    elif isinstance(exc, e.UnroutableError):
        why = "unroutable: no queue is bound to the routing key; declare its queue first"
    elif isinstance(exc, e.NackError):
        why = "RabbitMQ refused the message (nack); the queue may be unavailable: retry"
    elif isinstance(exc, e.ChannelClosedByBroker):
        hint = {
            404: "declare it first (subscribe or declare)",
            406: "it exists with other arguments: delete it or use the same delivery_limit",
            403: "grant the user permissions on it",
        }.get(exc.reply_code, "see the broker log")
        why = f"RabbitMQ closed the channel: {exc.reply_code} {exc.reply_text}; {hint}"
    elif isinstance(exc, e.ConnectionClosed | e.StreamLostError | e.AMQPHeartbeatTimeout):
        why = (
            f"the connection to {where} was lost ({exc!r}); this version does not reconnect: "
            "restart the process once the broker is back"
        )
    elif isinstance(exc, e.AMQPConnectionError):
        why = f"cannot connect to {where} ({exc!r}); check that the broker runs and the URL"
    else:
        why = f"AMQP error ({exc!r})"
    return TransportError(f"{why} (while {doing})")
