"""The pika edge of the AMQP transport: the only module of cimbus that imports pika.

:class:`Io` owns the connection and its I/O thread; :func:`admin` opens the short-lived
blocking connections of topology and operator calls; the operator helpers (dead letters,
re-driving, reading the journal stream) and :func:`translate` turn pika into cimbus.

Threads
    One ``SelectConnection`` at a time belongs to one I/O thread; no other thread touches it.
    Others queue commands (publish, ack, nack, consume) with one coalesced wake-up of the loop
    per batch and wait on a ``concurrent.futures.Future``. Topology and operator calls
    (declare, depth, dead_letters, redrive) open a short-lived ``BlockingConnection`` (about
    5 ms), so they also work after close().

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
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

import pika  # type: ignore[import-untyped]
import pika.exceptions  # type: ignore[import-untyped]
from pika.adapters.select_connection import IOLoop  # type: ignore[import-untyped]

from bus.journal import JournalEntry
from bus.log import get_logger
from bus.transport import amqp_topology as topo
from bus.transport.amqp_consumer import ConsumerChannel
from bus.transport.amqp_flow import (
    STEP_TIMEOUT,
    Commands,
    Outbox,
    Outgoing,
    Replies,
    settle,
    wait,
)
from bus.transport.amqp_link import Link
from bus.transport.memory import DeadLetter
from cim.errors import TransportError

_log = get_logger("cimbus.transport.amqp")
JOURNAL_ATTEMPTS = 50
JOURNAL_RETRY_DELAY = 0.2
"""A refused journal copy is sent again every 0.2 s, 50 times (10 s), then its publish fails."""


@contextlib.contextmanager
def admin(urls: Sequence[str], doing: str) -> Iterator[Any]:
    """A short-lived blocking connection to the first broker that answers."""
    conn, error = None, None
    for url in urls:
        try:
            conn = pika.BlockingConnection(pika.URLParameters(url))
            break
        except pika.exceptions.AMQPError as exc:
            error = translate(exc, doing, url)
    if conn is None:
        assert error is not None
        raise error
    try:
        yield conn
    except pika.exceptions.AMQPError as exc:
        raise translate(exc, doing, urls[0]) from exc
    finally:
        with contextlib.suppress(pika.exceptions.AMQPError):
            if conn.is_open:
                conn.close()


def dead_letters(conn: Any, dead: str, delivery_limit: int) -> list[DeadLetter]:
    """The messages in the dead-letter queue ``dead``; they go back when ``conn`` closes."""
    if count(conn, dead) is None:
        return []
    ch, out = conn.channel(), []
    while (got := ch.basic_get(dead, auto_ack=False))[0] is not None:
        method, props, body = got
        out.append(topo.dead_letter(body, props.headers, method.routing_key, delivery_limit))
    return out


def move_back(conn: Any, dead: str, queue: str, waiting: int) -> int:
    """Move at most ``waiting`` messages from ``dead`` to ``queue`` (confirmed); how many."""
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
        ch.basic_publish("", queue, body, pika.BasicProperties(**again), True)
        ch.basic_ack(method.delivery_tag)
        moved += 1
    return moved


def read_stream(
    conn: Any,
    stream: str,
    *,
    offset: int,
    since: datetime | None,
    idle: float,
    limit: int | None,
) -> Iterator[JournalEntry]:
    """The journal stream's entries from ``offset`` or ``since``; see AmqpTransport.read_journal."""
    start: Any = offset
    if since is not None:  # a stream attaches at a chunk; what is before ``since`` is skipped
        start = (since - CHUNK_MARGIN).astimezone(UTC)
    # Credit: the broker sends at most ``window`` unacked entries. Acks stop once the window
    # covers what is left of ``limit``, so nothing is left unread at cancel (RabbitMQ closes
    # the connection on the nack pika would send for it).
    window = 500 if limit is None else max(1, min(500, limit))
    left = limit
    ch = conn.channel()
    ch.basic_qos(prefetch_count=window)
    args = {"x-stream-offset": start}
    for method, props, body in ch.consume(stream, arguments=args, inactivity_timeout=idle):
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


