"""Routing derived from the header, never from the payload: exchange, keys, queues, topic match.

Events and requests go to one topic exchange with routing key ``<Noun>.<verb>``; each noun's
requests land in its request queue (bound to that noun's request verbs); a reply goes straight
to the request's reply address with CorrelationID = the request's MessageID.
"""

from __future__ import annotations

from functools import lru_cache

from bus.envelope import REQUEST_VERBS, Message, ResponseMessage

EXCHANGE = "cimbus"
"""The topic exchange every event and request is published to."""
REQUEST_QUEUE_PREFIX = "cimbus.requests."
DEAD_LETTER_SUFFIX = ".dead"


def routing_key(message: Message) -> str:
    """``<Noun>.<verb>`` of a message with a header (replies are not routed by key)."""
    if isinstance(message, ResponseMessage) or message.kind == "FaultMessage":
        raise ValueError("replies go to the request's reply address, not through the exchange")
    header = message.header  # type: ignore[union-attr]
    return f"{header.noun}.{header.verb.value}"


def request_queue(noun: str) -> str:
    """The durable queue that holds requests for ``noun``."""
    return f"{REQUEST_QUEUE_PREFIX}{noun}"


def request_bindings(noun: str) -> list[str]:
    """The routing keys that bind ``noun``'s request queue: one per request verb."""
    return sorted(f"{noun}.{verb.value}" for verb in REQUEST_VERBS)


def dead_letter_queue(queue: str) -> str:
    """Where ``queue``'s poison messages are parked."""
    return f"{queue}{DEAD_LETTER_SUFFIX}"


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: words split on ``.``; ``*`` is one word, ``#`` zero or more."""
    return _match(tuple(pattern.split(".")), tuple(key.split(".")) if key else ())


@lru_cache(maxsize=4096)
def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
