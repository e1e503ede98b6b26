"""A folder of mapping files: find them, tell mappings, lookup tables and test files apart, load.

The kind of a YAML file is its first key: ``mapping:`` (a mapping), ``lookup:`` (a lookup table,
loaded through the mappings that declare it) or ``tests:`` (test cases, run by
:mod:`adapters.mapping.testing`). Files are visited in sorted order so reports are stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from adapters.mapping.engine import CompiledMapping
from adapters.mapping.errors import MappingRejected, Problem
from adapters.mapping.loader import load_lookup, load_mapping, read_yaml

FileKind = Literal["mapping", "lookup", "tests"]
"""What a YAML file in a mappings folder holds."""

SUFFIXES = (".yaml", ".yml")
"""The file names read."""


def yaml_files(root: Path) -> list[Path]:
    """Every YAML file under ``root`` (or ``root`` itself when it is a file), sorted."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def kind_of(path: Path) -> tuple[FileKind | None, list[Problem]]:
    """The kind of one YAML file, or the problems that stop it being read."""
    try:
        data, _marks = read_yaml(path, string_keys=True)
    except MappingRejected as exc:
        return None, exc.problems
    first = next(iter(data), None) if isinstance(data, dict) else None
    if first in ("mapping", "lookup", "tests"):
        kind: FileKind = first
        return kind, []
    found = f"it starts with {first!r}" if first else "it is not a mapping of keys"
    return None, [
        Problem(
            str(path),
            1,
            1,
            f"not a mapping, lookup or tests file: {found}",
            "start the file with mapping:, lookup: or tests:",
        )
    ]


@dataclass(slots=True)
class Catalog:
    """What a folder holds: compiled mappings by name, their files, test files and problems."""

    root: Path
    mappings: dict[str, CompiledMapping] = field(default_factory=dict)
    by_file: dict[Path, CompiledMapping] = field(default_factory=dict)
    lookups: list[Path] = field(default_factory=list)
    tests: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def load_catalog(root: Path, *, crosswalk: Any = None) -> Catalog:
    """Check and compile every mapping under ``root``; every problem is kept, none raised."""
    catalog = Catalog(root)
    if not root.exists():
        catalog.problems.append(
            Problem(str(root), 1, 1, "no such file or folder", "give the mappings folder")
        )
        return catalog
    for path in yaml_files(root):
        catalog.files += 1
        kind, problems = kind_of(path)
        catalog.problems.extend(problems)
        if kind == "lookup":
            catalog.lookups.append(path)
            try:
                load_lookup(path)
            except MappingRejected as exc:
                catalog.problems.extend(exc.problems)
        elif kind == "tests":
            catalog.tests.append(path)
        elif kind == "mapping":
            try:
                compiled = load_mapping(path, crosswalk=crosswalk)
            except MappingRejected as exc:
                catalog.problems.extend(exc.problems)
                continue
            earlier = catalog.mappings.get(compiled.name)
            if earlier is not None:
                catalog.problems.append(
                    Problem(
                        str(path),
                        1,
                        1,
                        f"mapping {compiled.name!r} is also in {earlier.file}",
                        "give each mapping its own name",
                    )
                )
                continue
            catalog.mappings[compiled.name] = compiled
            catalog.by_file[path.resolve()] = compiled
    return catalog


__all__ = ["SUFFIXES", "Catalog", "FileKind", "kind_of", "load_catalog", "yaml_files"]
