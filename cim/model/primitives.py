"""Hand-written building blocks of the generated model: references and string-typed primitives.

Associations are not object graphs: a member that points at another CIM object holds a
:class:`Ref` (the target's class name and mRID). Resolving references is the job of whoever holds
the whole document (two-pass import), not of the model classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

Duration = NewType("Duration", str)
"""A CIM Duration: ISO 8601 ``PnYnMnDTnHnMnS`` kept as text (months and years are not timedelta)."""

MonthDay = NewType("MonthDay", str)
"""A CIM MonthDay: ISO 8601 ``--MM-DD`` kept as text."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A typed reference to another CIM object: its class name and its mRID."""

    target: str
    mrid: str

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not self.target:
            raise TypeError(f"Ref.target must be a CIM class name, not {self.target!r}")
        if not isinstance(self.mrid, str) or not self.mrid:
            raise TypeError(f"Ref.mrid must be a non-empty string, not {self.mrid!r}")


__all__ = ["Duration", "MonthDay", "Ref"]
