"""``cimbus bus send|tail``: put messages on the bus, and watch what arrives on a queue."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import click

from bus.envelope import FaultMessage, Message, ResponseMessage, new_message_id
from bus.intake import receive
from bus.transport import connect
from bus.transport.base import Delivery
from cim.errors import CimbusError

_BROKER = click.option(
    "--broker",
    required=True,
    envvar="CIMBUS_BROKER",
    show_envvar=True,
    help=(
        "Where the bus runs: amqp://user:password@host:5672/vhost "
        "(several, comma-separated, for a cluster)"
    ),
)


@click.group(name="bus")
def bus_group() -> None:
    """Send messages to the bus and watch queues."""


def _fresh(message: Message) -> Message:
    """``message`` with a new MessageID."""
    assert not isinstance(message, FaultMessage)
    header = dataclasses.replace(message.header, message_id=new_message_id())
    return dataclasses.replace(message, header=header)


@bus_group.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_BROKER
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Send N copies of each message, each with a fresh MessageID.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Publishers working at once (their confirms overlap).",
)
def send(files: tuple[Path, ...], broker: str, repeat: int, threads: int) -> None:
    """Publish each FILE (XML, SOAP or JSON; generic or per-noun form) and wait for confirms.

    Prints "sent N confirmed N"; exits 1 if any file could not be read or any message was not
    confirmed by the broker.
    """
    messages: list[Message] = []
    unreadable = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"FAIL cannot read {path}: {exc.strerror}", err=True)
            unreadable += 1
            continue
        outcome = receive(data, origin=str(path))
        message = outcome.message
        if message is None or isinstance(message, ResponseMessage | FaultMessage):
            reason = (
                f"{outcome.error.code} {outcome.error.reason}"
                if outcome.error
                else "a reply is sent by the handler of its request, not with bus send"
            )
            click.echo(f"FAIL {path}: {reason}", err=True)
            unreadable += 1
            continue
        if repeat > 1 or not message.header.message_id:
            messages.extend(_fresh(message) for _ in range(repeat))
        else:
            messages.append(message)
    confirmed = 0
    failures: list[str] = []
    if messages:
        try:
            transport = connect(broker)
        except CimbusError as exc:
            raise click.ClickException(f"{exc.code} {exc.reason}") from None
        try:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                futures = [pool.submit(transport.publish, m) for m in messages]
                for future in as_completed(futures):
                    try:
                        future.result()
                        confirmed += 1
                    except CimbusError as exc:
                        failures.append(f"{exc.code} {exc.reason}")
        finally:
            transport.close()
    for reason in sorted(set(failures))[:5]:
        click.echo(f"not confirmed: {reason}", err=True)
    click.echo(f"sent {len(messages)} confirmed {confirmed}")
    if unreadable or confirmed != len(messages):
        sys.exit(1)


@bus_group.command()
@click.option("--queue", required=True, help="Durable queue to consume (declared if missing).")
@click.option(
    "--bind",
    "bindings",
    multiple=True,
    required=True,
    help="Topic pattern such as MeterReadings.* or #.created (repeatable).",
)
@_BROKER
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many messages (default: run until interrupted).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
def tail(
    queue: str, bindings: tuple[str, ...], broker: str, count: int | None, as_json: bool
) -> None:
    """Print one line per message arriving on QUEUE (MessageID, verb, noun, source).

    Each message is acknowledged after it is printed; a redelivered MessageID is not printed
    again. Messages delivered after COUNT is reached go back to the queue.
    """
    try:
        transport = connect(broker)
    except CimbusError as exc:
        raise click.ClickException(f"{exc.code} {exc.reason}") from None
    printed: set[str] = set()
    done = threading.Event()
    lock = threading.Lock()

    def show(delivery: Delivery) -> None:
        message = delivery.message
        header = None if isinstance(message, FaultMessage) else message.header
        mid = (header.message_id if header else None) or f"(no MessageID, {delivery.routing_key})"
        with lock:
            if done.is_set():
                raise RuntimeError("count reached: returned to the queue")
            if mid in printed:
                return
            printed.add(mid)
            if as_json:
                line = json.dumps(
                    {
                        "message_id": mid,
                        "verb": header.verb.value if header else None,
                        "noun": header.noun if header else None,
                        "source": header.source if header else None,
                        "routing_key": delivery.routing_key,
                        "delivery_count": delivery.delivery_count,
                    }
                )
            else:
                line = " ".join(
                    (
                        mid,
                        header.verb.value if header else "-",
                        header.noun if header else "-",
                        (header.source or "-") if header else "-",
                    )
                )
            click.echo(line)
            if count is not None and len(printed) >= count:
                done.set()

    try:
        subscription = transport.subscribe(queue, list(bindings), show, prefetch=1)
    except CimbusError as exc:
        transport.close()
        raise click.ClickException(f"{exc.code} {exc.reason}") from None
    click.echo(f"listening on {queue} bound to {', '.join(bindings)}", err=True)
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        subscription.cancel()
        transport.close()
