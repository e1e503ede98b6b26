"""The envelope benchmark: the codec's decode + encode against a plain lxml round trip.

Candidate (per message): ``encode_xml(decode(data))`` — parse, validate into the immutable
models, serialise. Baseline (per message, same bytes, same run): ``etree.tostring(
etree.fromstring(data))`` with lxml's default parser — the least any XML round trip can cost.
A JSON row (``encode_json(decode(json_data))`` of the same messages in JSON) is reported against
the same baseline, for information.
"""

from __future__ import annotations

import os
import platform
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from lxml import etree

from bus.bench.corpus import DEFAULT_COUNTS, DEFAULT_SEED, SIZE_CLASSES, generate_messages
from bus.bench.report import (
    BenchError,
    BenchResult,
    Figure,
    Steps,
    Timing,
    measure_interleaved,
    progress_steps,
)
from bus.envelope import decode, encode_json, encode_xml
from cim.errors import CimbusError

TARGET_RATIO = 3.0
"""Highest acceptable codec time / lxml time for the XML round trip."""
QUICK_COUNTS: dict[str, int] = {"1KB": 20, "50KB": 2}
"""Distinct messages per size class in a ``--quick`` run."""
MIN_REPEAT_S = 0.4
"""Shortest duration of one timed repeat in a full run (calls are added until it is reached)."""
QUICK_REPEAT_S = 0.005
"""Shortest duration of one timed repeat in a quick run."""
CANDIDATE = "cimbus codec"
BASELINE = "plain lxml"


def _xml_round_trip(messages: list[bytes]) -> Callable[[], None]:
    def run() -> None:
        for data in messages:
            encode_xml(decode(data))

    return run


def _json_round_trip(messages: list[bytes]) -> Callable[[], None]:
    def run() -> None:
        for data in messages:
            encode_json(decode(data))

    return run


def _lxml_round_trip(messages: list[bytes]) -> Callable[[], None]:
    def run() -> None:
        for data in messages:
            etree.tostring(etree.fromstring(data))

    return run


def _json_forms(size_class: str, messages: list[bytes]) -> list[bytes]:
    """Each message decoded and written as JSON; BenchError naming a message the codec refuses."""
    out = []
    for i, data in enumerate(messages):
        try:
            message = decode(data)
            encode_xml(message)
            out.append(encode_json(message))
        except CimbusError as exc:
            raise BenchError(
                f"{size_class} corpus message {i} is refused by the codec: {exc}"
            ) from None
    for i, data in enumerate(out):
        try:
            decode(data)
        except CimbusError as exc:
            raise BenchError(
                f"{size_class} corpus message {i} in JSON is refused by the codec: {exc}"
            ) from None
    return out


