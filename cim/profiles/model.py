"""The profile model: a named, versioned selection of CIM classes and members for one noun.

A profile says which element is the payload root, which classes appear under it, and for each
class the members in XML order with their kind and cardinality — what CIMTool draws as a message
profile. Decoded payloads are :class:`Payload` trees of :class:`Node` objects that wrap the
generated ``cim.model`` classes (see ``docs/cim-model.md``, "Profiles").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["attribute", "enum", "compound", "association", "reference"]
"""How a member is carried: a primitive, an enum literal, an embedded compound value, an
embedded object (a nested :class:`Node`), or a reference by mRID (``<X ref="mRID"/>``)."""

XsdType = Literal["string", "dateTime", "date", "time", "boolean", "integer", "float", "decimal"]
"""The XSD primitive of an ``attribute`` member."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """One element of a profile class: its XML name, CIM field, kind, cardinality and type."""

    element: str
    """The XML element name (also the JSON key)."""
    path: str
    """The field of the ``cim.model`` dataclass that holds the value (unused for associations)."""
    kind: Kind
    type: str
    """XSD primitive (attribute), enum class name (enum), profile class name (compound,
    association) or target CIM class name (reference)."""
    min: int = 0
    max: int | None = 1
    """Upper bound; ``None`` is unbounded."""
    text_field: str | None = None
    """For a compound carried as plain text in this profile: the compound field the text fills."""
    resolve: bool = False
    """For a reference: the target must be present in the same payload."""
    choice: str | None = None
    """The ``xs:choice`` group of this member: at most one member of a group may be present."""
    targets: tuple[str, ...] = ()
    """For a reference written as a choice of elements (``<ComFunction ref=…/>`` or
    ``<SimpleEndDeviceFunction ref=…/>``): the CIM classes allowed; each ``Ref.target`` is the
    element name in XML. ``element`` is then the JSON key only."""
    many: bool = field(init=False, compare=False, repr=False)
    """Whether the member may occur more than once (derived from ``max``)."""

    def __post_init__(self) -> None:
        if self.targets and self.kind != "reference":
            raise ValueError(f"{self.element}: only a reference member has targets")
        object.__setattr__(self, "many", self.max is None or self.max > 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileClass:
    """A class in a profile: its XML type name, its CIM class and its members in XML order."""

    name: str
    cim_class: str
    """The ``cim.model`` class name ("" for the synthetic payload root)."""
    members: tuple[Member, ...]
    index: dict[str, int] = field(init=False, compare=False, repr=False)
    """The position of each member by element name (derived; the JSON reader looks keys up here)."""
    tags: dict[str, int] = field(init=False, compare=False, repr=False)
    """The position of each member by the element names it has in XML (derived; the XML reader
    looks elements up here): its element, or each of its ``targets`` for a choice of references."""

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        tags: dict[str, int] = {}
        for i, m in enumerate(self.members):
            if index.setdefault(m.element, i) != i:
                raise ValueError(f"{self.name} carries element {m.element} twice")
            for tag in m.targets or (m.element,):
                if tags.setdefault(tag, i) != i:
                    raise ValueError(f"{self.name} carries element {tag} twice")
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "tags", tags)

    def member(self, element: str) -> Member | None:
        """The member whose element (JSON key) is ``element``, or ``None``."""
        i = self.index.get(element)
        return None if i is None else self.members[i]


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """A message profile for one noun: name, version, namespace, root and classes."""

    name: str
    version: str
    namespace: str
    root_element: str
    """The payload root element, e.g. ``MeterReadings``; it holds lists of root-class objects."""
    root_class: str
    """The main CIM class of the noun, e.g. ``MeterReading``."""
    root: ProfileClass
    """The synthetic root: its members are the lists the payload root holds."""
    classes: dict[str, ProfileClass] = field(default_factory=dict)
    """Every other profile class by name (compounds and embedded classes)."""

    def cls(self, name: str) -> ProfileClass:
        """The profile class called ``name`` (KeyError if the profile is inconsistent)."""
        return self.classes[name]


Children = tuple[tuple[str, tuple["Node", ...]], ...]
"""Embedded objects of one node, grouped by element name, in profile order."""


@dataclass(frozen=True, slots=True)
class Node:
    """One embedded object: the ``cim.model`` instance and its own embedded objects.

    Associations that a profile embeds (a MeterReading's IntervalBlocks, a ReadingType's Names)
    are held here, not in the model's ``Ref`` fields, because embedded objects often have no mRID.
    """

    obj: object
    children: Children = ()

    def child(self, element: str) -> tuple[Node, ...]:
        """The embedded objects carried by ``element`` (empty if none)."""
        for name, nodes in self.children:
            if name == element:
                return nodes
        return ()


@dataclass(frozen=True, slots=True)
class Payload:
    """A decoded payload: the lists the root element holds, by element name, in profile order."""

    children: Children = ()

    def child(self, element: str) -> tuple[Node, ...]:
        """The objects carried by ``element`` (empty if none)."""
        for name, nodes in self.children:
            if name == element:
                return nodes
        return ()

    @classmethod
    def of(cls, profile: Profile, **lists: list[Node] | tuple[Node, ...]) -> Payload:
        """A payload from keyword lists, ordered as the profile orders the root's members."""
        unknown = set(lists) - {m.element for m in profile.root.members}
        if unknown:
            raise TypeError(f"{profile.root_element} has no member {sorted(unknown)}")
        return cls(
            tuple(
                (m.element, tuple(lists[m.element]))
                for m in profile.root.members
                if lists.get(m.element)
            )
        )


__all__ = ["Children", "Kind", "Member", "Node", "Payload", "Profile", "ProfileClass", "XsdType"]
