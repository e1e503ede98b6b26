"""What the AMQP transport puts on RabbitMQ, as plain data: names, queue arguments, headers.

No pika here: :mod:`bus.transport.amqp` turns these values into AMQP frames. Kept apart so the
wire conventions can be read (and tested) without a broker.

Topology per namespace (``namespace`` is a prefix, ``""`` in production)::

    <ns>cimbus          topic exchange, durable    <- every event and request, key <Noun>.<verb>
    <ns>cimbus.dlx      direct exchange, durable   <- dead letters, key = the real queue name
    <ns><queue>         quorum queue, bound to <ns>cimbus by the subscriber's patterns,
                        dead-letters (at-least-once) to <ns>cimbus.dlx with key <ns><queue>
    <ns><queue>.dead    quorum queue bound to <ns>cimbus.dlx by <ns><queue>
    <ns>cimbus.journal  fanout exchange, durable   <- a copy of each message once it is routed
    <ns>cimbus.journal  stream (x-queue-type=stream), bound to that exchange: the journal
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from bus.envelope import Limits, Message, encode_xml
from bus.journal import JournalEntry
from bus.routing import EXCHANGE, dead_letter_queue
from bus.transport.memory import DeadLetter
from cim.errors import OversizeMessage

REPLY_TO = "amq.rabbitmq.reply-to"
"""RabbitMQ's direct reply-to pseudo-queue."""
CONTENT_TYPE = "application/xml"
X_REASON = "x-cimbus-reason"
"""Header on a dead letter parked by cimbus: why the handler failed (``Type: message``)."""
X_DELIVERIES = "x-cimbus-deliveries"
"""Header on a dead letter parked by cimbus: how many times the handler saw it."""
X_ROUTING_KEY = "x-cimbus-routing-key"
"""Header on a dead or re-driven message: the routing key it was first published with."""
X_JOURNAL_TIME = "x-cimbus-journal-time"
"""Header on a journal copy: when the message was published (ISO 8601, UTC, microseconds)."""
JOURNAL_MAX_AGE = "7D"
"""Default retention of the journal stream (RabbitMQ's ``x-max-age`` units: Y M D h m s)."""
_BROKER_HEADERS = ("x-death", "x-first-death-", "x-last-death-", "x-delivery-count")


@dataclass(frozen=True, slots=True)
class Names:
    """The AMQP names of one namespace's exchanges and queues."""

    namespace: str = ""

    @property
    def exchange(self) -> str:
        """The topic exchange events and requests are published to."""
        return f"{self.namespace}{EXCHANGE}"

    @property
    def dead_exchange(self) -> str:
        """The direct exchange dead letters go through, keyed by the real queue name."""
        return f"{self.namespace}{EXCHANGE}.dlx"

    @property
    def journal(self) -> str:
        """The fanout exchange journal copies go to, and the stream bound to it (same name)."""
        return f"{self.namespace}{EXCHANGE}.journal"

    def queue(self, queue: str) -> str:
        """The real name of the logical queue ``queue``."""
        return f"{self.namespace}{queue}"

    def dead_queue(self, queue: str) -> str:
        """The real name of ``queue``'s dead-letter queue."""
        return f"{self.namespace}{dead_letter_queue(queue)}"


def queue_arguments(names: Names, queue: str, delivery_limit: int) -> dict[str, Any]:
    """Arguments of a work queue: quorum, bounded redelivery, at-least-once dead-lettering.

    RabbitMQ's ``x-delivery-limit`` N delivers N+1 times, so ``delivery_limit - 1`` lets a
    handler see a message at most ``delivery_limit`` times, as on the memory transport.
    """
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit - 1,
        "x-dead-letter-exchange": names.dead_exchange,
        "x-dead-letter-routing-key": names.queue(queue),
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",  # at-least-once dead-lettering requires it
    }


DEAD_QUEUE_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}
"""Arguments of a dead-letter queue: quorum, no limit, no further dead-lettering."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """One idempotent topology step: a durable exchange or queue, or a binding."""

    kind: Literal["exchange", "queue", "bind"]
    name: str
    """The exchange (``exchange``) or the queue (``queue``, ``bind``)."""
    exchange_type: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    exchange: str = ""
    """The exchange a ``bind`` binds the queue to."""
    key: str = ""


def exchange_declarations(names: Names) -> list[Declaration]:
    """The namespace's two exchanges: the topic exchange and the dead-letter exchange."""
    return [
        Declaration("exchange", names.exchange, exchange_type="topic"),
        Declaration("exchange", names.dead_exchange, exchange_type="direct"),
    ]


def journal_declarations(names: Names, max_age: str = JOURNAL_MAX_AGE) -> list[Declaration]:
    """The journal: a fanout exchange and a stream bound to it, kept for ``max_age``."""
    stream = {"x-queue-type": "stream", "x-max-age": max_age}
    return [
        Declaration("exchange", names.journal, exchange_type="fanout"),
        Declaration("queue", names.journal, arguments=stream),
        Declaration("bind", names.journal, exchange=names.journal),
    ]


def journal_properties(props: Mapping[str, Any], when: datetime) -> dict[str, Any]:
    """The AMQP properties of a message's journal copy: its own, plus when it was published."""
    out = dict(props)
    out["headers"] = {**(props.get("headers") or {}), X_JOURNAL_TIME: when.isoformat()}
    return out


def journal_entry(
    offset: int,
    routing_key: str,
    message_id: str | None,
    headers: Mapping[str, Any] | None,
    body: bytes,
) -> JournalEntry:
    """A journal stream message as a :class:`JournalEntry`, like the memory journal's."""
    h = headers or {}
    raw = h.get(X_JOURNAL_TIME)
    when = datetime.fromisoformat(_text(raw)) if raw else datetime.fromtimestamp(0, UTC)
    return JournalEntry(offset, when, routing_key, delivery_headers(h, message_id), body)


