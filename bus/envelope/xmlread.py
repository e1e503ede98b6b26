"""Parse IEC 61968-100 XML: generic envelopes, per-noun typed wrappers, SOAP 1.1 and 1.2 bodies.

The parser is the validator: it walks the envelope in schema order (FDIS structure, which
accepts every 2011-draft message) and raises an error from :mod:`cim.errors` naming the element
path. Intake safety (size, DTDs, entities) is :mod:`bus.envelope.xmlsafe`.
"""

from __future__ import annotations

import re

from lxml import etree

from bus.envelope.model import (
    EVENT_VERBS,
    MESSAGE_NS,
    Error,
    ErrorObject,
    EventMessage,
    FaultMessage,
    Header,
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
    parse_verb,
)
from bus.envelope.typed import TypedRoot, parse_typed_root
from bus.envelope.xmlfields import (
    Shape,
    check_base64,
    object_id,
    opt,
    read,
    to_bool,
    to_datetime,
    to_int,
)
from bus.envelope.xmlsafe import (
    DEFAULT_LIMITS,
    ENVELOPE_NS,
    Limits,
    fragment,
    parse_xml,
    unwrap_soap,
)
from cim.errors import (
    CimbusError,
    HeaderError,
    InvalidNoun,
    MalformedMessage,
    PayloadError,
    RequestError,
    SchemaViolation,
)

_Element = etree._Element
_M = "{" + MESSAGE_NS + "}"
_NOUN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def decode_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Message:
    """Parse a bare envelope, typed wrapper or SOAP message into a :data:`Message`."""
    return decode_element(unwrap_soap(parse_xml(data, limits)), limits)


def decode_element(root: _Element, limits: Limits = DEFAULT_LIMITS) -> Message:
    """Turn an already parsed message element into a :data:`Message`."""
    tag = root.tag
    if not isinstance(tag, str):
        raise MalformedMessage("the document has no message element")
    local = tag.rsplit("}", 1)[-1]
    ns = tag[1 : tag.index("}")] if tag.startswith("{") else None
    reader = _Reader(limits)
    try:
        if ns == MESSAGE_NS:
            return reader.generic(root, local)
        typed = parse_typed_root(ns, local)
        if typed is None:
            raise SchemaViolation(
                f"root element {local!r} in namespace {ns!r} is not an IEC 61968-100 message; "
                f"expected RequestMessage, ResponseMessage, EventMessage or FaultMessage in "
                f"{MESSAGE_NS} or a per-noun wrapper such as CreateMeterReadings",
                path=f"/{local}",
            )
        return reader.typed(root, typed)
    except CimbusError as exc:
        _salvage_ids(root, exc)
        raise


def _salvage_ids(root: _Element, exc: CimbusError) -> None:
    """Best-effort MessageID, CorrelationID and Noun of a broken message, for logs and replies.

    With a readable MessageID and a well-formed Noun the sender gets a correlated FAILED
    ResponseMessage instead of an anonymous FaultMessage.
    """
    for header in root:
        if isinstance(header.tag, str) and header.tag.endswith("}Header"):
            if exc.message_id is None:
                exc.message_id = (header.findtext(f"{_M}MessageID") or "").strip() or None
            if exc.correlation_id is None:
                cid = (header.findtext(f"{_M}CorrelationID") or "").strip() or None
                exc.correlation_id = cid
            noun = (header.findtext(f"{_M}Noun") or "").strip()
            if exc.message_id and exc.noun is None and _NOUN.match(noun):
                exc.noun = noun
            return


