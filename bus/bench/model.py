"""The network-model benchmark: import, peak memory and trace, beside lxml, rdflib and cimpy.

Per case (the files given, and a generated model of at least 200,000 objects written to a
temporary folder), in one run:

* import: ``cim.network.rdfxml.load`` against a plain lxml full-tree parse of the same documents
  (target ≤ 2.5x), against rdflib's default ``Graph.parse`` (≥ 10x faster: ratio ≤ 0.1) and,
  for CGMES 2.4.15 (CIM16) files, cimpy's import (≥ 3x faster: ratio ≤ 0.33);
* peak memory: each side loads in a fresh interpreter that reports its peak resident memory
  above what it held before loading (target ≤ 2.0x the lxml trees);
* trace (generated case): ``Topology.trace`` of a feeder breaker and of a mid-feeder switch,
  against the 50 ms budget the issue sets (ratio ≤ 1.0), with the graph built once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from bus.bench.envelope import environment
from bus.bench.report import BenchError, BenchResult, Figure, Timing, measure_interleaved

IMPORT_TARGET, RDFLIB_TARGET, CIMPY_TARGET, MEMORY_TARGET = 2.5, 0.1, 1 / 3, 2.0
TRACE_BUDGET_MS = 50.0
GENERATED_OBJECTS = 200_000
"""The least size of the generated case."""
_CIM16 = "CIM-schema-cim16"


def _documents(paths: Sequence[str]) -> list[Any]:
    from cim.network.sources import sources

    found = sources(paths)
    if not found:
        raise BenchError(f"no documents in {', '.join(paths)}")
    return found


def lxml_parse(paths: Sequence[str]) -> list[Any]:
    """The baseline: a plain full-tree lxml parse of every document (trees kept)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    trees = []
    for source in _documents(paths):
        with source.open() as stream:
            trees.append(etree.parse(stream, parser))
    return trees


def rdflib_parse(paths: Sequence[str]) -> object:
    """rdflib's default Graph, parsing every document as RDF/XML."""
    import rdflib

    graph = rdflib.Graph()
    for source in _documents(paths):
        with source.open() as stream:
            graph.parse(data=stream.read(), format="xml", publicID=f"urn:doc:{source.name}")
    return graph


def cimpy_import(paths: Sequence[str]) -> object:
    """cimpy's CGMES 2.4.15 import of the same documents (temporary files for zip members)."""
    import logging

    import cimpy

    logging.getLogger("cimpy").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="cimbus-bench-cimpy-") as folder:
        files = []
        for i, source in enumerate(_documents(paths)):
            target = Path(folder) / f"{i:03d}.xml"
            with source.open() as stream:
                target.write_bytes(stream.read())
            files.append(str(target))
        return cimpy.cim_import(files, "cgmes_v2_4_15")


def cimbus_load(paths: Sequence[str]) -> object:
    """The candidate: cimbus's streaming reader into its store."""
    from cim.network.rdfxml import load

    return load(paths)


_SIDES: dict[str, Callable[[Sequence[str]], object]] = {
    "cimbus": cimbus_load,
    "lxml": lxml_parse,
}


