"""Write IEC 61968-100 messages as XML: the generic envelope or a per-noun typed wrapper.

Output is UTF-8 and valid against the envelope schema; payload fragments are inserted as they
were received (each carries its own namespace declarations), so nothing in them is re-encoded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bus.envelope.model import (
    MESSAGE_NS,
    XML_INVALID_CHAR,
    Error,
    ErrorObject,
    EventMessage,
    FaultMessage,
    Header,
    Message,
    ObjectID,
    OperationSet,
    Payload,
    Reply,
    Request,
    RequestMessage,
    ResponseMessage,
    Verb,
    XmlFragment,
)
from bus.envelope.typed import typed_root_name, wrapper_namespace
from cim.errors import SchemaViolation

Form = Literal["generic", "typed"]
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_BOOL = {True: "true", False: "false"}


def _esc(text: str) -> str:
    if text.isascii() and text.isprintable():  # fast path: ids, names, codes
        if "&" in text or "<" in text or ">" in text:
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text
    if XML_INVALID_CHAR.search(text):
        raise SchemaViolation(f"text {text[:40]!r} holds a character XML cannot carry")
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def format_datetime(value: datetime) -> str:
    """xs:dateTime text for ``value`` (UTC written as ``Z``)."""
    micro = value.microsecond
    spec = "seconds" if not micro else "milliseconds" if micro % 1000 == 0 else "microseconds"
    text = value.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class _Writer:
    """Accumulates one message; ``s`` is the structural prefix, ``i`` the inner one."""

    __slots__ = ("i", "out", "s")

    def __init__(self, structural: str, inner: str) -> None:
        self.out: list[str] = []
        self.s = structural
        self.i = inner

    def leaf(self, prefix: str, name: str, text: str | None) -> None:
        if text is not None:
            self.out.append(f"<{prefix}:{name}>{_esc(text)}</{prefix}:{name}>")

    def flag(self, prefix: str, name: str, value: bool | None) -> None:
        if value is not None:
            self.out.append(f"<{prefix}:{name}>{'true' if value else 'false'}</{prefix}:{name}>")

    def number(self, prefix: str, name: str, value: int | None) -> None:
        if value is not None:
            self.out.append(f"<{prefix}:{name}>{value}</{prefix}:{name}>")

    def when(self, prefix: str, name: str, value: datetime | None) -> None:
        if value is not None:
            self.out.append(f"<{prefix}:{name}>{format_datetime(value)}</{prefix}:{name}>")

    def fragments(self, items: tuple[XmlFragment, ...]) -> None:
        for f in items:
            self.out.append(f.xml.decode("utf-8"))

    def ident(self, prefix: str, name: str, oid: ObjectID) -> None:
        attrs = "".join(
            f' {a}="{_attr(v)}"'
            for a, v in (
                ("idType", oid.id_type),
                ("idAuthority", oid.id_authority),
                ("kind", oid.kind.value if oid.kind else None),
                ("objectType", oid.object_type),
            )
            if v is not None
        )
        self.out.append(f"<{prefix}:{name}{attrs}>{_esc(oid.value)}</{prefix}:{name}>")

    def header(self, h: Header) -> None:
        # the hottest path: one f-string per present field, no helper calls
        a, e = self.out.append, _esc
        a(f"<{self.s}:Header><m:Verb>{h.verb.value}</m:Verb><m:Noun>{e(h.noun)}</m:Noun>")
        if h.revision is not None:
            a(f"<m:Revision>{e(h.revision)}</m:Revision>")
        if (rd := h.replay_detection) is not None:
            a(
                f"<m:ReplayDetection><m:Nonce>{e(rd.nonce)}</m:Nonce><m:Created>"
                f"{format_datetime(rd.created)}</m:Created></m:ReplayDetection>"
            )
        if h.context is not None:
            a(f"<m:Context>{e(h.context)}</m:Context>")
        if h.timestamp is not None:
            a(f"<m:Timestamp>{format_datetime(h.timestamp)}</m:Timestamp>")
        if h.source is not None:
            a(f"<m:Source>{e(h.source)}</m:Source>")
        if h.async_reply_flag is not None:
            a(f"<m:AsyncReplyFlag>{_BOOL[h.async_reply_flag]}</m:AsyncReplyFlag>")
        if h.reply_address is not None:
            a(f"<m:ReplyAddress>{e(h.reply_address)}</m:ReplyAddress>")
        if h.ack_required is not None:
            a(f"<m:AckRequired>{_BOOL[h.ack_required]}</m:AckRequired>")
        if (u := h.user) is not None:
            org = (
                ""
                if u.organization is None
                else (f"<m:Organization>{e(u.organization)}</m:Organization>")
            )
            a(f"<m:User><m:UserID>{e(u.user_id)}</m:UserID>{org}</m:User>")
        if h.message_id is not None:
            a(f"<m:MessageID>{e(h.message_id)}</m:MessageID>")
        if h.correlation_id is not None:
            a(f"<m:CorrelationID>{e(h.correlation_id)}</m:CorrelationID>")
        if h.comment is not None:
            a(f"<m:Comment>{e(h.comment)}</m:Comment>")
        for p in h.properties:
            value = "" if p.value is None else f"<m:Value>{e(p.value)}</m:Value>"
            a(f"<m:Property><m:Name>{e(p.name)}</m:Name>{value}</m:Property>")
        self.fragments(h.extensions)
        a(f"</{self.s}:Header>")

    def request(self, r: Request, prefix: str) -> None:
        o = self.out
        o.append(f"<{self.s}:Request>")
        self.when(prefix, "StartTime", r.start_time)
        self.when(prefix, "EndTime", r.end_time)
        for opt in r.options:
            o.append(f"<{prefix}:Option>")
            self.leaf("m", "name", opt.name)
            self.leaf("m", "value", opt.value)
            o.append(f"</{prefix}:Option>")
        for oid in r.ids:
            self.ident(prefix, "ID", oid)
        self.fragments(r.profile)
        o.append(f"</{self.s}:Request>")

    def reply(self, r: Reply) -> None:
        o = self.out
        o.append(f"<{self.s}:Reply>")
        o.append(f"<m:Result>{r.result.value}</m:Result>")
        for e in r.errors:
            self.error(e)
        for oid in r.ids:
            self.ident("m", "ID", oid)
        self.fragments(r.extensions)
        self.number("m", "operationId", r.operation_id)
        o.append(f"</{self.s}:Reply>")

    def error(self, e: Error) -> None:
        m, o = "m", self.out
        o.append("<m:Error>")
        self.leaf(m, "code", e.code)
        self.leaf(m, "level", e.level.value if e.level else None)
        self.leaf(m, "reason", e.reason)
        self.leaf(m, "details", e.details)
        self.leaf(m, "xpath", e.xpath)
        self.leaf(m, "stackTrace", e.stack_trace)
        if e.location is not None:
            o.append("<m:Location>")
            self.leaf(m, "node", e.location.node)
            self.leaf(m, "pipeline", e.location.pipeline)
            self.leaf(m, "stage", e.location.stage)
            o.append("</m:Location>")
        if e.id is not None:
            self.ident(m, "ID", e.id)
        for oid in e.related_ids:
            self.ident(m, "relatedID", oid)
        if e.object is not None:
            self.error_object(e.object)
        self.number(m, "operationId", e.operation_id)
        o.append("</m:Error>")

    def error_object(self, obj: ErrorObject) -> None:
        m, o = "m", self.out
        o.append("<m:object>")
        self.leaf(m, "mRID", obj.mrid)
        self.leaf(m, "serialNumber", obj.serial_number)
        for n in obj.names:
            o.append("<m:Name>")
            self.leaf(m, "name", n.name)
            if n.name_type is not None:
                o.append("<m:NameType>")
                self.leaf(m, "name", n.name_type.name)
                self.leaf(m, "description", n.name_type.description)
                if (a := n.name_type.authority) is not None:
                    o.append("<m:NameTypeAuthority>")
                    self.leaf(m, "name", a.name)
                    self.leaf(m, "description", a.description)
                    o.append("</m:NameTypeAuthority>")
                o.append("</m:NameType>")
            o.append("</m:Name>")
        self.leaf(m, "objectType", obj.object_type)
        o.append("</m:object>")

    def payload(self, p: Payload) -> None:
        s, o = self.i, self.out
        o.append(f"<{self.s}:Payload>")
        self.fragments(p.elements)
        if p.operation_set is not None:
            self.operation_set(p.operation_set, s)
        self.leaf(s, "Compressed", p.compressed)
        for oid in p.ids:
            self.ident(s, "ID", oid)
        self.leaf(s, "Format", p.format)
        o.append(f"</{self.s}:Payload>")

    def operation_set(self, ops: OperationSet, prefix: str) -> None:
        m, o = "m", self.out
        o.append(f"<{prefix}:OperationSet>")
        self.flag(m, "enforceMsgSequence", ops.enforce_msg_sequence)
        self.flag(m, "enforceTransactionalIntegrity", ops.enforce_transactional_integrity)
        for op in ops.operations:
            o.append("<m:Operation>")
            self.number(m, "operationId", op.operation_id)
            self.leaf(m, "noun", op.noun)
            self.leaf(m, "verb", op.verb.value if op.verb else None)
            self.flag(m, "elementOperation", op.element_operation)
            if op.payload is not None:
                self.fragments((op.payload,))
            o.append("</m:Operation>")
        o.append(f"</{prefix}:OperationSet>")


def encode_xml(
    message: Message,
    *,
    form: Form = "generic",
    noun: str | None = None,
    namespace: str | None = None,
    declaration: bool = True,
) -> bytes:
    """Serialise ``message`` as UTF-8 XML in the generic or typed (per-noun wrapper) form.

    ``noun`` is needed only for a typed FaultMessage (which has no header); ``namespace``
    overrides the typed wrapper namespace (e.g. ``Get{Noun}Message`` for a reply to a get).
    """
    header = None if isinstance(message, FaultMessage) else message.header
    if form == "generic":
        w = _Writer("m", "m")
        root = f"m:{message.kind}"
        decl = f' xmlns:m="{MESSAGE_NS}"'
        request_prefix = "m"
    else:
        the_noun = noun or (header.noun if header else None)
        if the_noun is None:
            raise SchemaViolation("a typed FaultMessage needs the noun it answers for")
        is_get = isinstance(message, RequestMessage) and message.header.verb is Verb.GET
        ns = namespace or wrapper_namespace(the_noun, get=is_get)
        w = _Writer("w", "w")
        root = "w:" + typed_root_name(message.kind, header.verb if header else None, the_noun)
        decl = f' xmlns:w="{_attr(ns)}" xmlns:m="{MESSAGE_NS}"'
        request_prefix = "w" if is_get else "m"
    w.out.append(f"<{root}{decl}>")
    if header is not None:
        w.header(header)
    if isinstance(message, RequestMessage):
        if message.request is not None:
            w.request(message.request, request_prefix)
        if message.payload is not None:
            w.payload(message.payload)
    elif isinstance(message, ResponseMessage):
        w.reply(message.reply)
        if message.payload is not None:
            w.payload(message.payload)
    elif isinstance(message, EventMessage):
        if message.payload is not None:
            w.payload(message.payload)
    else:
        w.reply(message.reply)
    w.out.append(f"</{root}>")
    body = "".join(w.out)
    return ((_DECLARATION if declaration else "") + body).encode("utf-8")
