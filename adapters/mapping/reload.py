"""Hot reload: the mappings a running adapter uses, swapped whole when their files change.

:class:`MappingSet` holds one snapshot of compiled mappings by name. :meth:`MappingSet.reload`
reads the folder again; when anything changed (the files' bytes, not their times) it checks every
file and runs every test file in it, and only when all of that passes does it replace the
snapshot — one attribute assignment, so a message translated concurrently sees the old set or
the new one, never a mix. A change that fails is refused: logged as an error with each problem
(file:line:col) or failing case, and the old mappings keep running. :meth:`MappingSet.watch`
polls in a daemon thread.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from adapters.mapping.catalog import load_catalog
from adapters.mapping.engine import CompiledMapping
from bus.log import get_logger

_log = get_logger("cimbus.mappings")

WATCHED = (".yaml", ".yml", ".json", ".csv", ".xml")
"""File names whose bytes make up a mappings folder's fingerprint."""


def fingerprint(root: Path) -> str:
    """A digest of every watched file's path and bytes under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in WATCHED and p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:  # removed while we looked: the next poll sees the settled folder
            digest.update(b"\0unreadable")
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What one reload did: ``swapped``, ``unchanged`` or ``refused`` (with the reasons)."""

    outcome: str
    reasons: tuple[str, ...] = ()


class MappingSet:
    """The compiled mappings of one folder, checked, tested and swapped in whole on change."""

    def __init__(self, root: Path, *, crosswalk: Any = None, run_tests: bool = True) -> None:
        self.root = root
        self._crosswalk = crosswalk
        self._run_tests = run_tests
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._print = ""
        self._current: Mapping[str, CompiledMapping] = MappingProxyType({})
        result = self.reload()
        if result.outcome == "refused":
            raise ValueError(f"the mappings in {root} do not pass: " + "; ".join(result.reasons))

    @property
    def current(self) -> Mapping[str, CompiledMapping]:
        """The snapshot in use: read it once per message."""
        return self._current

    def get(self, name: str) -> CompiledMapping:
        """The mapping called ``name`` in the current snapshot (KeyError naming the known ones)."""
        found = self._current.get(name)
        if found is None:
            raise KeyError(f"no mapping {name!r}; known: {', '.join(sorted(self._current))}")
        return found

    def reload(self) -> ReloadResult:
        """Check and test the folder if it changed; swap the snapshot only if all passes."""
        with self._lock:
            now = fingerprint(self.root)
            if now == self._print:
                return ReloadResult("unchanged")
            reasons = self._verify()
            if reasons[0]:
                _log.error(
                    "mapping change refused; the previous mappings keep running",
                    folder=str(self.root),
                    problems=list(reasons[0]),
                )
                self._print = now  # refuse this state once; a further edit is looked at again
                return ReloadResult("refused", tuple(reasons[0]))
            self._current = MappingProxyType(dict(reasons[1]))
            self._print = now
            _log.info("mappings swapped in", folder=str(self.root), mappings=sorted(self._current))
            return ReloadResult("swapped")

    def _verify(self) -> tuple[list[str], dict[str, CompiledMapping]]:
        catalog = load_catalog(self.root, crosswalk=self._crosswalk)
        problems = [str(p) for p in catalog.problems]
        if not problems and self._run_tests and catalog.tests:
            from adapters.mapping.testing import run_tests

            report = run_tests(self.root)
            problems = [
                f"{r.file}: {r.case}: {r.check} failed: {(r.detail or '').strip()[:300]}"
                for r in report.results
                if not r.ok
            ]
        return problems, catalog.mappings

    def watch(self, interval: float = 1.0) -> None:
        """Poll the folder every ``interval`` seconds in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.reload()
                except Exception:  # a reload must never kill the watcher
                    _log.exception("mapping reload failed", folder=str(self.root))

        self._thread = threading.Thread(target=loop, name="cimbus-mapping-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the current snapshot stays)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


__all__ = ["WATCHED", "MappingSet", "ReloadResult", "fingerprint"]
