"""Immutable value objects for IEC 61968-100 messages (FDIS structure; the 2011 draft is a subset).

Fields follow the schema's element order. Absent is ``None`` or an empty tuple, never ``""``.
Foreign-namespace XML (CIM payloads, Get profiles, header extensions) is kept as
:class:`XmlFragment`: the element's serialised bytes with every in-scope namespace declared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from cim.errors import HeaderError, InvalidNoun, InvalidVerb, PayloadError

MESSAGE_NS = "http://iec.ch/TC57/2011/schema/message"


class Verb(StrEnum):
    """IEC 61968-100 verbs: requests, past-tense events and ``reply``."""

    CREATE = "create"
    CHANGE = "change"
    CANCEL = "cancel"
    CLOSE = "close"
    DELETE = "delete"
    EXECUTE = "execute"
    GET = "get"
    CREATED = "created"
    CHANGED = "changed"
    CANCELED = "canceled"
    CLOSED = "closed"
    DELETED = "deleted"
    EXECUTED = "executed"
    REPLY = "reply"


REQUEST_VERBS = frozenset(
    {Verb.CREATE, Verb.CHANGE, Verb.CANCEL, Verb.CLOSE, Verb.DELETE, Verb.EXECUTE, Verb.GET}
)
EVENT_VERBS = frozenset(
    {Verb.CREATED, Verb.CHANGED, Verb.CANCELED, Verb.CLOSED, Verb.DELETED, Verb.EXECUTED}
)
#: request verb -> the event verb that reports it done
PAST_TENSE = {
    Verb.CREATE: Verb.CREATED,
    Verb.CHANGE: Verb.CHANGED,
    Verb.CANCEL: Verb.CANCELED,
    Verb.CLOSE: Verb.CLOSED,
    Verb.DELETE: Verb.DELETED,
    Verb.EXECUTE: Verb.EXECUTED,
}


class Result(StrEnum):
    """Reply result."""

    OK = "OK"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"


class Level(StrEnum):
    """Error severity."""

    INFORM = "INFORM"
    WARNING = "WARNING"
    FATAL = "FATAL"
    CATASTROPHIC = "CATASTROPHIC"


class IdKind(StrEnum):
    """What an ID value is (FDIS ``ID/@kind``)."""

    NAME = "name"
    UUID = "uuid"
    TRANSACTION = "transaction"
    OTHER = "other"


_NOUN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
XML_INVALID_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character that XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/FFFF)."""


def parse_verb(text: str) -> Verb:
    """The :class:`Verb` spelled ``text``; InvalidVerb (2.9) naming the accepted verbs otherwise."""
    try:
        return Verb(text)
    except ValueError:
        accepted = ", ".join(v.value for v in Verb)
        raise InvalidVerb(f"unknown verb {text!r}; use one of {accepted}") from None


def check_noun(noun: str) -> str:
    """``noun`` if it is a usable noun (a CIM-style identifier); InvalidNoun (2.5) otherwise."""
    if not _NOUN.match(noun):
        raise InvalidNoun(f"noun {noun!r} is not a name such as MeterReadings or EndDeviceEvents")
    return noun


@dataclass(frozen=True, slots=True)
class XmlFragment:
    """One foreign-namespace XML element, serialised, with its namespace declarations."""

    xml: bytes
    tag: str
    """Clark-notation name of the element, e.g. ``{http://iec.ch/TC57/2011/MeterReadings#}MeterReadings``."""

    @property
    def namespace(self) -> str | None:
        """Namespace URI of the element, if any."""
        return self.tag[1:].split("}", 1)[0] if self.tag.startswith("{") else None

    @property
    def localname(self) -> str:
        """Local name of the element."""
        return self.tag.rsplit("}", 1)[-1]


@dataclass(frozen=True, slots=True)
class ReplayDetection:
    """Nonce and creation time used to detect replayed messages."""

    nonce: str
    created: datetime


@dataclass(frozen=True, slots=True)
class User:
    """The user on whose behalf the message is sent (Organization optional in FDIS)."""

    user_id: str
    organization: str | None = None


@dataclass(frozen=True, slots=True)
class Property:
    """A name/value header property for extended routing and filtering."""

    name: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """Message header, fields in schema order."""

    verb: Verb
    noun: str
    revision: str | None = None
    replay_detection: ReplayDetection | None = None
    context: str | None = None
    timestamp: datetime | None = None
    source: str | None = None
    async_reply_flag: bool | None = None
    reply_address: str | None = None
    ack_required: bool | None = None
    user: User | None = None
    message_id: str | None = None
    correlation_id: str | None = None
    comment: str | None = None
    properties: tuple[Property, ...] = ()
    extensions: tuple[XmlFragment, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.verb, Verb):
            raise HeaderError(f"Header verb must be a Verb, not {self.verb!r}", path="Header/Verb")
        check_noun(self.noun)


