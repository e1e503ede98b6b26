"""Benchmarks: every figure measured beside its baseline in the same run (``cimbus bench``)."""

from __future__ import annotations

from bus.bench.report import (
    RATIO_DEFINITION,
    BenchError,
    BenchResult,
    Figure,
    Steps,
    Timing,
    measure_interleaved,
    progress_steps,
)

__all__ = [
    "RATIO_DEFINITION",
    "BenchError",
    "BenchResult",
    "Figure",
    "Steps",
    "Timing",
    "measure_interleaved",
    "progress_steps",
]
