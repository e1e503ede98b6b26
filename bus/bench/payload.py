"""The payload benchmark: a MeterReadings profile payload built, written and read by the codec.

Candidate (per payload): build the ``cim.model`` objects of one MeterReading with N interval
readings (``cim.profiles.samples.interval_readings``), ``to_xml`` (which validates first) and
``from_xml``. Baseline (per payload, same run): build the same document with plain
``lxml.etree.SubElement`` calls, ``etree.tostring`` and ``etree.fromstring`` — no model, no checks.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Callable

from lxml import etree

from bus.bench.envelope import environment
from bus.bench.report import BenchError, BenchResult, Figure, measure_interleaved, progress_steps
from cim.profiles import METER_READINGS, from_xml, to_xml
from cim.profiles.samples import READING_TYPE_MRID, START, interval_readings

TARGET_RATIO = 3.0
"""Highest acceptable codec time / lxml time for build + write + read."""
READINGS = 1000
"""Interval readings per payload."""
CANDIDATE = "cimbus profile codec"
BASELINE = "plain lxml"


def lxml_document(count: int) -> bytes:
    """The same document ``to_xml(interval_readings(count))`` writes, built with plain lxml."""
    ns = "{" + METER_READINGS.namespace + "}"
    sub = etree.SubElement
    step = _dt.timedelta(minutes=15)
    root = etree.Element(ns + "MeterReadings", nsmap={"m": METER_READINGS.namespace})
    reading = sub(root, ns + "MeterReading")
    block = sub(reading, ns + "IntervalBlocks")
    for i in range(count):
        ir = sub(block, ns + "IntervalReadings")
        stamp = (START + step * (i + 1)).isoformat().replace("+00:00", "Z")
        sub(ir, ns + "timeStamp").text = stamp
        sub(ir, ns + "value").text = f"{0.25 + i % 7 * 0.125}"
    sub(block, ns + "ReadingType").set("ref", READING_TYPE_MRID)
    meter = sub(reading, ns + "Meter")
    sub(meter, ns + "mRID").text = "a5e2c4b8-3f1d-4c9e-9d2b-0c6f1e7a2b01"
    sub(sub(meter, ns + "Names"), ns + "name").text = "M-000123"
    interval = sub(reading, ns + "valuesInterval")
    sub(interval, ns + "end").text = (START + step * count).isoformat().replace("+00:00", "Z")
    sub(interval, ns + "start").text = START.isoformat().replace("+00:00", "Z")
    rt = sub(root, ns + "ReadingType")
    for tag, text in (
        ("mRID", READING_TYPE_MRID),
        ("accumulation", "deltaData"),
        ("commodity", "electricitySecondaryMetered"),
        ("flowDirection", "forward"),
        ("measurementKind", "energy"),
        ("multiplier", "k"),
        ("unit", "Wh"),
    ):
        sub(rt, ns + tag).text = text
    sub(sub(rt, ns + "Names"), ns + "name").text = "15-min forward kWh"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _candidate(count: int) -> Callable[[], None]:
    def run() -> None:
        from_xml(METER_READINGS, to_xml(METER_READINGS, interval_readings(count)))

    return run


def _baseline(count: int) -> Callable[[], None]:
    def run() -> None:
        etree.fromstring(lxml_document(count))

    return run


def run_payload_bench(
    *, repeat: int = 5, quick: bool = False, readings: int = READINGS, progress: bool | None = None
) -> BenchResult:
    """Measure the profile codec against plain lxml on one MeterReadings payload."""
    if repeat < 1:
        raise BenchError(f"--repeat must be at least 1, not {repeat}")
    data = to_xml(METER_READINGS, interval_readings(readings))
    if data != lxml_document(readings):
        raise BenchError("the codec and the lxml baseline do not write the same document")
    result = BenchResult(
        title=f"Payload codec: build + to_xml + from_xml of MeterReadings with {readings} "
        "interval readings, against a plain lxml build + tostring + fromstring",
        candidate=CANDIDATE,
        baseline=BASELINE,
        environment=environment(),
    )
    min_time = 0.005 if quick else 0.4
    with progress_steps(2 * repeat, "payload bench", enabled=progress) as steps:
        timings = measure_interleaved(
            {"codec": _candidate(readings), "lxml": _baseline(readings)},
            items=1,
            repeat=repeat,
            min_time_s=min_time,
            steps=steps,
        )
    result.rows.append(
        Figure.from_timings(
            "MeterReadings: build + to_xml + from_xml",
            timings["codec"],
            timings["lxml"],
            group=f"{readings} readings",
            target=TARGET_RATIO,
            unit="µs/payload",
            candidate_bytes=len(data),
            baseline_bytes=len(data),
        )
    )
    result.details = {
        "settings": {"repeat": repeat, "quick": quick, "readings": readings},
        "payload_bytes": len(data),
    }
    result.notes.append(
        f"Ratio = {CANDIDATE} time / {BASELINE} time per payload (target ≤ {TARGET_RATIO:.1f}x). "
        "The codec side validates the payload (cim.profiles.check) before writing and builds "
        "frozen model objects when reading; the lxml side does neither."
    )
    if quick:
        result.notes.append("Quick run: very short repeats; figures are rough.")
    if sys.flags.optimize:
        result.notes.append("Python ran with -O.")
    return result


__all__ = ["lxml_document", "run_payload_bench"]
