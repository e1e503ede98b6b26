"""cimbus broker setup: least-privilege adapter users, checked against a real broker."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

import bus.envelope as env
from bus.broker_admin import Adapter, load_config, permissions
from bus.cli import main
from bus.routing import request_bindings, request_queue
from bus.transport.amqp import AmqpTransport
from cim.errors import ConfigurationError, TransportError

CONFIG = """
[[adapter]]
name = "cis"
password_env = "T_CIS_PW"
publishes = ["MeterReadings.get", "TroubleTicket.created"]
subscribes = ["IncidentInformation.*"]

[[adapter]]
name = "mdm"
password_env = "T_MDM_PW"
publishes = ["EndDeviceEvents.created"]
serves = ["MeterReadings"]
"""


def test_permissions_allow_exactly_the_adapter_resources():
    """The regexes admit the adapter's queues and keys and refuse everyone else's."""
    p = permissions(
        Adapter(
            "cis",
            "pw",
            ("MeterReadings.get", "Outage*.created", "Crew.#"),
            ("IncidentInformation.*",),
            ("CustomerAccounts",),
        )
    )
    ok = lambda rx, s: re.fullmatch(rx, s) is not None  # noqa: E731
    assert ok(p.configure, "cimbus.cis.incidents") and ok(p.configure, "cimbus.cis.incidents.dead")
    assert ok(p.configure, "cimbus.requests.CustomerAccounts")
    assert not ok(p.configure, "cimbus.mdm.x") and not ok(p.configure, "cimbus.requests.Meters")
    assert ok(p.write, "amq.default") and ok(p.write, "cimbus") and not ok(p.write, "amq.direct")
    assert ok(p.write, "cimbus.journal") and ok(p.configure, "cimbus.journal")
    assert not ok(p.read, "cimbus.journal")  # journalling, yes; reading everyone's traffic, no
    assert ok(p.topic_write, "MeterReadings.get") and not ok(p.topic_write, "MeterReadings.create")
    assert ok(p.topic_write, "Crew.changed.extra") and not ok(p.topic_write, "Crews.changed")
    assert ok(p.topic_read, "IncidentInformation.*") and not ok(p.topic_read, "#")
    assert ok(p.topic_read, "CustomerAccounts.get") and not ok(p.topic_read, "Outage.created")


def test_config_is_strict_and_passwords_come_from_the_environment(tmp_path):
    """Unknown keys, bad names and missing password variables are clear errors."""
    path = tmp_path / "a.toml"
    path.write_text(CONFIG)
    with pytest.raises(ConfigurationError, match=r"\$T_CIS_PW"):
        load_config(path, environ={})
    adapters = load_config(path, environ={"T_CIS_PW": "a", "T_MDM_PW": "b"})
    assert [a.name for a in adapters] == ["cis", "mdm"] and adapters[1].serves == ("MeterReadings",)
    path.write_text('vhost = "x"\n' + CONFIG)
    with pytest.raises(ConfigurationError, match="unknown key"):
        load_config(path, environ={"T_CIS_PW": "a", "T_MDM_PW": "b"})
    path.write_text(CONFIG + 'colour = "x"\n')
    with pytest.raises(ConfigurationError, match="unknown adapter key"):
        load_config(path, environ={"T_CIS_PW": "a", "T_MDM_PW": "b"})
    path.write_text('[[adapter]]\nname = "CIS!"\n')
    with pytest.raises(ConfigurationError, match="lower-case"):
        load_config(path, environ={})


@pytest.fixture(scope="module")
def configured(rabbitmq_admin_node, tmp_path_factory):
    """The admin node set up by ``cimbus broker setup`` (twice: it must be idempotent)."""
    path = Path(tmp_path_factory.mktemp("setup")) / "adapters.toml"
    path.write_text(CONFIG)
    env_vars = {"T_CIS_PW": "cis-secret", "T_MDM_PW": "mdm-secret"}
    args = [
        "broker",
        "setup",
        "--broker",
        rabbitmq_admin_node.amqp_url,
        "--config",
        str(path),
        "--api",
        rabbitmq_admin_node.management_url,
    ]
    for _ in range(2):
        result = CliRunner().invoke(main, args, env=env_vars)
        assert result.exit_code == 0, result.output
    assert "user cis: publishes 2, subscribes 1, serves nothing" in result.stdout
    assert "queue cimbus.requests.MeterReadings declared" in result.stdout
    return rabbitmq_admin_node


def _as(node, user: str, password: str) -> AmqpTransport:
    url = node.amqp_url.replace("guest:guest", f"{user}:{password}")
    return AmqpTransport(url)


@pytest.mark.rabbitmq
def test_adapters_work_within_their_permissions(configured):
    """mdm serves MeterReadings requests and cis gets its reply through the broker."""
    mdm = _as(configured, "mdm", "mdm-secret")
    cis = _as(configured, "cis", "cis-secret")
    try:
        mdm.subscribe(
            request_queue("MeterReadings"),
            request_bindings("MeterReadings"),
            lambda d: env.reply_to(d.message, source="mdm"),
        )  # type: ignore[arg-type]
        reply = cis.request(
            env.RequestMessage(env.make_header("get", "MeterReadings", source="cis")), timeout=10
        )
        assert isinstance(reply, env.ResponseMessage) and reply.reply.result is env.Result.OK
        admin = AmqpTransport(configured.amqp_url)
        try:
            journalled = {e.headers.get("MessageID") for e in admin.read_journal(idle=0.5)}
        finally:
            admin.close()
        assert reply.header.message_id and reply.header.correlation_id
        assert {reply.header.message_id, reply.header.correlation_id} <= journalled
        cis.subscribe(
            f"cimbus.cis.{uuid.uuid4().hex[:6]}", ["IncidentInformation.*"], lambda d: None
        )
    finally:
        cis.close()
        mdm.close()


@pytest.mark.rabbitmq
@pytest.mark.parametrize(
    "attempt", ["publish-other-key", "foreign-queue", "wide-binding", "read-journal"]
)
def test_adapters_are_refused_outside_their_permissions(configured, attempt):
    """cis may not publish others' keys, use mdm's queues, bind '#' or read the journal."""
    cis = _as(configured, "cis", "cis-secret")
    try:
        with pytest.raises(TransportError):
            if attempt == "publish-other-key":
                cis.publish(
                    env.EventMessage(env.make_header("created", "EndDeviceEvents", source="cis"))
                )
            elif attempt == "foreign-queue":
                cis.subscribe("cimbus.mdm.stolen", ["IncidentInformation.*"], lambda d: None)
            elif attempt == "wide-binding":
                cis.subscribe("cimbus.cis.everything", ["#"], lambda d: None)
            else:
                list(cis.read_journal(idle=0.5))
    finally:
        cis.close()


def test_setup_reports_a_missing_password_without_touching_the_broker(tmp_path):
    """Without the password variables, setup exits 1 naming the variable."""
    path = tmp_path / "a.toml"
    path.write_text(CONFIG)
    result = CliRunner().invoke(
        main,
        ["broker", "setup", "--broker", "amqp://127.0.0.1:1/", "--config", str(path)],
        env={"T_CIS_PW": ""},
    )
    assert result.exit_code == 1 and "T_CIS_PW" in result.output
