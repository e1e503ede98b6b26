"""``cimbus bench``: performance measurements, each figure beside its baseline from the same run."""

from __future__ import annotations

import os
import sys

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


@bench.command(short_help="Envelope codec round trip against plain lxml (target ≤ 3.0x).")
@click.option("--json", "as_json", is_flag=True, help="Print only one JSON object on stdout.")
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Timed repeats per case; the median is reported.",
)
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


__all__ = ["bench"]
