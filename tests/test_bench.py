"""``cimbus bench``: the bench framework, the envelope benchmark's JSON and the message corpus.

Performance is never asserted here: only structure, determinism and validity.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

import bus.bench.envelope
import bus.envelope as env
from bus.bench import BenchResult, Figure, Timing, measure_interleaved
from bus.bench.corpus import (
    DEFAULT_COUNTS,
    MR_NS,
    SIZE_CLASSES,
    TOLERANCE,
    CorpusMessage,
    generate,
    generate_messages,
)
from bus.cli.bench import bench

from fdis_schema import fdis_schema


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[CorpusMessage]]:
    """The full default corpus of every size class (generated once)."""
    return {sc: generate_messages(sc, DEFAULT_COUNTS[sc]) for sc in SIZE_CLASSES}


@pytest.fixture(scope="module")
def quick_json() -> dict[str, Any]:
    """The JSON object of one quick envelope bench run through the CLI."""
    result = CliRunner().invoke(bench, ["envelope", "--quick", "--json", "--repeat", "3"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_envelope_json_has_both_size_classes_with_xml_and_json_rows(quick_json):
    """--json prints one object whose rows cover 1KB and 50KB, each with an XML and a JSON row."""
    rows = quick_json["rows"]
    assert Counter(r["group"] for r in rows) == {"1KB": 2, "50KB": 2}
    xml_rows = [r for r in rows if r["name"].startswith("XML")]
    assert len(xml_rows) == 2
    assert all(r["target"] == 3.0 and r["verdict"] in ("PASS", "MISS") for r in xml_rows)
    assert all(r["verdict"] == "info" for r in rows if r["name"].startswith("JSON"))
    assert quick_json["ratio_definition"] == "candidate time / baseline time"
    assert set(quick_json["details"]["corpus"]) == {"1KB", "50KB"}
    assert quick_json["environment"]["python"] and quick_json["environment"]["lxml"]


def test_every_row_is_candidate_beside_baseline_with_its_ratio(quick_json):
    """Every row has positive candidate and baseline figures and ratio = candidate / baseline."""
    for row in quick_json["rows"]:
        assert row["candidate"] > 0 and row["baseline"] > 0, row
        assert row["ratio"] == pytest.approx(row["candidate"] / row["baseline"], rel=1e-3)
        low, high = row["ratio_range"]
        assert 0 < low <= high
        for key in ("candidate_per_s", "baseline_per_s", "candidate_mb_s", "baseline_mb_s"):
            assert row[key] > 0, (key, row)


def test_table_output_names_the_ratio_and_both_size_classes():
    """Without --json the command prints a table whose header defines the ratio."""
    result = CliRunner().invoke(bench, ["envelope", "--quick", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "candidate time / baseline time" in text
    assert "1KB" in text and "50KB" in text


def test_bad_repeat_is_refused():
    """--repeat 0 is a usage error with a non-zero exit."""
    result = CliRunner().invoke(bench, ["envelope", "--repeat", "0"])
    assert result.exit_code != 0
    assert "--repeat" in result.output


def test_failure_exits_non_zero_with_one_line(monkeypatch):
    """A failing bench exits 1 with a single-line reason, no traceback."""

    def broken(**_: Any) -> BenchResult:
        raise RuntimeError("corpus message 3 is refused\nby the codec")

    monkeypatch.setattr(bus.bench.envelope, "run_envelope_bench", broken)
    result = CliRunner().invoke(bench, ["envelope", "--quick"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: envelope bench failed: corpus message 3 is refused by the codec"]


def test_figure_ratio_verdict_and_rates():
    """A Figure's ratio is candidate time / baseline time; rates and MB/s derive from the times."""
    f = Figure("x", 30.0, 10.0, target=3.0, candidate_bytes=1000.0, baseline_bytes=1000.0)
    assert f.ratio == 3.0 and f.verdict == "PASS"
    assert Figure("x", 31.0, 10.0, target=3.0).verdict == "MISS"
    assert Figure("x", 31.0, 10.0).verdict == "info"
    assert f.candidate_rate == pytest.approx(1e6 / 30) and f.baseline_rate == pytest.approx(1e5)
    assert f.candidate_mb_s == pytest.approx(1000 * 1e6 / 30 / 1e6)
    pair = Figure.from_timings("x", Timing((300.0, 200.0, 400.0)), Timing((100.0, 100.0, 100.0)))
    assert pair.value == pytest.approx(0.3) and pair.ratio_range == (2.0, 4.0)


