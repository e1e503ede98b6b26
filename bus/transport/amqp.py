"""The RabbitMQ transport (AMQP 0-9-1): :class:`AmqpTransport`, same semantics as the memory one.

It does not import pika: :mod:`bus.transport.amqp_pika` is the edge that does (connections,
the I/O thread, error translation). Siblings without pika hold the rest: topology and wire
conventions (``amqp_topology``), the I/O thread's bookkeeping (``amqp_flow``), the reconnection
clock (``amqp_link``), the self-healing consumer channel (``amqp_consumer``) and the worker that
runs handlers, retries and parks (``amqp_worker``: the retry and dead-letter rules).

Brokers
    ``url`` is one AMQP URL, or several (a list, or one string with commas) for the nodes of
    a cluster: the first connection tries them in order, and each reconnection attempt moves
    on to the next.

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
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as futures_wait
from datetime import datetime
from typing import Any

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
from bus.transport import amqp_pika as edge
from bus.transport import amqp_topology as topo
from bus.transport.amqp_consumer import ConsumerChannel, declare
from bus.transport.amqp_flow import confirmed
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
        url: str | Sequence[str] = "amqp://guest:guest@localhost:5672/%2F",
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
        self._urls = broker_urls(url)
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
        self._io = edge.Io(self._urls, link)

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
            return edge.count(conn, self._names.queue(queue)) or 0

    def dead_letters(self, queue: str) -> list[DeadLetter]:
        """The messages parked for ``queue``, read and returned to its dead-letter queue.

        AMQP cannot peek: each message is fetched and put back when the connection closes.
        """
        dead = self._names.dead_queue(queue)
        with self._admin(f"reading {dead!r}") as conn:
            return edge.dead_letters(conn, dead, self._retry.delivery_limit)

    def redrive(self, queue: str) -> int:
        """Move ``queue``'s dead letters back onto it (confirmed), with a fresh delivery count."""
        dead = self._names.dead_queue(queue)
        with self._admin(f"re-driving {dead!r}") as conn:
            waiting = edge.count(conn, dead)
            if waiting is None:
                raise TransportError(f"no queue {queue!r} here; declare or subscribe to it first")
            moved = edge.move_back(conn, dead, self._names.queue(queue), waiting)
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
        with self._admin(f"reading the journal {self._journal!r}") as conn:
            yield from edge.read_stream(
                conn, self._journal, offset=offset, since=since, idle=idle, limit=limit
            )

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
            with self._admin("checking the journal stream") as conn:
                if edge.count(conn, self._names.journal) is None:
                    raise TransportError(
                        f"the journal stream {self._names.journal!r} does not exist and this "
                        "user may not declare it; run `cimbus broker setup` as an administrator"
                    ) from exc

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError("the transport is closed")

    def _forget(self, sub: Subscription) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._subscriptions.remove(sub)

    def _admin(self, doing: str) -> contextlib.AbstractContextManager[Any]:
        """A short-lived blocking connection for topology and operator calls."""
        return edge.admin(self._urls, doing)

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


def broker_urls(url: str | Sequence[str]) -> list[str]:
    """The broker URLs of ``url``: one URL, several separated by commas, or a list of them."""
    urls = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
    urls = [u for u in urls if u]
    if not urls:
        raise TransportError("no broker URL given; use amqp://user:password@host:5672/vhost")
    return urls
