"""A mapping adapter on the bus: translated messages go out whole; a message the mapping cannot
translate becomes an IEC 61968-100 error reply or a dead letter with the field path — never a
partial message. Runs on the memory transport and on the real RabbitMQ broker."""

from __future__ import annotations

import io
import json
import time
import uuid
from pathlib import Path

import pytest

import bus.envelope as env
from adapters.crosswalk import NativeKey, SqliteCrosswalk
from adapters.mapping.adapter import MappingAdapter
from adapters.mapping.reload import MappingSet
from bus.log import configure_logging
from bus.transport.amqp import AmqpTransport
from bus.transport.memory import MemoryTransport
from cim.profiles import METER_READINGS, from_xml

from mapping_files import mdm_folder, record

GOOD = record(("2026-01-15 00:15", 0.42), ("2026-01-15 00:30", 1.5))
GAP_PATH = "MeterReading/IntervalBlocks/IntervalReadings[2]/timeStamp"


def _wait(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def mappings(tmp_path: Path) -> MappingSet:
    """The MDM read mappings with a crosswalk of the test's own."""
    crosswalk = SqliteCrosswalk(tmp_path / "cw.db")
    yield MappingSet(mdm_folder(tmp_path / "m"), crosswalk=crosswalk)
    crosswalk.close()


@pytest.fixture
def memory_bus():
    """The embedded transport with a queue that receives MeterReadings events."""
    transport = MemoryTransport(retry_delay=0.01)
    transport.declare("cis.readings", ["MeterReadings.created"])
    yield transport
    transport.close()


def _bytes(doc: dict) -> bytes:
    return json.dumps(doc).encode()


def test_a_native_read_is_published_as_a_valid_meter_readings_event(mappings, memory_bus) -> None:
    """The event carries the verb and noun of the mapping and a payload that validates."""
    adapter = MappingAdapter(mappings, memory_bus, source="MDM")
    message = adapter.from_native("mdm.read.to-cim", _bytes(GOOD))
    assert isinstance(message, env.EventMessage)
    assert (message.header.verb.value, message.header.noun) == ("created", "MeterReadings")
    assert memory_bus.depth("cis.readings") == 1
    payload = from_xml(METER_READINGS, message.payload.elements[0].xml)
    assert (
        len(payload.child("MeterReading")[0].child("IntervalBlocks")[0].child("IntervalReadings"))
        == 2
    )


@pytest.mark.parametrize(
    ("data", "code", "words", "path"),
    [
        (
            _bytes(record(("2026-03-29 00:15", 1.0), ("2026-03-29 02:30", 1.0))),
            "1.8",
            "does not exist",
            GAP_PATH,
        ),
        (_bytes(GOOD)[:-9], "1.8", "not JSON", None),
        (b"\xff\xfe{}", "1.8", "not UTF-8", None),
        (b"[1, 2]", "1.8", "one JSON object", None),
        (b" " * (17 * 1024 * 1024), "3.1", "over", None),
        (
            _bytes({"register": "A+", "intervals": []}),
            "1.8",
            "required",
            "MeterReading/Meter/Names/name",
        ),
    ],
    ids=["dst-gap", "truncated", "not-utf8", "not-an-object", "oversize", "missing-required"],
)
def test_an_untranslatable_native_message_gets_an_error_reply_and_nothing_is_published(
    mappings, memory_bus, data, code, words, path
) -> None:
    """FAILED reply with the code and field path; nothing on the bus; the input parked; logged."""
    adapter = MappingAdapter(mappings, memory_bus, source="MDM")
    out = io.StringIO()
    configure_logging(json=True, level="info", stream=out)
    answer = adapter.from_native("mdm.read.to-cim", data)
    logs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert isinstance(answer, env.ResponseMessage)
    assert answer.reply.result is env.Result.FAILED
    (error,) = answer.reply.errors
    assert error.code == code and words in (error.reason or "")
    if path is not None:
        assert error.details == f"element {path}"
    assert memory_bus.depth("cis.readings") == 0
    (parked,) = adapter.parked
    assert parked.data == data and parked.error.code == code
    (line,) = [e for e in logs if e["event"].startswith("native message refused")]
    assert line["message_id"] == parked.message_id == answer.header.correlation_id


def test_an_unknown_mapping_name_is_an_error_reply_not_a_crash(mappings, memory_bus) -> None:
    """Naming a mapping the folder lacks is answered 5.2 with the known names."""
    answer = MappingAdapter(mappings, memory_bus, source="MDM").from_native("nope", b"{}")
    (error,) = answer.reply.errors
    assert error.code == "5.2" and "mdm.read.to-cim" in (error.reason or "")


def _cim_event(mappings: MappingSet, doc: dict, transport, source: str = "HES") -> env.EventMessage:
    """A MeterReadings event made by the to_cim mapping (its mRIDs are in the crosswalk)."""
    return MappingAdapter(mappings, transport, source=source).from_native(
        "mdm.read.to-cim", _bytes(doc)
    )


def test_a_cim_event_is_delivered_to_the_native_system(mappings, memory_bus) -> None:
    """The from_cim mapping turns the event back into the native record."""
    delivered: list[tuple[str, bytes]] = []
    adapter = MappingAdapter(
        mappings, memory_bus, source="MDM", deliver=lambda m, b: delivered.append((m, b))
    )
    memory_bus.subscribe("mdm.in", ["MeterReadings.created"], adapter.handler)
    _cim_event(mappings, GOOD, memory_bus)
    _wait(lambda: delivered)
    ((name, data),) = delivered
    assert name == "mdm.read.from-cim" and json.loads(data) == GOOD


def test_a_cim_event_the_mapping_cannot_translate_is_dead_lettered_with_the_path(
    mappings, memory_bus, tmp_path
) -> None:
    """A meter the MDM has no ID for: dead-lettered at once with 2.15 and the native field."""
    stranger = MappingSet(
        mdm_folder(tmp_path / "other"), crosswalk=SqliteCrosswalk(tmp_path / "x.db")
    )
    delivered: list[bytes] = []
    adapter = MappingAdapter(
        stranger, memory_bus, source="MDM", deliver=lambda m, b: delivered.append(b)
    )
    memory_bus.subscribe("mdm.in", ["MeterReadings.created"], adapter.handler)
    _cim_event(mappings, GOOD, memory_bus)
    _wait(lambda: memory_bus.dead_letters("mdm.in"))
    (dead,) = memory_bus.dead_letters("mdm.in")
    assert dead.deliveries == 1 and "2.15" in dead.reason and "meter" in dead.reason
    assert delivered == []


def test_a_cim_request_the_mapping_cannot_translate_is_answered_failed(
    mappings, memory_bus, tmp_path
) -> None:
    """A create request whose meter is unknown gets a FAILED reply with 2.15."""
    stranger = MappingSet(
        mdm_folder(tmp_path / "other"), crosswalk=SqliteCrosswalk(tmp_path / "x.db")
    )
    adapter = MappingAdapter(stranger, memory_bus, source="MDM")
    memory_bus.subscribe("mdm.requests", ["MeterReadings.create"], adapter.handler)
    event = _cim_event(mappings, GOOD, memory_bus)
    header = env.make_header("create", "MeterReadings", source="CIS")
    answer = memory_bus.request(env.RequestMessage(header, payload=event.payload), timeout=10)
    assert answer.reply.result is env.Result.FAILED
    (error,) = answer.reply.errors
    assert error.code == "2.15" and error.details == "element meter"


@pytest.mark.rabbitmq
def test_on_rabbitmq_translated_events_arrive_and_untranslatable_ones_are_dead_lettered(
    mappings, amqp_url, tmp_path
) -> None:
    """The same contract on the real broker: delivery, and a dead letter with the reason."""
    transport = AmqpTransport(amqp_url, namespace=f"map.{uuid.uuid4().hex[:8]}.")
    try:
        delivered: list[bytes] = []
        good = MappingAdapter(
            mappings, transport, source="MDM", deliver=lambda m, b: delivered.append(b)
        )
        transport.subscribe("mdm.in", ["MeterReadings.created"], good.handler)
        stranger = MappingSet(
            mdm_folder(tmp_path / "other"), crosswalk=SqliteCrosswalk(tmp_path / "x.db")
        )
        refusing = MappingAdapter(stranger, transport, source="MDM")
        transport.subscribe("mdm.stranger", ["MeterReadings.created"], refusing.handler)
        _cim_event(mappings, GOOD, transport)
        _wait(lambda: delivered and transport.dead_letters("mdm.stranger"))
        assert json.loads(delivered[0]) == GOOD
        (dead,) = transport.dead_letters("mdm.stranger")
        assert "2.15" in dead.reason and "meter" in dead.reason
        key = NativeKey("MDM", "meter", "MTR-1")
        assert mappings.get("mdm.read.to-cim") and key.native_id == "MTR-1"
    finally:
        transport.close()


def test_a_payload_that_fails_its_profile_is_never_published(tmp_path, memory_bus) -> None:
    """A mapping that leaves out the ReadingType its blocks refer to: refused by the profile
    check before publishing, answered with the element path."""
    folder = mdm_folder(tmp_path / "m")
    path = folder / "read.to_cim.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  ReadingType:\n")])
    (folder / "read.from_cim.yaml").unlink()
    crosswalk = SqliteCrosswalk(tmp_path / "cw2.db")
    adapter = MappingAdapter(MappingSet(folder, crosswalk=crosswalk), memory_bus, source="MDM")
    answer = adapter.from_native("mdm.read.to-cim", _bytes(GOOD))
    (error,) = answer.reply.errors
    assert answer.reply.result is env.Result.FAILED
    assert "ReadingType" in (error.details or "") and error.code.startswith(("1.", "2."))
    assert memory_bus.depth("cis.readings") == 0 and len(adapter.parked) == 1
    crosswalk.close()


def test_a_running_adapter_translates_with_the_mapping_swapped_in(mappings, memory_bus) -> None:
    """After a reload the adapter's next message uses the new mapping; a refused change none."""
    adapter = MappingAdapter(mappings, memory_bus, source="MDM")
    path = mappings.root / "read.to_cim.yaml"
    original = path.read_text()

    def value() -> str:
        event = adapter.from_native("mdm.read.to-cim", _bytes(GOOD))
        xml = event.payload.elements[0].xml
        block = from_xml(METER_READINGS, xml).child("MeterReading")[0].child("IntervalBlocks")[0]
        return block.child("IntervalReadings")[0].obj.value

    assert value() == "420"
    path.write_text(original.replace("to: Wh}", "to: kWh}"))
    assert mappings.reload().outcome == "swapped"
    assert value() == "0.42"
    path.write_text(original.replace("to: Wh}", "to: kW}"))
    assert mappings.reload().outcome == "refused"
    assert value() == "0.42"