def queue_declarations(
    names: Names, queue: str, bindings: Sequence[str], delivery_limit: int
) -> list[Declaration]:
    """Everything a consumer of ``queue`` needs, in order: exchanges, dead letters, queue, binds.

    Declared by ``subscribe`` and again on every re-subscription, so that a consumer recovers
    a queue that was deleted while it was away.
    """
    real, dead = names.queue(queue), names.dead_queue(queue)
    return [
        *exchange_declarations(names),
        Declaration("queue", dead, arguments=DEAD_QUEUE_ARGUMENTS),
        Declaration("bind", dead, exchange=names.dead_exchange, key=real),
        Declaration("queue", real, arguments=queue_arguments(names, queue, delivery_limit)),
        *(Declaration("bind", real, exchange=names.exchange, key=p) for p in bindings),
    ]


def wire_headers(message: Message) -> dict[str, str]:
    """Verb, Noun, Source and Context as AMQP headers, for filtering without parsing XML."""
    if message.kind == "FaultMessage":
        return {}
    h = message.header  # type: ignore[union-attr]
    out = {"Verb": h.verb.value, "Noun": h.noun}
    if h.source is not None:
        out["Source"] = h.source
    if h.context is not None:
        out["Context"] = h.context
    return out


def message_id_of(message: Message) -> str | None:
    """The Header's MessageID (None for a FaultMessage, which has no header)."""
    return None if message.kind == "FaultMessage" else message.header.message_id  # type: ignore[union-attr]


def encode(message: Message, limits: Limits) -> bytes:
    """The message's XML bytes; OversizeMessage (3.1) when over ``limits.max_bytes``."""
    body = encode_xml(message)
    if len(body) > limits.max_bytes:
        raise OversizeMessage(
            f"message is {len(body)} bytes, over the limit of {limits.max_bytes}; "
            "send the payload Compressed or split it",
            message_id=message_id_of(message),
        )
    return body


def properties(
    message: Message, *, reply_to: str | None = None, correlation_id: str | None = None
) -> dict[str, Any]:
    """AMQP properties of a message: persistent XML, MessageID, CorrelationID, headers."""
    header = None if message.kind == "FaultMessage" else message.header  # type: ignore[union-attr]
    return {
        "content_type": CONTENT_TYPE,
        "delivery_mode": 2,
        "message_id": header.message_id if header else None,
        "correlation_id": correlation_id or (header.correlation_id if header else None),
        "reply_to": reply_to,
        "headers": wire_headers(message),
    }


def moved_properties(
    content_type: str | None,
    message_id: str | None,
    correlation_id: str | None,
    headers: dict[str, Any],
) -> dict[str, Any]:
    """AMQP properties of a message moved into or out of the dead letters."""
    return {
        "content_type": content_type,
        "delivery_mode": 2,
        "message_id": message_id,
        "correlation_id": correlation_id,
        "headers": headers,
    }


def delivery_headers(headers: Mapping[str, Any] | None, message_id: str | None) -> dict[str, str]:
    """The carrier headers a handler sees: the cimbus ones, without broker bookkeeping."""
    out = {k: _text(v) for k, v in (headers or {}).items() if not k.startswith("x-")}
    if message_id is not None:
        out["MessageID"] = message_id
    return out


def delivery_count(headers: Mapping[str, Any] | None) -> int:
    """1 on the first delivery: a quorum queue's ``x-delivery-count`` plus one."""
    return int((headers or {}).get("x-delivery-count") or 0) + 1


def original_routing_key(headers: Mapping[str, Any] | None, routing_key: str) -> str:
    """The key a message was first published with, through dead-lettering and re-driving."""
    h = headers or {}
    if X_ROUTING_KEY in h:
        return _text(h[X_ROUTING_KEY])
    deaths = h.get("x-death") or []
    if deaths and deaths[0].get("routing-keys"):
        return _text(deaths[0]["routing-keys"][0])
    return routing_key


def parked_headers(
    headers: Mapping[str, Any] | None, routing_key: str, reason: str, deliveries: int
) -> dict[str, Any]:
    """Headers of a message cimbus parks itself: the original ones plus reason and count."""
    out = {k: v for k, v in (headers or {}).items() if not k.startswith(_BROKER_HEADERS)}
    out.update({X_REASON: reason, X_DELIVERIES: deliveries, X_ROUTING_KEY: routing_key})
    return out


def redriven_headers(headers: Mapping[str, Any] | None, routing_key: str) -> dict[str, Any]:
    """Headers of a dead letter put back on its queue: the original ones, no death records."""
    out = {
        k: v
        for k, v in (headers or {}).items()
        if not k.startswith(_BROKER_HEADERS) and k not in (X_REASON, X_DELIVERIES)
    }
    out[X_ROUTING_KEY] = original_routing_key(headers, routing_key)
    return out


def dead_letter(
    body: bytes, headers: Mapping[str, Any] | None, routing_key: str, delivery_limit: int
) -> DeadLetter:
    """A parked message as operators see it, whether cimbus or the broker parked it."""
    h = headers or {}
    key = original_routing_key(h, routing_key)
    if X_REASON in h:
        return DeadLetter(body, key, _text(h[X_REASON]), int(h.get(X_DELIVERIES) or 0))
    deaths = h.get("x-death") or [{}]
    why = _text(deaths[0].get("reason", "unknown"))
    reason = (
        f"dead-lettered by the broker ({why}); no handler reason was recorded: the consumer "
        "probably crashed or lost its connection while handling it"
    )
    return DeadLetter(body, key, reason, delivery_limit if why == "delivery_limit" else 0)


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
