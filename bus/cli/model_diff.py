"""``cimbus model diff|apply``: difference models (IEC 61970-552) between and onto network models.

``diff OLD NEW`` compares two versions of the same documents (each a file, folder or zip;
documents paired in the order they are read) and writes one ``dm:DifferenceModel`` per changed
document. ``apply BASE DIFF...`` applies differences in the order given, strictly (a reverse
statement that is not in the model stops everything, naming file and line) unless
``--lenient``, and writes the result as RDF/XML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bus.cli.model_common import fail, load_usable
from cim.errors import CimbusError
from cim.network.diff import (
    Difference,
    apply,
    diff_documents,
    read_difference,
    summary,
    target_document,
    write_difference,
)
from cim.network.export import write_rdfxml
from cim.network.store import Model, normalise_id


def _load(path: Path) -> Model:
    """The model of one file, folder or zip; refused if it has errors."""
    return load_usable([path], str(path))


def _targets(out: Path, found: list[Difference]) -> list[Path]:
    """Where each difference is written: ``out`` itself, or one file per document in it."""
    if out.suffix.lower() == ".xml":
        if len(found) > 1:
            fail(f"{out}: {len(found)} documents changed; give a folder to write them into")
        return [out]
    stems = [Path((d.document or "model").rsplit("!", 1)[-1]).stem for d in found]
    return [
        out / f"{i:02d}_{s}_DIFF.xml" if len(set(stems)) < len(stems) else out / f"{s}_DIFF.xml"
        for i, s in enumerate(stems)
    ]


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    help="DIFF.xml for one changed document, a folder for one file per changed document.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of text.")
def diff_cmd(old: Path, new: Path, out: Path | None, as_json: bool) -> None:
    """Compute the difference models that turn OLD into NEW (nothing written without --out)."""
    before, after = _load(old), _load(new)
    try:
        found = diff_documents(before, after)
    except CimbusError as exc:
        fail(str(exc))
    paths: list[Path | None] = [None] * len(found)
    if out is not None:
        paths = list(_targets(out, found))
        try:
            for difference, path in zip(found, paths, strict=True):
                assert path is not None
                write_difference(difference, path)
        except (CimbusError, OSError) as exc:
            fail(f"cannot write {out}: {exc}")
    rows = [
        {"document": d.document, "about": d.about, "out": str(p) if p else None, **summary(d)}
        for d, p in zip(found, paths, strict=True)
    ]
    if as_json:
        click.echo(json.dumps({"old": str(old), "new": str(new), "differences": rows}, indent=2))
        return
    if not rows:
        click.echo("no differences")
    for row in rows:
        click.echo(
            f"{row['document']}: {row['added']} added, {row['removed']} removed, "
            f"{row['changed']} changed ({row['reverse']} reverse, {row['forward']} forward)"
            + (f" -> {row['out']}" if row["out"] else "")
        )


@click.command("apply")
@click.argument("base", type=click.Path(exists=True, path_type=Path))
@click.argument("diffs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the result (one file per document; a .xml file if one).",
)
@click.option("--lenient", is_flag=True, help="Skip statements that do not match, with warnings.")
@click.option("--document", help="Name of the base document the differences change.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of text.")
def apply_cmd(
    base: Path,
    diffs: tuple[Path, ...],
    out: Path,
    lenient: bool,
    document: str | None,
    as_json: bool,
) -> None:
    """Apply difference models to BASE in the order given and write the result."""
    model = _load(base)
    known = {normalise_id(d.header_id) for d in model.documents if d.header_id}
    warnings: list[str] = []
    applied: list[dict[str, Any]] = []
    for path in diffs:
        try:
            difference = read_difference(path)
            index = target_document(model, difference, document)
            before = len(model.problems)
            apply(model, difference, lenient=lenient, in_place=True, document=document)
        except CimbusError as exc:
            fail(str(exc))
        for dep in difference.header.get("Model.DependentOn", []):
            if normalise_id(dep) not in known:
                warnings.append(
                    f"{path}: depends on {dep}, neither a document of the base nor applied before"
                )
        known.add(normalise_id(difference.about))
        warnings += [f"{p.file}:{p.line}: {p.message}" for p in model.problems[before:]]
        name = model.documents[index].name if index is not None and model.documents else None
        applied.append({"file": str(path), "document": name, **summary(difference)})
    try:
        written = write_rdfxml(model, out)
    except (CimbusError, OSError) as exc:
        fail(f"cannot write {out}: {exc}")
    result = {
        "base": str(base),
        "applied": applied,
        "objects": len(model.objects),
        "warnings": warnings,
        "files": [str(p) for p in written],
    }
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for row in applied:
        click.echo(
            f"{row['file']} -> {row['document']}: {row['added']} added, {row['removed']} removed,"
            f" {row['changed']} changed"
        )
    for line in warnings:
        click.echo(f"warning: {line}", err=True)
    click.echo(f"{len(model.objects)} objects -> {', '.join(map(str, written))}")


__all__ = ["apply_cmd", "diff_cmd"]
