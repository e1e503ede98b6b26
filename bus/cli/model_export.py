"""``cimbus model export``: read CIM RDF/XML and write it back as RDF/XML, Turtle or JSON-LD."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bus.cli.model_common import fail, load_usable, reason_of
from cim.errors import CimbusError
from cim.network.export import write_rdfxml
from cim.network.rdfview import DEFAULT_BASE, serialize
from cim.network.store import Model

_SUFFIX = {"turtle": ".ttl", "jsonld": ".jsonld"}


def _write(model: Model, out: Path, fmt: str, base: str) -> list[Path]:
    """Write ``model`` to ``out`` in ``fmt``; the paths written."""
    if fmt == "cimxml":
        return write_rdfxml(model, out)
    if out.is_dir():
        out = out / f"model{_SUFFIX[fmt]}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(serialize(model, fmt, base=base), encoding="utf-8")
    return [out]


@click.command("export")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for RDF/XML (one file per document; a .xml file if one), file otherwise.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["cimxml", "turtle", "jsonld"]),
    default="cimxml",
    show_default=True,
    help="CIM RDF/XML as read (lossless), or Turtle / JSON-LD through rdflib.",
)
@click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    help="Base IRI of the objects in Turtle / JSON-LD (urn:uuid: for urn:uuid:<id>).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def export_cmd(paths: tuple[Path, ...], out: Path, fmt: str, base: str, as_json: bool) -> None:
    """Read CIM RDF/XML files, folders or zips and export the model (values exactly as read)."""
    model = load_usable(paths)
    try:
        written = _write(model, out, fmt, base)
    except (CimbusError, OSError) as exc:
        fail(f"cannot write {out}: {reason_of(exc)}")
    summary = {
        "format": fmt,
        "documents": len(model.documents),
        "objects": len(model.objects),
        "warnings": len(model.problems),
        "files": [str(p) for p in written],
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(
        f"{len(model.objects)} objects, {len(model.documents)} documents "
        f"-> {len(written)} {fmt} file(s)"
    )
    for path in written:
        click.echo(f"  {path}")


__all__ = ["export_cmd"]
