"""The RabbitMQ transport (AMQP 0-9-1 through pika): the only module of cimbus that imports pika.

Same semantics as :mod:`bus.transport.memory`. Siblings without pika hold the rest: topology
and wire conventions (``amqp_topology``), the I/O thread's bookkeeping (``amqp_flow``), the
reconnection clock (``amqp_link``), the self-healing consumer channel (``amqp_consumer``) and
the worker that runs handlers, retries and parks (``amqp_worker``: the retry and dead-letter
rules).

Threads
    One ``SelectConnection`` at a time belongs to one I/O thread; no other thread touches it.
    Others queue commands (publish, ack, nack, consume) with one coalesced wake-up of the loop
    per batch and wait on a ``concurrent.futures.Future``. Topology and operator calls
    (declare, depth, dead_letters, redrive) open a short-lived ``BlockingConnection`` (about
    5 ms), so they also work after close().

Publishing: pipelined confirms
    One confirm-mode channel carries every publish (persistent, ``mandatory``). The I/O thread
    sends each message as soon as it is handed over and keeps it under the channel's next
    delivery tag; ``basic.ack`` (single or ``multiple``) resolves futures, ``basic.nack``
    fails them, and a ``basic.return`` (sent before the ack) marks the oldest pending publish
    with the same message id, exchange and key unroutable. N threads publishing at once keep
    N messages in flight instead of paying one round trip each.

Request/reply
    Requests go out on that channel with ``reply_to = amq.rabbitmq.reply-to``, which the same
    channel consumes (direct reply-to requires it); replies are matched on ``correlation_id``
    = the request's MessageID and are sent without ``mandatory`` (3.10 returns them spuriously).

Consuming
    A subscription is a channel (declare, prefetch, manual acks) feeding one worker thread, so
    the I/O thread keeps servicing heartbeats while handlers run.

Reconnection
    A lost connection (broker restart, network loss, heartbeat timeout) is opened again with
    exponential backoff and jitter, each attempt logged with its number and delay. Publishes
    waiting for a confirm, and those handed over meanwhile, are held and published again on
    the new channel in order: publish() returns only on a confirm from the channel that carried
    the message, or raises once RabbitMQ has been unreachable for ``reconnect_timeout`` (new
    publishes then fail at once while reconnection goes on). A request already sent fails (its
    reply address is gone); one not yet confirmed is sent again. Consumer channels re-declare
    and consume again, and never settle a delivery of a lost channel on the new one. The first
    connection is not retried: the constructor raises, so a wrong URL fails fast.

Errors: translated here, nothing of pika escapes::

    pika / AMQP                                  cimbus (the reason says what to do)
    ProbableAuthenticationError                  TransportError  wrong user or password
    ProbableAccessDeniedError                    TransportError  no access to the vhost
    ConnectionClosed, StreamLostError,           reconnect; TransportError only after
      AMQPHeartbeatTimeout                         reconnect_timeout (or for a request in flight)
    other AMQPConnectionError                    TransportError  cannot connect: broker, URL
    ChannelClosedByBroker 404 / 406 / 403        TransportError  missing / declared with other
                                                                 arguments / access refused
    basic.return, UnroutableError                TransportError  "unroutable: ..."
    basic.nack, NackError                        TransportError  refused by the broker
    ChannelWrongStateError, other AMQPError      TransportError
    no confirm within confirm_timeout            TransportError
    no reply within the request's timeout        RequestTimeout (4.1)

Journal
    A message the broker has routed (acked, not returned) is copied, byte-exact with its
    properties and the time it was published, to the fanout exchange ``cimbus.journal`` and so
    to the stream of that name; publish() returns when the copy is confirmed too, so whatever
    a caller saw confirmed is in the journal, in confirm order. Replies are journalled the same
    way; parking and re-driving dead letters are moves, not new messages, and are not.
    :meth:`AmqpTransport.read_journal` reads it from an offset or a time.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as futures_wait
from datetime import UTC, datetime, timedelta
from typing import Any

import pika  # type: ignore[import-untyped]
import pika.exceptions  # type: ignore[import-untyped]
from pika.adapters.select_connection import IOLoop  # type: ignore[import-untyped]

from bus.envelope import (
    DEFAULT_LIMITS,
    FaultMessage,
    Limits,
    Message,
    RequestMessage,
    ResponseMessage,
    decode,
)
from bus.journal import JournalEntry
from bus.log import get_logger
from bus.routing import routing_key
from bus.transport import amqp_topology as topo
from bus.transport.amqp_consumer import ConsumerChannel, declare
from bus.transport.amqp_flow import (
    STEP_TIMEOUT,
    Commands,
    Outbox,
    Outgoing,
    Replies,
    confirmed,
    settle,
    wait,
)
from bus.transport.amqp_link import Backoff, Link
from bus.transport.amqp_worker import Incoming, Retry, Subscription
from bus.transport.base import Handler, settled_all
from bus.transport.memory import DeadLetter
from cim.errors import RequestTimeout, TransportError

_log = get_logger("cimbus.transport.amqp")


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
        reconnect_timeout: float = 60.0,
        reconnect_delay: float = 0.1,
        max_reconnect_delay: float = 5.0,
        journal: bool = True,
        journal_max_age: str = topo.JOURNAL_MAX_AGE,
    ) -> None:
        if delivery_limit < 1:
            raise ValueError("delivery_limit must be at least 1")
        link = Link(
            Backoff(first=reconnect_delay, maximum=max_reconnect_delay),
            reconnect_timeout=reconnect_timeout,
            confirm_timeout=confirm_timeout,
        )
        self._url = url
        self._names = topo.Names(namespace)
        self._retry = Retry(
            delivery_limit=delivery_limit, first_delay=retry_delay, max_delay=max_retry_delay
        )
        self._limits = limits
        self._confirm_timeout = confirm_timeout
        self._lock = threading.RLock()
        self._subscriptions: list[Subscription] = []
        self._in_flight: set[Future[None]] = set()
        self._closed = False
        with self._admin("declaring the exchanges") as conn:
            ch = conn.channel()
            for step in topo.exchange_declarations(self._names):
                declare(ch, step)
        self._journal = self._names.journal if journal else None
        if journal:
            self._declare_journal(journal_max_age)
        self._io = _Io(url, link)

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

    def publish_many(self, messages: Iterable[Message]) -> int:
        """Encode all (a bad one raises before any is sent), send at once, await every confirm."""
        self._check_open()
        ready = []
        for message in messages:
            if isinstance(message, ResponseMessage | FaultMessage):
                raise TransportError("a reply is sent by returning it from the handler")
            props = topo.properties(message)
            ready.append((routing_key(message), topo.encode(message, self._limits), props))
        with self._lock:  # all handed over, or none: close() cannot fall in between
            sent = [
                (props.get("message_id"), self._publish(self._names.exchange, key, body, props))
                for key, body, props in ready
            ]
        outcomes: list[tuple[str | None, BaseException | None]] = []
        for mid, future in sent:
            try:
                self._confirmed(future, mid)
            except TransportError as exc:
                outcomes.append((mid, exc))
            else:
                outcomes.append((mid, None))
        return settled_all(outcomes)

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
            self._confirmed(sent, mid, limit=timeout)  # an outage does not stretch the timeout
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
        steps = topo.queue_declarations(self._names, queue, bindings, self._retry.delivery_limit)
        sub = Subscription(
            queue,
            handler,
            ConsumerChannel(self._io, self._names.queue(queue), steps, prefetch),
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
        """Drain: refuse new publishes, let running handlers finish, wait (up to the confirm
        timeout) for publishes already handed over, then close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subs = list(self._subscriptions)
        for sub in subs:
            sub.cancel()
        with self._lock:
            waiting = list(self._in_flight)
        _, late = futures_wait(waiting, timeout=self._confirm_timeout)
        if late:
            _log.error("closing with publishes unconfirmed; they fail", count=len(late))
        self._io.close()

    # --- operators (not part of the protocol) ----------------------------------------------

    def declare(self, queue: str, bindings: Sequence[str] = ()) -> None:
        """Declare ``queue``, its dead-letter queue and its ``bindings`` (idempotent)."""
        steps = topo.queue_declarations(self._names, queue, bindings, self._retry.delivery_limit)
        with self._admin(f"declaring queue {queue!r}") as conn:
            ch = conn.channel()
            for step in steps:
                declare(ch, step)

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

    def read_journal(
        self,
        *,
        offset: int = 0,
        since: datetime | None = None,
        idle: float = 1.0,
        limit: int | None = None,
    ) -> Iterator[JournalEntry]:
        """The journal from ``offset`` (or from the time ``since``), in order, byte-exact.

        Stops after ``limit`` entries, or when none has arrived for ``idle`` seconds (a stream
        has no end: that is how "up to now" is told). Needs read permission on the stream.
        """
        if self._journal is None:
            raise TransportError("this transport was made with journal=False; it has no journal")
        start: Any = offset
        if since is not None:  # a stream attaches at a chunk; what is before ``since`` is skipped
            start = (since - _CHUNK_MARGIN).astimezone(UTC)
        # Credit: the broker sends at most ``window`` unacked entries. Acks stop once the window
        # covers what is left of ``limit``, so nothing is left unread at cancel (RabbitMQ closes
        # the connection on the nack pika would send for it).
        window = 500 if limit is None else max(1, min(500, limit))
        left = limit
        with self._admin(f"reading the journal {self._journal!r}") as conn:
            ch = conn.channel()
            ch.basic_qos(prefetch_count=window)
            args = {"x-stream-offset": start}
            for method, props, body in ch.consume(
                self._journal, arguments=args, inactivity_timeout=idle
            ):
                if method is None:
                    break
                h = props.headers or {}
                at = int(h.get("x-stream-offset", -1))
                entry = topo.journal_entry(at, method.routing_key, props.message_id, h, body)
                if at >= offset and (since is None or entry.timestamp >= since):
                    since = None  # from the first entry at that time on, the stream's order
                    yield entry
                    left = None if left is None else left - 1
                    if left == 0:
                        break
                if left is None or left >= window:
                    ch.basic_ack(method.delivery_tag)
            with contextlib.suppress(pika.exceptions.AMQPError):
                ch.cancel()  # an entry that arrived since the last idle wait is nacked: 540

    # --- internals -------------------------------------------------------------------------

    def _declare_journal(self, max_age: str) -> None:
        """Declare the journal exchange and stream; a user without the rights finds them made."""
        steps = topo.journal_declarations(self._names, max_age)
        try:
            with self._admin("declaring the journal") as conn:
                ch = conn.channel()
                for step in steps:
                    declare(ch, step)
        except TransportError as exc:
            if " 403 " not in exc.reason:
                raise
            with self._admin("checking the journal stream") as conn:  # 404: nobody made it
                try:
                    conn.channel().queue_declare(self._journal, passive=True)
                except pika.exceptions.ChannelClosedByBroker as missing:
                    raise TransportError(
                        f"the journal stream {self._journal!r} does not exist and this user may "
                        "not declare it; run `cimbus broker setup` as an administrator first"
                    ) from missing

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError("the transport is closed")

    def _forget(self, sub: Subscription) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._subscriptions.remove(sub)

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
        replying: bool = False,
    ) -> Future[None]:
        props = topo.properties(message, reply_to=reply_to, correlation_id=correlation_id)
        body = topo.encode(message, self._limits)
        return self._publish(exchange, key, body, props, mandatory=mandatory, replying=replying)

    def _publish(
        self,
        exchange: str,
        key: str,
        body: bytes,
        props: dict[str, Any],
        *,
        mandatory: bool = True,
        replying: bool = False,
    ) -> Future[None]:
        """Hand one encoded message to the I/O thread, journalled, tracked until it settles.

        A caller's message is refused once close() has begun (a handler's reply is not), in the
        same step as it is tracked, so close() waits for every message it did not refuse.
        """
        with self._lock:
            if self._closed and not replying:
                raise TransportError("the transport is closed")
            sent = self._io.publish(
                exchange, key, body, props, mandatory=mandatory, journal=self._journal
            )
            self._in_flight.add(sent)
        sent.add_done_callback(self._settled)
        return sent

    def _settled(self, sent: Future[None]) -> None:
        with self._lock:
            self._in_flight.discard(sent)

    def _confirmed(self, sent: Future[None], mid: str | None, limit: float = math.inf) -> None:
        """Wait for the confirm (through an outage: Link.deadline), at most ``limit`` s."""
        started, link = time.monotonic(), self._io.link
        end = lambda: min(link.deadline(started), started + limit)  # noqa: E731
        confirmed(sent, min(self._confirm_timeout, limit), mid, end)

    def _park(self, queue: str, incoming: Incoming, key: str, deliveries: int, why: str) -> None:
        """Publish a failed message to ``queue``'s dead letters with the reason (confirmed)."""
        headers = topo.parked_headers(incoming.headers, key, why, deliveries)
        props = topo.moved_properties(
            incoming.content_type, incoming.message_id, incoming.correlation_id, headers
        )
        dlx, real = self._names.dead_exchange, self._names.queue(queue)
        sent = self._io.publish(dlx, real, incoming.body, props, mandatory=True)
        self._confirmed(sent, incoming.message_id)

    def _reply(
        self, reply: Message, address: str, correlation_id: str | None, later: bool = False
    ) -> None:
        """Send a handler's reply (confirmed): to a carrier reply address without ``mandatory``,
        or, ``later``, to the ReplyAddress queue, which must exist (``mandatory``)."""
        key = self._names.queue(address) if later else address
        sent = self._send(
            "", key, reply, mandatory=later, correlation_id=correlation_id, replying=True
        )
        self._confirmed(sent, correlation_id)


