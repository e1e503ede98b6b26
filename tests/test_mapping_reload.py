"""Hot reload: a changed mapping is checked and tested, then swapped in whole; a broken change is
refused with a logged error and the old mappings keep running."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import structlog

from adapters.crosswalk import SqliteCrosswalk
from adapters.mapping.reload import MappingSet

from mapping_files import TO_CIM, mdm_folder, record, write

CASES = """\
tests: MDM reads
to_cim: read.to_cim.yaml
from_cim: read.from_cim.yaml
crosswalk:
  - {object_type: meter, native_id: MTR-1, mrid: 2b7f4c1e-0d6a-4e8b-9a53-0c1d2e3f4a5b}
cases:
  - name: one quarter-hour
    native:
      meter: MTR-1
      register: A+
      intervals: [{t: "2026-01-15 00:15", kwh: 0.42}]
    cim:
      MeterReadings:
        MeterReading:
          - Meter:
              mRID: 2b7f4c1e-0d6a-4e8b-9a53-0c1d2e3f4a5b
              Names: [{name: MTR-1}]
            IntervalBlocks:
              - IntervalReadings: [{timeStamp: "2026-01-14T23:15:00Z", value: "420"}]
                ReadingType: {ref: "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"}
        ReadingType:
          - mRID: "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"
            flowDirection: forward
            unit: Wh
            Names: [{name: MTR-1/A+}]
"""


def _value(mappings: MappingSet) -> str:
    payload = mappings.get("mdm.read.to-cim").to_cim(record(("2026-01-15 00:15", 0.42)))
    block = payload.child("MeterReading")[0].child("IntervalBlocks")[0]
    return block.child("IntervalReadings")[0].obj.value


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The MDM mappings with a passing tests file."""
    return write(mdm_folder(tmp_path / "mappings"), {"read.tests.yaml": CASES})


@pytest.fixture
def crosswalk(tmp_path: Path):
    """A crosswalk file of the test's own."""
    cw = SqliteCrosswalk(tmp_path / "cw.db")
    yield cw
    cw.close()


def test_a_good_change_is_swapped_in(folder, crosswalk) -> None:
    """An edit that passes its check and its tests replaces the running mapping."""
    mappings = MappingSet(folder, crosswalk=crosswalk)
    assert _value(mappings) == "420"
    to_cim = folder / "read.to_cim.yaml"
    to_cim.write_text(TO_CIM.replace("unit: {from: kWh, to: Wh}", "unit: {from: kWh, to: kWh}"))
    cases = folder / "read.tests.yaml"
    cases.write_text(CASES.replace('value: "420"', 'value: "0.42"'))
    (folder / "read.from_cim.yaml").write_text(
        (folder / "read.from_cim.yaml")
        .read_text()
        .replace("from: Wh, to: kWh", "from: kWh, to: kWh")
    )
    assert mappings.reload().outcome == "swapped"
    assert _value(mappings) == "0.42"
    assert mappings.reload().outcome == "unchanged"


def test_a_change_that_breaks_the_yaml_is_refused_and_logged(folder, crosswalk) -> None:
    """A syntax error: refused with file:line:col in an error log line; the old mapping runs on."""
    mappings = MappingSet(folder, crosswalk=crosswalk)
    to_cim = folder / "read.to_cim.yaml"
    to_cim.write_text(TO_CIM.replace("each: intervals", "each: [intervals"))
    with structlog.testing.capture_logs() as logs:
        result = mappings.reload()
    assert result.outcome == "refused"
    assert any(f"{to_cim}:" in reason for reason in result.reasons), result.reasons
    (line,) = [e for e in logs if e["log_level"] == "error"]
    assert "refused" in line["event"] and any(str(to_cim) in p for p in line["problems"])
    assert _value(mappings) == "420"


def test_a_change_that_fails_its_test_cases_is_refused(folder, crosswalk) -> None:
    """A mapping that still checks but no longer gives the expected CIM is not swapped in."""
    mappings = MappingSet(folder, crosswalk=crosswalk)
    to_cim = folder / "read.to_cim.yaml"
    to_cim.write_text(TO_CIM.replace("unit: {from: kWh, to: Wh}", "unit: {from: MWh, to: Wh}"))
    result = mappings.reload()
    assert result.outcome == "refused"
    assert any("one quarter-hour" in reason for reason in result.reasons), result.reasons
    assert _value(mappings) == "420"


def test_a_folder_that_does_not_pass_cannot_start(tmp_path, crosswalk) -> None:
    """Starting on a broken folder is an error that names the problem."""
    folder = write(mdm_folder(tmp_path / "m"), {"read.to_cim.yaml": TO_CIM + "  Bogus: x\n"})
    with pytest.raises(ValueError, match="has no member 'Bogus'"):
        MappingSet(folder, crosswalk=crosswalk)


def test_the_watcher_picks_up_a_change_by_itself(folder, crosswalk) -> None:
    """watch() polls the folder: a refused change is seen without calling reload."""
    mappings = MappingSet(folder, crosswalk=crosswalk)
    mappings.watch(interval=0.05)
    try:
        (folder / "read.to_cim.yaml").write_text(TO_CIM.replace("Meter:", "Metre:"))
        with structlog.testing.capture_logs() as logs:
            deadline = time.monotonic() + 10
            while not any(e["log_level"] == "error" for e in logs):
                assert time.monotonic() < deadline, "the watcher did not look at the change"
                time.sleep(0.02)
    finally:
        mappings.stop()
    assert _value(mappings) == "420"


def test_translations_during_a_swap_see_one_whole_set(folder, crosswalk) -> None:
    """While swaps happen, every translation uses the old mapping or the new, never a mix."""
    mappings = MappingSet(folder, crosswalk=crosswalk, run_tests=False)
    seen: set[str] = set()
    stop = threading.Event()

    def translate() -> None:
        while not stop.is_set():
            seen.add(_value(mappings))

    worker = threading.Thread(target=translate)
    worker.start()
    try:
        path = folder / "read.to_cim.yaml"
        for unit in ("kWh", "Wh", "kWh", "Wh"):
            path.write_text(TO_CIM.replace("to: Wh}", f"to: {unit}}}"))
            assert mappings.reload().outcome == "swapped"
    finally:
        stop.set()
        worker.join()
    assert seen <= {"420", "0.42"} and seen
