"""What the ``cimbus model`` commands share: failing with one line, loading a usable model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

from cim.errors import CimbusError
from cim.network.store import Model


def fail(reason: str) -> NoReturn:
    """Print ``error: reason`` on stderr and exit 1."""
    click.echo(f"error: {reason}", err=True)
    raise SystemExit(1)


def reason_of(exc: Exception) -> str:
    """The one-line reason of a cimbus error, or the text of any other."""
    return exc.reason if isinstance(exc, CimbusError) else str(exc)


def load_usable(paths: Sequence[Path], what: str = "the model") -> Model:
    """The model of ``paths``; exit 1 when it cannot be read or the reader found errors."""
    from cim.network.rdfxml import load  # the reader loads only when a command needs it

    try:
        model = load(list(paths))
    except (CimbusError, OSError, ValueError) as exc:
        fail(f"cannot read {what}: {exc}")
    errors = [p for p in model.problems if p.severity == "error"]
    if errors:
        first = errors[0]
        fail(f"{what}: {len(errors)} error(s); first: {first.file}:{first.line} {first.message}")
    return model


__all__ = ["fail", "load_usable", "reason_of"]
