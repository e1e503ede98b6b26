"""What one ``cimbus bench bus`` run does: its plan, targets, messages and counting handler."""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Sequence
from typing import Any

from bus.bench.corpus import DEFAULT_COUNTS, DEFAULT_SEED, generate_messages
from bus.bench.report import BenchError
from bus.envelope import (
    EventMessage,
    Payload,
    RequestMessage,
    ResponseMessage,
    decode,
    new_message_id,
)
from bus.transport.base import Delivery

NOUN = "MeterReadings"
EVENTS_QUEUE = "bench.events"
EVENT_BINDINGS = ("MeterReadings.created",)
PREFETCH = 128
"""Unacknowledged deliveries per consumer, on both sides."""
BATCH = 1_000
"""Messages per ``publish_many`` call; the raw pika confirm window is the same."""
DELIVERY_LIMIT = 5
REQUEST_TIMEOUT = 30.0
ROUND_TIMEOUT = 300.0

TARGET_SHARE = 0.7
"""The bus must reach at least this share of raw pika's event rate."""
TARGET_THROUGHPUT_RATIO = 1 / TARGET_SHARE
"""The same target as a ratio of times: bus time / pika time at most 1/0.7 ≈ 1.43."""
TARGET_P99_RATIO = 1.5
"""Highest acceptable request/reply p99 of the bus / p99 of raw pika."""
TARGET_MEMORY_RATE = 20_000.0
"""Lowest acceptable memory transport rate, messages per second end to end."""
CANDIDATE = "cimbus bus"
BASELINE = "reference"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """How much work one run does."""

    round_messages: int
    """Messages per timed broker round (each side)."""
    warmup_messages: int
    requests_per_block: int
    """Sequential requests per timed block (each side)."""
    warmup_requests: int
    memory_messages: int
    """Messages per call of the memory transport timing."""
    memory_repeat_s: float
    """Shortest duration of one timed memory repeat."""

    def messages(self, r: int) -> int:
        """Events in broker round ``r`` (round -1 is the warm-up)."""
        return self.warmup_messages if r < 0 else self.round_messages

    def requests(self, r: int) -> tuple[int, int]:
        """Where request block ``r`` starts and how long it is (block -1 is the warm-up)."""
        if r < 0:
            return 0, self.warmup_requests
        return self.warmup_requests + r * self.requests_per_block, self.requests_per_block


FULL = Plan(
    round_messages=10_000,
    warmup_messages=1_000,
    requests_per_block=400,
    warmup_requests=50,
    memory_messages=2_000,
    memory_repeat_s=0.4,
)
QUICK = Plan(
    round_messages=1_000,
    warmup_messages=200,
    requests_per_block=50,
    warmup_requests=10,
    memory_messages=200,
    memory_repeat_s=0.02,
)


class Counter:
    """A handler that counts deliveries and signals when the armed number has arrived."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left = 0
        self._done = threading.Event()

    def arm(self, count: int) -> None:
        """Expect ``count`` more deliveries."""
        with self._lock:
            self._left = count
            self._done.clear()

    def __call__(self, delivery: Delivery) -> None:
        """Count one delivery (the handler: returns nothing, so it is acknowledged)."""
        with self._lock:
            self._left -= 1
            if self._left == 0:
                self._done.set()

    def wait(self, timeout: float, doing: str) -> None:
        """Return once every expected delivery has arrived; BenchError after ``timeout`` s."""
        if not self._done.wait(timeout):
            raise BenchError(f"deliveries missing after {timeout:g} s while {doing}")


@dataclasses.dataclass(frozen=True, slots=True)
class Workload:
    """The messages of one run, each with a MessageID of its own."""

    events: list[EventMessage]
    requests: list[RequestMessage]
    reply_payload: Payload | None


def _fresh(message: Any, **header: Any) -> Any:
    """``message`` with a MessageID of its own (and the other ``header`` fields given)."""
    fields = {"message_id": new_message_id(), **header}
    return dataclasses.replace(message, header=dataclasses.replace(message.header, **fields))


def workload(events: int, requests: int, seed: int = DEFAULT_SEED) -> Workload:
    """``events`` 1 KB events and ``requests`` 1 KB get requests from the corpus, cycled.

    The requests ask for a synchronous reply: their ReplyAddress and AsyncReplyFlag are
    dropped, so the answer comes back to the requester through the carrier.
    """
    decoded = [decode(m.data) for m in generate_messages("1KB", DEFAULT_COUNTS["1KB"], seed)]
    ev = [m for m in decoded if isinstance(m, EventMessage)]
    gets = [m for m in decoded if isinstance(m, RequestMessage)]
    replies = [m for m in decoded if isinstance(m, ResponseMessage) and m.payload is not None]
    if not ev or not gets or not replies:
        raise BenchError("the 1KB corpus lacks events, requests or replies")
    return Workload(
        [_fresh(ev[i % len(ev)]) for i in range(events)],
        [
            _fresh(gets[i % len(gets)], reply_address=None, async_reply_flag=None)
            for i in range(requests)
        ],
        replies[0].payload,
    )


def percentile(samples: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
