"""``cimbus bench payload``: the structure of its result, never its figures."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bus.bench.payload import lxml_document
from bus.cli.bench import bench
from cim.profiles import METER_READINGS, to_xml
from cim.profiles.samples import interval_readings

from benchchecks import check_rows


def test_lxml_baseline_writes_the_same_document_as_the_codec() -> None:
    """Both sides of the benchmark produce byte-identical payloads."""
    assert lxml_document(25) == to_xml(METER_READINGS, interval_readings(25))


def test_quick_payload_bench_json_has_one_row_with_a_target() -> None:
    """A quick run prints one JSON object: one 1,000-reading row, target 3.0, a verdict."""
    result = CliRunner().invoke(bench, ["payload", "--quick", "--json", "--repeat", "2"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (row,) = doc["rows"]
    assert row["group"] == "1000 readings"
    assert row["target"] == 3.0
    check_rows(doc)
    assert doc["details"]["settings"]["readings"] == 1000


def test_payload_bench_refuses_zero_repeats() -> None:
    """--repeat 0 is a usage error."""
    result = CliRunner().invoke(bench, ["payload", "--repeat", "0"])
    assert result.exit_code != 0
