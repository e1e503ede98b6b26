"""The embedded transport: production code for one machine, as strict as the broker.

Every message is encoded to bytes on publish and decoded on delivery; routing uses the same
topic rules as RabbitMQ; an unroutable publish is an error; a handler that raises is retried
with backoff and, past the delivery limit, its message is parked in the queue's dead letters
with the reason; competing consumers share a queue; request/reply uses a private reply queue.
State lives in the instance (no module globals). Consumers run in their own threads.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bus.envelope import (
    DEFAULT_LIMITS,
    FaultMessage,
    Limits,
    Message,
    RequestMessage,
    ResponseMessage,
    decode,
    encode_xml,
)
from bus.journal import Journal, JournalEntry
from bus.log import get_logger, message_context
from bus.routing import routing_key, topic_matches
from bus.transport import replies
from bus.transport.base import Delivery, Handler, is_permanent, settled_all
from cim.errors import CimbusError, OversizeMessage, RequestTimeout, TransportError

_log = get_logger("cimbus.transport.memory")


@dataclass(slots=True)
class _Item:
    body: bytes
    routing_key: str
    headers: dict[str, str]
    reply_to: str | None = None
    correlation_id: str | None = None
    count: int = 0
    ready_at: float = 0.0


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message parked after its handler failed ``deliveries`` times."""

    body: bytes
    routing_key: str
    reason: str
    deliveries: int


@dataclass(slots=True)
class _Queue:
    name: str
    bindings: set[str] = field(default_factory=set)
    items: deque[_Item] = field(default_factory=deque)
    dead: list[DeadLetter] = field(default_factory=list)
    in_flight: int = 0


