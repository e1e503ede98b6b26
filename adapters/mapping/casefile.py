"""The form of a ``tests:`` file (strict models) and what can be known of it without running it.

``check_test_file`` reports a tests file's bad keys, missing files and repeated case names with
their positions; ``mapping_files_tested`` names the mappings it tests (hot reload uses it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from adapters.mapping.errors import MappingRejected, Problem
from adapters.mapping.loader import _Source, _validation, read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ErrorExpected(_Model):
    """The MappingError an error case expects (each part optional)."""

    path: str | None = None
    contains: str | None = None
    code: str | None = None


class _SeedRow(_Model):
    """A crosswalk row seeded before the cases run; the system is the mappings' system."""

    object_type: str
    native_id: str
    mrid: str


class _Case(_Model):
    """One case: a native document and/or a CIM payload, or one of them and an expected error."""

    name: str
    native: dict[str, Any] | None = None
    native_file: str | None = None
    cim: dict[str, Any] | None = None
    cim_file: str | None = None
    round_trip: bool | None = None
    error: _ErrorExpected | None = None

    @property
    def has_native(self) -> bool:
        """Whether the case gives a native document."""
        return self.native is not None or self.native_file is not None

    @property
    def has_cim(self) -> bool:
        """Whether the case gives a CIM payload."""
        return self.cim is not None or self.cim_file is not None

    @model_validator(mode="after")
    def _inputs(self) -> _Case:
        if None not in (self.native, self.native_file) or None not in (self.cim, self.cim_file):
            raise ValueError("give native or native_file, cim or cim_file: one of each pair")
        if self.error is not None and (self.has_native == self.has_cim or self.round_trip):
            raise ValueError("an error case gives one input, native or cim, and no round trip")
        if not self.has_native and not self.has_cim:
            raise ValueError("a case gives native (or native_file) and/or cim (or cim_file)")
        return self


class _TestsFile(_Model):
    """A ``tests:`` file: its title, the mappings it tests, crosswalk rows and the cases."""

    tests: str
    to_cim: str | None = None
    from_cim: str | None = None
    crosswalk: list[_SeedRow] = []
    cases: list[_Case]

    @model_validator(mode="after")
    def _a_mapping(self) -> _TestsFile:
        if self.to_cim is None and self.from_cim is None:
            raise ValueError("name the mapping tested: to_cim, from_cim or both")
        return self


def parse(path: Path) -> tuple[_Source, _TestsFile]:
    """The tests file read and validated; MappingRejected with positions when it is not valid."""
    data, marks = read_yaml(path)
    source = _Source(str(path), data, marks)
    try:
        return source, _TestsFile.model_validate(data)
    except ValidationError as exc:
        raise MappingRejected(_validation(source, exc)) from None


def check_test_file(path: Path) -> list[Problem]:
    """The problems of a tests file's form, names and files (no case is run)."""
    try:
        source, spec = parse(path)
    except MappingRejected as exc:
        return exc.problems
    named = [(("to_cim",), spec.to_cim), (("from_cim",), spec.from_cim)] + [
        (("cases", i, key), getattr(case, key))
        for i, case in enumerate(spec.cases)
        for key in ("native_file", "cim_file")
    ]
    problems = [
        source.problem(loc, f"no such file: {rel}", "paths are relative to this file")
        for loc, rel in named
        if rel is not None and not (path.parent / rel).is_file()
    ]
    names = [case.name for case in spec.cases]
    problems += [
        source.problem(("cases", i, "name"), f"case {name!r} is named twice", "rename one")
        for i, name in enumerate(names)
        if name in names[:i]
    ]
    return sorted(problems, key=lambda p: (p.line, p.column))


def mapping_files_tested(path: Path) -> list[Path]:
    """The mapping files (resolved) a tests file names; none when it cannot be read."""
    try:
        data, _marks = read_yaml(path)
    except MappingRejected:
        return []
    names = [data.get("to_cim"), data.get("from_cim")] if isinstance(data, dict) else []
    return [(path.parent / n).resolve() for n in names if isinstance(n, str)]


__all__ = ["check_test_file", "mapping_files_tested", "parse"]
