"""``cimbus dlq list|redrive``: inspect and re-drive a queue's dead letters."""

from __future__ import annotations

import json

import click

from bus.envelope import FaultMessage, decode
from bus.transport import connect
from cim.errors import CimbusError

_BROKER = click.option(
    "--broker",
    required=True,
    envvar="CIMBUS_BROKER",
    show_envvar=True,
    help="amqp://user:password@host:5672/vhost",
)
_QUEUE = click.option("--queue", required=True, help="The queue whose dead letters to use.")


@click.group(name="dlq")
def dlq_group() -> None:
    """Dead letters: messages a handler could not process, parked with the reason."""


def _describe(body: bytes) -> dict[str, str | None]:
    try:
        message = decode(body)
    except CimbusError:
        return {"message_id": None, "verb": None, "noun": None}
    header = None if isinstance(message, FaultMessage) else message.header
    return {
        "message_id": header.message_id if header else None,
        "verb": header.verb.value if header else None,
        "noun": header.noun if header else None,
    }


@dlq_group.command(name="list")
@_QUEUE
@_BROKER
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every dead letter.")
def list_(queue: str, broker: str, as_json: bool) -> None:
    """List the dead letters of QUEUE: MessageID, verb, noun, deliveries and reason."""
    try:
        transport = connect(broker)
        try:
            letters = transport.dead_letters(queue)  # type: ignore[attr-defined]
        finally:
            transport.close()
    except CimbusError as exc:
        raise click.ClickException(f"{exc.code} {exc.reason}") from None
    rows = [
        {
            **_describe(d.body),
            "deliveries": d.deliveries,
            "reason": d.reason,
            "routing_key": d.routing_key,
        }
        for d in letters
    ]
    if as_json:
        click.echo(json.dumps({"queue": queue, "dead_letters": rows}))
        return
    for r in rows:
        click.echo(
            f"{r['message_id'] or '-'} {r['verb'] or '-'} {r['noun'] or '-'} "
            f"deliveries={r['deliveries']} reason={r['reason']}"
        )
    click.echo(f"{len(rows)} dead letter(s) in {queue}")


@dlq_group.command()
@_QUEUE
@_BROKER
def redrive(queue: str, broker: str) -> None:
    """Put QUEUE's dead letters back on it with a fresh delivery count (after fixing the cause)."""
    try:
        transport = connect(broker)
        try:
            moved = transport.redrive(queue)  # type: ignore[attr-defined]
        finally:
            transport.close()
    except CimbusError as exc:
        raise click.ClickException(f"{exc.code} {exc.reason}") from None
    click.echo(f"redrove {moved} message(s) to {queue}")
