"""``cimbus bench soap``: the JSON and table of a quick run, the echo baseline, the refusals.

Performance is never asserted here: only structure (rows, ratios, verdicts) and that both
servers answer the same requests with the same kind of message.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from structlog.testing import capture_logs

import bus.envelope as env
from bus.bench.soap_echo import EchoApp, echo_handler
from bus.bench.soap_plan import FULL, NOUN, QUICK, TARGET_RATIO, calls, queries
from bus.cli.bench import bench
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapApp
from bus.transport.memory import MemoryTransport

from benchchecks import check_rows

ROWS = {
    ("sequential", "request/reply rate vs echo"),
    ("sequential", "latency p50 vs echo"),
    ("sequential", "latency p99 vs echo"),
    ("sequential", "server time p50 vs echo"),
    ("concurrent", "request/reply rate vs echo"),
    ("concurrent", "latency p99 vs echo"),
}
RATES = {"request/reply rate vs echo"}


@pytest.fixture(scope="module")
def quick_run() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The JSON object of one quick soap bench run through the CLI, and what it logged."""
    with capture_logs() as logs:
        result = CliRunner().invoke(bench, ["soap", "--quick", "--json", "--repeat", "2"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed, logs


@pytest.fixture
def quick_json(quick_run: tuple[dict[str, Any], list[dict[str, Any]]]) -> dict[str, Any]:
    """The JSON object of the quick run."""
    return quick_run[0]


def test_json_has_every_row_beside_the_echo(quick_json):
    """--json prints one object with the sequential and concurrent rows, gateway beside echo."""
    assert {(r["group"], r["name"]) for r in quick_json["rows"]} == ROWS
    assert quick_json["candidate"] == "cimbus gateway" and quick_json["baseline"] == "lxml echo"
    assert quick_json["ratio_definition"] == "candidate time / baseline time"
    assert all(r["unit"] == "µs/req" for r in quick_json["rows"])
    env_ = quick_json["environment"]
    assert env_["zeep"] and env_["cheroot"] and env_["requests"] and env_["cpus"]
    settings = quick_json["details"]["settings"]
    assert settings["quick"] is True and settings["repeat"] == 2
    assert settings["clients"] == QUICK.clients and settings["service"] == f"Get{NOUN}"


def test_every_ratio_is_candidate_over_baseline_with_a_verdict(quick_json):
    """Each row has positive times, ratio = candidate / baseline and a verdict for its target."""
    check_rows(quick_json)


def test_targets_are_the_issue_targets(quick_json):
    """Both rate rows are judged at 60% of the echo's rate (ratio ≤ 1/0.6); the rest informs."""
    for row in quick_json["rows"]:
        if row["name"] in RATES:
            assert row["target"] == pytest.approx(TARGET_RATIO)
            assert row["target"] == pytest.approx(1 / 0.6)
        else:
            assert row["target"] is None
    assert quick_json["details"]["targets"]["gateway_share_of_echo_rate_at_least"] == 0.6


def test_details_record_every_block_and_the_message_sizes(quick_json):
    """Per-block rates and latencies, server time and CPU per side; both answers alike in size."""
    details = quick_json["details"]
    for mode in ("sequential", "concurrent"):
        for side in ("gateway", "echo"):
            assert len(details["rounds_req_s"][mode][side]) == 2
            assert len(details["latency_blocks_us"][mode][side]) == 2
            assert details["in_app_us"][mode][side]["p50"] > 0
            assert details["cpu_us_per_req"][mode][side] > 0
    sizes = details["messages"]
    assert 800 <= sizes["request_bytes_min"] <= sizes["request_bytes_max"] <= 2_000
    gateway, echo = sizes["gateway_answer_bytes_mean"], sizes["echo_answer_bytes_mean"]
    assert echo == pytest.approx(gateway, rel=0.15)


def test_nothing_was_refused_during_the_run(quick_run):
    """The quick run logged no warning or error: every request was answered as it should be."""
    _, logs = quick_run
    assert [e for e in logs if e["log_level"] in ("warning", "error", "critical")] == []


def test_table_output_names_the_ratio_and_the_cases():
    """Without --json the command prints a table whose caption defines the ratio."""
    with capture_logs():
        result = CliRunner().invoke(bench, ["soap", "--quick", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "candidate time / baseline time" in text
    assert "sequential" in text and "concurrent" in text and "lxml echo" in text


def test_bad_repeat_is_refused():
    """--repeat 0 is a usage error."""
    result = CliRunner().invoke(bench, ["soap", "--repeat", "0"])
    assert result.exit_code == 2 and "--repeat" in result.output


def test_full_plan_stays_within_the_server_threads():
    """Every concurrent client of a full run gets a server thread of its own."""
    from bus.bench.soap_plan import SERVER

    assert FULL.clients <= SERVER.threads and QUICK.clients <= SERVER.threads


# --- the two servers answer alike ---------------------------------------------------------


def _request(message_id: str = "m-bench-1") -> tuple[env.RequestMessage, bytes]:
    """A corpus get by profile as a typed SOAP 1.1 request, with ``message_id``."""
    query = queries()[0]
    header = env.Header(
        env.Verb.GET,
        NOUN,
        revision=query.header.get("Revision"),
        context=query.header.get("Context"),
        source=query.header.get("Source"),
        message_id=message_id,
    )
    request = env.Request(query.start, query.end, profile=(env.fragment_of(query.profile),))
    message = env.RequestMessage(header, request)
    namespace = env.wrapper_namespace(NOUN, get=True)
    return message, env.encode_soap(message, form="typed", namespace=namespace)


def _post(
    app: Any, body: bytes, content_type: str = "text/xml; charset=utf-8"
) -> tuple[str, bytes]:
    """POST ``body`` to the WSGI ``app`` directly; its status line and body."""
    seen: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/cimbus",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    out = b"".join(app(environ, lambda status, headers: seen.append(status)))
    return seen[0], out


def test_echo_answers_what_the_gateway_answers():
    """The same request gives the same ResponseMessage from both: correlated, OK, the query."""
    request, body = _request()
    transport = MemoryTransport()
    try:
        transport.subscribe(request_queue(NOUN), request_bindings(NOUN), echo_handler)
        answers = {"gateway": _post(SoapApp(transport), body), "echo": _post(EchoApp(), body)}
    finally:
        transport.close()
    decoded = {}
    for name, (status, data) in answers.items():
        assert status.startswith("200"), (name, data)
        message = env.decode(data)
        assert isinstance(message, env.ResponseMessage), name
        decoded[name] = message
    gateway, echo = decoded["gateway"], decoded["echo"]
    assert request.request is not None
    for message in (gateway, echo):
        assert message.header.correlation_id == request.header.message_id
        assert message.reply.result is env.Result.OK and message.payload is not None
        assert message.payload.elements == request.request.profile
    same = ("verb", "noun", "revision", "context", "correlation_id")
    assert [getattr(echo.header, f) for f in same] == [getattr(gateway.header, f) for f in same]
    assert echo.header.message_id and echo.header.timestamp is not None
    roots = {k: etree.fromstring(v[1]) for k, v in answers.items()}
    tags = {k: [e.tag for e in r.iter()] for k, r in roots.items()}
    assert tags["echo"] == [t for t in tags["gateway"] if t != f"{{{env.MESSAGE_NS}}}Source"]


def test_echo_refuses_what_is_not_a_soap_envelope():
    """Not XML, or XML that is not a SOAP envelope: 400 with the reason, never an exception."""
    for body in (b"not xml", b"<x/>", _request()[1].replace(b"Header>", b"Headr>")):
        status, data = _post(EchoApp(), body)
        assert status.startswith("400") and data.strip()


def test_echo_expands_no_entity():
    """The echo's parser leaves entities unexpanded (no DTD, no network, no entities)."""
    _, body = _request()
    hostile = body.replace(
        b"<soap:Envelope", b'<!DOCTYPE x [<!ENTITY e "EXPANDED">]>\n<soap:Envelope', 1
    ).replace(b"</m:mRID>", b"&e;</m:mRID>", 1)
    _, data = _post(EchoApp(), hostile)
    assert b"EXPANDED" not in data


def test_calls_have_their_own_message_ids_and_elements():
    """Each call carries a fresh MessageID and its own profile element (zeep moves it)."""
    work = queries()
    first, second = calls(work, 0, 2), calls(work, 0, 2)
    ids = {c.message_id for c in first + second}
    assert len(ids) == 4
    assert first[0].kwargs["Header"]["MessageID"] == first[0].message_id
    a, b = first[0].kwargs["Request"]["_value_1"][0], second[0].kwargs["Request"]["_value_1"][0]
    assert a is not b and etree.tostring(a) == etree.tostring(b)
    assert first[0].kwargs["Header"]["Noun"] == NOUN
