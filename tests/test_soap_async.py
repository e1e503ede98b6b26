"""Asynchronous requests through the SOAP gateway: the 0.3 acknowledgement at once, then the
real answer POSTed to the ReplyAddress (retried, or kept as undeliverable), and replies taken in."""

from __future__ import annotations

import threading
import time

import pytest

import bus.envelope as env
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapConfig
from bus.soap.courier import RetryPolicy
from bus.transport.base import Delivery
from bus.transport.memory import MemoryTransport

from soapserver import (  # noqa: F401 (fixtures)
    UP,
    answered,
    body_of,
    failed_code,
    get_request,
    memory_bus_fixture,
    post,
    receiver_fixture,
    serve_noun,
    soap_envelope,
    soap_server_fixture,
)


@pytest.fixture
def gateway(memory_bus, soap_server):
    """A gateway in front of a bus serving UsagePointConfig requests."""
    serve_noun(memory_bus, UP)
    return soap_server(memory_bus, SoapConfig(timeout=5))


def test_async_request_is_acknowledged_then_its_reply_delivered(memory_bus, soap_server, receiver):
    """AsyncReplyFlag + URL: 0.3 at once, then the typed reply POSTed with Reply{Noun}."""
    release = threading.Event()
    seen: list[env.Message] = []

    def slow(delivery: Delivery) -> env.Message:
        seen.append(delivery.message)
        release.wait(10)
        return env.reply_to(delivery.message, source="MDM")  # type: ignore[arg-type]

    memory_bus.subscribe(request_queue(UP), request_bindings(UP), slow)
    running = soap_server(memory_bus)
    req = get_request(async_reply_flag=True, reply_address=receiver.url)
    reply = post(running.url, soap_envelope(body_of(req, form="typed")))
    ack = answered(reply, req)
    assert ack.reply.result is env.Result.OK and ack.reply.errors[0].code == "0.3"
    assert receiver.received == []  # the real answer is not there yet
    release.set()
    (got,) = receiver.wait(1)
    assert got.path == "/replies"
    assert got.headers["soapaction"] == f'"http://iec.ch/TC57/2011/{UP}/Reply{UP}"'
    assert got.headers["content-type"].startswith("text/xml")
    delivered = env.decode(got.body)
    assert isinstance(delivered, env.ResponseMessage)
    assert delivered.header.correlation_id == req.header.message_id
    assert b'xmlns:w="http://iec.ch/TC57/2011/UsagePointConfigMessage"' in got.body
    # the bus saw the request without the asynchronous flag
    assert seen[0].header.async_reply_flag is None and seen[0].header.reply_address is None


def test_async_typed_create_is_delivered_as_the_past_tense_operation(gateway, receiver):
    """A typed create answered OK reaches Reply{Noun} as Created{Noun}, as its WSDL says."""
    req = env.RequestMessage(
        env.make_header(
            "create", UP, source="CIS", async_reply_flag=True, reply_address=receiver.url
        )
    )
    reply = post(gateway.url, soap_envelope(body_of(req, form="typed")))
    assert answered(reply, req).reply.errors[0].code == "0.3"
    (got,) = receiver.wait(1)
    assert got.headers["soapaction"] == f'"http://iec.ch/TC57/2011/{UP}/Created{UP}"'
    event = env.decode(got.body)
    assert isinstance(event, env.EventMessage)
    assert event.header.verb is env.Verb.CREATED
    assert event.header.correlation_id == req.header.message_id
    assert event.header.source == "MDM"
    assert b"<u:mRID>create</u:mRID>" in got.body  # the adapter's payload


def test_async_typed_create_that_failed_is_delivered_as_a_response(
    memory_bus, soap_server, receiver
):
    """A failure cannot be an event: it goes as {Noun}ResponseMessage with Reply{Noun}."""
    running = soap_server(memory_bus)
    req = env.RequestMessage(
        env.make_header(
            "create", UP, source="CIS", async_reply_flag=True, reply_address=receiver.url
        )
    )
    post(running.url, soap_envelope(body_of(req, form="typed")))
    (got,) = receiver.wait(1)
    assert got.headers["soapaction"] == f'"http://iec.ch/TC57/2011/{UP}/Reply{UP}"'
    delivered = env.decode(got.body)
    assert isinstance(delivered, env.ResponseMessage)
    assert delivered.reply.errors[0].code == "2.5"
    assert b"UsagePointConfigResponseMessage" in got.body


def test_async_generic_request_is_delivered_generic_in_its_soap_version(gateway, receiver):
    """A generic SOAP 1.2 asynchronous request is answered generic, in SOAP 1.2."""
    req = get_request(async_reply_flag=True, reply_address=receiver.url)
    reply = post(gateway.url, soap_envelope(body_of(req), version="1.2"), version="1.2")
    assert answered(reply, req).reply.errors[0].code == "0.3"
    (got,) = receiver.wait(1)
    assert got.headers["content-type"].startswith("application/soap+xml")
    assert (
        'action="http://iec.ch/TC57/2011/UsagePointConfig/ReplyUsagePointConfig"'
        in got.headers["content-type"]
    )
    assert b"<m:ResponseMessage" in got.body


def test_async_reply_failure_is_delivered_as_failed(memory_bus, soap_server, receiver):
    """When nothing serves the noun, the asynchronous answer is a FAILED 2.5 reply."""
    running = soap_server(memory_bus)
    req = get_request("Crew", async_reply_flag=True, reply_address=receiver.url)
    assert (
        answered(post(running.url, soap_envelope(body_of(req))), req).reply.errors[0].code == "0.3"
    )
    (got,) = receiver.wait(1)
    delivered = env.decode(got.body)
    assert isinstance(delivered, env.ResponseMessage)
    assert delivered.reply.result is env.Result.FAILED
    assert delivered.reply.errors[0].code == "2.5"