def environment() -> dict[str, Any]:
    """Machine, interpreter and library versions and the date, for the record."""
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "lxml": ".".join(str(p) for p in etree.LXML_VERSION),
        "libxml2": ".".join(str(p) for p in etree.LIBXML_VERSION),
        "cimbus": _version("cimbus"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def run_envelope_bench(
    *,
    repeat: int = 5,
    quick: bool = False,
    seed: int = DEFAULT_SEED,
    progress: bool | None = None,
) -> BenchResult:
    """Measure the codec against plain lxml on the 1KB and 50KB corpora; never judges exit status.

    ``quick`` uses a small corpus and very short repeats (for tests: the figures are rough).
    ``progress`` forces the stderr progress display on or off (default: on for a terminal).
    """
    if repeat < 1:
        raise BenchError(f"--repeat must be at least 1, not {repeat}")
    counts = QUICK_COUNTS if quick else DEFAULT_COUNTS
    min_time = QUICK_REPEAT_S if quick else MIN_REPEAT_S
    cases = ("xml", "json", "lxml")
    result = BenchResult(
        title="Envelope codec: decode + encode per message, against plain lxml on the same bytes",
        candidate=CANDIDATE,
        baseline=BASELINE,
        environment=environment(),
    )
    corpus_info: dict[str, Any] = {}
    calls: dict[str, dict[str, int]] = {}
    total_steps = len(SIZE_CLASSES) * (1 + repeat * len(cases))
    with progress_steps(total_steps, "envelope bench", enabled=progress) as steps:
        for size_class in SIZE_CLASSES:
            steps.describe(f"{size_class}: generating {counts[size_class]} messages")
            try:
                generated = generate_messages(size_class, counts[size_class], seed)
            except ValueError as exc:
                raise BenchError(f"cannot generate the {size_class} corpus: {exc}") from None
            xml = [m.data for m in generated]
            json_forms = _json_forms(size_class, xml)
            steps.advance(f"{size_class}: timing")
            xml_sizes = [len(d) for d in xml]
            json_sizes = [len(d) for d in json_forms]
            corpus_info[size_class] = {
                "messages": len(xml),
                "nominal_bytes": SIZE_CLASSES[size_class],
                "bytes_mean": round(_mean(xml_sizes), 1),
                "bytes_min": min(xml_sizes),
                "bytes_max": max(xml_sizes),
                "json_bytes_mean": round(_mean(json_sizes), 1),
                "kinds": dict(sorted(Counter(m.kind for m in generated).items())),
                "forms": dict(sorted(Counter(m.form for m in generated).items())),
            }
            timings = _time(xml, json_forms, repeat, min_time, steps)
            calls[size_class] = {c: timings[c].calls_per_repeat for c in cases}
            xml_t, json_t, lxml_t = (timings[c] for c in cases)
            result.rows.append(
                Figure.from_timings(
                    "XML: decode + encode_xml",
                    xml_t,
                    lxml_t,
                    group=size_class,
                    target=TARGET_RATIO,
                    candidate_bytes=_mean(xml_sizes),
                    baseline_bytes=_mean(xml_sizes),
                )
            )
            result.rows.append(
                Figure.from_timings(
                    "JSON: decode + encode_json",
                    json_t,
                    lxml_t,
                    group=size_class,
                    candidate_bytes=_mean(json_sizes),
                    baseline_bytes=_mean(xml_sizes),
                )
            )
    result.details = {
        "settings": {
            "repeat": repeat,
            "quick": quick,
            "seed": seed,
            "warmup_calls": 1,
            "min_repeat_seconds": min_time,
            "calls_per_repeat": calls,
        },
        "corpus": corpus_info,
    }
    result.notes.extend(_notes(result, repeat, quick))
    return result


def _time(
    xml: list[bytes], json_forms: list[bytes], repeat: int, min_time: float, steps: Steps
) -> dict[str, Timing]:
    """Interleaved timings of the three round trips over one corpus."""
    callables = {
        "xml": _xml_round_trip(xml),
        "json": _json_round_trip(json_forms),
        "lxml": _lxml_round_trip(xml),
    }
    return measure_interleaved(
        callables, items=len(xml), repeat=repeat, min_time_s=min_time, steps=steps
    )


def _notes(result: BenchResult, repeat: int, quick: bool) -> list[str]:
    notes = [
        f"Ratio = {CANDIDATE} time / {BASELINE} time per message (lower is better; "
        f"target for XML ≤ {TARGET_RATIO:.1f}x). Times are medians of {repeat} interleaved "
        "repeats; the range under a ratio is its lowest-highest over the repeat pairs.",
        f"{BASELINE}: etree.fromstring + etree.tostring of the same bytes (default parser, no "
        "validation, no model objects). JSON rows decode + encode_json the same messages in "
        "JSON, against that same XML baseline, for information (no target).",
        "MB/s counts the input bytes of each side (XML for the baseline, JSON for JSON rows).",
    ]
    for f in result.rows:
        if f.verdict == "MISS" and f.target is not None:
            over = (f.ratio / f.target - 1) * 100
            notes.append(
                f"MISS: {f.group} {f.name} is {f.ratio:.2f}x {BASELINE}, "
                f"{over:.1f}% over the {f.target:.1f}x target."
            )
    if quick:
        notes.append("Quick run: small corpus and very short repeats; figures are rough.")
    if sys.flags.optimize or not __debug__:
        notes.append("Python ran with -O: asserts were skipped.")
    return notes
