"""The one small protocol every carrier implements: publish, request, subscribe, close.

A handler is a plain function of a :class:`Delivery`. Returning normally acknowledges the
message (its effects must be committed by then); returning a message sends it as the reply to
the delivery's reply address; raising makes the transport retry with backoff and, past the
delivery limit, park the message in the queue's dead-letter queue with the reason. A permanent
failure (:func:`is_permanent`: a :class:`PermanentFailure`, or a CimbusError other than a
TransportError) is parked at once: retrying a message that cannot succeed only delays the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bus.envelope import Message, RequestMessage
from cim.errors import CimbusError, TransportError


def settled_all(outcomes: Sequence[tuple[str | None, BaseException | None]]) -> int:
    """How many of a batch's ``(message_id, error)`` outcomes there were; raise if any failed."""
    failed = [(mid, err) for mid, err in outcomes if err is not None]
    if failed:
        mid, err = failed[0]
        raise TransportError(
            f"{len(failed)} of {len(outcomes)} messages were not confirmed; the first "
            f"({mid}): {getattr(err, 'reason', None) or err}; publish those again",
            message_id=mid,
        )
    return len(outcomes)


class PermanentFailure(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it now."""


def is_permanent(error: BaseException) -> bool:
    """Whether a handler's ``error`` means retrying cannot help."""
    return isinstance(error, PermanentFailure) or (
        isinstance(error, CimbusError) and not isinstance(error, TransportError)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One message handed to a handler, with what the carrier knows about it."""

    body: bytes
    """The message exactly as published."""
    message: Message
    routing_key: str
    queue: str
    headers: Mapping[str, str] = field(default_factory=dict)
    reply_to: str | None = None
    delivery_count: int = 1
    """1 on the first delivery; more after a failure or a lost consumer."""

    @property
    def redelivered(self) -> bool:
        """Whether this message was delivered before."""
        return self.delivery_count > 1


Handler = Callable[[Delivery], Message | None]
"""Process one delivery; return a reply (or None); raise to have it retried."""


class Subscription(Protocol):
    """A running consumer of one queue."""

    def cancel(self) -> None:
        """Stop consuming after the in-flight message (which is acknowledged or requeued)."""


class Transport(Protocol):
    """Moves IEC 61968-100 messages between adapters."""

    def publish(self, message: Message) -> None:
        """Route ``message`` by its header; return once the carrier has confirmed it.

        Raises TransportError when nothing would receive it (unroutable) or the carrier fails.
        """

    def publish_many(self, messages: Iterable[Message]) -> int:
        """Publish ``messages`` pipelined; return how many, once every one is confirmed.

        Raises TransportError after all are settled if any failed, naming how many and why.
        """

    def request(self, message: RequestMessage, *, timeout: float = 30.0) -> Message:
        """Send a request and return its reply; RequestTimeout (4.1) after ``timeout`` s."""

    def subscribe(
        self, queue: str, bindings: Sequence[str], handler: Handler, *, prefetch: int = 16
    ) -> Subscription:
        """Consume ``queue`` (declared if needed, bound to ``bindings`` topic patterns)."""

    def close(self) -> None:
        """Drain in-flight messages, stop consumers and release the carrier."""
