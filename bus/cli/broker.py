"""``cimbus broker setup``: the bus topology and per-adapter users and permissions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bus.broker_admin import (
    BrokerAdmin,
    credentials_of,
    load_config,
    management_url,
    permissions,
    vhost_of,
)
from bus.routing import request_bindings, request_queue
from bus.transport import connect
from cim.errors import CimbusError


@click.group(name="broker")
def broker_group() -> None:
    """Administer the RabbitMQ broker the bus runs on."""


@broker_group.command()
@click.option(
    "--broker",
    required=True,
    envvar="CIMBUS_BROKER",
    show_envvar=True,
    help="AMQP URL of an administrator, with the vhost: amqp://admin:pw@host:5672/vhost",
)
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file describing the adapters (see docs/operations.md).",
)
@click.option(
    "--api", default=None, help="Management API URL (default: http://<broker host>:15672)."
)
@click.option("--json", "as_json", is_flag=True, help="Print what was set up as one JSON object.")
def setup(broker: str, config_path: Path, api: str | None, as_json: bool) -> None:
    """Declare the topology and create each adapter's user with least-privilege permissions.

    Safe to run again: every step is idempotent.
    """
    try:
        adapters = load_config(config_path)
        vhost = vhost_of(broker)
        admin = BrokerAdmin(api or management_url(broker), *credentials_of(broker))
        admin.overview()
        admin.put_vhost(vhost)
        admin.grant_all(vhost, credentials_of(broker)[0])
        report = []
        for adapter in adapters:
            admin.put_user(adapter.name, adapter.password)
            admin.set_permissions(vhost, adapter.name, permissions(adapter))
            report.append(
                {
                    "user": adapter.name,
                    "publishes": list(adapter.publishes),
                    "subscribes": list(adapter.subscribes),
                    "serves": list(adapter.serves),
                }
            )
        transport = connect(broker)
        try:
            queues = []
            for noun in sorted({n for a in adapters for n in a.serves}):
                transport.declare(request_queue(noun), request_bindings(noun))  # type: ignore[attr-defined]
                queues.append(request_queue(noun))
        finally:
            transport.close()
    except CimbusError as exc:
        raise click.ClickException(f"{exc.code} {exc.reason}") from None
    if as_json:
        click.echo(json.dumps({"vhost": vhost, "users": report, "queues": queues}))
        return
    click.echo(f"vhost {vhost} ready")
    for r in report:
        click.echo(
            f"user {r['user']}: publishes {len(r['publishes'])}, subscribes "
            f"{len(r['subscribes'])}, serves {', '.join(r['serves']) or 'nothing'}"
        )
    for q in queues:
        click.echo(f"queue {q} declared")
