"""Hypothesis strategies that build any valid IEC 61968-100 message cimbus can carry.

``messages()`` covers all four kinds with every optional field: headers with ReplayDetection,
User, Properties and extension fragments; requests with options, IDs with their FDIS attributes
and Get profile fragments; replies whose errors use every field; payloads of each kind (CIM
fragments, OperationSet, Compressed, ID lists) and Format. ``messages(draft=True)`` keeps to
what the 2011 draft Message.xsd can express.

Text is XML-representable (no surrogates, no control characters but tab and newline) and may
hold spaces, ``& < > " '`` and non-ASCII. Foreign XML is built with lxml and put in the form the
codec keeps it in once read (its canonical form).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

from hypothesis import strategies as st
from lxml import etree

from bus.envelope import (
    EVENT_VERBS,
    REQUEST_VERBS,
    Error,
    ErrorObject,
    EventMessage,
    FaultMessage,
    Header,
    IdKind,
    Level,
    Location,
    Message,
    Name,
    NameType,
    NameTypeAuthority,
    ObjectID,
    Operation,
    OperationSet,
    Option,
    Payload,
    Property,
    ReplayDetection,
    Reply,
    Request,
    RequestMessage,
    ResponseMessage,
    Result,
    User,
    Verb,
    XmlFragment,
    compress,
    decode,
)

T = TypeVar("T")
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MESSAGE_NS = "http://iec.ch/TC57/2011/schema/message"
CIM_NS = "http://iec.ch/TC57/CIM100#"

#: characters XML 1.0 carries, without surrogates, unassigned code points and controls
XML_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="\t\n")
SPECIAL_TEXT = (
    "a & b",
    "<b>bold</b>",
    "\"double\" and 'single'",
    "]]>",
    "&amp; &lt; &#x41;",
    "--> <!-- <?pi?>",
    "Ünïcødé ✓ 電力 🔌",
    "tab\there\nand a newline",
    " padded ",
    "%param; &entity;",
    "\\ backslash",
)
REAL_NOUNS = (
    "MeterReadings",
    "EndDeviceEvents",
    "EndDeviceControls",
    "UsagePointConfig",
    "MasterDataLinkageConfig",
    "TroubleTicket",
    "OutageRecords",
    "WorkRequests",
)
CONTEXTS = ("PRODUCTION", "TESTING", "DEVELOPMENT", "STUDY", "TRAINING")
FRAGMENT_NAMESPACES = (
    "http://iec.ch/TC57/2011/MeterReadings#",
    CIM_NS,
    "urn:example:extension",
    "http://example.com/ns?a=1;b=%C3%A9",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
)
#: prefixes, including the envelope's own ``m``, ``w`` and ``soap`` bound to foreign namespaces
PREFIXES = (None, "cim", "m", "w", "soap", "s", "rdf", "ns0", "x1")


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """``strategy`` or None."""
    return st.none() | strategy


def tuples_of(
    strategy: st.SearchStrategy[T], max_size: int = 3
) -> st.SearchStrategy[tuple[T, ...]]:
    """A tuple of 0..``max_size`` values of ``strategy``."""
    return st.lists(strategy, max_size=max_size).map(tuple)


@functools.cache
def texts(max_size: int = 24) -> st.SearchStrategy[str]:
    """Non-empty XML-representable text, often with markup characters and non-ASCII."""
    return st.text(XML_CHARS, min_size=1, max_size=max_size) | st.sampled_from(SPECIAL_TEXT)


TEXT = texts()
SHORT_TEXT = texts(12)
ncnames = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,12}", fullmatch=True).filter(
    lambda n: not n.lower().startswith("xml")
)
nouns = st.sampled_from(REAL_NOUNS) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,24}", fullmatch=True)
integers = st.integers(min_value=-(10**30), max_value=10**30)

_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_MICROSECONDS = (
    st.just(0)
    | st.integers(min_value=1, max_value=999).map(lambda ms: ms * 1000)
    | st.integers(min_value=1, max_value=999_999)
)
datetimes = st.builds(
    lambda moment, us: moment.replace(microsecond=us),
    st.datetimes(
        min_value=datetime(1000, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.none() | st.just(UTC) | _OFFSETS,
    ),
    _MICROSECONDS,
)
"""Naive and aware date-times, years 1000..9999, whole-minute offsets, with/without fractions."""


# --- foreign XML -------------------------------------------------------------------------------


_HOLDER = (
    f'<m:EventMessage xmlns:m="{MESSAGE_NS}"><m:Header><m:Verb>created</m:Verb>'
    "<m:Noun>X</m:Noun></m:Header><m:Payload>"
)


def canonical(el: etree._Element) -> XmlFragment:
    """``el`` as the codec keeps foreign XML once read: the fragment ``decode`` returns for it.

    The codec canonicalises foreign XML once; from then on it must be a fixed point of every
    encoding, which is what the round-trip properties check.
    """
    data = _HOLDER.encode() + etree.tostring(el) + b"</m:Payload></m:EventMessage>"
    message = decode(data)
    assert isinstance(message, EventMessage) and message.payload is not None
    (kept,) = message.payload.elements
    return kept


_NAMESPACE = st.sampled_from(FRAGMENT_NAMESPACES)
_PREFIX = st.sampled_from(PREFIXES)
_DEFAULT_OR_PREFIX = st.none() | _PREFIX  # the default namespace half of the time
_ONE_IN_FOUR = st.sampled_from((True, False, False, False))
_ATTRIBUTE_NAMES = st.lists(ncnames, max_size=3, unique=True)
_CHILDREN = st.integers(min_value=0, max_value=2)


def _new_element(draw: st.DrawFn, parent: etree._Element | None, xsi: bool) -> etree._Element:
    """One element under ``parent`` with attributes and text, declaring or reusing namespaces."""
    nsmap: dict[str | None, str] = {}
    if parent is None or draw(_ONE_IN_FOUR):
        prefix, ns = draw(_DEFAULT_OR_PREFIX), draw(_NAMESPACE)
        nsmap[prefix] = ns
    else:  # mostly, as in real payloads: a namespace an ancestor declared
        prefix, ns = draw(st.sampled_from(sorted(parent.nsmap.items(), key=str)))
    if draw(st.booleans()):  # a declaration the element's own name does not need
        nsmap.setdefault(draw(_PREFIX), draw(_NAMESPACE))
    if xsi and draw(st.booleans()):
        nsmap.setdefault("xsi", XSI_NS)
        nsmap.setdefault("cim", CIM_NS)
    tag = f"{{{ns}}}{draw(ncnames)}"
    el = (
        etree.Element(tag, nsmap=nsmap)
        if parent is None
        else etree.SubElement(parent, tag, nsmap=nsmap)
    )
    for name in draw(_ATTRIBUTE_NAMES):
        el.set(name, draw(SHORT_TEXT))
    if draw(st.booleans()):
        el.set(f"{{{draw(_NAMESPACE)}}}about", draw(SHORT_TEXT))
    if nsmap.get("xsi") == XSI_NS and el.nsmap.get("cim") == CIM_NS:
        el.set(f"{{{XSI_NS}}}type", "cim:Breaker")  # a QName value: its prefix must survive
    if draw(st.booleans()):
        el.text = draw(TEXT)
    return el


@st.composite
def _tree(draw: st.DrawFn, xsi: bool) -> etree._Element:
    root = _new_element(draw, None, xsi)
    pending = [(root, 0)]
    while pending:
        el, depth = pending.pop()
        if depth >= 2:
            continue
        for _ in range(draw(_CHILDREN)):
            child = _new_element(draw, el, xsi)
            if draw(st.booleans()):
                child.tail = draw(SHORT_TEXT)
            pending.append((child, depth + 1))
    return root


@functools.cache
def xml_elements(*, xsi: bool = True) -> st.SearchStrategy[etree._Element]:
    """A foreign-namespace lxml element tree, as built (not yet canonical)."""
    return _tree(xsi)


@functools.cache
def fragments(*, xsi: bool = True) -> st.SearchStrategy[XmlFragment]:
    """A foreign-namespace XML element (nested, attributes, mixed text, prefixes), canonical.

    ``xsi`` allows ``xsi:type="cim:Breaker"``, whose prefix lives only in an attribute value.
    """
    return _tree(xsi).map(canonical)


# --- envelope parts ----------------------------------------------------------------------------


@functools.cache
def object_ids(draft: bool = False) -> st.SearchStrategy[ObjectID]:
    """An ID, with the FDIS attributes unless ``draft``."""
    if draft:
        return st.builds(ObjectID, texts())
    return st.builds(
        ObjectID,
        texts(),
        optional(texts()),
        optional(texts()),
        optional(st.sampled_from(IdKind)),
        optional(texts()),
    )


@functools.cache
def headers(verbs: frozenset[Verb], draft: bool = False) -> st.SearchStrategy[Header]:
    """A Header with one of ``verbs`` and any optional field."""
    return st.builds(
        Header,
        verb=st.sampled_from(sorted(verbs)),
        noun=nouns,
        revision=optional(texts()),
        replay_detection=optional(st.builds(ReplayDetection, texts(), datetimes)),
        context=optional(st.sampled_from(CONTEXTS) if draft else texts()),
        timestamp=optional(datetimes),
        source=optional(texts()),
        async_reply_flag=optional(st.booleans()),
        reply_address=optional(texts()),
        ack_required=optional(st.booleans()),
        user=optional(st.builds(User, texts(), texts() if draft else optional(texts()))),
        message_id=optional(texts()),
        correlation_id=optional(texts()),
        comment=optional(texts()),
        properties=tuples_of(st.builds(Property, texts(), optional(texts()))),
        extensions=tuples_of(fragments(xsi=not draft), 2),
    )


@functools.cache
def requests(draft: bool = False) -> st.SearchStrategy[Request]:
    """A Request with times, options, IDs and Get profile fragments."""
    return st.builds(
        Request,
        start_time=optional(datetimes),
        end_time=optional(datetimes),
        options=tuples_of(st.builds(Option, texts(), optional(texts()))),
        ids=tuples_of(object_ids(draft)),
        profile=tuples_of(fragments(xsi=not draft), 2),
    )


@functools.cache
def error_objects(draft: bool = False) -> st.SearchStrategy[ErrorObject]:
    """The object an error is about, with names, name types and authorities."""
    authority = st.builds(NameTypeAuthority, texts(), optional(texts()))
    name_type = st.builds(NameType, texts(), optional(texts()), optional(authority))
    return st.builds(
        ErrorObject,
        mrid=optional(texts()),
        serial_number=st.none() if draft else optional(texts()),
        names=tuples_of(st.builds(Name, texts(), optional(name_type))),
        object_type=optional(texts()),
    )


#: xpath values the draft's xs:QName accepts in a message written with the ``m`` prefix
qnames = ncnames | ncnames.map(lambda n: f"m:{n}")


@functools.cache
def errors(draft: bool = False) -> st.SearchStrategy[Error]:
    """An Error using any of its fields (FDIS ID, relatedID and serialNumber unless ``draft``)."""
    return st.builds(
        Error,
        code=st.sampled_from(("0.0", "0.3", "1.5", "2.4", "5.3", "7.7")) | texts(8),
        level=optional(st.sampled_from(Level)),
        reason=optional(texts()),
        details=optional(texts()),
        xpath=optional(qnames if draft else texts()),
        stack_trace=optional(texts(60)),
        location=optional(
            st.builds(Location, optional(texts()), optional(texts()), optional(texts()))
        ),
        id=st.none() if draft else optional(object_ids()),
        related_ids=st.just(()) if draft else tuples_of(object_ids(), 2),
        object=optional(error_objects(draft)),
        operation_id=optional(integers),
    )


@functools.cache
def replies(draft: bool = False) -> st.SearchStrategy[Reply]:
    """A Reply with errors, IDs, extension fragments and an operationId."""
    return st.builds(
        Reply,
        result=st.sampled_from(Result),
        errors=tuples_of(errors(draft)),
        ids=tuples_of(object_ids(draft)),
        extensions=tuples_of(fragments(xsi=not draft), 2),
        operation_id=optional(integers),
    )


@functools.cache
def operation_sets(draft: bool = False) -> st.SearchStrategy[OperationSet]:
    """An OperationSet with its flags and operations, each with at most one payload element."""
    operation = st.builds(
        Operation,
        operation_id=integers,
        noun=optional(texts()),
        verb=optional(st.sampled_from(Verb)),
        element_operation=optional(st.booleans()),
        payload=optional(fragments()),
    )
    return st.builds(
        OperationSet, optional(st.booleans()), optional(st.booleans()), tuples_of(operation)
    )


@functools.cache
def payloads(draft: bool = False) -> st.SearchStrategy[Payload]:
    """A Payload of one kind (CIM elements, OperationSet, Compressed, IDs or nothing), Format."""
    kinds: list[st.SearchStrategy[dict[str, Any]]] = [
        st.just({}),
        st.lists(fragments(), min_size=1, max_size=3).map(lambda e: {"elements": tuple(e)}),
        operation_sets(draft).map(lambda o: {"operation_set": o}),
        st.binary(max_size=300).map(lambda b: {"compressed": compress(b)}),
    ]
    if not draft:
        kinds.append(
            st.lists(object_ids(), min_size=1, max_size=3).map(lambda i: {"ids": tuple(i)})
        )
    fmt = optional(st.sampled_from(("XML", "RDF", "JSON", "BINARY")) | texts(8))
    return st.builds(lambda kind, f: Payload(**kind, format=f), st.one_of(kinds), fmt)


# --- messages ----------------------------------------------------------------------------------


@functools.cache
def request_messages(draft: bool = False) -> st.SearchStrategy[RequestMessage]:
    """A RequestMessage with a request verb."""
    return st.builds(
        RequestMessage,
        headers(REQUEST_VERBS, draft),
        optional(requests(draft)),
        optional(payloads(draft)),
    )


@functools.cache
def response_messages(draft: bool = False) -> st.SearchStrategy[ResponseMessage]:
    """A ResponseMessage (verb reply)."""
    return st.builds(
        ResponseMessage,
        headers(frozenset({Verb.REPLY}), draft),
        replies(draft),
        optional(payloads(draft)),
    )


@functools.cache
def event_messages(draft: bool = False) -> st.SearchStrategy[EventMessage]:
    """An EventMessage with a past-tense verb."""
    return st.builds(EventMessage, headers(EVENT_VERBS, draft), optional(payloads(draft)))


@functools.cache
def fault_messages(draft: bool = False) -> st.SearchStrategy[FaultMessage]:
    """A FaultMessage (a Reply and no Header)."""
    return st.builds(FaultMessage, replies(draft))


@functools.cache
def messages(draft: bool = False) -> st.SearchStrategy[Message]:
    """Any message of the four kinds; ``draft`` keeps to what the 2011 draft schema expresses."""
    return st.one_of(
        request_messages(draft),
        response_messages(draft),
        event_messages(draft),
        fault_messages(draft),
    )


# --- hostile variations --------------------------------------------------------------------------

HOSTILE_BYTES = (
    b"<",
    b">",
    b"&",
    b"</",
    b"/>",
    b'"',
    b"<!DOCTYPE x>",
    b'<!ENTITY e "x">',
    b"&e;",
    b"&#0;",
    b"]]>",
    b"<![CDATA[",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"<x:y>",
    b'xmlns="urn:x"',
    b"{",
    b"[",
    b"\\u0000",
    b"\\ud800",
    b"9" * 50,
)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with 1..8 random byte flips, deletions, insertions and truncations."""
    out = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        op = draw(st.sampled_from(("flip", "delete", "insert", "hostile", "truncate")))
        at = draw(st.integers(min_value=0, max_value=max(len(out) - 1, 0)))
        if op == "flip" and out:
            out[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif op == "delete" and out:
            del out[at : at + draw(st.integers(min_value=1, max_value=16))]
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "hostile":
            out[at:at] = draw(st.sampled_from(HOSTILE_BYTES))
        elif op == "truncate":
            del out[at:]
    return bytes(out)


#: any JSON value, strings including lone surrogates and controls
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=()), max_size=12)
    | st.sampled_from(
        (
            "get",
            "created",
            "reply",
            "OK",
            "uuid",
            "2024-03-18T07:00:00Z",
            "<a/>",
            '<x:a xmlns:x="urn:x">\ud800</x:a>',
            "<!DOCTYPE a><a/>",
            "\u0000",
        )
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=16,
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*here, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*here, i))
    return out


