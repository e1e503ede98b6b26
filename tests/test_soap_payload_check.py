"""The SOAP gateway checks payloads against their noun's message profile before the bus sees
them: a bad payload is a FAILED answer with the IEC 61968-100 code and the element path, and
nothing is published; ``check_payloads=False`` (``--no-payload-check``) leaves it to adapters."""

from __future__ import annotations

import time

import pytest

import bus.envelope as env
from bus.soap.app import SoapConfig
from cim.profiles import CUSTOMER_CONFIG, METER_READINGS, to_xml
from cim.profiles.samples import interval_readings

from soapserver import (  # noqa: F401 (fixtures)
    body_of,
    failed_code,
    memory_bus_fixture,
    post,
    soap_envelope,
    soap_server_fixture,
)

MR_NS = METER_READINGS.namespace
CC_NS = CUSTOMER_CONFIG.namespace


def _event(noun: str, payload: bytes) -> env.EventMessage:
    fragment = env.fragment_of(payload)
    header = env.make_header("created", noun, source="MDM")
    return env.EventMessage(header, payload=env.Payload(elements=(fragment,)))


def _published(memory_bus, noun: str) -> list[env.Message]:
    got: list[env.Message] = []
    memory_bus.subscribe(f"test.{noun}", [f"{noun}.*"], lambda d: got.append(d.message))
    return got


def _wait_for(got: list[env.Message], count: int) -> None:
    deadline = time.monotonic() + 5
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def _no_payload_bytes(payload: bytes) -> bytes:
    """The payload without its XML declaration (it goes inside the SOAP body)."""
    return payload.split(b"?>", 1)[1] if payload.startswith(b"<?xml") else payload


def test_valid_payload_is_published(memory_bus, soap_server):
    """A CreatedMeterReadings event whose payload fits the profile is published and OK."""
    got = _published(memory_bus, "MeterReadings")
    running = soap_server(memory_bus)
    payload = _no_payload_bytes(to_xml(METER_READINGS, interval_readings(4)))
    reply = post(running.url, soap_envelope(body_of(_event("MeterReadings", payload))))
    assert reply.status == 200 and b"<m:Result>OK</m:Result>" in reply.body, reply.body
    _wait_for(got, 1)
    assert len(got) == 1


@pytest.mark.parametrize(
    ("noun", "payload", "code", "element"),
    [
        pytest.param(
            "MeterReadings",
            f'<m:MeterReadings xmlns:m="{MR_NS}"><m:MeterReading><m:bogus/></m:MeterReading>'
            "</m:MeterReadings>",
            "1.7",
            "/EventMessage/Payload/MeterReadings/MeterReading[1]/bogus",
            id="unknown element",
        ),
        pytest.param(
            "MeterReadings",
            f'<m:MeterReadings xmlns:m="{MR_NS}"><m:MeterReading><m:IntervalBlocks>'
            "<m:IntervalReadings><m:timeStamp>yesterday</m:timeStamp></m:IntervalReadings>"
            "</m:IntervalBlocks></m:MeterReading></m:MeterReadings>",
            "1.8",
            "/EventMessage/Payload/MeterReadings/MeterReading[1]/IntervalBlocks[1]"
            "/IntervalReadings[1]/timeStamp",
            id="bad dateTime",
        ),
        pytest.param(
            "CustomerConfig",
            f'<c:CustomerConfig xmlns:c="{CC_NS}"><c:Customer><c:mRID>cu-9</c:mRID></c:Customer>'
            "<c:CustomerAgreement><c:mRID>ag-1</c:mRID>"
            '<c:Customer ref="cu-9"/><c:CustomerAccount ref="ac-9"/>'
            '<c:ServiceSupplier ref="dso"/></c:CustomerAgreement></c:CustomerConfig>',
            "2.19",
            "/EventMessage/Payload/CustomerConfig/CustomerAgreement[1]/CustomerAccount",
            id="unresolved customer account",
        ),
    ],
)
def test_bad_payload_is_failed_with_code_and_path_and_not_published(
    memory_bus, soap_server, noun: str, payload: str, code: str, element: str
):
    """A payload that breaks its profile is answered FAILED with the code and element path;
    no subscriber sees it."""
    got = _published(memory_bus, noun)
    running = soap_server(memory_bus)
    reply = post(running.url, soap_envelope(body_of(_event(noun, payload.encode()))))
    assert failed_code(reply) == code
    assert element.encode() in reply.body
    time.sleep(0.1)
    assert got == []


def test_payload_check_can_be_left_to_adapters(memory_bus, soap_server):
    """With check_payloads=False the same bad payload is published (the adapter decides)."""
    got = _published(memory_bus, "MeterReadings")
    running = soap_server(memory_bus, SoapConfig(check_payloads=False))
    payload = f'<m:MeterReadings xmlns:m="{MR_NS}"><m:Nope/></m:MeterReadings>'.encode()
    reply = post(running.url, soap_envelope(body_of(_event("MeterReadings", payload))))
    assert reply.status == 200 and b"<m:Result>OK</m:Result>" in reply.body, reply.body
    _wait_for(got, 1)
    assert len(got) == 1
