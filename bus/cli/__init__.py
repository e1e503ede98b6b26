"""The ``cimbus`` command line."""

import click


@click.group()
def main() -> None:
    """Cimbus: IEC CIM integration middleware."""


__all__ = ["main"]
