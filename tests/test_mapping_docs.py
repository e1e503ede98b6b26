"""docs/mappings.md teaches with files that work: every ``# file:`` block is written out, checked,
compiled and tested, and the outputs the page describes are what the mappings make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.crosswalk import SqliteCrosswalk
from adapters.mapping import load_catalog
from adapters.mapping.testing import run_tests

DOC = Path(__file__).parent.parent / "docs" / "mappings.md"
_BLOCK = re.compile(r"```yaml\n# file: (\S+)\n(.*?)```", re.S)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The page's files, written where their ``# file:`` lines say."""
    root = tmp_path_factory.mktemp("docs")
    blocks = _BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 9, "the page lost its file examples"
    for name, text in blocks:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def catalog(folder, tmp_path_factory):
    """The page's mappings, checked and compiled with a crosswalk of their own."""
    cw = SqliteCrosswalk(tmp_path_factory.mktemp("cw") / "cw.db")
    yield load_catalog(folder, crosswalk=cw)
    cw.close()


def test_every_example_file_checks_clean(catalog) -> None:
    """No problem in any example: the page never shows a mapping that would be refused."""
    assert [str(p) for p in catalog.problems] == []
    assert len(catalog.mappings) == 6


def test_the_example_test_cases_pass(folder) -> None:
    """The worked example's test file passes, its error case included."""
    report = run_tests(folder)
    assert report.failed == 0, [r.detail for r in report.results if not r.ok]
    checks = sorted(r.check for r in report.results)
    assert (report.passed, checks) == (2, ["error", "from_cim", "round_trip", "to_cim"])


def test_each_makes_one_object_per_item(catalog) -> None:
    """Two outages make two MeterReadings; the first names meters M1 and M2."""
    doc = {"outages": [{"meters": ["M1", "M2"]}, {"meters": ["M3"]}]}
    readings = catalog.mappings["oms.outage-devices"].to_cim(doc).child("MeterReading")
    names = [[n.obj.name for n in r.child("Meter")[0].child("Names")] for r in readings]
    assert names == [["M1", "M2"], ["M3"]]


def test_group_by_makes_one_message_of_many_rows(catalog) -> None:
    """The page's three CSV rows make A with two readings and B with one."""
    data = (
        b"meter_id,utc,wh\nA,2026-01-01T00:15:00Z,410\n"
        b"B,2026-01-01T00:15:00Z,220\nA,2026-01-01T00:30:00Z,395\n"
    )
    readings = catalog.mappings["cis.csv-reads"].to_cim(data).child("MeterReading")
    counts = [len(r.child("IntervalBlocks")[0].child("IntervalReadings")) for r in readings]
    assert counts == [2, 1]


def test_const_and_default_fill_what_is_absent(catalog) -> None:
    """``{}`` gives tou 1 and the default name; a tariff of 2 gives tou 2."""
    mapping = catalog.mappings["const-default"]
    empty = mapping.to_cim({}).child("ReadingType")[0]
    assert empty.obj.tou == 1 and empty.child("Names")[0].obj.name == "interval energy"
    assert mapping.to_cim({"tariff": 2}).child("ReadingType")[0].obj.tou == 2


def test_when_sets_values_and_objects_only_where_it_holds(catalog) -> None:
    """Cancelled reads are skipped; the flag is set for trips and alarms that are not tests."""
    doc = {
        "reads": [
            {"kind": "trip"},
            {"kind": "alarm", "test": True},
            {"kind": "trip", "cancelled": "yes"},
            {"kind": "read"},
        ]
    }
    readings = catalog.mappings["when-flags"].to_cim(doc).child("MeterReading")
    assert [r.obj.isCoincidentTrigger for r in readings] == [True, None, None]
