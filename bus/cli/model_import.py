"""``cimbus model import``: read CIM RDF/XML files, folders or archives and say what they hold.

Exit status: 0 when the model was read, 2 when it was read but a problem of severity ``error``
was found (a value that is no value of its type, a description that could not be read), 1 when
the input was refused (not well-formed, a DTD, not RDF/XML, a difference model, no such path).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from cim.errors import CimbusError
from cim.network.rdfxml import Progress, load, versions
from cim.network.store import Model


def summary(model: Model, elapsed: float) -> dict[str, Any]:
    """What ``--json`` prints: version, documents, objects per class, unresolved, problems."""
    unresolved = model.unresolved()
    return {
        "version": "+".join(versions(model)),
        "documents": [
            {
                "name": d.name,
                "version": d.cim_version,
                "profiles": list(d.profiles),
                "objects": len(d.ids),
            }
            for d in model.documents
        ],
        "objects": len(model.objects),
        "classes": model.counts(),
        "unresolved": {
            "count": len(unresolved),
            "by_property": dict(sorted(Counter(p for _, p, _ in unresolved).items())),
        },
        "problems": [
            {"file": p.file, "line": p.line, "severity": p.severity, "message": p.message}
            for p in model.problems
        ],
        "elapsed_s": round(elapsed, 3),
    }


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def import_cmd(paths: tuple[Path, ...], as_json: bool) -> None:
    """Read CIM RDF/XML (files, folders, .zip) into one model and report what it holds."""
    started = time.perf_counter()
    try:
        with _progress_bar() as progress:
            model = load(paths, progress=progress)
    except CimbusError as exc:
        if as_json:
            error = {"code": exc.code, "reason": exc.reason, "path": exc.path}
            click.echo(json.dumps({"error": error}, indent=2))
        else:
            click.echo(f"error: {exc.reason}", err=True)
        raise SystemExit(1) from None
    report = summary(model, time.perf_counter() - started)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print(report)
    if any(p["severity"] == "error" for p in report["problems"]):
        raise SystemExit(2)


def _print(report: dict[str, Any]) -> None:
    problems = report["problems"]
    errors = sum(p["severity"] == "error" for p in problems)
    click.echo(
        f"{len(report['documents'])} documents ({report['version'] or 'CIM version unknown'}) "
        f"read in {report['elapsed_s']:.2f} s: {report['objects']} objects of "
        f"{len(report['classes'])} classes, {report['unresolved']['count']} unresolved "
        f"references, {len(problems)} problems ({errors} errors)"
    )
    width = max((len(c) for c in report["classes"]), default=5)
    click.echo(f"\n{'class':<{width}}  objects")
    for cls, count in report["classes"].items():
        click.echo(f"{cls or '(untyped)':<{width}}  {count:>7}")
    if report["unresolved"]["count"]:
        click.echo("\nunresolved references, by property:")
        for prop, count in report["unresolved"]["by_property"].items():
            click.echo(f"  {prop}  {count}")
    if problems:
        click.echo("\nproblems:")
        for p in problems:
            click.echo(f"  {p['severity']:<7} {p['file']}:{p['line']}: {p['message']}")


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, TextColumn
    from rich.progress import Progress as Bar

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Bar(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reading", total=None)

        def update(done: int, total: int, name: str) -> None:
            label = Path(name.rpartition("!")[2]).name[-48:]  # the zip member, if zipped
            bar.update(task, completed=done, total=total, description=label)

        yield update


__all__ = ["import_cmd", "summary"]
