"""The pika-free bookkeeping of the AMQP transport's I/O thread: hand-off, confirms, replies.

:mod:`bus.transport.amqp` owns the connection; these classes hold what it tracks, as plain
values, so the rules (which confirm resolves which publish, which return marks which message,
what is published again after a reconnection) read and test without a broker. Futures are
resolved only by the I/O thread.

A publish is settled exactly once: confirmed by a ``basic.ack`` on the channel that carried it
(the only way to succeed), or failed (nack, return, publishing channel closed by the broker,
``reconnect_timeout`` without a connection, transport closed). When the connection is lost, the
publishes waiting for their confirm are neither: the :class:`Outbox` holds them, and they go
out again, in their order, on the next channel, under that channel's delivery tags.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, TypeVar

from bus.log import get_logger
from cim.errors import TransportError

_log = get_logger("cimbus.transport.amqp")
_T = TypeVar("_T")
STEP_TIMEOUT = 10.0
"""Seconds to wait for the broker to open, consume, cancel or close."""


def settle(
    future: Future[_T] | None, *, result: _T | None = None, error: BaseException | None = None
) -> None:
    """Resolve ``future`` with ``result`` or ``error`` unless it is resolved already."""
    if future is None or future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


def wait(future: Future[_T], timeout: float, doing: str) -> _T:
    """The result of ``future``; TransportError when the broker has not answered in time."""
    try:
        return future.result(timeout)
    except FutureTimeout:
        raise TransportError(
            f"RabbitMQ did not answer within {timeout:g} s while {doing}"
        ) from None


def confirmed(
    sent: Future[None],
    timeout: float,
    message_id: str | None,
    deadline: Callable[[], float] | None = None,
) -> None:
    """Wait for a publish's confirm; TransportError (with the MessageID) if it fails or lags.

    ``deadline()`` (monotonic) may move while waiting, e.g. when the connection is lost; by
    default it is ``timeout`` seconds from now.
    """
    start = time.monotonic()
    end = deadline or (lambda: start + timeout)
    while True:
        try:
            sent.result(max(end() - time.monotonic(), 0.0))
            return
        except FutureTimeout:
            if end() > time.monotonic():
                continue  # the deadline moved (a reconnection): keep waiting
            raise TransportError(
                f"RabbitMQ did not confirm the message within {timeout:g} s (overloaded, or "
                "blocked by a resource alarm?); it may or may not be queued",
                message_id=message_id,
            ) from None
        except TransportError as exc:
            exc.message_id = exc.message_id or message_id
            raise


Command = tuple[Callable[[], None], "Future[Any] | None"]


class Commands:
    """Work handed to the I/O thread from other threads, with one wake-up per batch.

    ``wake`` asks the I/O loop to call :meth:`drain` soon (pika's ``add_callback_threadsafe``
    writes to a pipe each time; coalescing keeps that to one write per batch under load).
    """

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._queue: deque[Command] = deque()
        self._woken = False
        self._stopped: str | None = None

    def put(self, fn: Callable[[], None], future: Future[Any] | None = None) -> None:
        """Queue ``fn`` for the I/O thread; ``future`` receives its error if it fails."""
        with self._lock:
            if self._stopped is not None:
                raise TransportError(self._stopped)
            self._queue.append((fn, future))
            if self._woken:
                return
            self._woken = True
        self._wake()

    def drain(self, translate: Callable[[Exception], TransportError]) -> None:
        """Run the queued commands in order (in the I/O thread); failures go to their future."""
        with self._lock:
            batch, self._queue = self._queue, deque()
            self._woken = False
        for fn, future in batch:
            try:
                fn()
            except Exception as exc:
                error = translate(exc)
                if future is None:
                    _log.error("AMQP command failed", reason=error.reason)
                settle(future, error=error)

    def stop(self, reason: str) -> None:
        """Refuse further commands with ``reason`` and fail those that will never run."""
        with self._lock:
            self._stopped = reason
            left, self._queue = self._queue, deque()
        for _, future in left:
            settle(future, error=TransportError(reason))


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to publish: what ``basic.publish`` needs, and the future its confirm settles."""

    future: Future[None]
    exchange: str
    key: str
    body: bytes
    properties: dict[str, Any]
    mandatory: bool
    then: Outgoing | None = None
    """Published once this one is acked (routed): the journal copy. The future waits for it."""
    copy: bool = False
    """A journal copy: its message is routed already, so a refusal is retried, not failed."""
    attempt: int = 0
    """How many times this journal copy was refused (the stream may be starting up)."""

    @property
    def message_id(self) -> str | None:
        """The message's AMQP ``message_id`` (its Header MessageID)."""
        mid: str | None = self.properties.get("message_id")
        return mid


