"""Running the test cases beside mappings: ``tests:`` files, each case checked in both directions.

A tests file names a ``to_cim`` and/or a ``from_cim`` mapping (relative to itself), seeds a
fresh temporary crosswalk for its cases and lists the cases (``docs/mappings.md``). Per case:
``to_cim`` (the payload made equals the expected ``cim``, both as profile JSON), ``from_cim``
(the native document made equals ``native``), ``round_trip`` (``from_cim(to_cim(native))``
gives ``native`` back) or ``error`` (a MappingError with the expected path, text and code).

Native documents are compared as they travel, through the mapping's ``write`` and ``read``
(CSV cells are text). A file, mapping or case input that cannot be loaded is a failing ``load``
result whose detail is ``file:line:col: message`` — running tests never raises for bad input.
"""

from __future__ import annotations

import copy
import difflib
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from adapters.crosswalk import NativeKey, SqliteCrosswalk
from adapters.mapping.casefile import (
    _Case,
    _ErrorExpected,
    _TestsFile,
    check_test_file,
    mapping_files_tested,
    parse,
)
from adapters.mapping.catalog import kind_of, yaml_files
from adapters.mapping.engine import CompiledMapping
from adapters.mapping.errors import MappingError, MappingRejected, Problem
from adapters.mapping.loader import _Source, load_mapping
from cim.errors import CimbusError
from cim.profiles import Payload, Profile, from_json, from_xml, to_json

Check = Literal["to_cim", "from_cim", "round_trip", "error", "load"]
"""What one result checked; ``load``: a tests file, mapping or case input that did not load."""

_Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One check of one case: passed or not, with a diff or the error text as detail."""

    file: str
    case: str
    check: Check
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        """The result as JSON-ready data."""
        return asdict(self)


@dataclass(slots=True)
class TestReport:
    """Every result of a run; a case passes when all of its checks do."""

    __test__ = False
    results: list[CaseResult] = field(default_factory=list)

    def _cases(self) -> dict[tuple[str, str], bool]:
        out: dict[tuple[str, str], bool] = {}
        for r in self.results:
            out[(r.file, r.case)] = out.get((r.file, r.case), True) and r.ok
        return out

    @property
    def passed(self) -> int:
        """How many cases passed every check."""
        return sum(self._cases().values())

    @property
    def failed(self) -> int:
        """How many cases failed a check (a tests file that did not load is one)."""
        return len(self._cases()) - self.passed

    @property
    def failures(self) -> list[CaseResult]:
        """The failing results, in run order."""
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        """``N cases, P passed, F failed``."""
        return f"{self.passed + self.failed} cases, {self.passed} passed, {self.failed} failed"

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data: the counts and every result."""
        passed, failed, results = self.passed, self.failed, [r.as_dict() for r in self.results]
        counts = {"cases": passed + failed, "passed": passed, "failed": failed}
        return {**counts, "checks": len(results), "ok": not failed, "results": results}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (2 == 2.0), but a boolean is never a number."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _diff(expected: Any, actual: Any, *, sort: bool) -> str:
    def dump(value: Any) -> list[str]:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort).splitlines()

    lines = difflib.unified_diff(dump(expected), dump(actual), "expected", "actual", lineterm="")
    return "\n".join(lines)


def _wire(m: CompiledMapping, doc: Any) -> Any:
    """The native document as the other side reads it (CSV cells become text)."""
    try:
        return m.read(m.write(copy.deepcopy(doc)))
    except (CimbusError, TypeError, ValueError, AttributeError):
        return copy.deepcopy(doc)


