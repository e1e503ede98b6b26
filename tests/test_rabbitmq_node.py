"""Tests against a real RabbitMQ node: the private one the session starts (see rabbitnode.py)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pika
import pika.exceptions
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from rabbitnode import ExternalNode, RabbitNode

pytestmark = pytest.mark.rabbitmq

QUORUM = {"x-queue-type": "quorum"}
PERSISTENT = pika.BasicProperties(
    delivery_mode=pika.DeliveryMode.Persistent, content_type="application/octet-stream"
)
# Every byte value, a UTF-8 tail and a length that is not a round number.
PAYLOAD = bytes(range(256)) * 17 + "Zähler № 42 ✓".encode()


def unique_queue(purpose: str) -> str:
    """Return a queue name no other test (or earlier run) uses."""
    return f"cimbus.test.{purpose}.{uuid.uuid4().hex}"


@contextmanager
def confirmed_channel(url: str) -> Iterator[BlockingChannel]:
    """Open a connection and a channel in publisher-confirm mode; close both afterwards."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        yield channel
    finally:
        if connection.is_open:
            connection.close()


def test_quorum_queue_round_trip_is_byte_exact(amqp_url: str) -> None:
    """A persistent, confirmed, mandatory message on a durable quorum queue comes back intact."""
    queue = unique_queue("roundtrip")
    with confirmed_channel(amqp_url) as channel:
        channel.queue_declare(queue, durable=True, arguments=QUORUM)
        channel.basic_publish("", queue, PAYLOAD, PERSISTENT, mandatory=True)

        method, properties, body = channel.basic_get(queue, auto_ack=False)
        assert method is not None, "the confirmed message was not in the queue"
        assert body == PAYLOAD
        assert properties.delivery_mode == pika.DeliveryMode.Persistent.value
        assert properties.content_type == "application/octet-stream"
        assert method.redelivered is False
        channel.basic_ack(method.delivery_tag)
        assert channel.basic_get(queue, auto_ack=False) == (None, None, None)

        # Redeclaring it as a classic queue is refused: the broker really made a quorum queue.
        probe = channel.connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            probe.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
        assert refused.value.reply_code == 406
        channel.queue_delete(queue)


def test_unroutable_mandatory_message_raises(amqp_url: str) -> None:
    """A mandatory message that no queue takes raises UnroutableError under publisher confirms."""
    with confirmed_channel(amqp_url) as channel:
        with pytest.raises(pika.exceptions.UnroutableError) as returned:
            channel.basic_publish("", unique_queue("nowhere"), b"lost", PERSISTENT, mandatory=True)
        assert len(returned.value.messages) == 1
        assert returned.value.messages[0].body == b"lost"
        assert channel.is_open, "a returned message must not close the channel"


def test_node_listens_on_loopback_only(rabbitmq_node: RabbitNode | ExternalNode) -> None:
    """The private node's AMQP and distribution listeners are bound to 127.0.0.1 only."""
    if isinstance(rabbitmq_node, ExternalNode):
        pytest.skip("listener addresses are only checked on the private node")
    url = urlsplit(rabbitmq_node.amqp_url)
    assert (url.hostname, url.port) == ("127.0.0.1", rabbitmq_node.port)

    listeners = rabbitmq_node.status()["listeners"]
    assert isinstance(listeners, list)
    by_protocol = {item["protocol"]: item for item in listeners}
    assert by_protocol["amqp"]["port"] == rabbitmq_node.port
    assert by_protocol["clustering"]["port"] == rabbitmq_node.dist_port
    assert {item["interface"] for item in listeners} == {"127.0.0.1"}

    # And the port really is unreachable through this machine's other address, if it has one.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent, only a route lookup
            own_address = probe.getsockname()[0]
        except OSError:
            own_address = None
    if own_address and not own_address.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((own_address, rabbitmq_node.port), timeout=2).close()


def test_durable_message_survives_restart(fresh_rabbitmq_node: RabbitNode) -> None:
    """A confirmed persistent message on a quorum queue is still there after a broker restart."""
    node = fresh_rabbitmq_node
    queue = unique_queue("restart")
    with confirmed_channel(node.amqp_url) as channel:
        channel.queue_declare(queue, durable=True, arguments=QUORUM)
        channel.basic_publish("", queue, PAYLOAD, PERSISTENT, mandatory=True)

    port = node.port
    node.restart()
    assert node.port == port, "a restarted node keeps its port"

    with confirmed_channel(node.amqp_url) as channel:
        method, _properties, body = channel.basic_get(queue, auto_ack=False)
        assert method is not None, "the durable message was lost across the restart"
        assert body == PAYLOAD
        channel.basic_ack(method.delivery_tag)


def test_missing_broker_fails_in_ci_and_skips_elsewhere(monkeypatch):
    """Without rabbitmq-server a broker test fails when CI is set and only skips elsewhere."""
    import rabbitnode_os

    monkeypatch.setattr(rabbitnode_os, "rabbitmq_installed", lambda: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="RabbitMQ is required in CI"):
        rabbitnode_os.require_rabbitmq()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="make test"):
        rabbitnode_os.require_rabbitmq()
