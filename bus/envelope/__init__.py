"""The IEC 61968-100 envelope: immutable message models and their XML, JSON and SOAP codecs."""

from __future__ import annotations

from bus.envelope.compression import compress, decompress
from bus.envelope.jsoncodec import decode_json, encode_json, from_dict, to_dict
from bus.envelope.model import (
    EVENT_VERBS,
    MESSAGE_NS,
    PAST_TENSE,
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
)
from bus.envelope.replies import (
    error_from,
    failure_answer,
    make_header,
    new_message_id,
    reply_to,
    utc_now,
)
from bus.envelope.soap import SoapVersion, wrap_soap
from bus.envelope.typed import wrapper_namespace
from bus.envelope.xmlread import decode_xml
from bus.envelope.xmlsafe import DEFAULT_LIMITS, Limits, fragment, parse_xml
from bus.envelope.xmlwrite import Form, encode_xml
from cim.errors import MalformedMessage


def decode(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Message:
    """Parse a message as received: JSON if it starts with ``{``, else XML (bare or SOAP)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedMessage(
            f"a message must be bytes as received, not {type(data).__name__}; "
            "encode text as UTF-8 first"
        )
    head = bytes(data[:64]).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return decode_json(bytes(data), limits)
    return decode_xml(data, limits)


def fragment_of(xml: bytes, limits: Limits = DEFAULT_LIMITS) -> XmlFragment:
    """An :class:`XmlFragment` for one XML element given as bytes, in the form the codec keeps.

    The bytes are parsed with the same safe parser as messages (no DTDs, no entities).
    """
    return fragment(parse_xml(xml, limits), frozenset())


def encode_soap(
    message: Message,
    *,
    version: SoapVersion = "1.1",
    form: Form = "generic",
    noun: str | None = None,
    namespace: str | None = None,
) -> bytes:
    """``message`` as XML inside a SOAP envelope."""
    body = encode_xml(message, form=form, noun=noun, namespace=namespace, declaration=False)
    return wrap_soap(body, version)


__all__ = [
    "DEFAULT_LIMITS",
    "EVENT_VERBS",
    "MESSAGE_NS",
    "PAST_TENSE",
    "REQUEST_VERBS",
    "Error",
    "ErrorObject",
    "EventMessage",
    "FaultMessage",
    "Form",
    "Header",
    "IdKind",
    "Level",
    "Limits",
    "Location",
    "Message",
    "Name",
    "NameType",
    "NameTypeAuthority",
    "ObjectID",
    "Operation",
    "OperationSet",
    "Option",
    "Payload",
    "Property",
    "ReplayDetection",
    "Reply",
    "Request",
    "RequestMessage",
    "ResponseMessage",
    "Result",
    "SoapVersion",
    "User",
    "Verb",
    "XmlFragment",
    "compress",
    "decode",
    "decode_json",
    "decode_xml",
    "decompress",
    "encode_json",
    "encode_soap",
    "encode_xml",
    "error_from",
    "failure_answer",
    "fragment_of",
    "from_dict",
    "make_header",
    "new_message_id",
    "parse_xml",
    "reply_to",
    "to_dict",
    "utc_now",
    "wrap_soap",
    "wrapper_namespace",
]