HOSTILE_XML = (
    '<x:a xmlns:x="urn:x">\ud800</x:a>',
    "<!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>",
    f'<m:OperationSet xmlns:m="{MESSAGE_NS}"/>',
    "<a>",
)
HOSTILE_STRINGS = (
    *HOSTILE_XML,
    "\u0000",
    "\ud800",
    "get ",
    "",
    "9" * 5000,
    "2024-02-30T00:00:00Z",
)


@st.composite
def mutated_dicts(draw: st.DrawFn, source: st.SearchStrategy[Any]) -> Any:
    """A fresh JSON dict from ``source`` with a subtree replaced, removed or given a new key,
    or a string in it replaced by a hostile one."""
    value = draw(source)
    op = draw(st.sampled_from(("replace", "delete", "add", "hostile", "hostile")))
    paths = _paths(value)
    hostile = HOSTILE_STRINGS
    if op == "hostile":
        strings = [p for p in paths if p and isinstance(_at(value, p), str)]
        xml = [p for p in strings if "any" in p]  # foreign XML held as text
        if xml and draw(st.booleans()):
            strings, hostile = xml, HOSTILE_XML
        paths = strings or paths
    path = draw(st.sampled_from(paths))
    if not path:
        return draw(json_values)
    parent = _at(value, path[:-1])
    if op == "replace":
        parent[path[-1]] = draw(json_values)
    elif op == "hostile":
        parent[path[-1]] = draw(st.sampled_from(hostile))
    elif op == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = draw(json_values)
    else:
        parent.append(draw(json_values))
    return value


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value
