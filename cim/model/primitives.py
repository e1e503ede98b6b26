"""Hand-written building blocks of the generated model: references and string-typed primitives.

Associations are not object graphs: a member that points at another CIM object holds a
:class:`Ref` (the target's class name and mRID). Resolving references is the job of whoever holds
the whole document (two-pass import), not of the model classes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, NewType, TypeVar

_T = TypeVar("_T")

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


def stores_given_fields(cls: type[_T]) -> type[_T]:
    """Give a frozen keyword-only dataclass an __init__ that stores only the fields passed.

    The dataclass's own __init__ sets every field through ``object.__setattr__`` (about 5 µs for
    a 25-field CIM class); this one checks the names and keeps the given values as the instance
    dict (about 0.5 µs), so an absent field reads its class-level default (``None`` or ``()``).
    Unknown names and positional arguments are still a ``TypeError``.
    """
    names = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
    store = object.__setattr__

    def __init__(self: object, **given: Any) -> None:
        if not names.issuperset(given):
            unknown = ", ".join(sorted(set(given) - names))
            raise TypeError(f"{cls.__name__}() got unexpected keyword argument(s): {unknown}")
        store(self, "__dict__", given)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


__all__ = ["Duration", "MonthDay", "Ref", "stores_given_fields"]
