"""Loading mapping files: read the YAML, validate it, load its tables and schema, compile it.

Every finding is a :class:`~adapters.mapping.errors.Problem` with the file, line and column it
concerns; a file with any problem is never compiled into something that runs
(:class:`~adapters.mapping.errors.MappingRejected`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.mapping import yamlsrc
from adapters.mapping.compiler import Compiler, Loc
from adapters.mapping.engine import CompiledMapping
from adapters.mapping.errors import MappingRejected, Problem
from adapters.mapping.spec import LookupFile, MappingFile
from adapters.mapping.values import Lookup
from cim.profiles import PROFILES

MAX_FILE = 1_000_000
"""Largest mapping, lookup or schema file read, in bytes."""


@dataclass(slots=True)
class _Source:
    file: str
    data: Any
    marks: yamlsrc.Marks

    def problem(
        self, loc: Loc, message: str, hint: str | None = None, *, key: bool = False
    ) -> Problem:
        """The problem at ``loc`` (at its key, for an unknown key)."""
        line, column = self.marks.key_at(loc) if key else self.marks.at(loc)
        return Problem(self.file, line, column, message, hint)


def read_yaml(path: Path, *, string_keys: bool = False) -> tuple[Any, yamlsrc.Marks]:
    """The YAML document at ``path`` and where each value is; MappingRejected when unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MappingRejected([Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")]) from None
    try:
        return yamlsrc.load(data, file=str(path), max_bytes=MAX_FILE, string_keys=string_keys)
    except yamlsrc.SourceError as exc:
        raise MappingRejected(
            [Problem(exc.file, exc.line, exc.column, exc.message, exc.hint)]
        ) from None


def _validation(source: _Source, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = _real_loc(source.data, err["loc"])
        extra = err["type"] == "extra_forbidden"
        message = err["msg"]
        if extra:
            message = f"unknown key {loc[-1]!r}"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        elif err["type"] == "missing":
            message = f"{loc[-1]!r} is required here"
            loc = loc[:-1]
        hint = "see docs/mappings.md for the keys allowed here" if extra else None
        out.append(source.problem(loc, message, hint, key=extra))
    return out


def _real_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Drop the union tags pydantic puts into a location (``value``, ``object``...)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            out.append(part)
        elif isinstance(node, dict) and part in ("path", "value", "object", "objects"):
            continue
        elif isinstance(part, str) and part.endswith("_") and part[:-1] in (node or {}):
            node = node[part[:-1]]
            out.append(part[:-1])
        else:
            out.append(part if isinstance(part, str | int) else str(part))
            node = None
    return tuple(out)


def load_lookup(path: Path) -> Lookup:
    """A lookup table file; MappingRejected with the position of what is wrong."""
    data, marks = read_yaml(path, string_keys=True)
    source = _Source(str(path), data, marks)
    try:
        spec = LookupFile.model_validate(data)
    except ValidationError as exc:
        raise MappingRejected(_validation(source, exc)) from None
    return Lookup(
        name=spec.lookup,
        entries=dict(spec.entries),
        default=spec.default,
        native_default=spec.native_default,
        enumeration=spec.enumeration,
        file=str(path),
    )


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the native schema {path}: {exc.strerror}") from None
    if len(data) > MAX_FILE:
        raise ValueError(f"the native schema {path} is over {MAX_FILE} bytes")
    try:
        schema = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"the native schema {path} is not JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise ValueError(f"the native schema {path} is not a JSON object")
    return schema


def load_mapping(path: Path, *, crosswalk: Any = None) -> CompiledMapping:
    """Read, check and compile one mapping file; MappingRejected lists every problem found."""
    data, marks = read_yaml(path)
    source = _Source(str(path), data, marks)
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as exc:
        raise MappingRejected(_validation(source, exc)) from None
    problems: list[Problem] = []
    profile = PROFILES.get(spec.cim.noun)
    if profile is None:
        known = ", ".join(sorted(PROFILES))
        problem = source.problem(
            ("cim", "noun"), f"no CIM profile for noun {spec.cim.noun!r}", f"use one of: {known}"
        )
        raise MappingRejected([problem])
    lookups: dict[str, Lookup] = {}
    for name, rel in spec.lookups.items():
        try:
            table = load_lookup(path.parent / rel)
        except MappingRejected as exc:
            problems.append(source.problem(("lookups", name), f"lookup {name}: {exc}"))
            continue
        if table.name != name:
            problems.append(
                source.problem(
                    ("lookups", name), f"{rel} defines lookup {table.name!r}, not {name!r}"
                )
            )
        lookups[name] = table
    schema = None
    if spec.native.schema_ is not None:
        try:
            schema = _read_schema(path.parent / spec.native.schema_)
        except ValueError as exc:
            problems.append(source.problem(("native", "schema"), str(exc)))
    compiler = Compiler(
        spec,
        profile,
        lookups=lookups,
        native_schema=schema,
        crosswalk=crosswalk if crosswalk is not None else _NoCrosswalk(),
    )
    translate = compiler.compile()
    problems.extend(
        source.problem(loc, msg, hint, key=key) for loc, msg, hint, key in compiler.problems
    )
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise MappingRejected(problems)
    return CompiledMapping(spec=spec, profile=profile, file=path, translate=translate)


class _NoCrosswalk:
    """Stands in when no crosswalk was given: an identity rule then fails at run time."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        from adapters.mapping.errors import MappingError

        raise MappingError(
            "this mapping needs an identity crosswalk and none was configured", code="5.2"
        )

    mrid_for = keys_for = _refuse


__all__ = ["MAX_FILE", "load_lookup", "load_mapping", "read_yaml"]