class MemoryTransport:
    """An in-process broker with RabbitMQ's routing, acknowledgement and dead-letter rules."""

    def __init__(
        self,
        *,
        delivery_limit: int = 5,
        retry_delay: float = 0.05,
        max_retry_delay: float = 5.0,
        limits: Limits = DEFAULT_LIMITS,
        journal: Journal | None = None,
    ) -> None:
        self._delivery_limit = delivery_limit
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._limits = limits
        self._journal = journal
        self._cond = threading.Condition()
        self._queues: dict[str, _Queue] = {}
        self._subscriptions: list[_Subscription] = []
        self._closed = False

    # --- the protocol ----------------------------------------------------------------------

    def publish(self, message: Message) -> None:
        """Route ``message`` by its header to every bound queue (an error if there is none)."""
        if isinstance(message, ResponseMessage | FaultMessage):
            raise TransportError(
                "a reply is sent by returning it from the handler of the request, not published"
            )
        self._route(self._encode(message), routing_key(message), _headers(message))

    def publish_many(self, messages: Iterable[Message]) -> int:
        """Publish each of ``messages`` in order; raise after the batch if any failed."""
        outcomes: list[tuple[str | None, BaseException | None]] = []
        for message in messages:
            mid = None if isinstance(message, FaultMessage) else message.header.message_id
            try:
                self.publish(message)
            except CimbusError as exc:
                outcomes.append((mid, exc))
            else:
                outcomes.append((mid, None))
        return settled_all(outcomes)

    def request(self, message: RequestMessage, *, timeout: float = 30.0) -> Message:
        """Send ``message`` and wait up to ``timeout`` seconds for its reply."""
        reply_queue = f"cimbus.reply.{uuid.uuid4()}"
        with self._cond:
            self._declare(reply_queue, ())
        try:
            self._route(
                self._encode(message), routing_key(message), _headers(message), reply_to=reply_queue
            )
            deadline = time.monotonic() + timeout
            with self._cond:
                queue = self._queues[reply_queue]
                while not queue.items:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self._closed:
                        raise RequestTimeout(
                            f"no reply to {message.header.verb.value} {message.header.noun} "
                            f"within {timeout:g} s; is an adapter serving that noun running?",
                            message_id=message.header.message_id,
                        )
                    self._cond.wait(remaining)
                item = queue.items.popleft()
            return decode(item.body, self._limits)
        finally:
            with self._cond:
                self._queues.pop(reply_queue, None)

    def subscribe(
        self, queue: str, bindings: Sequence[str], handler: Handler, *, prefetch: int = 16
    ) -> _Subscription:
        """Consume ``queue``, declaring it and its ``bindings`` (one message at a time)."""
        with self._cond:
            if self._closed:
                raise TransportError("the transport is closed")
            self._declare(queue, bindings)
            sub = _Subscription(self, queue, handler)
            self._subscriptions.append(sub)
        sub.start()
        return sub

    def close(self) -> None:
        """Let in-flight handlers finish, stop every consumer and refuse further use."""
        with self._cond:
            self._closed = True
            subs = list(self._subscriptions)
            self._cond.notify_all()
        for sub in subs:
            sub.join()

    # --- inspection for operators (not part of the protocol) -------------------------------

    def declare(self, queue: str, bindings: Sequence[str] = ()) -> None:
        """Declare ``queue`` bound to ``bindings`` without consuming it (idempotent)."""
        with self._cond:
            self._declare(queue, bindings)

    def read_journal(
        self, *, offset: int = 0, since: datetime | None = None, limit: int | None = None
    ) -> Iterator[JournalEntry]:
        """The journal from ``offset`` (or the time ``since``), in order, byte-exact."""
        if self._journal is None:
            raise TransportError("this transport was made without a journal; pass journal=")
        entries = self._journal.read(offset=offset, since=since)
        return entries if limit is None else itertools.islice(entries, limit)

    def depth(self, queue: str) -> int:
        """Messages waiting in ``queue`` (not counting those being handled)."""
        with self._cond:
            q = self._queues.get(queue)
            return 0 if q is None else len(q.items)

    def dead_letters(self, queue: str) -> list[DeadLetter]:
        """The messages parked for ``queue``."""
        with self._cond:
            q = self._queues.get(queue)
            return [] if q is None else list(q.dead)

    def redrive(self, queue: str) -> int:
        """Put ``queue``'s dead letters back on it, with a fresh delivery count."""
        with self._cond:
            q = self._queues[queue]
            moved = [_Item(d.body, d.routing_key, {}) for d in q.dead]
            q.dead.clear()
            q.items.extend(moved)
            self._cond.notify_all()
            return len(moved)

    # --- internals -------------------------------------------------------------------------

    def _encode(self, message: Message) -> bytes:
        body = encode_xml(message)
        if len(body) > self._limits.max_bytes:
            raise OversizeMessage(
                f"message is {len(body)} bytes, over the limit of {self._limits.max_bytes}; "
                "send the payload Compressed or split it",
                message_id=None if isinstance(message, FaultMessage) else message.header.message_id,
            )
        return body

    def _declare(self, name: str, bindings: Sequence[str]) -> _Queue:
        q = self._queues.get(name)
        if q is None:
            q = self._queues[name] = _Queue(name)
        q.bindings.update(bindings)
        return q

    def _route(
        self, body: bytes, key: str, headers: dict[str, str], reply_to: str | None = None
    ) -> None:
        with self._cond:
            if self._closed:
                raise TransportError("the transport is closed")
            targets = [
                q for q in self._queues.values() if any(topic_matches(p, key) for p in q.bindings)
            ]
            if not targets:
                raise TransportError(
                    f"unroutable: no queue is bound to {key!r}; start the adapter that "
                    "consumes it or declare its queue first",
                )
            if self._journal is not None:
                self._journal.append(body, key, headers)
            for q in targets:
                q.items.append(_Item(body, key, dict(headers), reply_to))
            self._cond.notify_all()

    def _reply(self, address: str | None, reply: Message, *, later: bool = False) -> None:
        """Queue ``reply`` on ``address``: a requester's reply queue, or (``later``) a
        ReplyAddress queue, which must exist."""
        body = encode_xml(reply)
        with self._cond:
            q = self._queues.get(address or "")
            if q is None and later:
                raise TransportError(
                    f"unroutable: the ReplyAddress queue {address!r} does not exist; the "
                    "requester must declare it before asking for an asynchronous reply"
                )
            if q is None:  # the requester gave up; RabbitMQ's direct reply-to drops it too
                _log.warning("reply dropped: the requester is gone", reply_to=address)
                return
            if self._journal is not None:
                self._journal.append(body, q.name, _headers(reply))
            q.items.append(_Item(body, "", {}))
            self._cond.notify_all()

    def _take(self, queue: str, stop: threading.Event) -> _Item | None:
        """The next ready item of ``queue``, waiting for one; None once stopping."""
        with self._cond:
            while True:
                if self._closed or stop.is_set():
                    return None
                q = self._queues[queue]
                now = time.monotonic()
                wait = 0.5
                for i, item in enumerate(q.items):
                    if item.ready_at <= now:
                        del q.items[i]
                        item.count += 1
                        q.in_flight += 1
                        return item
                    wait = min(wait, item.ready_at - now)
                self._cond.wait(wait)

    def _done(self, queue: str, item: _Item, error: BaseException | None) -> None:
        with self._cond:
            q = self._queues[queue]
            q.in_flight -= 1
            if error is None:
                return
            reason = f"{type(error).__name__}: {error}"[:500]
            if item.count >= self._delivery_limit or is_permanent(error):
                q.dead.append(DeadLetter(item.body, item.routing_key, reason, item.count))
                _log.error(
                    "message dead-lettered", queue=queue, deliveries=item.count, reason=reason
                )
            else:
                delay = min(self._retry_delay * 2 ** (item.count - 1), self._max_retry_delay)
                item.ready_at = time.monotonic() + delay
                q.items.append(item)
                _log.warning(
                    "handler failed; will retry",
                    queue=queue,
                    deliveries=item.count,
                    retry_in=delay,
                    reason=reason,
                )
            self._cond.notify_all()


