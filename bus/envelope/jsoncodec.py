"""The JSON codec: the XML envelope's structure as JSON objects (see ``docs/json-mapping.md``).

One object with a single key naming the kind (``RequestMessage`` …); keys are the schema's
element and attribute names; absent fields and empty lists are omitted; booleans and integers
are JSON booleans and numbers; date-times are xs:dateTime strings; foreign XML (CIM payloads,
Get profiles, extensions) is a string of XML under ``any``. One table drives both directions,
so XML -> JSON -> XML loses nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from datetime import datetime
from enum import Enum
from typing import Any

from bus.envelope.model import (
    XML_INVALID_CHAR,
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
    check_noun,
    parse_verb,
)
from bus.envelope.xmlfields import check_base64, to_datetime
from bus.envelope.xmlsafe import DEFAULT_LIMITS, ENVELOPE_NS, Limits, fragment, parse_xml
from bus.envelope.xmlwrite import format_datetime
from cim.errors import (
    CimbusError,
    HeaderError,
    InvalidNoun,
    InvalidVerb,
    MalformedMessage,
    OversizeMessage,
    PayloadError,
    RequestError,
    SchemaViolation,
)

# (JSON key, attribute, type); a type is a scalar, an Enum, a spec'd dataclass, XmlFragment,
# or a one-element list [T] for repeated fields.
_ID = ObjectID
_SPECS: dict[type, tuple[tuple[str, str, Any], ...]] = {
    RequestMessage: (
        ("Header", "header", Header),
        ("Request", "request", Request),
        ("Payload", "payload", Payload),
    ),
    ResponseMessage: (
        ("Header", "header", Header),
        ("Reply", "reply", Reply),
        ("Payload", "payload", Payload),
    ),
    EventMessage: (("Header", "header", Header), ("Payload", "payload", Payload)),
    FaultMessage: (("Reply", "reply", Reply),),
    Header: (
        ("Verb", "verb", Verb),
        ("Noun", "noun", str),
        ("Revision", "revision", str),
        ("ReplayDetection", "replay_detection", ReplayDetection),
        ("Context", "context", str),
        ("Timestamp", "timestamp", datetime),
        ("Source", "source", str),
        ("AsyncReplyFlag", "async_reply_flag", bool),
        ("ReplyAddress", "reply_address", str),
        ("AckRequired", "ack_required", bool),
        ("User", "user", User),
        ("MessageID", "message_id", str),
        ("CorrelationID", "correlation_id", str),
        ("Comment", "comment", str),
        ("Property", "properties", [Property]),
        ("any", "extensions", [XmlFragment]),
    ),
    ReplayDetection: (("Nonce", "nonce", str), ("Created", "created", datetime)),
    User: (("UserID", "user_id", str), ("Organization", "organization", str)),
    Property: (("Name", "name", str), ("Value", "value", str)),
    Request: (
        ("StartTime", "start_time", datetime),
        ("EndTime", "end_time", datetime),
        ("Option", "options", [Option]),
        ("ID", "ids", [_ID]),
        ("any", "profile", [XmlFragment]),
    ),
    Option: (("name", "name", str), ("value", "value", str)),
    ObjectID: (
        ("value", "value", str),
        ("idType", "id_type", str),
        ("idAuthority", "id_authority", str),
        ("kind", "kind", IdKind),
        ("objectType", "object_type", str),
    ),
    Reply: (
        ("Result", "result", Result),
        ("Error", "errors", [Error]),
        ("ID", "ids", [_ID]),
        ("any", "extensions", [XmlFragment]),
        ("operationId", "operation_id", int),
    ),
    Error: (
        ("code", "code", str),
        ("level", "level", Level),
        ("reason", "reason", str),
        ("details", "details", str),
        ("xpath", "xpath", str),
        ("stackTrace", "stack_trace", str),
        ("Location", "location", Location),
        ("ID", "id", _ID),
        ("relatedID", "related_ids", [_ID]),
        ("object", "object", ErrorObject),
        ("operationId", "operation_id", int),
    ),
    Location: (("node", "node", str), ("pipeline", "pipeline", str), ("stage", "stage", str)),
    ErrorObject: (
        ("mRID", "mrid", str),
        ("serialNumber", "serial_number", str),
        ("Name", "names", [Name]),
        ("objectType", "object_type", str),
    ),
    Name: (("name", "name", str), ("NameType", "name_type", NameType)),
    NameType: (
        ("name", "name", str),
        ("description", "description", str),
        ("NameTypeAuthority", "authority", NameTypeAuthority),
    ),
    NameTypeAuthority: (("name", "name", str), ("description", "description", str)),
    Payload: (
        ("any", "elements", [XmlFragment]),
        ("OperationSet", "operation_set", OperationSet),
        ("Compressed", "compressed", str),
        ("ID", "ids", [_ID]),
        ("Format", "format", str),
    ),
    OperationSet: (
        ("enforceMsgSequence", "enforce_msg_sequence", bool),
        ("enforceTransactionalIntegrity", "enforce_transactional_integrity", bool),
        ("Operation", "operations", [Operation]),
    ),
    Operation: (
        ("operationId", "operation_id", int),
        ("noun", "noun", str),
        ("verb", "verb", Verb),
        ("elementOperation", "element_operation", bool),
        ("any", "payload", XmlFragment),
    ),
}
_KINDS: dict[str, type] = {
    "RequestMessage": RequestMessage,
    "ResponseMessage": ResponseMessage,
    "EventMessage": EventMessage,
    "FaultMessage": FaultMessage,
}


def to_dict(message: Message) -> dict[str, Any]:
    """The JSON-ready dict of ``message``."""
    return {message.kind: _encode(message, type(message))}


def _encode(value: Any, kind: Any) -> Any:
    if isinstance(kind, list):
        return [_encode(v, kind[0]) for v in value]
    if kind is XmlFragment:
        return value.xml.decode("utf-8")
    if kind is datetime:
        return format_datetime(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return value.value
    spec = _SPECS.get(kind)
    if spec is None:
        return value
    out = {}
    for key, attr, sub in spec:
        v = getattr(value, attr)
        if v is None or (isinstance(sub, list) and not v):
            continue
        out[key] = _encode(v, sub)
    return out


def encode_json(message: Message, *, indent: int | None = None) -> bytes:
    """Serialise ``message`` as UTF-8 JSON."""
    return json.dumps(to_dict(message), ensure_ascii=False, indent=indent).encode("utf-8")


def from_dict(data: Any, limits: Limits = DEFAULT_LIMITS) -> Message:
    """Build a message from its JSON dict, strictly (unknown keys and wrong types are errors)."""
    if not isinstance(data, dict) or len(data) != 1:
        raise SchemaViolation(
            "a JSON message is an object with one key: RequestMessage, ResponseMessage, "
            "EventMessage or FaultMessage",
            path="/",
        )
    ((kind_name, body),) = data.items()
    kind = _KINDS.get(kind_name)
    if kind is None:
        raise SchemaViolation(
            f"{kind_name[:40]!r} is not a message kind; use one of {sorted(_KINDS)}",
            path=f"/{kind_name}",
        )
    try:
        message: Message = _decode(body, kind, f"/{kind_name}", limits)
    except CimbusError as exc:
        header = body.get("Header") if isinstance(body, dict) else None
        if isinstance(header, dict):
            mid, noun = header.get("MessageID"), header.get("Noun")
            if exc.message_id is None and isinstance(mid, str) and mid.isprintable():
                exc.message_id = mid[:200]
            if exc.message_id and exc.noun is None and isinstance(noun, str):
                with contextlib.suppress(CimbusError):
                    exc.noun = check_noun(noun)
        raise
    return message


def _error_class(path: str) -> type[SchemaViolation]:
    section = path.split("/")[2] if path.count("/") >= 2 else ""
    return {"Header": HeaderError, "Request": RequestError, "Payload": PayloadError}.get(
        section, SchemaViolation
    )


def _decode(value: Any, kind: Any, path: str, limits: Limits) -> Any:
    err = _error_class(path)
    if isinstance(kind, list):
        if not isinstance(value, list):
            raise err(f"{path} must be a JSON array", path=path)
        return tuple(_decode(v, kind[0], f"{path}[{i}]", limits) for i, v in enumerate(value))
    if kind is XmlFragment:
        if not isinstance(value, str):
            raise err(f"{path} must be a string of XML, not {_describe(value)}", path=path)
        _check_text(value, path, MalformedMessage)
        frag = fragment(parse_xml(value.encode("utf-8"), limits), frozenset())
        if frag.namespace is None or frag.namespace in ENVELOPE_NS:
            raise err(
                f"{path} must be an element in a namespace of its own (a CIM profile), "
                "not in the envelope's namespace or none",
                path=path,
            )
        return frag
    if kind is datetime:
        if not isinstance(value, str):
            raise err(f"{path} must be an xs:dateTime string, not {_describe(value)}", path=path)
        return to_datetime(value.strip(), path, err)
    if kind is bool or kind is int or kind is str:
        if type(value) is not kind:
            raise err(
                f"{path} must be a JSON {_JSON_NAMES[kind]}, not {_describe(value)}", path=path
            )
        if isinstance(value, str):
            _check_text(value, path, err)
        return value
    if kind is Verb:
        if not isinstance(value, str):
            raise InvalidVerb(f"{path} must be a verb string, not {_describe(value)}", path=path)
        try:
            return parse_verb(value)
        except InvalidVerb as exc:
            exc.path = path
            raise
    if isinstance(kind, type) and issubclass(kind, Enum):
        if not isinstance(value, str):  # Enum lookup would repr() any value, however deep
            raise err(f"{path} must be a string, not {_describe(value)}", path=path)
        try:
            return kind(value)
        except (ValueError, TypeError):
            allowed = ", ".join(str(m.value) for m in kind)
            raise err(f"{path} is {_describe(value)}; use one of {allowed}", path=path) from None
    spec = _SPECS[kind]
    if not isinstance(value, dict):
        raise err(f"{path} must be a JSON object, not {_describe(value)}", path=path)
    known = {key for key, _, _ in spec}
    unknown = [k for k in value if k not in known]
    if unknown:
        raise err(
            f"{path} has unknown key {unknown[0][:40]!r}; allowed: {', '.join(sorted(known))}",
            path=f"{path}/{unknown[0]}",
        )
    kwargs = {}
    for key, attr, sub in spec:
        if key in value and value[key] is not None:
            kwargs[attr] = _decode(value[key], sub, f"{path}/{key}", limits)
    if kind is Payload and "compressed" in kwargs:
        kwargs["compressed"] = check_base64(kwargs["compressed"], f"{path}/Compressed")
    required = [
        f.name
        for f in dataclasses.fields(kind)
        if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    missing = [a for a in required if a not in kwargs]
    if missing:
        key = next(k for k, a, _ in spec if a == missing[0])
        missing_error: type[CimbusError] = (
            InvalidNoun if (kind is Header and key == "Noun") else err
        )
        raise missing_error(f"{path}/{key} is missing", path=f"{path}/{key}")
    return kind(**kwargs)


_JSON_NAMES = {bool: "boolean", int: "integer", str: "string"}


def decode_json(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Message:
    """Parse UTF-8 JSON bytes into a message."""
    if len(data) > limits.max_bytes:
        raise OversizeMessage(f"message is {len(data)} bytes, over the limit of {limits.max_bytes}")
    try:
        parsed = json.loads(data, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise MalformedMessage(
            f"JSON object has a duplicate key {exc.args[0][:40]!r}; each key may appear once"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise MalformedMessage(f"not valid UTF-8 JSON: {str(exc)[:200]}") from None
    return from_dict(parsed, limits)


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def _describe(value: Any) -> str:
    """A short, safe description of a JSON value for an error message (never a deep repr)."""
    if isinstance(value, str):
        return repr(value[:40])
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)[:40]
    return f"a JSON {'array' if isinstance(value, list) else 'object'}"


def _check_text(value: str, path: str, err: type[CimbusError]) -> None:
    if XML_INVALID_CHAR.search(value):
        raise err(
            f"{path} holds a character XML cannot carry (a control character or a lone surrogate)",
            path=path,
        )