def peak_memory_kib(side: str, paths: Sequence[str]) -> int:
    """Peak resident memory (KiB) one side adds while loading, in a fresh interpreter."""
    probe = (
        "import json, sys\n"
        "from bus.bench.model import _SIDES, _rss_kib\n"
        "fn = _SIDES[sys.argv[1]]\n"
        "before = _rss_kib('VmRSS')\n"
        "kept = fn(sys.argv[2:])\n"
        "print(json.dumps({'peak': _rss_kib('VmHWM') - before}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, side, *paths], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise BenchError(f"memory probe for {side} failed: {out.stderr.strip()[-300:]}")
    return int(json.loads(out.stdout.strip().splitlines()[-1])["peak"])


def _rss_kib(field: str) -> int:
    """A ``/proc/self/status`` memory field in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise BenchError(f"/proc/self/status has no {field}")


def _once(fn: Callable[[], object]) -> Timing:
    start = time.perf_counter_ns()
    fn()
    return Timing((float(time.perf_counter_ns() - start),))


def _is_cim16(paths: Sequence[str]) -> bool:
    for source in _documents(paths)[:1]:
        with source.open() as stream:
            return _CIM16 in stream.read(4096).decode("utf-8", "replace")
    return False


def bench_case(
    result: BenchResult, label: str, paths: Sequence[str], *, repeat: int, quick: bool
) -> None:
    """Import, memory and (for CIM16) cimpy rows for one set of documents."""
    size = sum(s.size for s in _documents(paths))
    timings = measure_interleaved(
        {"cimbus": lambda: cimbus_load(paths), "lxml": lambda: lxml_parse(paths)},
        items=1,
        repeat=repeat,
        warmup=1,
        number=1,
        min_time_s=0.0,
    )
    common: dict[str, Any] = {"group": label, "unit": "ms", "seconds_per_unit": 1e-3}
    common |= {"candidate_bytes": size}

    def row(name: str, cand: Timing, base: Timing, target: float, base_bytes: bool) -> None:
        figure = Figure.from_timings(name, cand, base, target=target, **common)
        figure = Figure(
            figure.name,
            figure.value / 1000.0,
            figure.baseline / 1000.0,
            **{**common, "baseline_bytes": size if base_bytes else None},
            target=target,
            ratio_range=figure.ratio_range,
        )
        result.rows.append(figure)

    row("import vs plain lxml parse", timings["cimbus"], timings["lxml"], IMPORT_TARGET, True)
    mine = Timing((min(timings["cimbus"].samples_ns),))
    row(
        "import vs rdflib Graph.parse",
        mine,
        _once(lambda: rdflib_parse(paths)),
        RDFLIB_TARGET,
        True,
    )
    if _is_cim16(paths) and not quick:
        row(
            "import vs cimpy cim_import",
            mine,
            _once(lambda: cimpy_import(paths)),
            CIMPY_TARGET,
            True,
        )
    peaks = {side: peak_memory_kib(side, paths) for side in ("cimbus", "lxml")}
    result.rows.append(
        Figure(
            "peak memory vs lxml trees",
            peaks["cimbus"] / 1024,
            max(peaks["lxml"], 1) / 1024,
            group=label,
            unit="MiB",
            target=MEMORY_TARGET,
            measure="memory",
        )
    )


def bench_trace(result: BenchResult, label: str, grid: Any, repeat: int) -> None:
    """Trace rows on a generated grid: a feeder breaker and a mid-feeder switch."""
    from cim.network.topology import Topology

    topology = Topology(grid.model)
    topology.trace(grid.breakers[0])  # the energised state is cached once per override set
    mid = grid.switches[len(grid.switches) // 2]
    budget = Timing((TRACE_BUDGET_MS * 1e6,) * repeat)
    for name, start in (
        ("trace: feeder breaker opens", grid.breakers[0]),
        ("trace: mid-feeder switch opens", mid),
    ):
        samples = []
        for _ in range(repeat):
            begin = time.perf_counter_ns()
            topology.trace(start)
            samples.append(float(time.perf_counter_ns() - begin))
        figure = Figure.from_timings(name, Timing(tuple(samples)), budget)
        result.rows.append(
            Figure(
                f"{name} vs the {TRACE_BUDGET_MS:.0f} ms budget",
                figure.value / 1000.0,
                TRACE_BUDGET_MS,
                group=label,
                unit="ms",
                seconds_per_unit=1e-3,
                target=1.0,
            )
        )


def generated_case(objects: int, folder: Path) -> tuple[Any, list[str]]:
    """A generated grid of at least ``objects`` objects, written as RDF/XML into ``folder``."""
    from cim.network.export import write_rdfxml
    from cim.network.generate import generate_grid

    customers = 1000 if objects >= 13_000 else max(5, objects // 14)
    feeders = max(1, objects // 13_000)
    grid = generate_grid(feeders, customers, seed=1)
    while len(grid.model.objects) < objects:  # about 13 objects per customer
        feeders += 1
        grid = generate_grid(feeders, customers, seed=1)
    paths = [str(p) for p in write_rdfxml(grid.model, folder)]
    return grid, paths


def run_model_bench(
    paths: Sequence[str],
    *,
    generated: int = GENERATED_OBJECTS,
    repeat: int = 3,
    quick: bool = False,
) -> BenchResult:
    """Measure import, memory and trace on ``paths`` and on a generated model."""
    if repeat < 1:
        raise BenchError(f"--repeat must be at least 1, not {repeat}")
    result = BenchResult(
        title="Network model: import, peak memory and trace, each beside its baseline",
        candidate="cimbus",
        baseline="baseline (per row)",
        environment=environment(),
    )
    details: dict[str, Any] = {
        "settings": {"repeat": repeat, "quick": quick, "generated": generated}
    }
    if paths:
        bench_case(result, Path(paths[0]).name, paths, repeat=repeat, quick=quick)
    with tempfile.TemporaryDirectory(prefix="cimbus-bench-model-") as folder:
        grid, files = generated_case(generated, Path(folder))
        label = f"generated {len(grid.model.objects):,} objects"
        details["generated_objects"] = len(grid.model.objects)
        bench_case(result, label, files, repeat=repeat, quick=quick)
        bench_trace(result, label, grid, max(repeat, 5))
    result.details = details
    result.notes.append(
        "Ratios are cimbus / baseline: import ≤ 2.5x a plain lxml full-tree parse; ≤ 0.1x rdflib "
        "(10x faster) and ≤ 0.33x cimpy (3x faster, CGMES 2.4.15 files only); peak memory ≤ 2x "
        "the lxml trees (each side in a fresh interpreter, VmHWM above VmRSS before loading); "
        f"trace ≤ the {TRACE_BUDGET_MS:.0f} ms budget with the graph built once."
    )
    result.notes.append("rdflib and cimpy are timed once (they take seconds to minutes).")
    return result


__all__ = [
    "cimbus_load",
    "cimpy_import",
    "lxml_parse",
    "peak_memory_kib",
    "rdflib_parse",
    "run_model_bench",
]
