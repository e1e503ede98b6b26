"""The consumer side of the AMQP transport without pika: a subscription and its handler thread.

The pika edge (:mod:`bus.transport.amqp`) implements :class:`Channel` and turns each delivery
into an :class:`Incoming`; the subscription runs the handler in its own thread, outside the
I/O thread (which must keep servicing heartbeats), and settles each delivery:

* handler returned: send its reply (if the request has a reply address), then ``ack``;
* handler raised, deliveries left: ``nack`` with requeue after a backoff, so the quorum queue
  counts the delivery (``x-delivery-count``) while the worker goes on with the next message;
* handler raised on the last allowed delivery, or permanently (:func:`is_permanent`):
  ``park`` the message in the dead letters with the reason, then ``ack``; if parking fails,
  ``nack`` it at once and RabbitMQ's ``x-delivery-limit`` dead-letters it (without the reason).

A lost channel does not end a subscription: the channel opens again by itself (and consumes
again). Delivery tags belong to the channel that sent them, so every :class:`Incoming` carries
its channel's ``epoch``; a delivery from an earlier epoch is never settled on the new channel
(RabbitMQ delivers it again, since it was never acknowledged), and one still waiting in the
inbox is skipped, not handled, for the same reason.
"""

from __future__ import annotations

import contextlib
import queue as queues
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bus.envelope import Limits, Message, decode
from bus.log import get_logger, message_context
from bus.transport import amqp_topology as topo
from bus.transport import replies
from bus.transport.base import Delivery, Handler, is_permanent
from cim.errors import TransportError

_log = get_logger("cimbus.transport.amqp")


@dataclass(frozen=True, slots=True, kw_only=True)
class Incoming:
    """One AMQP delivery as plain values."""

    tag: int
    """The delivery tag: meaningful only on the channel of ``epoch``."""
    body: bytes
    routing_key: str
    headers: Mapping[str, Any]
    message_id: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    content_type: str | None = None
    epoch: int = 0
    """Which opening of the consumer channel delivered it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry:
    """How often a failing message is delivered, and how long to wait between deliveries."""

    delivery_limit: int
    first_delay: float
    max_delay: float

    def delay(self, deliveries: int) -> float:
        """Backoff after the ``deliveries``-th failure: ``first_delay`` doubling, capped."""
        return float(min(self.first_delay * 2 ** (deliveries - 1), self.max_delay))


class Channel(Protocol):
    """The consumer channel a subscription drives; the pika edge implements it."""

    def consume(self, deliver: Callable[[Incoming], None]) -> None:
        """Start consuming (returns on consume-ok); re-subscribe by itself whenever lost."""

    def current(self, incoming: Incoming) -> bool:
        """Whether ``incoming`` came on the channel open now (else it will be delivered again)."""

    def ack(self, incoming: Incoming) -> None:
        """Acknowledge ``incoming`` (dropped if its channel is gone: it is delivered again)."""

    def nack(self, incoming: Incoming, delay: float) -> None:
        """Return ``incoming`` to the queue after ``delay`` seconds (the queue counts it)."""

    def cancel(self) -> None:
        """Stop deliveries (returns on cancel-ok, when every delivery has been handed over)."""

    def close(self) -> None:
        """Close the channel; unacknowledged deliveries go back to the queue."""


Park = Callable[[Incoming, str, int, str], None]
"""Put a message in its queue's dead letters: (delivery, routing key, deliveries, reason)."""
Reply = Callable[[Message, str, str | None, bool], None]
"""Send a reply, confirmed: (reply, address, correlation id, to a ReplyAddress queue?)."""


class Subscription:
    """A running consumer: runs the handler on its queue's deliveries one at a time, in order."""

    def __init__(
        self,
        queue: str,
        handler: Handler,
        channel: Channel,
        *,
        retry: Retry,
        limits: Limits,
        outbox: tuple[Park, Reply],
        on_closed: Callable[[Subscription], None],
    ) -> None:
        self._queue = queue
        self._handler = handler
        self._channel = channel
        self._retry = retry
        self._limits = limits
        self._park, self._reply = outbox
        self._on_closed = on_closed
        self._inbox: queues.SimpleQueue[Incoming | None] = queues.SimpleQueue()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._cancelled = False
        self._close_on_exit = False
        self._thread = threading.Thread(target=self._run, name=f"consumer:{queue}", daemon=True)

    def start(self) -> None:
        """Start consuming and the handler thread."""
        try:
            self._channel.consume(self._inbox.put)
        except TransportError:
            with contextlib.suppress(TransportError):
                self._channel.close()
            raise
        self._thread.start()

    def cancel(self) -> None:
        """Stop consuming after the running handler; unstarted prefetched messages go back."""
        with self._lock:
            first, self._cancelled = not self._cancelled, True
        if first:
            self._stop()
            with contextlib.suppress(TransportError):
                self._channel.cancel()
        if threading.current_thread() is self._thread:  # from its own handler: close after it
            self._close_on_exit = self._close_on_exit or first
            return
        if self._thread.is_alive():
            self._thread.join()
        if first:
            self._close()

    def _stop(self) -> None:
        self._stopping.set()
        self._inbox.put(None)

    def _close(self) -> None:
        with contextlib.suppress(TransportError):
            self._channel.close()
        self._on_closed(self)

    def _run(self) -> None:
        while (incoming := self._inbox.get()) is not None:
            # Stopping: it goes back to the queue at channel close. From a lost channel: the
            # broker delivers it again (it was never acknowledged) on the new one.
            if not self._stopping.is_set() and self._channel.current(incoming):
                self._handle(incoming)
        if self._close_on_exit:
            self._close()

    def _handle(self, incoming: Incoming) -> None:
        key = topo.original_routing_key(incoming.headers, incoming.routing_key)
        count = topo.delivery_count(incoming.headers)
        with message_context(incoming.message_id, incoming.correlation_id):
            try:
                message = decode(incoming.body, self._limits)
                correlation = incoming.message_id or topo.message_id_of(message)
                route = replies.plan(message, incoming.reply_to, first_delivery=count == 1)
                if route.at_once is not None and incoming.reply_to:
                    self._reply(route.at_once, incoming.reply_to, correlation, False)
                if not route.run:
                    self._channel.ack(incoming)
                    return
                reply = self._handler(
                    Delivery(
                        body=incoming.body,
                        message=message,
                        routing_key=key,
                        queue=self._queue,
                        headers=topo.delivery_headers(incoming.headers, incoming.message_id),
                        reply_to=incoming.reply_to,
                        delivery_count=count,
                    )
                )
                if reply is not None and route.answer_to:
                    self._reply(reply, route.answer_to, correlation, route.later)
            except Exception as exc:
                self._failed(incoming, key, count, exc)
            else:
                self._channel.ack(incoming)

    def _failed(self, incoming: Incoming, key: str, count: int, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"[:500]
        if count < self._retry.delivery_limit and not is_permanent(error):
            delay = self._retry.delay(count)
            _log.warning(
                "handler failed; will retry",
                queue=self._queue,
                deliveries=count,
                retry_in=delay,
                reason=reason,
            )
            self._channel.nack(incoming, delay)
            return
        try:
            self._park(incoming, key, count, reason)
        except TransportError as exc:
            _log.error(
                "could not park the message; RabbitMQ dead-letters it without the reason",
                queue=self._queue,
                error=exc.reason,
            )
            self._channel.nack(incoming, 0.0)
            return
        _log.error("message dead-lettered", queue=self._queue, deliveries=count, reason=reason)
        self._channel.ack(incoming)