_NO_HEADER: dict[str, type[CimbusError]] = {"Header": HeaderError}
_ROOT_SHAPES = {
    "RequestMessage": Shape("Header Request? Payload?", "Header Request Payload", _NO_HEADER),
    "ResponseMessage": Shape("Header Reply Payload?", "Header Reply Payload", _NO_HEADER),
    "EventMessage": Shape("Header Payload?", "Header Payload", _NO_HEADER),
    "FaultMessage": Shape("Reply", "Reply"),
    "Message": Shape("Header Request? Reply? Payload?", "Header Request Reply Payload", _NO_HEADER),
}
_HEADER = Shape(
    "Verb Noun Revision? ReplayDetection? Context? Timestamp? Source? AsyncReplyFlag? "
    "ReplyAddress? AckRequired? User? MessageID? CorrelationID? Comment? Property* ##other*",
    "ReplayDetection User Property",
    {"Noun": InvalidNoun},
)
_REPLAY = Shape("Nonce Created")
_USER = Shape("UserID Organization?")
_PROPERTY = Shape("Name Value?")
_REQUEST = Shape("StartTime? EndTime? Option* ID* ##other*", "Option ID")
_OPTION = Shape("name value?")
_REPLY = Shape("Result Error* ID* ##other* operationId?", "Error ID")
_ERROR = Shape(
    "code level? reason? details? xpath? stackTrace? Location? ID? relatedID* object? operationId?",
    "Location ID relatedID object",
)
_LOCATION = Shape("node? pipeline? stage?")
_OBJECT = Shape("mRID? serialNumber? Name* objectType?", "Name")
_NAME = Shape("name NameType?", "NameType")
_NAME_TYPE = Shape("name description? NameTypeAuthority?", "NameTypeAuthority")
_AUTHORITY = Shape("name description?")
_PAYLOAD = Shape("##other* OperationSet? Compressed? ID* Format?", "OperationSet ID")
_OPERATION_SET = Shape("enforceMsgSequence? enforceTransactionalIntegrity? Operation*", "Operation")
_OPERATION = Shape("operationId noun? verb? elementOperation? ##other?")
_MSG = (MESSAGE_NS,)


