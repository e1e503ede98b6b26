"""``cimbus bench mapping``: its result's structure and its identical-output check, never a time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

import adapters.mapping.bench as mapping_bench
from adapters.crosswalk import NativeKey
from adapters.mapping.bench import (
    TARGET_RATIO,
    compiled_translators,
    run_mapping_bench,
    verify,
)
from adapters.mapping.bench_handwritten import Translator, handwritten_translators
from adapters.mapping.bench_records import MemoryCrosswalk, generate_records, native_keys
from bus.bench.report import BenchError
from bus.cli import main
from cim.errors import MessageError

from benchchecks import check_rows


@pytest.fixture(scope="module")
def quick() -> dict[str, Any]:
    """The JSON object of one quick run through ``cimbus bench mapping``."""
    result = CliRunner().invoke(main, ["bench", "mapping", "--quick", "--json", "--repeat", "2"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _warm(records: list[tuple[str, dict[str, Any]]]) -> MemoryCrosswalk:
    crosswalk = MemoryCrosswalk()
    for kind, doc in records:
        for key in native_keys(kind, doc):
            crosswalk.mrid_for(key, on_miss="create")
    return crosswalk


def _one_reading_off(crosswalk: Any) -> dict[str, Translator]:
    """Hand-written translations whose meter reads carry 1 kWh more in the first interval."""
    fns = handwritten_translators(crosswalk)
    right = fns["meter_read"]

    def wrong(doc: Any) -> Any:
        first, *rest = doc["intervals"]
        return right({**doc, "intervals": [{**first, "kwh": first["kwh"] + 1}, *rest]})

    return {**fns, "meter_read": wrong}


def test_quick_json_rows_pass_the_shared_checks(quick: dict[str, Any]) -> None:
    """A quick run gives the all-records row with the 2.0x target, then one info row per kind."""
    check_rows(quick)
    first, *kinds = quick["rows"]
    assert first["group"] == "all 200 records" and first["target"] == TARGET_RATIO
    assert [row["target"] for row in kinds] == [None, None]
    assert [row["unit"] for row in quick["rows"]] == ["µs/record"] * 3
    assert quick["details"]["records"] == {"meter_read": 100, "outage": 100}
    assert quick["details"]["throughput_share"] == pytest.approx(1 / first["ratio"], rel=1e-2)


def test_quick_run_verified_identical_output_first(quick: dict[str, Any]) -> None:
    """Before timing, the bench compared both sides on a sample and found no difference."""
    verification = quick["details"]["verification"]
    assert verification == {"checked": 200, "identical": True, "mismatches": 0}
    assert "in-memory" in quick["details"]["crosswalk"]
    assert any("Identical output checked" in note for note in quick["notes"])


def test_the_hand_written_functions_build_the_mappings_payloads() -> None:
    """On 400 records of another seed, every payload of both sides is the same."""
    records = list(generate_records(400, seed=7))
    crosswalk = _warm(records)
    found = verify(
        records,
        compiled_translators(crosswalk),
        handwritten_translators(crosswalk),
        sample=400,
    )
    assert found.checked == 400 and found.mismatches == []


def test_a_different_hand_written_function_is_a_mismatch() -> None:
    """A hand-written meter-read translation off by 1 kWh is reported for each meter read."""
    records = list(generate_records(40, seed=3))
    crosswalk = _warm(records)
    found = verify(records, compiled_translators(crosswalk), _one_reading_off(crosswalk), sample=40)
    assert found.checked == 40
    assert len(found.mismatches) == 20
    assert all("(meter_read): at byte" in m for m in found.mismatches)


def test_the_bench_refuses_to_time_sides_that_differ() -> None:
    """run_mapping_bench raises BenchError naming the first differing record."""
    with pytest.raises(BenchError, match=r"the two sides differ: record 0 \(meter_read\)"):
        run_mapping_bench(records=20, repeat=1, handwritten=_one_reading_off, progress=False)


def test_the_cli_reports_a_mismatch_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mismatch makes the command exit 1 with one line saying which record differs."""
    real = mapping_bench.run_mapping_bench
    monkeypatch.setattr(
        mapping_bench,
        "run_mapping_bench",
        lambda **kw: real(**kw, handwritten=_one_reading_off),
    )
    result = CliRunner().invoke(main, ["bench", "mapping", "--quick", "--repeat", "1"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: mapping bench failed: the two sides")


def test_records_are_reproducible_and_realistic() -> None:
    """A seed gives the same records; half are 96-interval meter days, half outage records."""
    first, again = list(generate_records(60, seed=5)), list(generate_records(60, seed=5))
    assert first == again and first != list(generate_records(60, seed=6))
    kinds = [kind for kind, _ in first]
    assert kinds.count("meter_read") == kinds.count("outage") == 30
    reads = [doc for kind, doc in first if kind == "meter_read"]
    assert all(len(doc["intervals"]) == 96 for doc in reads)
    assert {doc["status"] for kind, doc in first if kind == "outage"} >= {"PRED", "CONF"}


def test_memory_crosswalk_follows_the_crosswalk_policies() -> None:
    """create gives a stable mRID, defer None, fail a 2.15 error; keys_for goes back."""
    crosswalk, key = MemoryCrosswalk(), NativeKey("MDM", "meter", "MTR-1")
    assert crosswalk.mrid_for(key, on_miss="defer") is None
    with pytest.raises(MessageError) as caught:
        crosswalk.mrid_for(key, on_miss="fail")
    assert caught.value.code == "2.15"
    mrid = crosswalk.mrid_for(key, on_miss="create")
    assert mrid == MemoryCrosswalk().mrid_for(key, on_miss="create")
    assert mrid is not None and crosswalk.keys_for(mrid) == [key]


class _Counting(MemoryCrosswalk):
    """A MemoryCrosswalk that records every key asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[NativeKey] = []

    def mrid_for(self, key: NativeKey, *, on_miss: str) -> str | None:
        """Record the key, then answer as MemoryCrosswalk does."""
        self.asked.append(key)
        return super().mrid_for(key, on_miss=on_miss)


def test_both_sides_make_the_same_crosswalk_calls() -> None:
    """For every record, the mapping and the hand-written code ask the crosswalk the same keys."""
    crosswalk = _Counting()
    compiled, hand = compiled_translators(crosswalk), handwritten_translators(crosswalk)
    for kind, doc in generate_records(30, seed=11):
        crosswalk.asked.clear()
        compiled[kind](doc)
        by_mapping = sorted(crosswalk.asked, key=str)
        crosswalk.asked.clear()
        hand[kind](doc)
        assert sorted(crosswalk.asked, key=str) == by_mapping, kind
