"""The SOAP benchmark: the gateway end to end beside a minimal lxml echo, in one run.

Two cheroot servers (:mod:`bus.soap.http`, the same :class:`HttpSettings`) on loopback:

* **candidate**: the gateway, ``SoapApp(MemoryTransport(), catalog=Catalog())``, with an echo
  handler on the bus (:func:`~bus.bench.soap_echo.echo_handler`): zeep client → HTTP → the
  gateway's parse and decode → memory transport → handler → reply → answer → zeep;
* **baseline**: :class:`~bus.bench.soap_echo.EchoApp`, the least a Python SOAP service can do:
  parse with lxml, copy the query into a ResponseMessage, serialise.

Both get the same 1 KB ``GetMeterReadings`` requests (the corpus' gets by profile, each with a
MessageID of its own) from :class:`~bus.soap.client.SoapClient` instances built from the same
WSDL, served by the gateway. Measured: requests one after the other (rate, p50, p99) and from
several client threads at once (rate, p99), in blocks alternating between the sides (gateway,
echo, then echo, gateway, ...) so slow moments of the machine fall on both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from bus.bench.bus_plan import percentile
from bus.bench.corpus import DEFAULT_SEED
from bus.bench.envelope import environment
from bus.bench.report import BenchError, BenchResult, Figure, Steps, Timing, progress_steps
from bus.bench.soap_echo import EchoApp, Timed, echo_handler, local_wsdl
from bus.bench.soap_plan import (
    BASELINE,
    BLOCK_TIMEOUT,
    CALL_TIMEOUT,
    CANDIDATE,
    FULL,
    NOUN,
    OPERATION,
    QUICK,
    SERVER,
    SERVICE,
    TARGET_RATIO,
    TARGET_SHARE,
    UNIT,
    Block,
    Call,
    Plan,
    calls,
    queries,
)
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapApp
from bus.soap.catalog import Catalog
from bus.soap.client import HttpPolicy, SoapClient
from bus.soap.http import HttpServer
from bus.transport.memory import MemoryTransport


def _call(client: SoapClient, call: Call) -> None:
    """One request; BenchError unless the answer is OK, correlated and carries the query."""
    answer = client.call(OPERATION, message_id=call.message_id, **call.kwargs)
    payload = answer.Payload
    if (
        answer.Reply.Result != "OK"
        or answer.Header.CorrelationID != call.message_id
        or payload is None
        or not payload._value_1
    ):
        raise BenchError(f"{client.endpoint} answered {call.message_id} wrongly: {answer}")


@dataclasses.dataclass(slots=True)
class Side:
    """One server under test, its recorder and the clients calling it."""

    name: str
    url: str
    timed: Timed
    clients: list[SoapClient]

    def _fresh_connections(self) -> None:
        """Drop the clients' idle connections (each block opens its own, on both sides).

        A connection left idle while the other side runs its block could reach the server's
        keep-alive timeout just as it is reused, and that request would fail.
        """
        for client in self.clients:
            client.close()

    def sequential(self, batch: list[Call]) -> Block:
        """Send ``batch`` one request after the other from the first client."""
        client = self.clients[0]
        latencies = []
        self._fresh_connections()
        gc.collect()
        self.timed.take()
        cpu, started = time.process_time_ns(), time.perf_counter_ns()
        for call in batch:
            t = time.perf_counter_ns()
            _call(client, call)
            latencies.append(time.perf_counter_ns() - t)
        elapsed = time.perf_counter_ns() - started
        return Block(elapsed, latencies, self.timed.take(), time.process_time_ns() - cpu)

    def concurrent(self, chunks: list[list[Call]]) -> Block:
        """Send each chunk from its own client thread, all starting together."""
        barrier = threading.Barrier(len(chunks))
        lock = threading.Lock()
        spans: list[tuple[int, int]] = []
        latencies: list[int] = []
        errors: list[BaseException] = []

        def work(client: SoapClient, chunk: list[Call]) -> None:
            mine = []
            try:
                barrier.wait(BLOCK_TIMEOUT)
                started = time.perf_counter_ns()
                for call in chunk:
                    t = time.perf_counter_ns()
                    _call(client, call)
                    mine.append(time.perf_counter_ns() - t)
                ended = time.perf_counter_ns()
            except BaseException as exc:
                barrier.abort()
                with lock:
                    errors.append(exc)
                return
            with lock:
                spans.append((started, ended))
                latencies.extend(mine)

        threads = [
            threading.Thread(
                target=work, args=(c, chunk), name=f"bench-{self.name}-{i}", daemon=True
            )
            for i, (c, chunk) in enumerate(zip(self.clients, chunks, strict=True))
        ]
        self._fresh_connections()
        gc.collect()
        self.timed.take()
        cpu = time.process_time_ns()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(BLOCK_TIMEOUT)
        if errors:  # the first real failure, not the broken barrier it left the others
            real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
            raise BenchError(f"a {self.name} client failed: {(real or errors)[0]}")
        if any(t.is_alive() for t in threads):
            raise BenchError(f"{self.name} clients still busy after {BLOCK_TIMEOUT:g} s")
        cpu = time.process_time_ns() - cpu
        elapsed = max(s[1] for s in spans) - min(s[0] for s in spans)
        return Block(elapsed, latencies, self.timed.take(), cpu)


def _start(stack: contextlib.ExitStack, clients: int) -> dict[str, Side]:
    """Both servers on loopback and ``clients`` clients of each; ``stack`` undoes it all."""
    transport = MemoryTransport()
    stack.callback(transport.close)
    transport.subscribe(request_queue(NOUN), request_bindings(NOUN), echo_handler)
    app = SoapApp(transport, catalog=Catalog())
    stack.callback(app.close)
    apps = {"gateway": Timed(app), "echo": Timed(EchoApp())}
    urls = {}
    for name, timed in apps.items():
        server = HttpServer(timed, SERVER)
        urls[name] = server.start()
        stack.callback(server.stop)
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cimbus-bench-")))
    wsdl = local_wsdl(urls["gateway"], SERVICE, directory)
    policy = HttpPolicy(retries=0, timeout=CALL_TIMEOUT)
    sides = {}
    for name, timed in apps.items():
        made = []
        for _ in range(clients):
            made.append(stack.enter_context(SoapClient(wsdl, endpoint=urls[name], policy=policy)))
        sides[name] = Side(name, urls[name], timed, made)
    return sides


def _alternate(
    what: str, sides: dict[str, Callable[[int], Block]], repeat: int, steps: Steps
) -> dict[str, list[Block]]:
    """Each side with -1 (a warm-up), then blocks 0 .. ``repeat`` - 1 in alternating order."""
    for name, run in sides.items():
        steps.describe(f"{what}: warming up {name}")
        run(-1)
        steps.advance()
    out: dict[str, list[Block]] = {name: [] for name in sides}
    names = list(sides)
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            steps.describe(f"{what}: {name} block {r + 1}/{repeat}")
            out[name].append(sides[name](r))
            steps.advance()
    return out


def run_soap_bench(
    *, repeat: int = 5, quick: bool = False, seed: int = DEFAULT_SEED, progress: bool | None = None
) -> BenchResult:
    """Measure the SOAP gateway against the lxml echo on the same requests; never judges.

    ``quick`` sends few requests (for tests: the figures are rough). ``progress`` forces the
    stderr progress display on or off (default: on for a terminal).
    """
    if repeat < 1:
        raise BenchError(f"--repeat must be at least 1, not {repeat}")
    plan = QUICK if quick else FULL
    result = BenchResult(
        title="The SOAP gateway end to end against a minimal lxml echo, same server and client",
        candidate=CANDIDATE,
        baseline=BASELINE,
        environment=environment(),
    )
    result.environment.update({p: _version(p) for p in ("zeep", "cheroot", "requests")})
    work = queries(seed)

    def sequential(side: Side) -> Callable[[int], Block]:
        def run(r: int) -> Block:
            count = plan.warmup if r < 0 else plan.sequential
            return side.sequential(calls(work, max(r, 0) * count, count))

        return run

    def concurrent(side: Side) -> Callable[[int], Block]:
        def run(r: int) -> Block:
            each = plan.warmup_per_client if r < 0 else plan.per_client
            batch = calls(work, max(r, 0) * each * plan.clients, each * plan.clients)
            return side.concurrent([batch[i :: plan.clients] for i in range(plan.clients)])

        return run

    with progress_steps(6 + 4 * repeat, "soap bench", enabled=progress) as steps:
        with contextlib.ExitStack() as stack:
            steps.describe("starting both servers and their clients")
            sides = _start(stack, plan.clients)
            steps.advance()
            seq = _alternate(
                "sequential", {n: sequential(s) for n, s in sides.items()}, repeat, steps
            )
            conc = _alternate(
                "concurrent", {n: concurrent(s) for n, s in sides.items()}, repeat, steps
            )
            steps.describe("stopping the servers")
        steps.advance()
    result.rows.extend(
        [
            _rate("sequential", seq),
            _latency("sequential", seq, 50),
            _latency("sequential", seq, 99),
            _latency("sequential", seq, 50, in_app=True),
            _rate("concurrent", conc),
            _latency("concurrent", conc, 99),
        ]
    )
    result.details = _details(seq, conc, repeat, quick, seed, plan)
    result.notes.extend(_notes(result, repeat, quick, plan))
    return result


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _rate(group: str, blocks: dict[str, list[Block]]) -> Figure:
    """Time per request over whole blocks (rate = requests / block time), judged."""
    timing = {k: Timing(tuple(b.per_request_ns for b in v)) for k, v in blocks.items()}
    return Figure.from_timings(
        "request/reply rate vs echo",
        timing["gateway"],
        timing["echo"],
        unit=UNIT,
        group=group,
        target=TARGET_RATIO,
    )


def _latency(group: str, blocks: dict[str, list[Block]], q: int, *, in_app: bool = False) -> Figure:
    """The ``q``-th percentile over every request of each side (information): the client's
    latency, or with ``in_app`` the time inside the WSGI application."""

    def times(b: Block) -> list[int]:
        return [s[0] for s in b.served] if in_app else b.latencies_ns

    every = {k: [x for b in v for x in times(b)] for k, v in blocks.items()}
    pairs = [
        percentile(times(g), q) / percentile(times(e), q)
        for g, e in zip(blocks["gateway"], blocks["echo"], strict=True)
    ]
    return Figure(
        f"{'server time' if in_app else 'latency'} p{q} vs echo",
        percentile(every["gateway"], q) / 1000,
        percentile(every["echo"], q) / 1000,
        unit=UNIT,
        group=group,
        ratio_range=(min(pairs), max(pairs)) if len(pairs) > 1 else None,
    )


def _in_app(blocks: list[Block]) -> dict[str, float]:
    """p50 and p99 of the time spent inside the WSGI application, in µs."""
    took = [s[0] for b in blocks for s in b.served]
    return {f"p{q}": round(percentile(took, q) / 1000, 1) for q in (50, 99)}


def _details(
    seq: dict[str, list[Block]],
    conc: dict[str, list[Block]],
    repeat: int,
    quick: bool,
    seed: int,
    plan: Plan,
) -> dict[str, Any]:
    modes = {"sequential": seq, "concurrent": conc}
    served = [s for b in seq["gateway"] for s in b.served]
    answers = {k: [s[2] for b in v for s in b.served] for k, v in seq.items()}
    return {
        "settings": {
            "repeat": repeat,
            "quick": quick,
            "seed": seed,
            **dataclasses.asdict(plan),
            "server_threads": SERVER.threads,
            "service": SERVICE,
            "soap": "1.1",
            "client": "bus.soap.client.SoapClient (zeep), retries=0",
        },
        "messages": {
            "request_bytes_mean": round(statistics.fmean(s[1] for s in served)),
            "request_bytes_min": min(s[1] for s in served),
            "request_bytes_max": max(s[1] for s in served),
            **{f"{k}_answer_bytes_mean": round(statistics.fmean(v)) for k, v in answers.items()},
        },
        "rounds_req_s": {
            m: {k: [round(1e9 / b.per_request_ns) for b in v] for k, v in blocks.items()}
            for m, blocks in modes.items()
        },
        "latency_blocks_us": {
            m: {
                k: [
                    {f"p{q}": round(percentile(b.latencies_ns, q) / 1000, 1) for q in (50, 99)}
                    for b in v
                ]
                for k, v in blocks.items()
            }
            for m, blocks in modes.items()
        },
        "in_app_us": {m: {k: _in_app(v) for k, v in blocks.items()} for m, blocks in modes.items()},
        "cpu_us_per_req": {
            m: {
                k: round(statistics.median(b.cpu_ns / len(b.latencies_ns) for b in v) / 1000, 1)
                for k, v in blocks.items()
            }
            for m, blocks in modes.items()
        },
        "targets": {"gateway_share_of_echo_rate_at_least": TARGET_SHARE},
    }


def _notes(result: BenchResult, repeat: int, quick: bool, plan: Plan) -> list[str]:
    notes = [
        f"Ratio = {CANDIDATE} time / {BASELINE} time per request (lower is better). Target for "
        f"both rate rows: the gateway at least {TARGET_SHARE:.0%} of the echo's requests/s, "
        f"i.e. ratio ≤ {TARGET_RATIO:.3f}; the other rows are for information. µs/req is block "
        "time per request in rate rows, the latency or server time in the others; req/s is its "
        "inverse.",
        f"Both servers: cheroot (bus.soap.http) with the same settings ({SERVER.threads} "
        "threads) on loopback in this process. Gateway: SoapApp -> MemoryTransport -> a handler "
        "returning reply_to(request, payload=its query). Echo: lxml parse (no DTD, network or "
        "entities) -> the same ResponseMessage built with lxml -> serialise. Clients: "
        f"SoapClient (zeep, no retries) from the gateway's {SERVICE} WSDL, SOAP 1.1, one "
        "keep-alive connection each; 1 KB gets by GetMeterReadings profile, 1 KB answers.",
        f"Sequential: {repeat} alternating blocks of {plan.sequential} requests per side after "
        f"{plan.warmup} warm-up requests; the median block is reported; p50 and p99 (nearest "
        "rank) over all of a side's requests; ranges are over the block pairs. Concurrent: "
        f"{plan.clients} client threads per side, {plan.per_client} requests each per block, "
        f"{repeat} alternating blocks; rate = requests / (last end - first start).",
        "Clients, servers and the bus share one process and its GIL: rates and latencies are "
        "whole round trips, the zeep client's work included. Server time is the time inside "
        "the WSGI application, measured by the same wrapper on both servers (the gateway's "
        "includes the bus round trip to the handler's thread and back).",
    ]
    for f in result.rows:
        if f.verdict == "MISS":
            share = f.candidate_rate / f.baseline_rate
            notes.append(
                f"MISS: {f.group} {f.name}: {share:.0%} of the echo's rate, target ≥ "
                f"{TARGET_SHARE:.0%}."
            )
    if quick:
        notes.append("Quick run: few requests and clients; figures are rough.")
    if sys.flags.optimize or not __debug__:
        notes.append("Python ran with -O: asserts were skipped.")
    return notes