class _Subscription:
    """One consumer thread of a :class:`MemoryTransport` queue."""

    def __init__(self, transport: MemoryTransport, queue: str, handler: Handler) -> None:
        self._transport = transport
        self._queue = queue
        self._handler = handler
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"consumer:{queue}", daemon=True)

    def start(self) -> None:
        """Start consuming."""
        self._thread.start()

    def cancel(self) -> None:
        """Stop after the in-flight message."""
        self._stop.set()
        with self._transport._cond:
            self._transport._cond.notify_all()
        self.join()

    def join(self) -> None:
        """Wait for the consumer thread to end."""
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        t = self._transport
        while (item := t._take(self._queue, self._stop)) is not None:
            error: BaseException | None = None
            try:
                message = decode(item.body, t._limits)
                header = None if isinstance(message, FaultMessage) else message.header
                with message_context(
                    header.message_id if header else None, header.correlation_id if header else None
                ):
                    route = replies.plan(message, item.reply_to, first_delivery=item.count == 1)
                    if route.at_once is not None:
                        t._reply(item.reply_to, route.at_once)
                    reply = None
                    if route.run:
                        reply = self._handler(
                            Delivery(
                                body=item.body,
                                message=message,
                                routing_key=item.routing_key,
                                queue=self._queue,
                                headers=item.headers,
                                reply_to=item.reply_to,
                                delivery_count=item.count,
                            )
                        )
                if reply is not None and route.answer_to is not None:
                    t._reply(route.answer_to, reply, later=route.later)
            except Exception as exc:
                error = exc
            t._done(self._queue, item, error)


def _headers(message: Message) -> dict[str, str]:
    """Verb, Noun, Source and Context as carrier headers, for filtering without parsing."""
    if isinstance(message, FaultMessage):
        return {}
    h = message.header
    out = {"Verb": h.verb.value, "Noun": h.noun}
    if h.source is not None:
        out["Source"] = h.source
    if h.context is not None:
        out["Context"] = h.context
    if h.message_id is not None:
        out["MessageID"] = h.message_id
    return out
