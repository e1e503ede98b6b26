"""Errors of the mapping engine: a message it cannot translate, and a file it cannot run.

::

    cim.errors.MessageError
    └── MappingError      1.8  a native or CIM message the mapping cannot translate; ``path``
                               names the target field, ``source`` the source path
    Problem                    one finding of ``cimbus mappings check`` (file, line, column)
    MappingRejected            a file that failed its check: the problems, in file order

A run-time failure never yields a partial message: the whole translation raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from cim.errors import MessageError


class MappingError(MessageError):
    """A message a mapping cannot translate: ``path`` is the target field, ``source`` its input."""

    code = "1.8"

    def __init__(
        self,
        reason: str,
        *,
        target: str = "",
        source: str | None = None,
        mapping: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(reason, code=code, path=target or None)
        self.detail = reason
        self.source = source
        self.mapping = mapping
        self._outer: list[str] = []
        self._inner = target
        self._refresh()

    def within(self, segment: str) -> MappingError:
        """Prefix the target path with an enclosing element (``MeterReading[2]``); returns self."""
        self._outer.append(segment)
        self._refresh()
        return self

    @property
    def target(self) -> str:
        """The target field's path, outermost element first."""
        return self.path or ""

    def _refresh(self) -> None:
        parts: list[str] = []
        for seg in [*reversed(self._outer), self._inner]:
            if seg.startswith("[") and parts:
                parts[-1] += seg
            elif seg:
                parts.append(seg)
        self.path = "/".join(parts) or None
        where = f"{self.path}: " if self.path else ""
        came = f" (source {self.source})" if self.source else ""
        named = f"mapping {self.mapping}: " if self.mapping else ""
        self.reason = f"{named}{where}{self.detail}{came}"
        self.args = (self.reason,)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a check: where (file, line, column), what is wrong and what to do."""

    file: str
    line: int
    column: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        tail = f" — {self.hint}" if self.hint else ""
        return f"{self.file}:{self.line}:{self.column}: {self.message}{tail}"

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON-ready data."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class MappingRejected(Exception):
    """A mapping file failed its check; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "no problems recorded"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


__all__ = ["MappingError", "MappingRejected", "Problem"]
