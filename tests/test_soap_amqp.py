"""The SOAP gateway in front of RabbitMQ: the same answers as over the embedded bus, with the
AMQP transport's guarantees (confirmed publishes, a journal of what passed)."""

from __future__ import annotations

import uuid

import pytest

import bus.envelope as env
from bus.routing import request_bindings, request_queue
from bus.soap.app import SoapConfig
from bus.transport.amqp import AmqpTransport
from bus.transport.base import Delivery

from soapserver import (  # noqa: F401 (fixtures)
    UP,
    answered,
    body_of,
    failed_code,
    get_request,
    post,
    serve_noun,
    soap_envelope,
    soap_server_fixture,
)

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def rabbit_bus(amqp_url):
    """An AMQP transport in a namespace of its own on the session's broker."""
    transport = AmqpTransport(amqp_url, namespace=f"soap.{uuid.uuid4().hex[:8]}.")
    yield transport
    transport.close()


def test_soap_request_and_event_go_through_rabbitmq_and_are_journalled(rabbit_bus, soap_server):
    """A typed get is answered by an adapter on RabbitMQ; a typed event is published there and
    acknowledged; both are in the journal stream byte for byte as they went on the bus."""
    serve_noun(rabbit_bus, UP)  # type: ignore[arg-type]
    events: list[Delivery] = []
    rabbit_bus.subscribe("cimbus.gis.events", [f"{UP}.created"], events.append)
    running = soap_server(rabbit_bus, SoapConfig(timeout=10))

    req = get_request()
    reply = answered(post(running.url, soap_envelope(body_of(req, form="typed"))), req)
    assert reply.reply.result is env.Result.OK and reply.payload is not None

    event = env.EventMessage(env.make_header("created", UP, source="CIS"))
    ack = answered(post(running.url, soap_envelope(body_of(event, form="typed"))), event)
    assert ack.reply.result is env.Result.OK

    journalled = {e.headers.get("MessageID") for e in rabbit_bus.read_journal(idle=0.5)}
    assert {req.header.message_id, event.header.message_id} <= journalled
    assert [d.message.header.message_id for d in events] == [event.header.message_id]  # type: ignore[union-attr]


def test_noun_nobody_serves_on_rabbitmq_is_2_5(rabbit_bus, soap_server):
    """Over RabbitMQ too, a request no adapter serves is answered FAILED 2.5 at once."""
    running = soap_server(rabbit_bus, SoapConfig(timeout=10))
    req = get_request("EndDeviceControls")
    assert failed_code(post(running.url, soap_envelope(body_of(req)))) == "2.5"


def test_handler_on_rabbitmq_sees_the_soap_callers_message(rabbit_bus, soap_server):
    """The adapter behind RabbitMQ receives the caller's MessageID and Source unchanged."""
    seen: list[env.Message] = []
    rabbit_bus.subscribe(
        request_queue(UP),
        request_bindings(UP),
        lambda d: (seen.append(d.message), env.reply_to(d.message))[1],  # type: ignore[arg-type]
    )
    running = soap_server(rabbit_bus, SoapConfig(timeout=10))
    req = get_request()
    answered(post(running.url, soap_envelope(body_of(req))), req)
    assert seen[0].header.message_id == req.header.message_id  # type: ignore[union-attr]
    assert seen[0].header.source == "CIS"  # type: ignore[union-attr]