class Next(NamedTuple):
    """Journal copies to send after a confirm: ``follow`` now, ``again`` after a pause."""

    follow: list[Outgoing]
    again: list[Outgoing]


@dataclass(slots=True)
class _Pending:
    future: Future[None]
    message_id: str | None
    exchange: str
    key: str
    returned: str | None = None
    outgoing: Outgoing | None = None


class Confirms:
    """Publishes sent on a confirm-mode channel and not yet acked, by delivery tag (the dict
    keeps them in tag order, so a ``multiple`` ack takes them from the front)."""

    def __init__(self) -> None:
        self._tag = 0
        self._pending: dict[int, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def sent(
        self,
        future: Future[None],
        message_id: str | None,
        exchange: str,
        key: str,
        outgoing: Outgoing | None = None,
    ) -> None:
        """Record the publish just sent (it has the channel's next delivery tag).

        With its ``outgoing`` message it can be published again if the channel is lost.
        """
        self._tag += 1
        self._pending[self._tag] = _Pending(future, message_id, exchange, key, outgoing=outgoing)

    def returned(self, message_id: str | None, exchange: str, key: str, why: str) -> None:
        """Mark the oldest matching pending publish as returned (its ack follows)."""
        for p in self._pending.values():
            if p.returned is None and (p.message_id, p.exchange, p.key) == (
                message_id,
                exchange,
                key,
            ):
                p.returned = (
                    f"unroutable: no queue is bound to {key!r} on exchange {exchange!r} ({why}); "
                    "start the adapter that consumes it or declare its queue first"
                )
                return

    def confirmed(self, tag: int, *, multiple: bool, acked: bool) -> Next:
        """Resolve the publishes an ack or nack covers: ``tag``, and all before it if multiple.

        Returns, in order, the journal copies to send: those of the routed messages (their
        futures stay open until the copies are confirmed) and refused copies to send again.
        """
        tags = list(itertools.takewhile(lambda t: t <= tag, self._pending)) if multiple else [tag]
        nxt = Next([], [])
        for t in tags:
            p = self._pending.pop(t, None)
            if p is None:
                continue
            refused = "nack" if not acked else p.returned
            if refused is not None and p.outgoing is not None and p.outgoing.copy:
                nxt.again.append(replace(p.outgoing, attempt=p.outgoing.attempt + 1))
            elif not acked:
                why = "RabbitMQ refused the message (nack); the queue may be unavailable: retry"
                settle(p.future, error=TransportError(why, message_id=p.message_id))
            elif p.returned is not None:
                settle(p.future, error=TransportError(p.returned, message_id=p.message_id))
            elif p.outgoing is not None and p.outgoing.then is not None:
                nxt.follow.append(p.outgoing.then)
            else:
                settle(p.future, result=None)
        return nxt

    def fail_all(self, reason: str) -> None:
        """Fail every pending publish: the channel closed before RabbitMQ confirmed them."""
        pending, self._pending, self._tag = self._pending, {}, 0
        for p in pending.values():
            settle(p.future, error=TransportError(reason, message_id=p.message_id))

    def lost(self, reason: str) -> list[Outgoing]:
        """The channel is gone: forget its delivery tags; return what to publish again, in order.

        A publish RabbitMQ already returned fails as unroutable (it was not queued); one
        recorded without its message fails with ``reason`` (it cannot be sent again).
        """
        pending, self._pending, self._tag = self._pending, {}, 0
        again = []
        for _, p in sorted(pending.items()):
            if p.returned is not None:
                settle(p.future, error=TransportError(p.returned, message_id=p.message_id))
            elif p.outgoing is None:
                settle(p.future, error=TransportError(reason, message_id=p.message_id))
            elif not p.future.done():
                again.append(p.outgoing)
        return again

    def message_ids(self) -> set[str]:
        """The MessageIDs of the pending publishes."""
        return {p.message_id for p in self._pending.values() if p.message_id is not None}


class Outbox:
    """Every publish not yet settled: held while no channel is open, then pending its confirm."""

    def __init__(self) -> None:
        self.confirms = Confirms()
        self._held: deque[Outgoing] = deque()

    def __len__(self) -> int:
        return len(self._held) + len(self.confirms)

    def hold(self, outgoing: Outgoing) -> None:
        """Keep ``outgoing`` until a channel can take it."""
        self._held.append(outgoing)

    def release(self) -> Iterator[Outgoing]:
        """The held publishes, oldest first, each removed as it is handed out to be sent."""
        while self._held:
            outgoing = self._held.popleft()
            if not outgoing.future.done():
                yield outgoing

    def sent(self, outgoing: Outgoing) -> None:
        """Record that ``outgoing`` went out on the channel (under its next delivery tag)."""
        m = outgoing
        self.confirms.sent(m.future, m.message_id, m.exchange, m.key, m)

    def channel_lost(self, reason: str) -> int:
        """Hold the unconfirmed publishes again, ahead of the others; return how many."""
        again = self.confirms.lost(reason)
        self._held.extendleft(reversed(again))
        return len(again)

    def fail_all(self, reason: str) -> None:
        """Fail every publish not yet settled, sent or held."""
        self.confirms.fail_all(reason)
        held, self._held = self._held, deque()
        for m in held:
            settle(m.future, error=TransportError(reason, message_id=m.message_id))

    def message_ids(self) -> set[str]:
        """The MessageIDs of every publish not yet settled."""
        held = {m.message_id for m in self._held if m.message_id is not None}
        return held | self.confirms.message_ids()


class Replies:
    """Requests waiting for their reply, by correlation id (safe from any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, Future[bytes]] = {}

    def expect(self, correlation_id: str) -> Future[bytes]:
        """A future for the body of the reply that carries ``correlation_id``."""
        with self._lock:
            if correlation_id in self._waiting:
                raise TransportError(f"a request with MessageID {correlation_id} is in flight")
            reply: Future[bytes] = Future()
            self._waiting[correlation_id] = reply
            return reply

    def forget(self, correlation_id: str) -> None:
        """Stop waiting for ``correlation_id`` (a late reply is then dropped)."""
        with self._lock:
            self._waiting.pop(correlation_id, None)

    def arrived(self, correlation_id: str | None, body: bytes) -> bool:
        """Hand ``body`` to its requester; False when nobody waits for it any more."""
        with self._lock:
            reply = self._waiting.pop(correlation_id or "", None)
        settle(reply, result=body)
        return reply is not None

    def fail_all(self, reason: str, keep: set[str] | frozenset[str] = frozenset()) -> None:
        """Fail every waiting request but those in ``keep``: its reply address is gone.

        A request not yet confirmed (``keep``) is published again on the next channel, with
        that channel's reply address, so its reply can still arrive.
        """
        with self._lock:
            gone = {cid: f for cid, f in self._waiting.items() if cid not in keep}
            for cid in gone:
                del self._waiting[cid]
        for cid, reply in gone.items():
            settle(reply, error=TransportError(reason, message_id=cid))
