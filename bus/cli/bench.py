"""``cimbus bench``: performance measurements, each figure beside its baseline from the same run."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click
from rich.console import Console

from bus.bench.report import BenchResult


@click.group()
def bench() -> None:
    """Measure performance; every figure printed beside its baseline from the same run."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def _emit(result: BenchResult, as_json: bool) -> None:
    if as_json:
        click.echo(result.to_json())
        return
    # a file or pipe gets a wide table instead of rich's 80-column default, unless COLUMNS says
    wide = sys.stdout.isatty() or "COLUMNS" in os.environ
    console = Console(width=None if wide else 140)
    result.render(console)


_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print only one JSON object on stdout."
)


def _repeat(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The ``--repeat`` option (at least 1, default 5) with ``help_text``."""
    return click.option(
        "--repeat", type=click.IntRange(min=1), default=5, show_default=True, help=help_text
    )


@bench.command(short_help="Envelope codec round trip against plain lxml (target ≤ 3.0x).")
@_JSON
@_repeat("Timed repeats per case; the median is reported.")
@click.option(
    "--quick", is_flag=True, help="Short run on a small corpus (for tests; figures are rough)."
)
def envelope(as_json: bool, repeat: int, quick: bool) -> None:
    """Envelope codec (decode + encode) against plain lxml parse + serialise of the same bytes.

    Target: the XML round trip at most 3.0x the lxml one. A miss is reported, never an error.
    """
    from bus.bench.envelope import run_envelope_bench

    try:
        result = run_envelope_bench(repeat=repeat, quick=quick)
    except Exception as exc:  # any failure: one line, non-zero exit
        raise click.ClickException(f"envelope bench failed: {_one_line(exc)}") from exc
    _emit(result, as_json)


NO_BROKER = (
    "no broker: give --broker amqp://user:password@host:5672/vhost or set CIMBUS_BROKER. "
    "The benchmark declares its own queues under a fresh bench.<id>. prefix and deletes them "
    "at the end. For a private throwaway node, from a cimbus checkout: make rabbitmq "
    "(installs rabbitmq-server if missing), then .venv/bin/python tests/rabbitnode.py (prints "
    "its URL; Ctrl-C stops it)."
)


@bench.command(
    name="bus", short_help="The bus on RabbitMQ against raw pika, and the memory transport."
)
@click.option(
    "--broker",
    envvar="CIMBUS_BROKER",
    show_envvar=True,
    help="RabbitMQ to measure on: amqp://user:password@host:5672/vhost (required).",
)
@_JSON
@_repeat("Timed rounds per side; the median (or percentile over all rounds) is reported.")
@click.option(
    "--quick", is_flag=True, help="Small rounds, a few seconds (for tests; figures are rough)."
)
def bus_bench(broker: str | None, as_json: bool, repeat: int, quick: bool) -> None:
    """The bus on RabbitMQ against raw pika, and the memory transport, on 1 KB messages.

    Measures events end to end (publish, route, consume, ack) and sequential request/reply
    through the bus and through raw pika with the same settings, alternating rounds; and the
    memory transport end to end against the codec alone.

    Targets: the bus at least 70% of raw pika's event rate; request/reply p99 at most 1.5x
    raw pika's; the memory transport at least 20,000 messages/s end to end. A miss is
    reported, never an error. Without a broker the command stops with exit status 2.
    """
    if not broker:
        raise click.UsageError(NO_BROKER)
    from bus.bench.bus import run_bus_bench

    try:
        result = run_bus_bench(broker=broker, repeat=repeat, quick=quick)
    except Exception as exc:  # any failure: one line, non-zero exit
        raise click.ClickException(f"bus bench failed: {_one_line(exc)}") from exc
    _emit(result, as_json)


@bench.command(
    name="soap", short_help="The SOAP gateway against a minimal lxml echo (target ≥ 60%)."
)
@_JSON
@_repeat("Alternating timed blocks per side and mode; the median block is reported.")
@click.option(
    "--quick", is_flag=True, help="Few requests, a few seconds (for tests; figures are rough)."
)
def soap_bench(as_json: bool, repeat: int, quick: bool) -> None:
    """The SOAP gateway end to end against a minimal lxml echo under the same HTTP server.

    zeep clients built from the gateway's GetMeterReadings WSDL send the same 1 KB get requests
    to both, one after the other and from several threads at once, in alternating blocks. The
    gateway puts each on the memory transport, where an echo handler answers it; the echo
    builds the same answer with lxml alone.

    Target: the gateway at least 60% of the echo's requests per second, sequential and
    concurrent; p50 and p99 are reported. A miss is reported, never an error.
    """
    from bus.bench.soap import run_soap_bench

    try:
        result = run_soap_bench(repeat=repeat, quick=quick)
    except Exception as exc:  # any failure: one line, non-zero exit
        raise click.ClickException(f"soap bench failed: {_one_line(exc)}") from exc
    _emit(result, as_json)


__all__ = ["bench"]


@bench.command(short_help="MeterReadings payload codec against plain lxml (target ≤ 3.0x).")
@_JSON
@_repeat("Timed repeats per side; the median is reported.")
@click.option("--quick", is_flag=True, help="Very short repeats (for tests; figures are rough).")
def payload(as_json: bool, repeat: int, quick: bool) -> None:
    """Build, write and read a MeterReadings payload of 1,000 interval readings, beside lxml.

    Target: at most 3.0x a plain lxml build + tostring + fromstring. A miss is reported, never an
    error.
    """
    from bus.bench.payload import run_payload_bench

    try:
        result = run_payload_bench(repeat=repeat, quick=quick)
    except Exception as exc:  # any failure: one line, non-zero exit
        raise click.ClickException(f"payload bench failed: {_one_line(exc)}") from exc
    _emit(result, as_json)


@bench.command("model", short_help="Network model import, memory and trace vs lxml, rdflib, cimpy.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True))
@_JSON
@_repeat("Timed repeats of the import pair; the median is reported.")
@click.option(
    "--generated",
    type=click.IntRange(min=100),
    default=200_000,
    show_default=True,
    help="Least number of objects of the generated model (written to a temporary folder).",
)
@click.option("--quick", is_flag=True, help="Skip cimpy (for tests; figures are rough).")
def model_bench(
    paths: tuple[str, ...], as_json: bool, repeat: int, generated: int, quick: bool
) -> None:
    """Import PATHS and a generated model beside lxml, rdflib and cimpy; trace on the latter.

    Targets: import ≤ 2.5x a plain lxml parse, ≥ 10x faster than rdflib, ≥ 3x faster than
    cimpy (CGMES 2.4.15 files), peak memory ≤ 2x the lxml trees, trace under 50 ms. A miss is
    reported, never an error.
    """
    from bus.bench.model import run_model_bench

    try:
        result = run_model_bench(list(paths), generated=generated, repeat=repeat, quick=quick)
    except Exception as exc:  # any failure: one line, non-zero exit
        raise click.ClickException(f"model bench failed: {_one_line(exc)}") from exc
    _emit(result, as_json)


@bench.command(
    "mapping", short_help="Compiled mappings against hand-written Python (target ≥ 50%)."
)
@_JSON
@_repeat("Timed passes over all records per side; the median is reported.")
@click.option(
    "--records",
    type=click.IntRange(min=2),
    default=None,
    help="Native records translated per pass, half meter reads, half outages  [default: 50000].",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the records.")
@click.option("--quick", is_flag=True, help="200 records (for tests; figures are rough).")
def mapping_bench(as_json: bool, repeat: int, records: int | None, seed: int, quick: bool) -> None:
    """Translate native MDM interval reads and OMS outages to CIM with the compiled mappings.

    Beside each: a hand-written Python function building the identical payload, checked equal
    on a sample before timing. Target: the compiled mappings at least 50% of the hand-written
    throughput (time ratio ≤ 2.0x). A miss is reported, never an error.
    """
    from adapters.mapping.bench import run_mapping_bench

    try:
        result = run_mapping_bench(records=records, repeat=repeat, quick=quick, seed=seed)
    except Exception as exc:  # any failure: one line, non-zero exit
        raise click.ClickException(f"mapping bench failed: {_one_line(exc)}") from exc
    _emit(result, as_json)
