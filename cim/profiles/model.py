"""The profile model: a named, versioned selection of CIM classes and members for one noun.

A profile says which element is the payload root, which classes appear under it, and for each
class the members in XML order with their kind and cardinality — what CIMTool draws as a message
profile. Decoded payloads are :class:`Payload` trees of :class:`Node` objects that wrap the
generated ``cim.model`` classes (see ``docs/cim-model.md``, "Profiles").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # validate imports this module; the rules only name its Issue
    from cim.profiles.validate import Issue

Kind = Literal["attribute", "enum", "compound", "association", "reference", "extension"]
"""How a member is carried: a primitive, an enum literal, an embedded compound value, an
embedded object (a nested :class:`Node`), a reference by mRID (``<X ref="mRID"/>``), or an
extension: a primitive the profile carries but the CIM class has no field for (held in
:attr:`Node.extensions`, not on the model object)."""

XsdType = Literal["string", "dateTime", "date", "time", "boolean", "integer", "float", "decimal"]
"""The XSD primitive of an ``attribute`` or ``extension`` member."""

_XSD_TYPES = frozenset(get_args(XsdType))


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """One element of a profile class: its XML name, CIM field, kind, cardinality and type."""

    element: str
    """The XML element name (also the JSON key)."""
    path: str
    """The field of the ``cim.model`` dataclass that holds the value (unused for associations
    and extensions)."""
    kind: Kind
    type: str
    """XSD primitive (attribute, extension), enum class name (enum), profile class name
    (compound, association) or target CIM class name (reference)."""
    min: int = 0
    max: int | None = 1
    """Upper bound; ``None`` is unbounded."""
    text_field: str | None = None
    """For a compound carried as plain text in this profile: the compound field the text fills."""
    resolve: bool = False
    """For a reference: the target must be present in the same payload."""
    choice: str | None = None
    """The ``xs:choice`` group of this embedded member: at most one member of a group may be
    present (exactly one if the class lists the group in ``required_choices``)."""
    targets: tuple[str, ...] = ()
    """For a reference written as a choice of elements (``<ComFunction ref=…/>`` or
    ``<SimpleEndDeviceFunction ref=…/>``): the CIM classes allowed; each ``Ref.target`` is the
    element name in XML. ``element`` is then the JSON key only."""
    many: bool = field(init=False, compare=False, repr=False)
    """Whether the member may occur more than once (derived from ``max``)."""
    single_value: bool = field(init=False, compare=False, repr=False)
    """A primitive or enum that occurs at most once, outside any choice (derived; the XML
    reader's fast path)."""

    def __post_init__(self) -> None:
        if self.targets and self.kind != "reference":
            raise ValueError(f"{self.element}: only a reference member has targets")
        if self.choice is not None and self.kind != "association":
            raise ValueError(f"{self.element}: only an embedded member can be one of a choice")
        if self.kind == "extension" and self.type not in _XSD_TYPES:
            raise ValueError(f"{self.element}: an extension is an XSD primitive, not {self.type}")
        object.__setattr__(self, "many", self.max is None or self.max > 1)
        single = self.max == 1 and self.kind in ("attribute", "enum") and self.choice is None
        object.__setattr__(self, "single_value", single)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileClass:
    """A class in a profile: its XML type name, its CIM class and its members in XML order."""

    name: str
    cim_class: str
    """The ``cim.model`` class name ("" for the synthetic payload root)."""
    members: tuple[Member, ...]
    required_choices: tuple[str, ...] = ()
    """The choice groups of which one member must be present (``minOccurs="1"`` on the
    ``xs:choice``); the other groups are optional."""
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
        groups: set[str] = set()
        previous: str | None = None
        for m in self.members:  # a group's members are consecutive: one xs:choice in XML order
            if m.choice is not None and m.choice != previous and m.choice in groups:
                raise ValueError(f"{self.name}: the members of choice {m.choice} are apart")
            if m.choice is not None:
                groups.add(m.choice)
            previous = m.choice
        for group in self.required_choices:
            if group not in groups:
                raise ValueError(f"{self.name} has no choice {group}")
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
    qualified: bool = True
    """Whether the elements below the root are in the namespace (``elementFormDefault=
    "qualified"``); when False only the root is, as in a CIMTool XSD without that attribute."""
    checks: tuple[ProfileCheck, ...] = ()
    """Rules over the whole payload that no member can say (e.g. sequence numbers rising in
    document order); :func:`cim.profiles.validate.validate` runs them on a payload that has
    passed the structural checks."""

    def __post_init__(self) -> None:
        held = {m.type for c in self.classes.values() for m in c.members if m.kind == "compound"}
        for pclass in (self.root, *(self.classes[name] for name in held if name in self.classes)):
            for m in pclass.members:
                if m.kind == "extension":  # its value lives on a Node, which these have not
                    raise ValueError(f"{pclass.name}.{m.element}: an extension needs a Node")

    def cls(self, name: str) -> ProfileClass:
        """The profile class called ``name`` (KeyError if the profile is inconsistent)."""
        return self.classes[name]


Children = tuple[tuple[str, tuple["Node", ...]], ...]
"""Embedded objects of one node, grouped by element name, in profile order."""

Extensions = tuple[tuple[str, object], ...]
"""Extension values of one node by element name, in profile order (a tuple when many)."""


@dataclass(frozen=True, slots=True, init=False)
class Node:
    """One embedded object: the ``cim.model`` instance and its own embedded objects.

    Associations that a profile embeds (a MeterReading's IntervalBlocks, a ReadingType's Names)
    are held here, not in the model's ``Ref`` fields, because embedded objects often have no mRID.
    So are the values of the profile's extensions, which the CIM class has no field for.
    """

    obj: object
    children: Children = ()
    extensions: Extensions = ()

    def __init__(self, obj: object, children: Children = (), extensions: Extensions = ()) -> None:
        """A node of ``obj`` with its embedded objects and extension values."""
        # The slots' own setters: the generated frozen __init__ calls object.__setattr__ per
        # field, which made a Node a third dearer to build on the payload benchmark.
        _SET_OBJ(self, obj)
        _SET_CHILDREN(self, children)
        _SET_EXTENSIONS(self, extensions)

    def child(self, element: str) -> tuple[Node, ...]:
        """The embedded objects carried by ``element`` (empty if none)."""
        for name, nodes in self.children:
            if name == element:
                return nodes
        return ()

    def extension(self, element: str) -> object | None:
        """The value of extension ``element`` (``None`` if absent)."""
        for name, value in self.extensions:
            if name == element:
                return value
        return None


_SET_OBJ = Node.__dict__["obj"].__set__
_SET_CHILDREN = Node.__dict__["children"].__set__
_SET_EXTENSIONS = Node.__dict__["extensions"].__set__


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


ProfileCheck = Callable[[Payload], Iterable["Issue"]]
"""A profile-level rule: the issues it finds in a structurally valid payload."""

__all__ = [
    "Children",
    "Extensions",
    "Kind",
    "Member",
    "Node",
    "Payload",
    "Profile",
    "ProfileCheck",
    "ProfileClass",
    "XsdType",
]
