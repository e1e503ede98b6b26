"""The ``cimbus`` command line: the one entry point, where logging is configured."""

from __future__ import annotations

import click

from bus.cli.bench import bench
from bus.cli.broker import broker_group
from bus.cli.buscmd import bus_group
from bus.cli.cim import cim_group
from bus.cli.demo import demo
from bus.cli.dlq import dlq_group
from bus.cli.mappings import mappings_group
from bus.cli.message import message
from bus.cli.model import model_group
from bus.cli.soap import soap_group
from bus.log import configure_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="Lowest level of log lines written to stderr.",
)
@click.option(
    "--log-json/--log-console",
    default=None,
    help="Log as JSON lines (default when stderr is not a terminal) or readable console lines.",
)
@click.version_option(package_name="cimbus")
def main(log_level: str, log_json: bool | None) -> None:
    """Cimbus: IEC CIM integration middleware (IEC 61968-100 messages over RabbitMQ and SOAP)."""
    configure_logging(json=log_json, level=log_level)


main.add_command(message)
main.add_command(demo)
main.add_command(bench)
main.add_command(bus_group)
main.add_command(broker_group)
main.add_command(dlq_group)
main.add_command(soap_group)
main.add_command(cim_group)
main.add_command(model_group)
main.add_command(mappings_group)

__all__ = ["main"]