class _Reader:
    """Walks one message element; ``envelope`` holds the namespaces that are not payload."""

    __slots__ = ("envelope", "limits")

    def __init__(self, limits: Limits, envelope: frozenset[str] = ENVELOPE_NS) -> None:
        self.limits = limits
        self.envelope = envelope

    def frags(self, elements: list[_Element] | None) -> tuple[XmlFragment, ...]:
        """Foreign elements as fragments, without unused envelope namespaces."""
        return () if elements is None else tuple(fragment(x, self.envelope) for x in elements)

    # --- roots ---------------------------------------------------------------------------

    def generic(self, root: _Element, local: str) -> Message:
        """A message in the generic envelope namespace."""
        shape = _ROOT_SHAPES.get(local)
        if shape is None:
            raise SchemaViolation(
                f"{local!r} is not an IEC 61968-100 message element; expected RequestMessage, "
                "ResponseMessage, EventMessage or FaultMessage",
                path=f"/{local}",
            )
        return self._message(root, local, shape, _MSG, _MSG, f"/{local}", None)

    def typed(self, root: _Element, typed: TypedRoot) -> Message:
        """A message in a per-noun typed wrapper."""
        wrapper = typed.namespace
        self.envelope = ENVELOPE_NS | {wrapper}
        shape = _ROOT_SHAPES[typed.kind]
        return self._message(
            root, typed.kind, shape, (wrapper,), (MESSAGE_NS, wrapper), f"/{typed.localname}", typed
        )

    def _message(
        self,
        root: _Element,
        kind: str,
        shape: Shape,
        structural: tuple[str, ...],
        inner: tuple[str, ...],
        path: str,
        typed: TypedRoot | None,
    ) -> Message:
        slots = read(root, path, shape, structural, SchemaViolation)
        if kind == "FaultMessage":
            return FaultMessage(self.reply(slots[0], f"{path}/Reply"))
        named = {"Header": slots[0], "Request": None, "Reply": None, "Payload": slots[-1]}
        if len(slots) == 4:  # the draft's generic Message
            named["Request"], named["Reply"] = slots[1], slots[2]
        elif len(slots) == 3:
            named[shape.names[1]] = slots[1]
        header = self.header(named["Header"], f"{path}/Header")
        try:
            if typed is not None:
                _check_wrapper(header, typed, path)
            if kind == "Message":  # the draft's generic MessageType: kind follows the verb
                kind = _kind_for_verb(header.verb)
                for name in ("Request", "Reply"):
                    if named[name] is not None and not kind.startswith(name):
                        raise SchemaViolation(
                            f"{path}/{name} does not belong in a {kind}", path=f"{path}/{name}"
                        )
            payload_el = named["Payload"]
            payload = (
                None if payload_el is None else self.payload(payload_el, f"{path}/Payload", inner)
            )
            if kind == "RequestMessage":
                request_el = named.get("Request")
                request = (
                    None
                    if request_el is None
                    else self.request(request_el, f"{path}/Request", inner)
                )
                return RequestMessage(header, request, payload)
            if kind == "ResponseMessage":
                reply_el = named.get("Reply")
                if reply_el is None:
                    raise SchemaViolation(f"{path}/Reply is missing", path=f"{path}/Reply")
                return ResponseMessage(header, self.reply(reply_el, f"{path}/Reply"), payload)
            return EventMessage(header, payload)
        except CimbusError as exc:
            exc.message_id = exc.message_id or header.message_id
            exc.correlation_id = exc.correlation_id or header.correlation_id
            exc.noun = exc.noun or header.noun
            raise

    # --- header --------------------------------------------------------------------------

    def header(self, el: _Element, path: str) -> Header:
        """The Header element."""
        e = HeaderError
        (
            verb_text,
            noun,
            revision,
            replay_el,
            context,
            timestamp,
            source,
            async_flag,
            reply_address,
            ack,
            user_el,
            message_id,
            correlation_id,
            comment,
            property_els,
            others,
        ) = read(el, path, _HEADER, _MSG, e)
        try:
            verb = parse_verb(verb_text)
        except CimbusError as exc:
            exc.path = f"{path}/Verb"
            raise
        replay = None
        if replay_el is not None:
            rp = f"{path}/ReplayDetection"
            nonce, created = read(replay_el, rp, _REPLAY, _MSG, e)
            replay = ReplayDetection(nonce, to_datetime(created.strip(), f"{rp}/Created", e))
        user = None
        if user_el is not None:
            user = User(*read(user_el, f"{path}/User", _USER, _MSG, e))
        props = (
            ()
            if property_els is None
            else tuple(
                Property(*read(p, f"{path}/Property", _PROPERTY, _MSG, e)) for p in property_els
            )
        )
        try:
            return Header(
                verb,
                noun,
                revision,
                replay,
                context,
                opt(to_datetime, timestamp, path, "Timestamp", e),
                source,
                opt(to_bool, async_flag, path, "AsyncReplyFlag", e),
                reply_address,
                opt(to_bool, ack, path, "AckRequired", e),
                user,
                message_id,
                correlation_id,
                comment,
                props,
                self.frags(others),
            )
        except CimbusError as exc:
            if exc.path is None:
                exc.path = f"{path}/Noun"
            exc.message_id = message_id
            raise

    # --- request -------------------------------------------------------------------------

    def request(self, el: _Element, path: str, inner: tuple[str, ...]) -> Request:
        """The Request element (its own children may be in the typed wrapper namespace)."""
        e = RequestError
        start, end, option_els, id_els, others = read(el, path, _REQUEST, inner, e)
        options = (
            ()
            if option_els is None
            else tuple(Option(*read(o, f"{path}/Option", _OPTION, _MSG, e)) for o in option_els)
        )
        return Request(
            opt(to_datetime, start, path, "StartTime", e),
            opt(to_datetime, end, path, "EndTime", e),
            options,
            _ids(id_els, f"{path}/ID", e),
            self.frags(others),
        )

    # --- reply ---------------------------------------------------------------------------

    def reply(self, el: _Element, path: str) -> Reply:
        """The Reply element."""
        e = SchemaViolation
        text, error_els, id_els, others, op = read(el, path, _REPLY, _MSG, e)
        result = _RESULTS.get(text)
        if result is None:
            raise e(
                f"{path}/Result is {text[:40]!r}; use OK, PARTIAL or FAILED", path=f"{path}/Result"
            )
        errors = (
            () if error_els is None else tuple(self.error(x, f"{path}/Error") for x in error_els)
        )
        return Reply(
            result,
            errors,
            _ids(id_els, f"{path}/ID", e),
            self.frags(others),
            opt(to_int, op, path, "operationId", e),
        )

    def error(self, el: _Element, path: str) -> Error:
        """One Error of a Reply."""
        e = SchemaViolation
        (
            code,
            level_text,
            reason,
            details,
            xpath,
            stack,
            loc_el,
            id_el,
            related_els,
            obj_el,
            op,
        ) = read(el, path, _ERROR, _MSG, e)
        level = None
        if level_text is not None:
            level = _LEVELS.get(level_text)
            if level is None:
                raise e(
                    f"{path}/level is {level_text[:40]!r}; use INFORM, WARNING, FATAL or "
                    "CATASTROPHIC",
                    path=f"{path}/level",
                )
        location = None
        if loc_el is not None:
            location = Location(*read(loc_el, f"{path}/Location", _LOCATION, _MSG, e))
        return Error(
            code,
            level,
            reason,
            details,
            xpath,
            stack,
            location,
            None if id_el is None else object_id(id_el, f"{path}/ID", e),
            _ids(related_els, f"{path}/relatedID", e),
            None if obj_el is None else self.error_object(obj_el, f"{path}/object"),
            opt(to_int, op, path, "operationId", e),
        )

    def error_object(self, el: _Element, path: str) -> ErrorObject:
        """The object an Error is about."""
        e = SchemaViolation
        mrid, serial, name_els, object_type = read(el, path, _OBJECT, _MSG, e)
        names = []
        for n in name_els or ():
            name, type_el = read(n, f"{path}/Name", _NAME, _MSG, e)
            name_type = None
            if type_el is not None:
                tp = f"{path}/Name/NameType"
                tname, tdesc, auth_el = read(type_el, tp, _NAME_TYPE, _MSG, e)
                auth = (
                    None
                    if auth_el is None
                    else NameTypeAuthority(
                        *read(auth_el, f"{tp}/NameTypeAuthority", _AUTHORITY, _MSG, e)
                    )
                )
                name_type = NameType(tname, tdesc, auth)
            names.append(Name(name, name_type))
        return ErrorObject(mrid, serial, tuple(names), object_type)

    # --- payload -------------------------------------------------------------------------

    def payload(self, el: _Element, path: str, inner: tuple[str, ...]) -> Payload:
        """The Payload element."""
        e = PayloadError
        others, opset_el, compressed, id_els, fmt = read(el, path, _PAYLOAD, inner, e)
        return Payload(
            self.frags(others),
            None if opset_el is None else self.operation_set(opset_el, f"{path}/OperationSet"),
            None if compressed is None else check_base64(compressed, f"{path}/Compressed"),
            _ids(id_els, f"{path}/ID", e),
            fmt,
        )

    def operation_set(self, el: _Element, path: str) -> OperationSet:
        """An OperationSet."""
        e = PayloadError
        sequence, integrity, op_els = read(el, path, _OPERATION_SET, _MSG, e)
        ops = []
        p = f"{path}/Operation"
        for op in op_els or ():
            op_id, noun, verb_text, elem_op, body = read(op, p, _OPERATION, _MSG, e)
            ops.append(
                Operation(
                    to_int(op_id.strip(), f"{p}/operationId", e),
                    noun,
                    None if verb_text is None else parse_verb(verb_text),
                    opt(to_bool, elem_op, p, "elementOperation", e),
                    None if body is None else fragment(body, self.envelope),
                )
            )
        return OperationSet(
            opt(to_bool, sequence, path, "enforceMsgSequence", e),
            opt(to_bool, integrity, path, "enforceTransactionalIntegrity", e),
            tuple(ops),
        )


_RESULTS = {r.value: r for r in Result}
_LEVELS = {lv.value: lv for lv in Level}


def _ids(
    elements: list[_Element] | None, path: str, error: type[SchemaViolation]
) -> tuple[ObjectID, ...]:
    return () if elements is None else tuple(object_id(i, path, error) for i in elements)


def _check_wrapper(header: Header, typed: TypedRoot, path: str) -> None:
    if header.noun != typed.noun or (typed.verb is not None and header.verb != typed.verb):
        expected = f"{typed.verb.value if typed.verb else header.verb.value} {typed.noun}"
        raise HeaderError(
            f"Header says {header.verb.value} {header.noun} but the wrapper element "
            f"{typed.localname} means {expected}",
            path=f"{path}/Header",
            message_id=header.message_id,
        )


def _kind_for_verb(verb: Verb) -> str:
    if verb is Verb.REPLY:
        return "ResponseMessage"
    return "EventMessage" if verb in EVENT_VERBS else "RequestMessage"
