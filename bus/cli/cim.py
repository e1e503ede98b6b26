"""``cimbus cim``: browse the generated CIM100 model and its UML definitions; profile XSDs."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from bus.payload import find_profile
from cim.errors import ConfigurationError
from cim.model import ClassInfo, classes, describe
from cim.profiles.xsd import profile_xsd


@click.group("cim")
def cim_group() -> None:
    """Browse the canonical CIM100 model (classes, attributes, associations, definitions)."""


@cim_group.command("classes")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def classes_cmd(as_json: bool) -> None:
    """List the generated CIM classes with their package and superclass."""
    rows = [
        {"name": i.name, "package": i.package, "superclass": i.superclass} for i in classes("class")
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        sup = f" : {row['superclass']}" if row["superclass"] else ""
        click.echo(f"{row['name']}{sup}  ({row['package']})")


def _as_dict(info: ClassInfo) -> dict[str, Any]:
    data = asdict(info)
    data["chain"] = list(info.chain())
    return data


@cim_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_cmd(name: str, as_json: bool) -> None:
    """Print one class: superclass chain, attributes, associations and its UML definition."""
    try:
        info = describe(name)
    except ConfigurationError as exc:
        click.echo(f"error: {exc.reason}", err=True)
        raise SystemExit(1) from None
    if as_json:
        click.echo(json.dumps(_as_dict(info), indent=2, ensure_ascii=False))
        return
    click.echo(f"{info.name} ({info.kind}, {info.package})")
    click.echo("chain: " + " -> ".join(info.chain()))
    click.echo("")
    click.echo(info.definition or "(no definition)")
    if info.attributes:
        click.echo("\nattributes:")
        for m in info.attributes:
            click.echo(f"  {m.name}: {m.type} [{m.multiplicity}]  {m.definition}")
    if info.associations:
        click.echo("\nassociations:")
        for m in info.associations:
            click.echo(f"  {m.name} -> {m.type} [{m.multiplicity}]  {m.definition}")
    if info.literals:
        click.echo("\nliterals:")
        for m in info.literals:
            click.echo(f"  {m.name}  {m.definition}")


@cim_group.command("xsd")
@click.argument("profile")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema to this file instead of stdout.",
)
def xsd_cmd(profile: str, output: Path | None) -> None:
    """Print the XML Schema of message profile PROFILE (a noun, e.g. MeterReadings)."""
    try:
        data = profile_xsd(find_profile(profile))
    except ConfigurationError as exc:
        click.echo(f"error: {exc.reason}", err=True)
        raise SystemExit(1) from None
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