def test_measure_interleaved_runs_every_callable_per_repeat():
    """Each callable is warmed up, calibrated and timed once per repeat, with one sample each."""
    calls: Counter[str] = Counter()
    callables = {name: (lambda n=name: calls.update([n])) for name in ("a", "b", "c")}
    timings = measure_interleaved(callables, items=4, repeat=3, number=2)
    assert set(timings) == {"a", "b", "c"}
    assert all(len(t.samples_ns) == 3 and t.median_ns > 0 for t in timings.values())
    assert calls == {"a": 1 + 3 * 2, "b": 1 + 3 * 2, "c": 1 + 3 * 2}


def test_result_json_is_one_object():
    """BenchResult.to_json is a single JSON object holding every row's ratio."""
    result = BenchResult("t", "cand", "base", rows=[Figure("x", 2.0, 1.0, group="g")])
    parsed = json.loads(result.to_json())
    assert parsed["rows"][0]["ratio"] == 2.0 and parsed["passed"] is True


def test_corpus_is_deterministic_per_seed(corpus):
    """The same seed gives the same bytes (a shorter run is a prefix); another seed differs."""
    for sc in SIZE_CLASSES:
        assert generate(sc, 3) == [m.data for m in corpus[sc][:3]]
        assert generate(sc, 3, seed=7) == generate(sc, 3, seed=7)
        assert generate(sc, 3, seed=7) != generate(sc, 3)


def test_corpus_sizes_fall_in_their_bands(corpus):
    """Every message is within ±15% of its class's nominal size, and all are distinct."""
    for sc, messages in corpus.items():
        nominal = SIZE_CLASSES[sc]
        assert len(messages) == DEFAULT_COUNTS[sc]
        assert len({m.data for m in messages}) == len(messages)
        for m in messages:
            assert abs(len(m.data) - nominal) <= TOLERANCE * nominal, (sc, len(m.data))


def test_corpus_mixes_kinds_and_forms(corpus):
    """The 1KB corpus holds events, gets and replies in generic, typed and SOAP forms."""
    messages = corpus["1KB"]
    assert {m.kind for m in messages} == {"event", "get", "reply"}
    forms = {m.form.split("-")[0] for m in messages}
    assert {"generic", "typed", "soap1.1", "soap1.2"} <= forms


def test_every_generated_message_decodes_and_round_trips(corpus):
    """Every message decodes, re-encodes to an equal model, and events carry MeterReadings."""
    for messages in corpus.values():
        for m in messages:
            message = env.decode(m.data)
            assert env.decode(env.encode_xml(message)) == message
            if m.kind == "event":
                assert isinstance(message, env.EventMessage) and message.payload is not None
                assert message.payload.elements[0].tag == f"{{{MR_NS}}}MeterReadings"


@pytest.mark.corpus
def test_corpus_validates_against_the_real_schemas(corpus, shared_data: Path):
    """Generic envelopes validate against FDIS Message.xsd, payloads against MeterReadings.xsd."""
    schemas = shared_data / "iec61968-100"
    envelope_xsd = fdis_schema(schemas / "Message.xsd")
    readings_xsd = etree.XMLSchema(etree.parse(str(schemas / "profiles" / "MeterReadings.xsd")))
    payloads = 0
    for messages in corpus.values():
        for m in messages:
            if m.form == "generic":
                doc = etree.fromstring(m.data)
                assert envelope_xsd.validate(doc), str(envelope_xsd.error_log.last_error)
            message = env.decode(m.data)
            payload = getattr(message, "payload", None)
            for fragment in payload.elements if payload else ():
                assert readings_xsd.validate(etree.fromstring(fragment.xml)), str(
                    readings_xsd.error_log.last_error
                )
                payloads += 1
    assert payloads > 100
