"""``cimbus model``: the network model from CIM RDF/XML (import, export, diff, apply, trace)."""

from __future__ import annotations

import click

from bus.cli.model_diff import apply_cmd, diff_cmd
from bus.cli.model_export import export_cmd
from bus.cli.model_import import import_cmd
from bus.cli.model_trace import generate_cmd, trace_cmd


@click.group("model")
def model_group() -> None:
    """Import, export, compare and trace CIM network models (RDF/XML, CGMES 2.4.15 and 3.0)."""


model_group.add_command(import_cmd)
model_group.add_command(export_cmd)
model_group.add_command(diff_cmd)
model_group.add_command(apply_cmd)
model_group.add_command(trace_cmd)
model_group.add_command(generate_cmd)

__all__ = ["model_group"]
