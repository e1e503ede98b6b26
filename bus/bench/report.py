"""A small benchmark framework: interleaved timing, figures beside baselines, table and JSON.

Every figure is a time per item measured in the same run as its baseline. The ratio is always
**candidate time / baseline time**: 1.0 means as fast as the baseline, 3.0 means three times as
slow. Rates (items/s, MB/s) are derived from those times, so they carry the same ratio inverted.

Timing: :func:`measure_interleaved` warms every callable up, calibrates how many calls make one
repeat, then runs the repeats round-robin (candidate, baseline, baseline, candidate, ...) so that
machine noise (frequency scaling, other processes) falls on all of them alike, and reports the
median per-item time of the repeats (``time.perf_counter_ns``).
"""

from __future__ import annotations

import gc
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class BenchError(Exception):
    """A benchmark could not run (bad settings, a corpus message the candidate refuses)."""


RATIO_DEFINITION = "candidate time / baseline time"
"""What every ratio means (above 1.0: the candidate is slower than the baseline)."""


@dataclass(frozen=True, slots=True)
class Timing:
    """Per-item times (ns) of the repeats of one callable, in run order."""

    samples_ns: tuple[float, ...]
    calls_per_repeat: int = 1

    @property
    def median_ns(self) -> float:
        """Median per-item time over the repeats, in nanoseconds."""
        return statistics.median(self.samples_ns)