class Io:
    """One SelectConnection at a time and the thread running their I/O loop (the only thread
    touching them); opens a new connection, with backoff, whenever one is lost."""

    def __init__(self, urls: Sequence[str], link: Link) -> None:
        self._urls = list(urls)
        self._at = 0  # the URL in use; each reconnection attempt moves on to the next
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
        self.retrying: list[Outgoing] = []  # refused journal copies waiting to go again
        self._opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="cimbus-amqp-io", daemon=True)
        self._thread.start()
        try:
            where = ", ".join(topo.redact(u) for u in self._urls)
            wait(self._opened, STEP_TIMEOUT * len(self._urls), f"connecting to {where}")
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
            then = Outgoing(future, journal, key, body, copy, True, copy=True)
        out = Outgoing(future, exchange, key, body, props, mandatory, then)

        def now() -> None:
            if self.link.unavailable:
                raise TransportError(self.link.refusal(topo.redact(self._url)))
            self.outbox.hold(out)
            self._flush()

        self.commands.put(now, out.future)
        return out.future

    @property
    def _url(self) -> str:
        return self._urls[self._at]

    def is_open(self) -> bool:
        """Whether the connection is open (I/O thread)."""
        return self.connection is not None and bool(self.connection.is_open)

    def channel(self, on_open: Callable[[Any], None]) -> Any:
        """Open a channel on the connection (I/O thread)."""
        return self.connection.channel(on_open_callback=on_open)

    def translate(self, exc: BaseException, doing: str) -> TransportError:
        """The cimbus error for a pika exception."""
        return translate(exc, doing, self._url)

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
        self.commands.drain(lambda exc: translate(exc, "talking to RabbitMQ", self._url))

    def _run(self) -> None:
        try:
            self._connect()
            self.ioloop.start()
        except Exception as exc:
            self._failed = translate(exc, "running the AMQP connection", self._url).reason
        finally:
            reason = self._failed or "the AMQP connection is closed"
            settle(self._opened, error=TransportError(reason))
            self.commands.stop(reason)
            self.outbox.fail_all(reason)
            self.replies.fail_all(reason)
            for out in self.retrying:
                settle(out.future, error=TransportError(reason, message_id=out.message_id))
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
        self._at = (self._at + 1) % len(self._urls)
        try:
            self._connect()
        except Exception as exc:
            self._reconnect_later(translate(exc, "reconnecting", self._url).reason)

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
                _log.error("re-subscribing failed", reason=translate(exc, "", self._url).reason)

    def _flush(self) -> None:
        """Publish every held message if the channel is ready (else they wait for it)."""
        if self._channel is None:
            return
        for out in self.outbox.release():
            try:
                props = pika.BasicProperties(**out.properties)
                self._channel.basic_publish(out.exchange, out.key, out.body, props, out.mandatory)
            except Exception as exc:
                settle(out.future, error=translate(exc, "publishing", self._url))
            else:
                self.outbox.sent(out)

    def _on_open_error(self, connection: Any, error: BaseException) -> None:
        why = translate(error, "connecting", self._url).reason
        if not self._closing and not self._opened.done() and self._at + 1 < len(self._urls):
            _log.warning("broker unreachable; trying the next", reason=why)
            self._at += 1  # the first connection tries each broker once, in order
            self._connect()
            return
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
        why = translate(reason, "working", self._url).reason
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
        why = translate(reason, "publishing", self._url).reason
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
        follow, again = self.outbox.confirms.confirmed(
            m.delivery_tag, multiple=bool(m.multiple), acked=acked
        )
        if follow:  # journal copies of routed messages
            for out in follow:
                self.outbox.hold(out)
            self._flush()
        for out in again:  # the stream refused a copy: it may still be starting after a restart
            self._copy_again(out)

    def _copy_again(self, out: Outgoing) -> None:
        if out.attempt > JOURNAL_ATTEMPTS:
            why = (
                f"the message was routed, but the journal stream {out.exchange!r} refused its "
                f"copy {out.attempt} times; check the stream on the broker (cimbus broker setup)"
            )
            settle(out.future, error=TransportError(why, message_id=out.message_id))
            return
        _log.warning("journal copy refused; sending it again", attempt=out.attempt)
        self.retrying.append(out)

        def send() -> None:
            self.retrying.remove(out)
            self.outbox.hold(out)
            self._flush()

        self.ioloop.call_later(JOURNAL_RETRY_DELAY, send)

    def _on_reply(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        if not self.replies.arrived(props.correlation_id, body):
            _log.info("late or unknown reply dropped", correlation_id=props.correlation_id)


CHUNK_MARGIN = timedelta(seconds=60)
"""How far before ``since`` a timed journal read asks the stream to start."""


def count(conn: Any, queue: str) -> int | None:
    """Ready messages in ``queue``, or None when it does not exist."""
    try:
        count: int = conn.channel().queue_declare(queue, passive=True).method.message_count
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return None
        raise
    return count


def translate(exc: BaseException, doing: str, url: str) -> TransportError:
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
