"""What one ``cimbus bench soap`` run sends: its plan, targets, requests and block records."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from lxml import etree

from bus.bench.corpus import DEFAULT_COUNTS, DEFAULT_SEED, generate_messages
from bus.bench.report import BenchError
from bus.envelope import RequestMessage, decode, new_message_id
from bus.soap.http import HttpSettings

NOUN = "MeterReadings"
OPERATION = SERVICE = f"Get{NOUN}"
CANDIDATE = "cimbus gateway"
BASELINE = "lxml echo"
UNIT = "µs/req"
TARGET_SHARE = 0.6
"""The gateway must reach at least this share of the echo's requests per second."""
TARGET_RATIO = 1 / TARGET_SHARE
"""The same target as a ratio of times: gateway time / echo time at most 1/0.6 ≈ 1.667."""
CALL_TIMEOUT = 30.0
BLOCK_TIMEOUT = 300.0
SERVER = HttpSettings(host="127.0.0.1", port=0)
"""Both servers' settings (the default thread pool)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """How many requests one run sends to each side."""

    sequential: int
    """Requests in one sequential block."""
    warmup: int
    """Sequential requests before the first timed block."""
    clients: int
    """Client threads of a concurrent block, each with its own client and connection."""
    per_client: int
    """Requests of each client thread in one concurrent block."""
    warmup_per_client: int
    """Requests of each client thread in the concurrent warm-up block."""


FULL = Plan(sequential=400, warmup=50, clients=8, per_client=150, warmup_per_client=10)
QUICK = Plan(sequential=20, warmup=5, clients=4, per_client=8, warmup_per_client=2)


@dataclasses.dataclass(frozen=True, slots=True)
class Query:
    """One get of the corpus: its header fields (no MessageID), period and profile."""

    header: dict[str, Any]
    start: datetime | None
    end: datetime | None
    profile: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """The arguments of one call of ``GetMeterReadings``, with its own MessageID."""

    message_id: str
    kwargs: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    """What one timed block of requests to one side measured (nanoseconds)."""

    elapsed_ns: int
    latencies_ns: list[int]
    served: list[tuple[int, int, int]]
    """The server's records: time in the WSGI application, request and answer bytes."""
    cpu_ns: int
    """CPU time of the whole process (clients, servers, bus) during the block."""

    @property
    def per_request_ns(self) -> float:
        """Block time per request."""
        return self.elapsed_ns / len(self.latencies_ns)


def queries(seed: int = DEFAULT_SEED) -> list[Query]:
    """The 1 KB gets of the corpus that ask by a GetMeterReadings profile."""
    out = []
    for m in generate_messages("1KB", DEFAULT_COUNTS["1KB"], seed):
        message = decode(m.data) if m.kind == "get" else None
        if not isinstance(message, RequestMessage) or message.request is None:
            continue
        if len(message.request.profile) != 1:
            continue
        h = message.header
        header: dict[str, Any] = {"Verb": h.verb.value, "Noun": h.noun, "Revision": h.revision}
        header |= {"Context": h.context, "Timestamp": h.timestamp, "Source": h.source}
        r = message.request
        out.append(
            Query(
                {k: v for k, v in header.items() if v is not None},
                r.start_time,
                r.end_time,
                r.profile[0].xml,
            )
        )
    if not out:
        raise BenchError("the 1KB corpus has no get by profile")
    return out


def calls(work: list[Query], start: int, count: int) -> list[Call]:
    """``count`` calls from query ``start`` on (cycled), each with a fresh MessageID."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    out = []
    for i in range(start, start + count):
        q = work[i % len(work)]
        mid = new_message_id()
        period = {"StartTime": q.start, "EndTime": q.end}
        request: dict[str, Any] = {k: v for k, v in period.items() if v is not None}
        # a fresh element each time: zeep moves it into the envelope it builds
        request["_value_1"] = [etree.fromstring(q.profile, parser)]
        out.append(Call(mid, {"Header": {**q.header, "MessageID": mid}, "Request": request}))
    return out
