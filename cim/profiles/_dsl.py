"""Shorthand for writing profiles in Python data, and the classes most 2011 profiles share."""

from __future__ import annotations

from cim.profiles.model import Member, ProfileClass, XsdType


def attr(element: str, xsd: XsdType = "string", *, min: int = 0, path: str | None = None) -> Member:
    """A primitive member (0..1 unless ``min`` says otherwise)."""
    return Member(element=element, path=path or element, kind="attribute", type=xsd, min=min)


def enum(element: str, enum_name: str) -> Member:
    """An optional enumeration member."""
    return Member(element=element, path=element, kind="enum", type=enum_name)


def extension(
    element: str, xsd: XsdType = "string", *, min: int = 0, max: int | None = 1
) -> Member:
    """A primitive the profile carries but the CIM class has no field for (kept on the Node)."""
    return Member(element=element, path=element, kind="extension", type=xsd, min=min, max=max)


def compound(
    element: str, cls: str, *, text_field: str | None = None, path: str | None = None
) -> Member:
    """An optional compound (or datatype carried as text through ``text_field``)."""
    return Member(
        element=element, path=path or element, kind="compound", type=cls, text_field=text_field
    )


def nested(
    element: str, cls: str, *, min: int = 0, max: int | None = None, choice: str | None = None
) -> Member:
    """An embedded association (unbounded unless ``max`` says otherwise)."""
    return Member(
        element=element,
        path=element,
        kind="association",
        type=cls,
        min=min,
        max=max,
        choice=choice,
    )


def ref(
    element: str, target: str, *, min: int = 1, max: int | None = 1, resolve: bool = True
) -> Member:
    """A reference by mRID; by default one, required, naming an object of the same payload."""
    return Member(
        element=element,
        path=element,
        kind="reference",
        type=target,
        min=min,
        max=max,
        resolve=resolve,
    )


def ref_choice(
    element: str,
    base: str,
    *targets: str,
    min: int = 0,
    max: int | None = None,
    resolve: bool = True,
) -> Member:
    """References to subclasses of ``base``, each written as ``<{target} ref="mRID"/>``, in any
    order (an ``xs:choice`` of reference elements); ``element`` is the CIM field and JSON key."""
    return Member(
        element=element,
        path=element,
        kind="reference",
        type=base,
        min=min,
        max=max,
        resolve=resolve,
        targets=targets,
    )


def cls(
    name: str, *members: Member, cim: str | None = None, required_choices: tuple[str, ...] = ()
) -> ProfileClass:
    """A profile class whose CIM class has the same name unless ``cim`` says otherwise."""
    return ProfileClass(
        name=name, cim_class=cim or name, members=members, required_choices=required_choices
    )


def root(name: str, *members: Member) -> ProfileClass:
    """The synthetic payload root holding the given lists."""
    return ProfileClass(name=name, cim_class="", members=members)


def value_text(name: str, xsd: XsdType) -> ProfileClass:
    """A CIM datatype (Minutes, PerCent, Money…) that a 2011 profile carries as its value only."""
    return cls(name, attr("value", xsd, min=1))


MRID = attr("mRID")
NAMES = nested("Names", "Name")
NAMES_REQUIRED = nested("Names", "Name", min=1)

NAMING = (
    cls("Name", attr("name", min=1), nested("NameType", "NameType", max=1)),
    cls(
        "NameType",
        attr("description"),
        attr("name", min=1),
        nested("NameTypeAuthority", "NameTypeAuthority", max=1),
    ),
    cls("NameTypeAuthority", attr("description"), attr("name", min=1)),
)
"""Name, NameType and NameTypeAuthority as every 2011 profile carries them."""

DATETIME_INTERVAL = cls("DateTimeInterval", attr("end", "dateTime"), attr("start", "dateTime"))
STATUS = cls("Status", attr("dateTime", "dateTime"), attr("reason"), attr("remark"), attr("value"))


def identified(name: str, *, cim: str | None = None) -> ProfileClass:
    """A class carried as its mRID and Names only (UsagePoint, Asset, EndDeviceGroup…)."""
    return cls(name, MRID, NAMES, cim=cim)


def event_type(name: str) -> ProfileClass:
    """EndDeviceEventType / EndDeviceControlType: the four-part type code and required Names."""
    return cls(
        name,
        MRID,
        attr("domain"),
        attr("eventOrAction"),
        attr("subDomain"),
        attr("type"),
        NAMES_REQUIRED,
    )