class _Suite:
    """One tests file: its mappings, compiled with its own crosswalk, and a runner per case."""

    def __init__(self, path: Path, source: _Source, spec: _TestsFile) -> None:
        self.path, self.file, self.source, self.spec = path, str(path), source, spec
        self.to: CompiledMapping | None = None
        self.back: CompiledMapping | None = None

    def load(self, cw: SqliteCrosswalk, given: dict[Path, CompiledMapping]) -> list[Problem]:
        """Load (or take from ``given``) both mappings and seed the crosswalk; the problems."""
        problems: list[Problem] = []
        for key in ("to_cim", "from_cim"):
            rel = getattr(self.spec, key)
            if rel is None:
                continue
            try:
                m = given.get((self.path.parent / rel).resolve())
                m = m or load_mapping(self.path.parent / rel, crosswalk=cw)
            except MappingRejected as exc:
                problems += [self.source.problem((key,), f"mapping {rel} does not load")]
                problems += exc.problems
                continue
            if m.direction != key:
                problems.append(self.source.problem((key,), f"{rel} is a {m.direction} mapping"))
            setattr(self, "to" if key == "to_cim" else "back", m)
        if self.to and self.back and self.to.profile is not self.back.profile:
            problems.append(self.source.problem(("from_cim",), "the mappings differ in noun"))
        systems = sorted({m.spec.system for m in (self.to, self.back) if m is not None})
        for i, row in enumerate(self.spec.crosswalk):
            for system in systems:
                try:
                    cw.link(NativeKey(system, row.object_type, row.native_id), row.mrid)
                except CimbusError as exc:
                    problems.append(self.source.problem(("crosswalk", i), exc.reason))
        return problems

    @property
    def profile(self) -> Profile:
        """The profile of the CIM side."""
        m = self.to or self.back
        assert m is not None
        return m.profile

    def fail(self, loc: _Loc, message: str) -> MappingRejected:
        """A case input that does not load, at ``loc`` of the tests file."""
        return MappingRejected([self.source.problem(loc, message)])

    def _bytes(self, loc: _Loc, rel: str) -> bytes:
        try:
            return (self.path.parent / rel).read_bytes()
        except OSError as exc:
            raise self.fail(loc, f"cannot read {rel}: {exc.strerror}") from None

    def native(self, i: int, case: _Case, m: CompiledMapping) -> Any:
        """The case's native document as ``m`` reads it."""
        if case.native is not None:
            return _wire(m, case.native)
        try:
            return m.read(self._bytes(("cases", i, "native_file"), str(case.native_file)))
        except MappingError as exc:
            raise self.fail(("cases", i, "native_file"), exc.reason) from None

    def payload(self, i: int, case: _Case) -> Payload:
        """The case's CIM payload: profile JSON, or profile XML from a .xml ``cim_file``."""
        loc: _Loc = ("cases", i, "cim" if case.cim is not None else "cim_file")
        rel = str(case.cim_file)
        if case.cim is not None:
            data = json.dumps(case.cim, ensure_ascii=False).encode("utf-8")
        elif rel.endswith((".json", ".xml")):
            data = self._bytes(loc, rel)
        else:
            raise self.fail(loc, f"cim_file {rel} must end in .json or .xml")
        try:
            xml = case.cim is None and rel.endswith(".xml")
            return (from_xml if xml else from_json)(self.profile, data)
        except CimbusError as exc:
            raise self.fail(loc, f"the CIM payload is not valid: {exc.reason}") from None

    def run(self, i: int, case: _Case) -> list[CaseResult]:
        """Every check of one case; a case input that does not load is one ``load`` result."""
        to, back, here = self.to, self.back, ("cases", i)
        checks: list[tuple[Check, Any, Callable[[], Any]]] = []
        try:
            if case.error is not None:
                return [self._error(i, case, case.error)]
            if case.round_trip and not (to and back):
                raise self.fail((*here, "round_trip"), "a round trip needs both mappings")
            payload = self.payload(i, case) if case.has_cim else None
            sent = self.native(i, case, to) if to and case.has_native else None
            got = self.native(i, case, back) if back and case.has_native else None
            if to and sent is not None and payload is not None:
                expected = self._expected(here, case, payload)
                checks.append(("to_cim", expected, lambda: self._cim(to, sent)))
            if back and got is not None and payload is not None:
                checks.append(("from_cim", got, lambda: _wire(back, back.from_cim(payload))))
            if to and back and got is not None and case.round_trip is not False:
                made = lambda: _wire(back, back.from_cim(to.to_cim(copy.deepcopy(sent))))  # noqa: E731
                checks.append(("round_trip", got, made))
            if not checks:
                raise self.fail(here, "this case checks nothing: give native and cim, or an error")
        except MappingRejected as exc:
            return [CaseResult(self.file, case.name, "load", False, str(exc.problems[0]))]
        return [self._check(case.name, *check) for check in checks]

    def _expected(self, here: _Loc, case: _Case, payload: Payload) -> Any:
        try:
            return json.loads(to_json(self.profile, payload))
        except CimbusError as exc:
            where = (*here, "cim" if case.cim is not None else "cim_file")
            raise self.fail(where, f"the expected CIM is not valid: {exc.reason}") from None

    def _cim(self, to: CompiledMapping, native: Any) -> Any:
        return json.loads(to_json(self.profile, to.to_cim(copy.deepcopy(native))))

    def _check(self, name: str, check: Check, expected: Any, run: Callable[[], Any]) -> CaseResult:
        try:
            actual = run()
        except CimbusError as exc:
            return CaseResult(self.file, name, check, False, f"raised {exc}")
        if _same(expected, actual):
            return CaseResult(self.file, name, check, True)
        detail = _diff(expected, actual, sort=check != "to_cim")
        return CaseResult(self.file, name, check, False, detail)

    def _error(self, i: int, case: _Case, want: _ErrorExpected) -> CaseResult:
        m = self.to if case.has_native else self.back
        if m is None:
            need = "to_cim" if case.has_native else "from_cim"
            raise self.fail(("cases", i, "error"), f"this error case needs a {need} mapping")
        try:
            if not case.has_native:
                made: Any = m.from_cim(self.payload(i, case))
            elif case.native_file is not None:  # reading the bytes is part of what is tested
                made = m.to_cim(self._bytes(("cases", i, "native_file"), case.native_file))
            else:
                made = m.to_cim(_wire(m, case.native))
        except MappingError as exc:
            wrong = [
                f"{what}: expected {exp!r}, got {got!r}"
                for what, exp, got, ok in (
                    ("path", want.path, exc.path, want.path in (None, exc.path)),
                    ("message", want.contains, exc.reason, (want.contains or "") in exc.reason),
                    ("code", want.code, exc.code, want.code in (None, exc.code)),
                )
                if not ok
            ]
            detail = "\n".join([*wrong, f"raised {exc}"])
            return CaseResult(self.file, case.name, "error", not wrong, detail)
        except CimbusError as exc:
            detail = f"raised {type(exc).__name__}, not a MappingError: {exc}"
            return CaseResult(self.file, case.name, "error", False, detail)
        shown = json.dumps(made, indent=2, ensure_ascii=False, default=repr)
        return CaseResult(self.file, case.name, "error", False, f"no error raised; made:\n{shown}")


