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
    Seq,
    check_base64,
    object_id,
    opt_text,
    text_of,
    to_bool,
    to_datetime,
    to_int,
    typed_value,
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
        if exc.message_id is None:
            _salvage_ids(root, exc)
        raise


def _salvage_ids(root: _Element, exc: CimbusError) -> None:
    """Best-effort MessageID, CorrelationID and Noun of a broken message, for logs and replies.

    With a readable MessageID and a well-formed Noun the sender gets a correlated FAILED
    ResponseMessage instead of an anonymous FaultMessage.
    """
    for header in root:
        if isinstance(header.tag, str) and header.tag.endswith("}Header"):
            mid = (header.findtext(f"{_M}MessageID") or "").strip() or None
            exc.message_id = mid
            exc.correlation_id = (header.findtext(f"{_M}CorrelationID") or "").strip() or None
            noun = (header.findtext(f"{_M}Noun") or "").strip()
            if mid and exc.noun is None and _NOUN.match(noun):
                exc.noun = noun
            return


class _Reader:
    """Walks one message element; ``ns`` is the tuple of namespaces of structural elements."""

    __slots__ = ("envelope", "limits")

    def __init__(self, limits: Limits, envelope: frozenset[str] = ENVELOPE_NS) -> None:
        self.limits = limits
        self.envelope = envelope

    def frag(self, el: _Element) -> XmlFragment:
        """A foreign element as a fragment, without unused envelope namespaces."""
        return fragment(el, self.envelope)

    # --- roots ---------------------------------------------------------------------------

    def generic(self, root: _Element, local: str) -> Message:
        ns = (MESSAGE_NS,)
        path = f"/{local}"
        if local not in (
            "RequestMessage",
            "ResponseMessage",
            "EventMessage",
            "FaultMessage",
            "Message",
        ):
            raise SchemaViolation(
                f"{local!r} is not an IEC 61968-100 message element; expected RequestMessage, "
                "ResponseMessage, EventMessage or FaultMessage",
                path=path,
            )
        seq = Seq(root, path, ns, SchemaViolation)
        if local == "FaultMessage":
            reply = self.reply(seq.need("Reply"), f"{path}/Reply")
            seq.end()
            return FaultMessage(reply)
        header = self.header(seq.need("Header"), f"{path}/Header")
        try:
            return self._body(seq, local, header, ns, ns, path)
        except CimbusError as exc:
            exc.message_id = exc.message_id or header.message_id
            exc.correlation_id = exc.correlation_id or header.correlation_id
            exc.noun = exc.noun or header.noun
            raise

    def typed(self, root: _Element, typed: TypedRoot) -> Message:
        wrapper = typed.namespace
        self.envelope = ENVELOPE_NS | {wrapper}
        path = f"/{typed.localname}"
        structural = (wrapper,)
        inner = (MESSAGE_NS, wrapper)
        seq = Seq(root, path, structural, SchemaViolation)
        if typed.kind == "FaultMessage":
            reply = self.reply(seq.need("Reply"), f"{path}/Reply")
            seq.end()
            return FaultMessage(reply)
        header = self.header(seq.need("Header"), f"{path}/Header")
        if header.noun != typed.noun or (typed.verb is not None and header.verb != typed.verb):
            expected = f"{typed.verb.value if typed.verb else header.verb.value} {typed.noun}"
            raise HeaderError(
                f"Header says {header.verb.value} {header.noun} but the wrapper element "
                f"{typed.localname} means {expected}",
                path=f"{path}/Header",
                message_id=header.message_id,
            )
        try:
            return self._body(seq, typed.kind, header, structural, inner, path)
        except CimbusError as exc:
            exc.message_id = exc.message_id or header.message_id
            exc.noun = exc.noun or header.noun
            raise

    def _body(
        self,
        seq: Seq,
        kind: str,
        header: Header,
        structural: tuple[str, ...],
        inner: tuple[str, ...],
        path: str,
    ) -> Message:
        if kind == "Message":  # the draft's generic MessageType: kind follows the verb
            kind = _kind_for_verb(header.verb)
        request = reply = payload = None
        if kind == "RequestMessage":
            el = seq.take("Request")
            request = None if el is None else self.request(el, f"{path}/Request", inner)
        elif kind == "ResponseMessage":
            reply = self.reply(seq.need("Reply"), f"{path}/Reply")
        el = seq.take("Payload")
        if el is not None:
            payload = self.payload(el, f"{path}/Payload", inner)
        seq.end()
        if kind == "RequestMessage":
            return RequestMessage(header, request, payload)
        if kind == "ResponseMessage":
            assert reply is not None
            return ResponseMessage(header, reply, payload)
        return EventMessage(header, payload)

    # --- header --------------------------------------------------------------------------

    def header(self, el: _Element, path: str) -> Header:
        e = HeaderError
        s = Seq(el, path, (MESSAGE_NS,), e)
        verb_el = s.need("Verb")
        try:
            verb = parse_verb(text_of(verb_el, f"{path}/Verb", e))
        except CimbusError as exc:
            exc.path = f"{path}/Verb"
            raise
        noun = text_of(s.need("Noun"), f"{path}/Noun", e)
        revision = opt_text(s.take("Revision"), f"{path}/Revision", e)
        replay = None
        if (rd := s.take("ReplayDetection")) is not None:
            rs = Seq(rd, f"{path}/ReplayDetection", (MESSAGE_NS,), e)
            nonce = text_of(rs.need("Nonce"), f"{path}/ReplayDetection/Nonce", e)
            created = to_datetime(
                text_of(rs.need("Created"), f"{path}/ReplayDetection/Created", e).strip(),
                f"{path}/ReplayDetection/Created",
                e,
            )
            rs.end()
            replay = ReplayDetection(nonce, created)
        context = opt_text(s.take("Context"), f"{path}/Context", e)
        timestamp = typed_value(s.take("Timestamp"), f"{path}/Timestamp", e, to_datetime)
        source = opt_text(s.take("Source"), f"{path}/Source", e)
        async_flag = typed_value(s.take("AsyncReplyFlag"), f"{path}/AsyncReplyFlag", e, to_bool)
        reply_address = opt_text(s.take("ReplyAddress"), f"{path}/ReplyAddress", e)
        ack = typed_value(s.take("AckRequired"), f"{path}/AckRequired", e, to_bool)
        user = None
        if (u := s.take("User")) is not None:
            us = Seq(u, f"{path}/User", (MESSAGE_NS,), e)
            user_id = text_of(us.need("UserID"), f"{path}/User/UserID", e)
            org = opt_text(us.take("Organization"), f"{path}/User/Organization", e)
            us.end()
            user = User(user_id, org)
        message_id = opt_text(s.take("MessageID"), f"{path}/MessageID", e)
        correlation_id = opt_text(s.take("CorrelationID"), f"{path}/CorrelationID", e)
        comment = opt_text(s.take("Comment"), f"{path}/Comment", e)
        props = []
        for p in s.take_all("Property"):
            ps = Seq(p, f"{path}/Property", (MESSAGE_NS,), e)
            name = text_of(ps.need("Name"), f"{path}/Property/Name", e)
            value = opt_text(ps.take("Value"), f"{path}/Property/Value", e)
            ps.end()
            props.append(Property(name, value))
        extensions = tuple(self.frag(x) for x in s.take_foreign((MESSAGE_NS,)))
        s.end()
        try:
            return Header(
                verb,
                noun,
                revision,
                replay,
                context,
                timestamp,
                source,
                async_flag,
                reply_address,
                ack,
                user,
                message_id,
                correlation_id,
                comment,
                tuple(props),
                extensions,
            )
        except CimbusError as exc:
            exc.path = f"{path}/Noun"
            exc.message_id = message_id
            raise

    # --- request -------------------------------------------------------------------------

    def request(self, el: _Element, path: str, inner: tuple[str, ...]) -> Request:
        e = RequestError
        s = Seq(el, path, inner, e)
        start = typed_value(s.take("StartTime"), f"{path}/StartTime", e, to_datetime)
        end = typed_value(s.take("EndTime"), f"{path}/EndTime", e, to_datetime)
        options = []
        for o in s.take_all("Option"):
            os_ = Seq(o, f"{path}/Option", (MESSAGE_NS,), e)
            name = text_of(os_.need("name"), f"{path}/Option/name", e)
            value = opt_text(os_.take("value"), f"{path}/Option/value", e)
            os_.end()
            options.append(Option(name, value))
        ids = tuple(object_id(i, f"{path}/ID", e) for i in s.take_all("ID"))
        profile = tuple(self.frag(x) for x in s.take_foreign(inner))
        s.end()
        return Request(start, end, tuple(options), ids, profile)

    # --- reply ---------------------------------------------------------------------------

    def reply(self, el: _Element, path: str) -> Reply:
        e = SchemaViolation
        s = Seq(el, path, (MESSAGE_NS,), e)
        text = text_of(s.need("Result"), f"{path}/Result", e)
        try:
            result = Result(text)
        except ValueError:
            raise e(
                f"{path}/Result is {text[:40]!r}; use OK, PARTIAL or FAILED", path=f"{path}/Result"
            ) from None
        errors = tuple(self.error(x, f"{path}/Error") for x in s.take_all("Error"))
        ids = tuple(object_id(i, f"{path}/ID", e) for i in s.take_all("ID"))
        extensions = tuple(self.frag(x) for x in s.take_foreign((MESSAGE_NS,)))
        op = typed_value(s.take("operationId"), f"{path}/operationId", e, to_int)
        s.end()
        return Reply(result, errors, ids, extensions, op)

    def error(self, el: _Element, path: str) -> Error:
        e = SchemaViolation
        s = Seq(el, path, (MESSAGE_NS,), e)
        code = text_of(s.need("code"), f"{path}/code", e)
        level = None
        if (lv := s.take("level")) is not None:
            text = text_of(lv, f"{path}/level", e)
            try:
                level = Level(text)
            except ValueError:
                raise e(
                    f"{path}/level is {text[:40]!r}; use INFORM, WARNING, FATAL or CATASTROPHIC",
                    path=f"{path}/level",
                ) from None
        reason = opt_text(s.take("reason"), f"{path}/reason", e)
        details = opt_text(s.take("details"), f"{path}/details", e)
        xpath = opt_text(s.take("xpath"), f"{path}/xpath", e)
        stack = opt_text(s.take("stackTrace"), f"{path}/stackTrace", e)
        location = None
        if (loc := s.take("Location")) is not None:
            ls = Seq(loc, f"{path}/Location", (MESSAGE_NS,), e)
            location = Location(
                opt_text(ls.take("node"), f"{path}/Location/node", e),
                opt_text(ls.take("pipeline"), f"{path}/Location/pipeline", e),
                opt_text(ls.take("stage"), f"{path}/Location/stage", e),
            )
            ls.end()
        ident = s.take("ID")
        err_id = None if ident is None else object_id(ident, f"{path}/ID", e)
        related = tuple(object_id(i, f"{path}/relatedID", e) for i in s.take_all("relatedID"))
        obj = None
        if (o := s.take("object")) is not None:
            obj = self.error_object(o, f"{path}/object")
        op = typed_value(s.take("operationId"), f"{path}/operationId", e, to_int)
        s.end()
        return Error(code, level, reason, details, xpath, stack, location, err_id, related, obj, op)

    def error_object(self, el: _Element, path: str) -> ErrorObject:
        e = SchemaViolation
        s = Seq(el, path, (MESSAGE_NS,), e)
        mrid = opt_text(s.take("mRID"), f"{path}/mRID", e)
        serial = opt_text(s.take("serialNumber"), f"{path}/serialNumber", e)
        names = []
        for n in s.take_all("Name"):
            ns_ = Seq(n, f"{path}/Name", (MESSAGE_NS,), e)
            name = text_of(ns_.need("name"), f"{path}/Name/name", e)
            name_type = None
            if (nt := ns_.take("NameType")) is not None:
                ts = Seq(nt, f"{path}/Name/NameType", (MESSAGE_NS,), e)
                tname = text_of(ts.need("name"), f"{path}/Name/NameType/name", e)
                tdesc = opt_text(ts.take("description"), f"{path}/Name/NameType/description", e)
                auth = None
                if (a := ts.take("NameTypeAuthority")) is not None:
                    ap = f"{path}/Name/NameType/NameTypeAuthority"
                    as_ = Seq(a, ap, (MESSAGE_NS,), e)
                    auth = NameTypeAuthority(
                        text_of(as_.need("name"), f"{ap}/name", e),
                        opt_text(as_.take("description"), f"{ap}/description", e),
                    )
                    as_.end()
                ts.end()
                name_type = NameType(tname, tdesc, auth)
            ns_.end()
            names.append(Name(name, name_type))
        otype = opt_text(s.take("objectType"), f"{path}/objectType", e)
        s.end()
        return ErrorObject(mrid, serial, tuple(names), otype)

    # --- payload -------------------------------------------------------------------------

    def payload(self, el: _Element, path: str, inner: tuple[str, ...]) -> Payload:
        e = PayloadError
        s = Seq(el, path, inner, e)
        elements = tuple(self.frag(x) for x in s.take_foreign(inner))
        opset = None
        if (o := s.take("OperationSet")) is not None:
            opset = self.operation_set(o, f"{path}/OperationSet")
        compressed = None
        if (c := s.take("Compressed")) is not None:
            compressed = check_base64(text_of(c, f"{path}/Compressed", e), f"{path}/Compressed")
        ids = tuple(object_id(i, f"{path}/ID", e) for i in s.take_all("ID"))
        fmt = opt_text(s.take("Format"), f"{path}/Format", e)
        s.end()
        return Payload(elements, opset, compressed, ids, fmt)

    def operation_set(self, el: _Element, path: str) -> OperationSet:
        e = PayloadError
        s = Seq(el, path, (MESSAGE_NS,), e)
        seq_flag = typed_value(
            s.take("enforceMsgSequence"), f"{path}/enforceMsgSequence", e, to_bool
        )
        integrity = typed_value(
            s.take("enforceTransactionalIntegrity"),
            f"{path}/enforceTransactionalIntegrity",
            e,
            to_bool,
        )
        ops = []
        for op in s.take_all("Operation"):
            p = f"{path}/Operation"
            os_ = Seq(op, p, (MESSAGE_NS,), e)
            op_id = to_int(
                text_of(os_.need("operationId"), f"{p}/operationId", e).strip(),
                f"{p}/operationId",
                e,
            )
            noun = opt_text(os_.take("noun"), f"{p}/noun", e)
            verb_text = opt_text(os_.take("verb"), f"{p}/verb", e)
            verb: Verb | None = None if verb_text is None else parse_verb(verb_text)
            elem_op = typed_value(os_.take("elementOperation"), f"{p}/elementOperation", e, to_bool)
            body = os_.take_foreign((MESSAGE_NS,))
            if len(body) > 1:
                raise e(f"{p} holds {len(body)} payload elements; an Operation carries one", path=p)
            os_.end()
            ops.append(
                Operation(
                    op_id,
                    noun,
                    verb,
                    elem_op,
                    self.frag(body[0]) if body else None,
                )
            )
        s.end()
        return OperationSet(seq_flag, integrity, tuple(ops))


def _kind_for_verb(verb: Verb) -> str:
    if verb is Verb.REPLY:
        return "ResponseMessage"
    return "EventMessage" if verb in EVENT_VERBS else "RequestMessage"