@dataclass(frozen=True, slots=True)
class ObjectID:
    """An object identifier with the FDIS attributes (all optional)."""

    value: str
    id_type: str | None = None
    id_authority: str | None = None
    kind: IdKind | None = None
    object_type: str | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """A request option (name, value)."""

    name: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """Parameters of a request, typically a ``get``."""

    start_time: datetime | None = None
    end_time: datetime | None = None
    options: tuple[Option, ...] = ()
    ids: tuple[ObjectID, ...] = ()
    profile: tuple[XmlFragment, ...] = ()


@dataclass(frozen=True, slots=True)
class Location:
    """Where in processing an error occurred."""

    node: str | None = None
    pipeline: str | None = None
    stage: str | None = None


@dataclass(frozen=True, slots=True)
class NameTypeAuthority:
    """Authority responsible for a name type."""

    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class NameType:
    """Type of a name."""

    name: str
    description: str | None = None
    authority: NameTypeAuthority | None = None


@dataclass(frozen=True, slots=True)
class Name:
    """A name of an object."""

    name: str
    name_type: NameType | None = None


@dataclass(frozen=True, slots=True)
class ErrorObject:
    """The object an error is about."""

    mrid: str | None = None
    serial_number: str | None = None
    names: tuple[Name, ...] = ()
    object_type: str | None = None


@dataclass(frozen=True, slots=True)
class Error:
    """One error of a reply; ``code`` is ``category.number`` (any string is accepted)."""

    code: str
    level: Level | None = None
    reason: str | None = None
    details: str | None = None
    xpath: str | None = None
    stack_trace: str | None = None
    location: Location | None = None
    id: ObjectID | None = None
    related_ids: tuple[ObjectID, ...] = ()
    object: ErrorObject | None = None
    operation_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The outcome of a request."""

    result: Result
    errors: tuple[Error, ...] = ()
    ids: tuple[ObjectID, ...] = ()
    extensions: tuple[XmlFragment, ...] = ()
    operation_id: int | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of an OperationSet."""

    operation_id: int
    noun: str | None = None
    verb: Verb | None = None
    element_operation: bool | None = None
    payload: XmlFragment | None = None


@dataclass(frozen=True, slots=True)
class OperationSet:
    """Operations processed together, optionally in order and all-or-nothing."""

    enforce_msg_sequence: bool | None = None
    enforce_transactional_integrity: bool | None = None
    operations: tuple[Operation, ...] = ()


@dataclass(frozen=True, slots=True)
class Payload:
    """Message payload: CIM elements, OperationSet, Compressed or IDs (one kind), and Format."""

    elements: tuple[XmlFragment, ...] = ()
    operation_set: OperationSet | None = None
    compressed: str | None = None
    """base64 text of gzip-compressed bytes; see :mod:`bus.envelope.compression`."""
    ids: tuple[ObjectID, ...] = ()
    format: str | None = None

    def __post_init__(self) -> None:
        kinds = sum(
            (
                bool(self.elements),
                self.operation_set is not None,
                self.compressed is not None,
                bool(self.ids),
            )
        )
        if kinds > 1:
            raise PayloadError(
                "Payload holds one of CIM elements, OperationSet, Compressed or ID, not several",
                path="Payload",
            )


@dataclass(frozen=True, slots=True)
class RequestMessage:
    """A request (create, change, cancel, close, delete, execute, get)."""

    header: Header
    request: Request | None = None
    payload: Payload | None = None
    kind: ClassVar[str] = "RequestMessage"

    def __post_init__(self) -> None:
        if self.header.verb not in REQUEST_VERBS:
            raise InvalidVerb(
                f"verb {self.header.verb.value!r} is not a request verb; a RequestMessage takes "
                "create, change, cancel, close, delete, execute or get",
                path="Header/Verb",
                message_id=self.header.message_id,
            )


@dataclass(frozen=True, slots=True)
class ResponseMessage:
    """A response to a request; its verb is ``reply``."""

    header: Header
    reply: Reply
    payload: Payload | None = None
    kind: ClassVar[str] = "ResponseMessage"

    def __post_init__(self) -> None:
        if self.header.verb is not Verb.REPLY:
            raise InvalidVerb(
                f"verb {self.header.verb.value!r} is not allowed in a ResponseMessage; use 'reply'",
                path="Header/Verb",
                message_id=self.header.message_id,
            )


@dataclass(frozen=True, slots=True)
class EventMessage:
    """An event reporting something that happened (past-tense verb)."""

    header: Header
    payload: Payload | None = None
    kind: ClassVar[str] = "EventMessage"

    def __post_init__(self) -> None:
        if self.header.verb not in EVENT_VERBS:
            raise InvalidVerb(
                f"verb {self.header.verb.value!r} is not an event verb; an EventMessage takes "
                "created, changed, canceled, closed, deleted or executed",
                path="Header/Verb",
                message_id=self.header.message_id,
            )


@dataclass(frozen=True, slots=True)
class FaultMessage:
    """The answer to a message that could not be parsed: a Reply and no Header."""

    reply: Reply
    kind: ClassVar[str] = "FaultMessage"


Message = RequestMessage | ResponseMessage | EventMessage | FaultMessage
"""Any IEC 61968-100 message."""

MESSAGE_KINDS = ("RequestMessage", "ResponseMessage", "EventMessage", "FaultMessage")
