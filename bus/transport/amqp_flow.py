"""The pika-free bookkeeping of the AMQP transport's I/O thread: hand-off, confirms, replies.

:mod:`bus.transport.amqp` owns the connection; these classes hold what it tracks, as plain
values, so the rules (which confirm resolves which publish, which return marks which message)
read and test without a broker. Futures are resolved only by the I/O thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from bus.log import get_logger
from cim.errors import TransportError

_log = get_logger("cimbus.transport.amqp")
_T = TypeVar("_T")


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


def confirmed(sent: Future[None], timeout: float, message_id: str | None) -> None:
    """Wait for a publish's confirm; TransportError (with the MessageID) if it fails or lags."""
    try:
        sent.result(timeout)
    except FutureTimeout:
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


@dataclass(slots=True)
class _Pending:
    future: Future[None]
    message_id: str | None
    exchange: str
    key: str
    returned: str | None = None


class Confirms:
    """Publishes sent on a confirm-mode channel and not yet acked, by delivery tag."""

    def __init__(self) -> None:
        self._tag = 0
        self._pending: dict[int, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def sent(self, future: Future[None], message_id: str | None, exchange: str, key: str) -> None:
        """Record the publish just sent (it has the channel's next delivery tag)."""
        self._tag += 1
        self._pending[self._tag] = _Pending(future, message_id, exchange, key)

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

    def confirmed(self, tag: int, *, multiple: bool, acked: bool) -> None:
        """Resolve the publishes an ack or nack covers: ``tag``, and all before it if multiple."""
        tags = [t for t in self._pending if t <= tag] if multiple else [tag]
        for t in tags:
            p = self._pending.pop(t, None)
            if p is None:
                continue
            if not acked:
                why = "RabbitMQ refused the message (nack); the queue may be unavailable: retry"
                settle(p.future, error=TransportError(why, message_id=p.message_id))
            elif p.returned is not None:
                settle(p.future, error=TransportError(p.returned, message_id=p.message_id))
            else:
                settle(p.future, result=None)

    def fail_all(self, reason: str) -> None:
        """Fail every pending publish: the channel closed before RabbitMQ confirmed them."""
        pending, self._pending = self._pending, {}
        for p in pending.values():
            settle(p.future, error=TransportError(reason, message_id=p.message_id))


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

    def fail_all(self, reason: str) -> None:
        """Fail every waiting request: the connection carrying its reply is gone."""
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for reply in waiting.values():
            settle(reply, error=TransportError(reason))
