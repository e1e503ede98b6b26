"""A consumer channel that re-subscribes by itself, run by the AMQP transport's I/O thread.

It drives the channel objects of the connection that :mod:`bus.transport.amqp` owns, through
:class:`ConsumerIo`, without importing pika; every error is translated by that edge. Opening
the channel declares the queue and its bindings (:func:`declare_all`), sets the prefetch and
consumes with manual acks. When the channel is lost it opens again by itself: on the new
connection (the I/O thread calls :meth:`ConsumerChannel.reopen`), or after its own backoff if
only the channel closed (e.g. its queue was deleted, or it did not start within
``STEP_TIMEOUT``). Each opening has a new ``epoch``; a delivery carries the epoch of the channel
that sent it and is settled only on that channel, since delivery tags are per channel. Only
the first opening reports failure (``subscribe`` raises); later ones retry until cancelled.
All methods but the public ones run in the I/O thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from bus.log import get_logger
from bus.transport import amqp_topology as topo
from bus.transport.amqp_flow import STEP_TIMEOUT, Commands, settle, wait
from bus.transport.amqp_link import Link
from bus.transport.amqp_worker import Incoming
from cim.errors import TransportError

_log = get_logger("cimbus.transport.amqp")


class ConsumerIo(Protocol):
    """What a consumer channel needs from the I/O thread that owns the connection."""

    commands: Commands
    ioloop: Any
    link: Link
    consumers: set[ConsumerChannel]

    def is_open(self) -> bool:
        """Whether the connection is open."""

    def channel(self, on_open: Callable[[Any], None]) -> Any:
        """Open a channel on the connection; ``on_open(channel)`` once it is open."""

    def translate(self, exc: BaseException, doing: str) -> TransportError:
        """The cimbus error for a vendor exception."""


class ConsumerChannel:
    """A consumer channel on the I/O thread's connection: declares its queue, sets the prefetch,
    consumes with manual acks, and opens again by itself whenever it is lost."""

    def __init__(
        self, io: ConsumerIo, queue: str, steps: list[topo.Declaration], prefetch: int
    ) -> None:
        self._io = io
        self._queue = queue
        self._steps = steps
        self._prefetch = prefetch
        self._deliver: Callable[[Incoming], None] = lambda _: None
        self._channel: Any = None
        self._epoch = 0
        self._tag: str | None = None
        self._wanted = False  # from consume() to cancel()/close(): keep it consuming
        self._attempts = 0
        self._timers: dict[str, Any] = {}
        self._started: Future[None] = Future()
        self._closed: Future[None] = Future()

    # --- from the subscription's threads ---------------------------------------------------

    def consume(self, deliver: Callable[[Incoming], None]) -> None:
        """Open the channel, declare, set the prefetch and consume; returns on consume-ok."""
        self._deliver = deliver
        self._io.commands.put(self._start, self._started)
        wait(self._started, STEP_TIMEOUT, f"starting to consume {self._queue!r}")

    def current(self, incoming: Incoming) -> bool:
        """Whether ``incoming`` came on the channel open now."""
        return incoming.epoch == self._epoch and self._channel is not None

    def ack(self, incoming: Incoming) -> None:
        """Acknowledge ``incoming`` on its own channel (not at all if that one is gone)."""
        self._settle(incoming, 0.0, lambda ch: ch.basic_ack(incoming.tag))

    def nack(self, incoming: Incoming, delay: float) -> None:
        """Return ``incoming`` to the queue after ``delay`` s (counted by the queue)."""
        self._settle(incoming, delay, lambda ch: ch.basic_nack(incoming.tag, requeue=True))

    def cancel(self) -> None:
        """Stop re-subscribing and basic.cancel; returns on cancel-ok (or if not consuming)."""
        done: Future[None] = Future()

        def run() -> None:
            self._stop()
            if self._is_open() and self._tag is not None:
                self._channel.basic_cancel(self._tag, callback=lambda _f: settle(done, result=None))
            else:
                settle(done, result=None)

        self._io.commands.put(run, done)
        wait(done, STEP_TIMEOUT, f"cancelling the consumer of {self._queue!r}")

    def close(self) -> None:
        """Close the channel (unacknowledged deliveries go back to the queue)."""

        def run() -> None:
            self._stop()
            self._io.consumers.discard(self)
            ch = self._channel
            if ch is not None and not (ch.is_closed or ch.is_closing):
                ch.close()  # _on_closed settles _closed
            elif ch is None or ch.is_closed:
                settle(self._closed, result=None)

        self._io.commands.put(run, self._closed)
        wait(self._closed, STEP_TIMEOUT, f"closing the consumer of {self._queue!r}")

    # --- the I/O thread ----------------------------------------------------------------------

    def reopen(self) -> None:
        """Open again on a new connection, unless open, opening or waiting for a retry."""
        if self._wanted and self._channel is None and "retry" not in self._timers:
            self._attempts += 1
            _log.info("re-subscribing", queue=self._queue, attempt=self._attempts, delay=0)
            self._open()

    def _start(self) -> None:
        self._wanted = True
        self._io.consumers.add(self)
        self._open()

    def _stop(self) -> None:
        self._wanted = False
        for timer in self._timers.values():
            self._io.ioloop.remove_timeout(timer)
        self._timers.clear()

    def _open(self) -> None:
        self._timers.pop("retry", None)
        if not self._wanted or not self._io.is_open():
            return  # the connection is down: the I/O thread calls reopen() when it is back
        self._epoch += 1
        epoch = self._epoch
        try:
            ch = self._io.channel(lambda c: self._opened(epoch, c))
        except Exception as exc:  # e.g. the connection is closing: try again later
            self._retry(self._io.translate(exc, f"opening a channel for {self._queue!r}").reason)
            return
        self._channel = ch
        ch.add_on_close_callback(lambda c, why: self._on_closed(epoch, why))
        self._timers["watch"] = self._io.ioloop.call_later(STEP_TIMEOUT, self._stuck)

    def _opened(self, epoch: int, ch: Any) -> None:
        ch.add_on_cancel_callback(lambda _frame: self._on_cancelled(epoch))

        def consume(_: Any) -> None:
            if not self._wanted:  # cancelled while opening
                ch.close()
                return
            on_message = functools.partial(self._on_message, epoch)
            self._tag = ch.basic_consume(self._queue, on_message, callback=consuming)

        def consuming(_: Any) -> None:
            if (timer := self._timers.pop("watch", None)) is not None:
                self._io.ioloop.remove_timeout(timer)
            if self._attempts:
                _log.info("re-subscribed", queue=self._queue, attempt=self._attempts)
            self._attempts = 0
            settle(self._started, result=None)

        qos = lambda: ch.basic_qos(prefetch_count=self._prefetch, callback=consume)  # noqa: E731
        declare_all(ch, self._steps, qos)

    def _on_message(self, epoch: int, ch: Any, method: Any, props: Any, body: bytes) -> None:
        self._deliver(
            Incoming(
                tag=method.delivery_tag,
                body=body,
                routing_key=method.routing_key,
                headers=props.headers or {},
                message_id=props.message_id,
                correlation_id=props.correlation_id,
                reply_to=props.reply_to,
                content_type=props.content_type,
                epoch=epoch,
            )
        )

    def _stuck(self) -> None:
        """Not consuming within STEP_TIMEOUT (e.g. a queue still without a leader): retry."""
        self._timers.pop("watch", None)
        ch = self._channel
        if ch is not None and not (ch.is_closed or ch.is_closing):
            _log.warning("consumer did not start in time; retrying", queue=self._queue)
            ch.close()

    def _on_cancelled(self, epoch: int) -> None:
        """The broker cancelled the consumer (its queue was deleted): open again, declaring it."""
        ch = self._channel
        if epoch == self._epoch and ch is not None and ch.is_open:
            _log.warning("RabbitMQ cancelled the consumer; re-subscribing", queue=self._queue)
            ch.close()

    def _on_closed(self, epoch: int, reason: BaseException) -> None:
        if epoch != self._epoch:
            return
        self._channel, self._tag = None, None
        if (timer := self._timers.pop("watch", None)) is not None:
            self._io.ioloop.remove_timeout(timer)
        if not self._wanted:
            settle(self._closed, result=None)
            return
        why = self._io.translate(reason, f"consuming {self._queue!r}").reason
        if not self._started.done():  # the first subscription failed: subscribe() raises
            self._stop()
            self._io.consumers.discard(self)
            settle(self._started, error=TransportError(why))
            settle(self._closed, result=None)
            return
        _log.warning("consumer channel lost; unacked deliveries return", queue=self._queue, why=why)
        self._retry(why)

    def _retry(self, why: str) -> None:
        """Open again after a backoff if only this channel is gone (else reopen() does it)."""
        if self._io.is_open():
            self._attempts += 1
            delay = self._io.link.backoff.delay(self._attempts)
            _log.info(
                "re-subscribing",
                queue=self._queue,
                attempt=self._attempts,
                delay=round(delay, 3),
                after=why,
            )
            self._timers["retry"] = self._io.ioloop.call_later(delay, self._open)

    def _is_open(self) -> bool:
        return self._channel is not None and bool(self._channel.is_open)

    def _settle(self, incoming: Incoming, delay: float, op: Callable[[Any], None]) -> None:
        """Run ``op(channel)`` in the I/O thread after ``delay`` s if ``incoming``'s channel is
        still the open one; otherwise RabbitMQ redelivers it (tags are per channel)."""

        def run() -> None:
            if incoming.epoch == self._epoch and self._is_open():
                op(self._channel)

        def schedule() -> None:
            if delay > 0:
                self._io.ioloop.call_later(delay, run)
            else:
                run()

        try:
            self._io.commands.put(schedule)
        except TransportError as exc:  # no connection: RabbitMQ requeues it by itself
            _log.warning("could not settle a delivery", queue=self._queue, reason=exc.reason)


def declare(ch: Any, step: topo.Declaration, **callback: Any) -> None:
    """Declare one topology step on ``ch`` (blocking, or with ``callback=`` on the I/O loop)."""
    if step.kind == "exchange":
        ch.exchange_declare(step.name, step.exchange_type, durable=True, **callback)
    elif step.kind == "queue":
        ch.queue_declare(step.name, durable=True, arguments=step.arguments, **callback)
    else:
        ch.queue_bind(step.name, step.exchange, routing_key=step.key, **callback)


def declare_all(ch: Any, steps: Sequence[topo.Declaration], then: Callable[[], None]) -> None:
    """Declare ``steps`` one after the other on an I/O-loop channel, then call ``then``."""
    if not steps:
        then()
        return
    declare(ch, steps[0], callback=lambda _f: declare_all(ch, steps[1:], then))