class _Io:
    """One SelectConnection at a time and the thread running their I/O loop (the only thread
    touching them); opens a new connection, with backoff, whenever one is lost."""

    def __init__(self, url: str, link: Link) -> None:
        self._url = url
        self.link = link
        self._closing = False
        self._failed: str | None = None
        self.ioloop = IOLoop()
        self.connection: Any = None
        self._channel: Any = None  # the publishing channel, once it confirms and gets replies
        self.consumers: set[ConsumerChannel] = set()
        self._timers: dict[str, Any] = {}
        self.commands = Commands(self._wake)
        self.outbox = Outbox()
        self.replies = Replies()
        self._opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="cimbus-amqp-io", daemon=True)
        self._thread.start()
        try:
            wait(self._opened, STEP_TIMEOUT, f"connecting to {topo.redact(url)}")
        except TransportError:
            self.close()
            raise

    def publish(
        self,
        exchange: str,
        key: str,
        body: bytes,
        props: dict[str, Any],
        *,
        mandatory: bool,
        journal: str | None = None,
    ) -> Future[None]:
        """Send one message (from any thread); the future resolves on its confirm.

        With ``journal`` (an exchange), a copy goes there once the message is routed, and the
        future resolves on the copy's confirm.
        """
        future: Future[None] = Future()
        then = None
        if journal is not None:
            copy = topo.journal_properties(props, datetime.now(UTC))
            then = Outgoing(future, journal, key, body, copy, True)
        out = Outgoing(future, exchange, key, body, props, mandatory, then)

        def now() -> None:
            if self.link.unavailable:
                raise TransportError(self.link.refusal(topo.redact(self._url)))
            self.outbox.hold(out)
            self._flush()

        self.commands.put(now, out.future)
        return out.future

    def is_open(self) -> bool:
        """Whether the connection is open (I/O thread)."""
        return self.connection is not None and bool(self.connection.is_open)

    def channel(self, on_open: Callable[[Any], None]) -> Any:
        """Open a channel on the connection (I/O thread)."""
        return self.connection.channel(on_open_callback=on_open)

    def translate(self, exc: BaseException, doing: str) -> TransportError:
        """The cimbus error for a pika exception."""
        return _translate(exc, doing, self._url)

    def close(self) -> None:
        """Close the connection (unconfirmed publishes fail) and end the I/O thread."""
        self._closing = True
        with contextlib.suppress(TransportError):
            self.commands.put(self._close_now)
        self._thread.join(STEP_TIMEOUT)

    # --- the I/O thread ------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(Exception):  # closed loop: Commands.stop settles the rest
            self.ioloop.add_callback_threadsafe(self._drain)

    def _drain(self) -> None:
        self.commands.drain(lambda exc: _translate(exc, "talking to RabbitMQ", self._url))

    def _run(self) -> None:
        try:
            self._connect()
            self.ioloop.start()
        except Exception as exc:
            self._failed = _translate(exc, "running the AMQP connection", self._url).reason
        finally:
            reason = self._failed or "the AMQP connection is closed"
            settle(self._opened, error=TransportError(reason))
            self.commands.stop(reason)
            self.outbox.fail_all(reason)
            self.replies.fail_all(reason)
            with contextlib.suppress(Exception):
                self.ioloop.close()

    def _connect(self) -> None:
        self.connection = pika.SelectConnection(
            pika.URLParameters(self._url),
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed,
            custom_ioloop=self.ioloop,
        )

    def _later(self, name: str, delay: float, fn: Callable[[], None]) -> None:
        self._cancel(name)
        self._timers[name] = self.ioloop.call_later(delay, fn)

    def _cancel(self, name: str) -> None:
        if (timer := self._timers.pop(name, None)) is not None:
            self.ioloop.remove_timeout(timer)

    def _close_now(self) -> None:
        for name in list(self._timers):
            self._cancel(name)
        if self.connection is None or self.connection.is_closed:
            self.ioloop.stop()
        elif not self.connection.is_closing:
            self.connection.close()  # _on_closed (or _on_open_error) stops the loop

    def _reconnect_later(self, failed: str | None = None) -> None:
        """Schedule the next attempt; ``failed`` says why the previous attempt failed."""
        attempt, delay = self.link.next_attempt()
        more = {} if failed is None else {"previous_attempt_failed": failed}
        _log.warning("reconnecting to RabbitMQ", attempt=attempt, delay=round(delay, 3), **more)
        self._later("reconnect", delay, self._reconnect)

    def _reconnect(self) -> None:
        self._timers.pop("reconnect", None)
        try:
            self._connect()
        except Exception as exc:
            self._reconnect_later(_translate(exc, "reconnecting", self._url).reason)

    def _give_up(self) -> None:
        self._timers.pop("give_up", None)
        if self.link.give_up():
            why = self.link.expiry(topo.redact(self._url))
            _log.error("RabbitMQ unreachable; failing held publishes", held=len(self.outbox))
            self.outbox.fail_all(why)
            self.replies.fail_all(why)

    def _on_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, ch: Any) -> None:
        ch.add_on_close_callback(self._on_channel_closed)
        ch.add_on_return_callback(self._on_return)

        def consume_replies(_: Any) -> None:
            ch.basic_consume(topo.REPLY_TO, self._on_reply, auto_ack=True, callback=ready)

        def ready(_: Any) -> None:
            self._ready(ch)

        ch.confirm_delivery(self._on_confirm, callback=consume_replies)

    def _ready(self, ch: Any) -> None:
        """The publishing channel is ready: publish what is held, re-subscribe consumers."""
        self._channel = ch
        self._cancel("give_up")
        back = self.link.opened()
        if back is not None:
            attempts, outage = back
            _log.info(
                "reconnected to RabbitMQ",
                attempt=attempts,
                outage_s=round(outage, 3),
                republishing=len(self.outbox),
            )
        settle(self._opened, result=None)
        self._flush()
        for consumer in list(self.consumers):
            try:
                consumer.reopen()
            except Exception as exc:  # never let one consumer stop the I/O loop
                _log.error("re-subscribing failed", reason=_translate(exc, "", self._url).reason)

    def _flush(self) -> None:
        """Publish every held message if the channel is ready (else they wait for it)."""
        if self._channel is None:
            return
        for out in self.outbox.release():
            try:
                props = pika.BasicProperties(**out.properties)
                self._channel.basic_publish(out.exchange, out.key, out.body, props, out.mandatory)
            except Exception as exc:
                settle(out.future, error=_translate(exc, "publishing", self._url))
            else:
                self.outbox.sent(out)

    def _on_open_error(self, connection: Any, error: BaseException) -> None:
        why = _translate(error, "connecting", self._url).reason
        if self._closing or not self._opened.done():
            self._failed = self._failed or why  # the first connection: the constructor raises
            self.ioloop.stop()
            return
        self._reconnect_later(why)

    def _on_closed(self, connection: Any, reason: BaseException) -> None:
        self._channel = None
        self._cancel("channel")  # the new connection opens its own publishing channel
        if self._closing or not self._opened.done():
            self.ioloop.stop()
            return
        why = _translate(reason, "working", self._url).reason
        again = self.outbox.channel_lost(why)
        self.replies.fail_all(
            f"{why}; the reply address of this request is gone: it may have been processed",
            keep=self.outbox.message_ids(),
        )
        if self.link.lost():
            _log.error("AMQP connection lost", reason=why, unconfirmed=again)
            self._later("give_up", self.link.reconnect_timeout, self._give_up)
        self._reconnect_later()

    def _on_channel_closed(self, ch: Any, reason: BaseException) -> None:
        if self._channel is not None and ch is not self._channel:
            return  # an earlier channel
        self._channel = None
        if self._closing or not isinstance(reason, pika.exceptions.ChannelClosed):
            return  # the connection is closing or lost: _on_closed deals with it
        why = _translate(reason, "publishing", self._url).reason
        _log.error("AMQP publishing channel closed by RabbitMQ; reopening it", reason=why)
        self.outbox.confirms.fail_all(why)  # the cause is among them; they may be queued
        self.replies.fail_all(why, keep=self.outbox.message_ids())
        self._later("channel", self.link.backoff.delay(1), self._reopen_channel)

    def _reopen_channel(self) -> None:
        self._timers.pop("channel", None)
        if self.is_open():
            try:
                self.connection.channel(on_open_callback=self._on_channel)
            except Exception as exc:  # the connection is going: _on_closed reconnects
                _log.warning("could not reopen the publishing channel", reason=repr(exc))

    def _on_return(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        why = f"{method.reply_code} {method.reply_text}"
        self.outbox.confirms.returned(props.message_id, method.exchange, method.routing_key, why)

    def _on_confirm(self, frame: Any) -> None:
        m = frame.method
        acked = isinstance(m, pika.spec.Basic.Ack)
        follow = self.outbox.confirms.confirmed(
            m.delivery_tag, multiple=bool(m.multiple), acked=acked
        )
        if follow:  # journal copies of routed messages
            for out in follow:
                self.outbox.hold(out)
            self._flush()

    def _on_reply(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        if not self.replies.arrived(props.correlation_id, body):
            _log.info("late or unknown reply dropped", correlation_id=props.correlation_id)


_CHUNK_MARGIN = timedelta(seconds=60)
"""How far before ``since`` a timed journal read asks the stream to start."""


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
        why = f"the connection to {where} was lost ({exc!r})"
    elif isinstance(exc, e.AMQPConnectionError):
        why = f"cannot connect to {where} ({exc!r}); check that the broker runs and the URL"
    else:
        why = f"AMQP error ({exc!r})"
    return TransportError(f"{why} (while {doing})")
