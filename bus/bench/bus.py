"""The bus benchmark: cimbus on RabbitMQ beside raw pika, and the memory transport.

Measured in one run, on the same 1 KB MeterReadings messages (:mod:`bus.bench.corpus`):

* **events end to end**: ``publish_many`` in batches → topic exchange → quorum queue → one
  consumer whose handler returns → ack; against raw pika doing the same with async confirms
  (:mod:`bus.bench.pika_baseline`), with the same exchange, queue arguments, persistence,
  ``mandatory``, confirm window and prefetch;
* **request/reply latency**: one requester sending requests one after the other through
  ``request`` to a subscribed handler that returns the reply; against raw pika over direct
  reply-to; the p50 and p99 of each;
* **the memory transport end to end** (encoding and decoding included), against the codec alone
  on the same messages, judged by its absolute rate.

Broker figures come from alternating rounds (bus, pika, then pika, bus, ...) so slow moments of
the machine or the broker fall on both; each side keeps one connection for the whole run. The
bus side uses only the transport protocol (``connect``, ``publish_many``, ``request``,
``subscribe``, ``close``) and encodes every message itself: that is part of its cost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bus.bench import pika_baseline as raw
from bus.bench.bus_plan import (
    BASELINE,
    BATCH,
    CANDIDATE,
    DELIVERY_LIMIT,
    EVENT_BINDINGS,
    EVENTS_QUEUE,
    FULL,
    NOUN,
    PREFETCH,
    QUICK,
    REQUEST_TIMEOUT,
    ROUND_TIMEOUT,
    TARGET_MEMORY_RATE,
    TARGET_P99_RATIO,
    TARGET_SHARE,
    TARGET_THROUGHPUT_RATIO,
    Counter,
    Plan,
    Workload,
    percentile,
    workload,
)
from bus.bench.corpus import DEFAULT_SEED
from bus.bench.envelope import environment
from bus.bench.report import (
    BenchError,
    BenchResult,
    Figure,
    Steps,
    Timing,
    measure_interleaved,
    progress_steps,
)
from bus.envelope import (
    EventMessage,
    Message,
    RequestMessage,
    decode,
    encode_xml,
    reply_to,
)
from bus.routing import request_bindings, request_queue
from bus.transport import Transport, connect
from bus.transport.base import Delivery


class _Broker:
    """Both sides on one broker: the bus (one transport) and raw pika (one connection)."""

    def __init__(self, url: str, work: Workload) -> None:
        uid = uuid.uuid4().hex[:12]
        self.url = url
        self.namespaces = (f"bench.{uid}.bus.", f"bench.{uid}.pika.")
        self.setup = raw.Setup(
            events_queue=EVENTS_QUEUE,
            event_bindings=EVENT_BINDINGS,
            requests_queue=request_queue(NOUN),
            request_bindings=tuple(request_bindings(NOUN)),
            delivery_limit=DELIVERY_LIMIT,
            prefetch=PREFETCH,
        )
        self.counter = Counter()
        self.transport: Transport | None = None
        self.baseline: raw.PikaBaseline | None = None
        self.work = work
        self.reply = reply_to(work.requests[0], payload=work.reply_payload, source="bench")
        self.event_wires = [raw.wire(m) for m in work.events]
        self.request_wires = [raw.wire(m, request=True) for m in work.requests]

    def open(self) -> None:
        """Connect both sides, declare their queues and start their consumers."""
        s, ns = self.setup, self.namespaces
        self.transport = connect(self.url, namespace=ns[0], delivery_limit=DELIVERY_LIMIT)
        self.transport.subscribe(s.events_queue, s.event_bindings, self.counter, prefetch=PREFETCH)
        self.transport.subscribe(
            s.requests_queue, s.request_bindings, self._serve, prefetch=PREFETCH
        )
        self.baseline = raw.PikaBaseline(self.url, ns[1], s)
        self.baseline.start(self.reply, encode_xml(self.reply))

    def _serve(self, delivery: Delivery) -> Message:
        request = delivery.message
        if not isinstance(request, RequestMessage):
            raise BenchError(f"the request queue got a {request.kind}")
        return reply_to(request, payload=self.work.reply_payload, source="bench")

    def bus_round(self, count: int) -> int:
        """Nanoseconds to publish ``count`` events (confirmed) and have the handler see them all."""
        assert self.transport is not None
        events = self.work.events
        batches = [events[i : min(i + BATCH, count)] for i in range(0, count, BATCH)]
        self.counter.arm(count)
        gc.collect()
        started = time.perf_counter_ns()
        for batch in batches:
            self.transport.publish_many(batch)
        self.counter.wait(ROUND_TIMEOUT, f"a bus round of {count} messages")
        return time.perf_counter_ns() - started

    def pika_round(self, count: int) -> int:
        """Nanoseconds for the same through raw pika."""
        assert self.baseline is not None
        gc.collect()
        return self.baseline.throughput(self.event_wires, count, BATCH, ROUND_TIMEOUT)

    def bus_requests(self, start: int, count: int) -> list[int]:
        """Nanoseconds of each request, sent one after the other, until its reply is decoded."""
        assert self.transport is not None
        gc.collect()
        out = []
        for request in self.work.requests[start : start + count]:
            started = time.perf_counter_ns()
            self.transport.request(request, timeout=REQUEST_TIMEOUT)
            out.append(time.perf_counter_ns() - started)
        return out

    def pika_requests(self, start: int, count: int) -> list[int]:
        """Nanoseconds of each of the same requests through raw pika."""
        assert self.baseline is not None
        gc.collect()
        wires = self.request_wires[start : start + count]
        return self.baseline.request_latencies(wires, ROUND_TIMEOUT)

    def close(self) -> None:
        """Close both sides and delete every queue and exchange the run declared."""
        try:
            if self.transport is not None:
                self.transport.close()
            if self.baseline is not None:
                self.baseline.close()
        finally:
            raw.delete_topology(self.url, self.namespaces, [EVENTS_QUEUE, request_queue(NOUN)])


def run_bus_bench(
    *,
    broker: str,
    repeat: int = 5,
    quick: bool = False,
    seed: int = DEFAULT_SEED,
    progress: bool | None = None,
) -> BenchResult:
    """Measure the bus against raw pika on ``broker``, and the memory transport; never judges.

    ``quick`` runs small rounds (for tests: the figures are rough). ``progress`` forces the
    stderr progress display on or off (default: on for a terminal).
    """
    if repeat < 1:
        raise BenchError(f"--repeat must be at least 1, not {repeat}")
    plan = QUICK if quick else FULL
    result = BenchResult(
        title="The bus end to end on RabbitMQ against raw pika, and the memory transport",
        candidate=CANDIDATE,
        baseline=BASELINE,
        environment=environment(),
    )
    requests = plan.warmup_requests + repeat * plan.requests_per_block
    with progress_steps(2 + 6 * repeat + 4, "bus bench", enabled=progress) as steps:
        steps.describe("preparing messages and connecting")
        work = workload(max(plan.round_messages, plan.memory_messages), requests, seed)
        side = _Broker(broker, work)
        try:
            side.open()
            assert side.baseline is not None
            result.environment.update(
                pika=raw.pika_version(),
                rabbitmq=side.baseline.server_version,
                broker_host=urlsplit(broker).hostname,
            )
            steps.advance("memory transport")
            memory = _memory(work.events[: plan.memory_messages], repeat, plan, steps)
            rounds = _alternate(
                "events",
                {
                    "bus": lambda r: side.bus_round(plan.messages(r)),
                    "pika": lambda r: side.pika_round(plan.messages(r)),
                },
                repeat,
                steps,
            )
            blocks = _alternate(
                "request/reply",
                {
                    "bus": lambda r: side.bus_requests(*plan.requests(r)),
                    "pika": lambda r: side.pika_requests(*plan.requests(r)),
                },
                repeat,
                steps,
            )
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                side.close()
            raise
        steps.describe("deleting the benchmark's queues")
        side.close()
        steps.advance()
    throughput = {k: Timing(tuple(ns / plan.round_messages for ns in v)) for k, v in rounds.items()}
    sizes = [len(w.body) for w in side.event_wires]
    mean_size = statistics.fmean(sizes)
    sized: dict[str, Any] = {"candidate_bytes": mean_size, "baseline_bytes": mean_size}
    result.rows.append(
        Figure.from_timings(
            "events end to end vs raw pika",
            throughput["bus"],
            throughput["pika"],
            group="RabbitMQ",
            target=TARGET_THROUGHPUT_RATIO,
            **sized,
        )
    )
    result.rows.extend(_latency_figures(blocks))
    codec_us = memory["codec"].median_ns / 1000
    result.rows.append(
        Figure.from_timings(
            "events end to end vs codec alone",
            memory["memory"],
            memory["codec"],
            group="memory",
            target=1e6 / TARGET_MEMORY_RATE / codec_us,
            **sized,
        )
    )
    result.details = {
        "settings": {
            "repeat": repeat,
            "quick": quick,
            "seed": seed,
            **dataclasses.asdict(plan),
            "publish_many_batch": BATCH,
            "pika_confirm_window": BATCH,
            "prefetch": PREFETCH,
            "delivery_limit": DELIVERY_LIMIT,
            "memory_calls_per_repeat": {k: t.calls_per_repeat for k, t in memory.items()},
            "namespaces": list(side.namespaces),
        },
        "messages": {
            "event_bytes_mean": round(mean_size, 1),
            "event_bytes_min": min(sizes),
            "event_bytes_max": max(sizes),
            "request_bytes_mean": round(statistics.fmean(len(w.body) for w in side.request_wires)),
            "reply_bytes": len(encode_xml(side.reply)),
        },
        "rounds_msg_s": {k: [round(1e9 / t) for t in v.samples_ns] for k, v in throughput.items()},
        "latency_blocks_us": {
            k: [{f"p{q}": round(percentile(b, q) / 1000, 1) for q in (50, 99)} for b in v]
            for k, v in blocks.items()
        },
        "targets": {
            "bus_share_of_pika_rate_at_least": TARGET_SHARE,
            "request_reply_p99_ratio_at_most": TARGET_P99_RATIO,
            "memory_msg_s_at_least": TARGET_MEMORY_RATE,
        },
    }
    result.notes.extend(_notes(result, repeat, quick, plan))
    return result


_T = TypeVar("_T")


def _alternate(
    what: str,
    sides: dict[str, Callable[[int], _T]],
    repeat: int,
    steps: Steps,
) -> dict[str, list[_T]]:
    """Call each side with -1 (a warm-up), then with 0 .. ``repeat`` - 1, alternating the order.

    Bus then pika in even rounds, pika then bus in odd ones, so that a slow moment of the
    machine or the broker falls on both alike. Returns each side's results, warm-up excluded.
    """
    for name, run in sides.items():
        steps.describe(f"{what}: warming up {name}")
        run(-1)
        steps.advance()
    out: dict[str, list[_T]] = {name: [] for name in sides}
    names = list(sides)
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            steps.describe(f"{what}: {name} round {r + 1}/{repeat}")
            out[name].append(sides[name](r))
            steps.advance()
    return out


def _memory(events: list[EventMessage], repeat: int, plan: Plan, steps: Steps) -> dict[str, Timing]:
    """Interleaved timings of the memory transport end to end and of the codec alone."""
    transport = connect("memory://")
    counter = Counter()
    try:
        transport.subscribe(EVENTS_QUEUE, EVENT_BINDINGS, counter, prefetch=PREFETCH)

        def through_memory() -> None:
            counter.arm(len(events))
            transport.publish_many(events)
            counter.wait(ROUND_TIMEOUT, "the memory transport")

        def codec_alone() -> None:
            for message in events:
                decode(encode_xml(message))

        return measure_interleaved(
            {"memory": through_memory, "codec": codec_alone},
            items=len(events),
            repeat=repeat,
            min_time_s=plan.memory_repeat_s,
            steps=steps,
        )
    finally:
        transport.close()


def _latency_figures(blocks: dict[str, list[list[int]]]) -> list[Figure]:
    """p50 (information) and p99 (target) over every request of each side, in µs."""
    figures = []
    every = {k: [x for b in v for x in b] for k, v in blocks.items()}
    for q, target in ((50.0, None), (99.0, TARGET_P99_RATIO)):
        pairs = [
            percentile(b, q) / percentile(p, q)
            for b, p in zip(blocks["bus"], blocks["pika"], strict=True)
        ]
        figures.append(
            Figure(
                f"request/reply p{q:.0f} vs raw pika",
                percentile(every["bus"], q) / 1000,
                percentile(every["pika"], q) / 1000,
                group="RabbitMQ",
                target=target,
                ratio_range=(min(pairs), max(pairs)) if len(pairs) > 1 else None,
            )
        )
    return figures


def _notes(result: BenchResult, repeat: int, quick: bool, plan: Plan) -> list[str]:
    notes = [
        f"Ratio = {CANDIDATE} time / reference time (lower is better). Reference: raw pika for "
        "the RabbitMQ rows, the codec alone (encode_xml + decode of the same messages) for the "
        "memory row.",
        f"Events: {repeat} alternating rounds of {plan.round_messages:,} messages per side after "
        f"a warm-up of {plan.warmup_messages:,}; the median time per message is reported. Both "
        "sides: durable topic exchange, quorum queue with the same arguments, persistent, "
        f"mandatory, publisher confirms (bus: publish_many batches of {BATCH:,}; pika: async "
        f"confirms, window of {BATCH:,}), one consumer, manual acks, prefetch {PREFETCH}. "
        f"Target: at least {TARGET_SHARE:.0%} of raw pika's rate, i.e. ratio ≤ "
        f"{TARGET_THROUGHPUT_RATIO:.3f}.",
        "The bus encodes every message on publish and decodes every delivery before its "
        "handler (part of its cost); raw pika sends the same bytes, encoded once by cimbus "
        "before timing, and never decodes.",
        f"Request/reply: {repeat} alternating blocks of {plan.requests_per_block} sequential "
        "requests per side (1 KB get, 1 KB reply); p50 and p99 (nearest rank) over all of a "
        "side's requests; the range under a ratio is over the block pairs. A request counts "
        "until its confirm and its reply are both in. For these rows µs/msg is µs per request "
        "and msg/s is 1 / latency.",
        f"Memory: target {TARGET_MEMORY_RATE:,.0f} msg/s end to end, i.e. "
        f"{1e6 / TARGET_MEMORY_RATE:.0f} µs/msg; shown as a ratio to the codec time of this "
        f"run (target ratio = {1e6 / TARGET_MEMORY_RATE:.0f} µs / codec µs), so PASS means "
        "the absolute rate is reached. The reference is encode_xml + decode of each message "
        "on one thread, the work the transport cannot avoid; the transport encodes in the "
        "publisher's thread and decodes in the consumer's, which can overlap while lxml parses "
        "without the GIL.",
    ]
    for f in result.rows:
        if f.verdict != "MISS":
            continue
        if f.group == "memory":
            why = f"{f.candidate_rate:,.0f} msg/s, target ≥ {TARGET_MEMORY_RATE:,.0f} msg/s"
        elif f.name.startswith("events"):
            share = f.candidate_rate / f.baseline_rate
            why = f"{share:.0%} of raw pika's rate, target ≥ {TARGET_SHARE:.0%}"
        else:
            why = f"{f.ratio:.2f}x raw pika's, target ≤ {f.target}x"
        notes.append(f"MISS: {f.group} {f.name}: {why}.")
    if quick:
        notes.append("Quick run: small rounds and blocks; figures are rough.")
    if sys.flags.optimize or not __debug__:
        notes.append("Python ran with -O: asserts were skipped.")
    return notes