@dataclass(frozen=True, slots=True)
class Figure:
    """A candidate's time per item beside its baseline's, both from the same run."""

    name: str
    """What the candidate does, e.g. ``XML: decode + encode_xml``."""
    value: float
    """Candidate time per item, in ``unit``."""
    baseline: float
    """Baseline time per item, in ``unit``."""
    unit: str = "µs/msg"
    seconds_per_unit: float = 1e-6
    """Length of one ``unit`` of time in seconds (used to derive rates)."""
    group: str = ""
    """The case the figure belongs to, e.g. a size class (``1KB``)."""
    target: float | None = None
    """Highest acceptable ratio, or None for a figure given for information."""
    candidate_bytes: float | None = None
    """Mean input size of one candidate item in bytes (for MB/s), if meaningful."""
    baseline_bytes: float | None = None
    """Mean input size of one baseline item in bytes (for MB/s), if meaningful."""
    ratio_range: tuple[float, float] | None = None
    """Lowest and highest ratio of the interleaved repeat pairs (how noisy the ratio is)."""
    measure: str = "time"
    """``time`` (rates are derived) or ``memory`` (values in ``unit``; no rates)."""

    @property
    def ratio(self) -> float:
        """Candidate time / baseline time (above 1.0: the candidate is slower)."""
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        """``PASS`` or ``MISS`` against the target, ``info`` when there is none."""
        if self.target is None:
            return "info"
        return "PASS" if self.ratio <= self.target else "MISS"

    @property
    def candidate_rate(self) -> float:
        """Candidate items per second."""
        return 1.0 / (self.value * self.seconds_per_unit)

    @property
    def baseline_rate(self) -> float:
        """Baseline items per second."""
        return 1.0 / (self.baseline * self.seconds_per_unit)

    @property
    def candidate_mb_s(self) -> float | None:
        """Candidate throughput in MB/s (10^6 bytes), if the item size is known."""
        return (
            None
            if self.candidate_bytes is None
            else self.candidate_bytes * self.candidate_rate / 1e6
        )

    @property
    def baseline_mb_s(self) -> float | None:
        """Baseline throughput in MB/s (10^6 bytes), if the item size is known."""
        return (
            None if self.baseline_bytes is None else self.baseline_bytes * self.baseline_rate / 1e6
        )

    @classmethod
    def from_timings(cls, name: str, candidate: Timing, baseline: Timing, **fields: Any) -> Figure:
        """The figure (µs per item) of two interleaved timings of :func:`measure_interleaved`."""
        pairs = [c / b for c, b in zip(candidate.samples_ns, baseline.samples_ns, strict=True)]
        return cls(
            name,
            candidate.median_ns / 1000.0,
            baseline.median_ns / 1000.0,
            ratio_range=(min(pairs), max(pairs)) if len(pairs) > 1 else None,
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        """The figure as a JSON-ready dict, including its ratio and derived rates."""
        return {
            "group": self.group,
            "name": self.name,
            "unit": self.unit,
            "candidate": _round(self.value),
            "baseline": _round(self.baseline),
            "ratio": _round(self.ratio),
            "ratio_range": None
            if self.ratio_range is None
            else [_round(r) for r in self.ratio_range],
            "target": self.target,
            "verdict": self.verdict,
            "measure": self.measure,
            "candidate_per_s": _round(self.candidate_rate) if self.is_time else None,
            "baseline_per_s": _round(self.baseline_rate) if self.is_time else None,
            "candidate_mb_s": _opt_round(self.candidate_mb_s) if self.is_time else None,
            "baseline_mb_s": _opt_round(self.baseline_mb_s) if self.is_time else None,
        }

    @property
    def is_time(self) -> bool:
        """Whether the figure is a time (so rates mean something)."""
        return self.measure == "time"


def _round(x: float) -> float:
    """``x`` to three decimals, or to four significant digits when that keeps more."""
    if x == 0 or not math.isfinite(x):
        return x
    digits = max(3, 3 - math.floor(math.log10(abs(x))))
    return round(x, digits)


def _opt_round(x: float | None) -> float | None:
    return None if x is None else _round(x)


@dataclass(slots=True)
class BenchResult:
    """The outcome of one benchmark: figures beside their baselines, notes and context."""

    title: str
    candidate: str
    """What was measured, e.g. ``cimbus codec``."""
    baseline: str
    """What it is compared with, e.g. ``plain lxml``."""
    rows: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    """Machine, interpreter and library versions, date."""
    details: dict[str, Any] = field(default_factory=dict)
    """Benchmark-specific context (corpus, settings) for the JSON output."""

    @property
    def passed(self) -> bool:
        """True when no figure misses its target."""
        return all(f.verdict != "MISS" for f in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """The whole result as one JSON-ready dict."""
        return {
            "title": self.title,
            "candidate": self.candidate,
            "baseline": self.baseline,
            "ratio_definition": RATIO_DEFINITION,
            "passed": self.passed,
            "rows": [f.to_dict() for f in self.rows],
            "notes": list(self.notes),
            "environment": dict(self.environment),
            "details": dict(self.details),
        }

    def to_json(self) -> str:
        """The whole result as one JSON object (text)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def table(self) -> Table:
        """The figures as a rich table (ratio column = candidate time / baseline time)."""
        c, b = self.candidate, self.baseline
        units = {f.unit for f in self.rows}
        unit = units.pop() if len(units) == 1 else "time/item"
        item = unit.rsplit("/", 1)[-1]
        caption = f"candidate = {c}, baseline = {b}; ratio = {RATIO_DEFINITION} (lower is better)"
        table = Table(
            title=self.title, caption=caption, title_justify="left", caption_justify="left"
        )
        table.add_column("Case")
        table.add_column("Measured", no_wrap=True)
        table.add_column(f"{c}\n{unit}", justify="right")
        table.add_column(f"{b}\n{unit}", justify="right")
        table.add_column("Ratio\ncandidate time /\nbaseline time", justify="right")
        table.add_column("Target", justify="right")
        table.add_column("Result", justify="center")
        table.add_column(f"{c}\n{item}/s · MB/s", justify="right")
        table.add_column(f"{b}\n{item}/s · MB/s", justify="right")
        for f in self.rows:
            spread = ""
            if f.ratio_range is not None:
                spread = f"\n({f.ratio_range[0]:.2f}–{f.ratio_range[1]:.2f})"
            style = {"PASS": "green", "MISS": "bold red"}.get(f.verdict, "dim")
            table.add_row(
                escape(f.group),
                escape(f.name),
                f"{f.value:,.1f}",
                f"{f.baseline:,.1f}",
                f"{f.ratio:.2f}x{spread}",
                "" if f.target is None else f"≤ {f.target:.2g}x",
                f"[{style}]{f.verdict}[/]",
                _rates(f.candidate_rate, f.candidate_mb_s) if f.is_time else "",
                _rates(f.baseline_rate, f.baseline_mb_s) if f.is_time else "",
            )
        return table

    def render(self, console: Console) -> None:
        """Print the table and the notes on ``console``."""
        console.print(self.table())
        for note in self.notes:
            console.print(f"• {note}", markup=False, highlight=False)


def _rates(per_s: float, mb_s: float | None) -> str:
    return f"{per_s:,.0f}" + ("" if mb_s is None else f"\n{mb_s:,.1f} MB/s")


class Steps:
    """Progress of a benchmark on stderr (rich) when stderr is a terminal; silent otherwise."""

    def __init__(self, progress: Progress | None, task: Any) -> None:
        self._progress = progress
        self._task = task

    def advance(self, description: str | None = None) -> None:
        """Count one step done; ``description`` says what comes next."""
        if self._progress is not None:
            if description is not None:
                self._progress.update(self._task, description=description)
            self._progress.advance(self._task)

    def describe(self, description: str) -> None:
        """Say what is being done now."""
        if self._progress is not None:
            self._progress.update(self._task, description=description)


@contextmanager
def progress_steps(total: int, title: str, *, enabled: bool | None = None) -> Iterator[Steps]:
    """A :class:`Steps` counter of ``total`` steps, shown on stderr only if it is a terminal."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield Steps(None, None)
        return
    console = Console(stderr=True)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(title, total=total)
        yield Steps(progress, task)


def _run(fn: Callable[[], object], number: int) -> int:
    """Nanoseconds taken by ``number`` calls of ``fn`` (after collecting leftover garbage)."""
    gc.collect()
    start = time.perf_counter_ns()
    for _ in range(number):
        fn()
    return time.perf_counter_ns() - start


def calibrate(fn: Callable[[], object], min_time_s: float) -> int:
    """How many calls of ``fn`` take at least ``min_time_s`` seconds (at least one)."""
    once = max(_run(fn, 1), 1)
    return max(1, math.ceil(min_time_s * 1e9 / once))


def measure_interleaved(
    callables: Mapping[str, Callable[[], object]],
    *,
    items: int,
    repeat: int = 5,
    warmup: int = 1,
    number: int | None = None,
    min_time_s: float = 0.2,
    steps: Steps | None = None,
) -> dict[str, Timing]:
    """Time per item of each callable (each call handles ``items`` items), repeats interleaved.

    Each callable is called ``warmup`` times first; then ``number`` calls (or as many as take
    ``min_time_s``) make one repeat. Repeat ``r`` runs every callable once, in an order rotated
    by ``r``, so a slow moment of the machine hits candidate and baseline alike. ``steps`` is
    advanced once per timed repeat of one callable.
    """
    if repeat < 1 or items < 1:
        raise ValueError("repeat and items must be at least 1")
    names = list(callables)
    for _ in range(warmup):
        for name in names:
            callables[name]()
    numbers = {
        name: number if number is not None else calibrate(callables[name], min_time_s)
        for name in names
    }
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeat):
        k = r % len(names)
        order = names[k:] + names[:k]
        if r % 2:
            order.reverse()
        for name in order:
            elapsed = _run(callables[name], numbers[name])
            samples[name].append(elapsed / (numbers[name] * items))
            if steps is not None:
                steps.advance()
    return {name: Timing(tuple(s), numbers[name]) for name, s in samples.items()}