def test_async_delivery_is_retried_with_backoff(memory_bus, soap_server, receiver):
    """A refused delivery is tried again; the third attempt succeeds."""
    serve_noun(memory_bus, UP)
    receiver.statuses.extend([503, 500])
    retry = RetryPolicy(attempts=4, first_delay=0.05)
    running = soap_server(memory_bus, SoapConfig(retry=retry))
    req = get_request(async_reply_flag=True, reply_address=receiver.url)
    post(running.url, soap_envelope(body_of(req)))
    got = receiver.wait(3)
    assert got[0].body == got[2].body
    assert running.app.courier.undelivered() == []


def test_undeliverable_reply_is_given_up_and_kept(memory_bus, soap_server, receiver):
    """After the last attempt the reply is kept in undelivered() with the reason."""
    serve_noun(memory_bus, UP)
    receiver.statuses.extend([500, 500])
    running = soap_server(memory_bus, SoapConfig(retry=RetryPolicy(attempts=2, first_delay=0.01)))
    req = get_request(async_reply_flag=True, reply_address=receiver.url)
    post(running.url, soap_envelope(body_of(req)))
    receiver.wait(2)
    deadline = time.monotonic() + 5
    while not running.app.courier.undelivered() and time.monotonic() < deadline:
        time.sleep(0.01)
    (lost,) = running.app.courier.undelivered()
    assert lost.attempts == 2 and "HTTP 500" in lost.reason
    assert lost.outbound.correlation_id == req.header.message_id


def test_async_reply_reaches_another_gateway_reply_handler(memory_bus, soap_server):
    """Two gateways: the reply POSTed by one is taken by the other's on_reply handler."""
    serve_noun(memory_bus, UP)
    replies: list[env.ResponseMessage] = []
    arrived = threading.Event()

    def on_reply(message: env.ResponseMessage) -> None:
        replies.append(message)
        arrived.set()

    partner = soap_server(MemoryTransport(), on_reply=on_reply)
    ours = soap_server(memory_bus)
    req = get_request(async_reply_flag=True, reply_address=partner.url)
    post(ours.url, soap_envelope(body_of(req, form="typed")))
    assert arrived.wait(10)
    assert replies[0].header.correlation_id == req.header.message_id
    partner.transport.close()


def test_async_reply_address_that_is_not_http_is_refused(gateway):
    """A ReplyAddress URL in another scheme is refused with 1.5 before anything is sent."""
    req = get_request(async_reply_flag=True, reply_address="ftp://example.org/replies")
    assert failed_code(post(gateway.url, soap_envelope(body_of(req)))) == "1.5"


def test_reply_without_a_reply_handler_is_failed_5_2(gateway):
    """A partner's asynchronous reply needs an on_reply handler; without one: FAILED 5.2."""
    reply_message = env.reply_to(get_request())
    body = body_of(reply_message, form="typed")
    assert failed_code(post(gateway.url, soap_envelope(body))) == "5.2"


def test_replies_go_out_through_the_soap_client_with_ws_security(memory_bus, soap_server, receiver):
    """With the SOAP client as the courier's sender (as `cimbus soap serve` does), the reply
    reaches the partner carrying a UsernameToken digest."""
    from bus.soap.client import ClientCredentials, HttpPolicy, SoapClient

    serve_noun(memory_bus, UP)
    client = SoapClient(
        credentials=ClientCredentials(username="cimbus", password="s3cret", digest=True),
        policy=HttpPolicy(timeout=5.0, retries=0),
    )
    try:
        running = soap_server(memory_bus, SoapConfig(timeout=5), deliver=client.post_envelope)
        req = get_request(async_reply_flag=True, reply_address=receiver.url)
        ack = answered(post(running.url, soap_envelope(body_of(req, form="typed"))), req)
        assert ack.reply.errors[0].code == "0.3"
        (got,) = receiver.wait(1)
        assert b"PasswordDigest" in got.body and b"<wsse:Username>cimbus<" in got.body
        delivered = env.decode(got.body)
        assert delivered.header.correlation_id == req.header.message_id  # type: ignore[union-attr]
        time.sleep(0.7)  # past the courier's first retry delay: delivered once, not retried
        assert len(receiver.received) == 1
    finally:
        client.close()


def test_reply_address_outside_the_allowed_hosts_is_refused_with_7_5(memory_bus, soap_server):
    """With reply_hosts set, an asynchronous request naming another host is refused at once
    (7.5) and never reaches the bus; an allowed host is accepted (0.3)."""
    seen: list[Delivery] = []
    memory_bus.subscribe(request_queue(UP), request_bindings(UP), seen.append)
    running = soap_server(memory_bus, SoapConfig(timeout=5, reply_hosts=frozenset({"127.0.0.1"})))
    req = get_request(async_reply_flag=True, reply_address="http://169.254.169.254/latest")
    refused = answered(post(running.url, soap_envelope(body_of(req, form="typed"))), req)
    assert refused.reply.result is env.Result.FAILED and refused.reply.errors[0].code == "7.5"
    time.sleep(0.1)
    assert seen == []
    ok = get_request(async_reply_flag=True, reply_address="http://127.0.0.1:9/replies")
    accepted = answered(post(running.url, soap_envelope(body_of(ok, form="typed"))), ok)
    assert accepted.reply.errors[0].code == "0.3"