def _load_failure(file: str, problems: list[Problem]) -> CaseResult:
    return CaseResult(file, "", "load", False, "\n".join(map(str, problems)))


def run_test_file(
    path: Path, *, mappings: dict[Path, CompiledMapping] | None = None
) -> list[CaseResult]:
    """Run every case of one tests file; ``mappings`` (by file) are used instead of loading those.

    Files loaded here are compiled with a fresh temporary crosswalk seeded from ``crosswalk:``;
    a mapping given in ``mappings`` is used as it is, with whatever crosswalk it was given.
    """
    problems = check_test_file(path)
    if problems:
        return [_load_failure(str(path), problems)]
    source, spec = parse(path)
    suite = _Suite(path, source, spec)
    given = {p.resolve(): m for p, m in (mappings or {}).items()}
    with tempfile.TemporaryDirectory(prefix="cimbus-mapping-tests-") as folder:
        try:
            cw = SqliteCrosswalk(Path(folder) / "crosswalk.db")
        except CimbusError as exc:
            return [_load_failure(str(path), [Problem(str(path), 1, 1, exc.reason)])]
        try:
            problems = suite.load(cw, given)
            if problems:
                return [_load_failure(str(path), problems)]
            return [result for i, case in enumerate(spec.cases) for result in suite.run(i, case)]
        finally:
            cw.close()


def run_tests(root: Path) -> TestReport:
    """Run every tests file under ``root`` (a folder, or one tests file), in file order."""
    if not root.exists():
        missing = Problem(str(root), 1, 1, "no such file or folder", "give the mappings folder")
        return TestReport([_load_failure(str(root), [missing])])
    files = [path for path in yaml_files(root) if kind_of(path)[0] == "tests"]
    return TestReport([result for path in files for result in run_test_file(path)])


__all__ = [
    "CaseResult",
    "Check",
    "TestReport",
    "check_test_file",
    "mapping_files_tested",
    "run_test_file",
    "run_tests",
]
