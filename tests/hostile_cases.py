"""A corpus of hostile and broken IEC 61968-100 inputs, each with the error cimbus must raise.

Plain data, no tests: ``tests/test_hostile_inputs.py`` runs every :class:`Case`. A case names
the entry point (``decode`` auto-detects JSON, XML and SOAP; ``json`` is ``decode_json``), the
IEC 61968-100 error code the parser must raise and a lowercase fragment its reason must contain,
so each case proves the reason names the offending element or problem. ``message_id`` is set
where the MessageID is readable: the error must carry it and the FAILED ResponseMessage that
answers it must correlate to it.

The expectations state the correct behaviour; a case that fails points at a parser bug.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bus.envelope import DEFAULT_LIMITS, Limits, Message, compress, decode, decode_json

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "docs" / "examples"
MSG_NS = "http://iec.ch/TC57/2011/schema/message"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
MR_NS = "http://iec.ch/TC57/2011/MeterReadings#"
XI_NS = "http://www.w3.org/2001/XInclude"

#: text found at the start of /etc/passwd on every Unix; must never appear in any output
PASSWD_MARKER = "root:x:0:0"

Entry = Literal["decode", "json"]


@dataclass(frozen=True)
class Case:
    """One hostile input and the error the parser must raise for it."""

    name: str
    data: bytes = field(repr=False)
    code: str
    """IEC 61968-100 error code of the expected CimbusError, e.g. ``1.8``."""
    fragment: str
    """Lowercase text the error reason must contain."""
    limits: Limits = field(default=DEFAULT_LIMITS)
    entry: Entry = "decode"
    message_id: str | None = None
    """The readable MessageID: the error carries it and the FAILED reply correlates to it."""

    def decode(self) -> Message:
        """Run the case's entry point (it is expected to raise)."""
        run: Callable[[bytes, Limits], Message] = decode_json if self.entry == "json" else decode
        return run(self.data, self.limits)


# --- builders --------------------------------------------------------------------------------


def header(
    verb: str = "get",
    noun: str = "MeterReadings",
    mid: str | None = None,
    *,
    middle: str = "",
    tail: str = "",
    verb_xml: str | None = None,
    noun_xml: str | None = None,
    attrs: str = "",
) -> str:
    """A Header in the default (message) namespace; ``middle`` goes after Noun, ``tail`` last."""
    v = f"<Verb>{verb}</Verb>" if verb_xml is None else verb_xml
    n = f"<Noun>{noun}</Noun>" if noun_xml is None else noun_xml
    m = f"<MessageID>{mid}</MessageID>" if mid else ""
    return f"<Header{attrs}>{v}{n}{middle}{m}{tail}</Header>"


DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def generic(kind: str, *parts: str, ns: str = MSG_NS, attrs: str = "", decl: bool = True) -> bytes:
    """A generic envelope root holding ``parts`` (default namespace ``ns``)."""
    xmlns = f' xmlns="{ns}"' if ns else ""
    body = "".join(parts)
    return f"{DECLARATION if decl else ''}<{kind}{xmlns}{attrs}>{body}</{kind}>".encode()


def request(
    *parts: str,
    verb: str = "get",
    mid: str | None = None,
    decl: bool = True,
    **hdr: str,
) -> bytes:
    """A RequestMessage with a header (``get MeterReadings`` unless told) followed by ``parts``."""
    return generic("RequestMessage", header(verb, mid=mid, **hdr), *parts, decl=decl)


def soap(body: str, ns: str = SOAP11) -> bytes:
    """A SOAP envelope whose Body holds ``body``."""
    return (
        f'{DECLARATION}<s:Envelope xmlns:s="{ns}"><s:Header/><s:Body>{body}</s:Body></s:Envelope>'
    ).encode()


def typed(root: str, wrapper_ns: str, verb: str, noun: str, mid: str | None = None) -> bytes:
    """A per-noun wrapper ``root`` in ``wrapper_ns`` whose Header says ``verb`` ``noun``."""
    m = f"<m:MessageID>{mid}</m:MessageID>" if mid else ""
    return (
        f'{DECLARATION}<w:{root} xmlns:w="{wrapper_ns}" '
        f'xmlns:m="{MSG_NS}"><w:Header><m:Verb>{verb}</m:Verb><m:Noun>{noun}</m:Noun>{m}'
        f"</w:Header></w:{root}>"
    ).encode()


def json_bytes(value: object) -> bytes:
    """``value`` as UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def jmsg(kind: str = "RequestMessage", **body: object) -> bytes:
    """A JSON message of ``kind`` whose Header defaults to ``get MeterReadings``."""
    body.setdefault("Header", {"Verb": "get", "Noun": "MeterReadings"})
    return json_bytes({kind: body})


PAYLOAD_MR = f'<m:MeterReadings xmlns:m="{MR_NS}"><m:MeterReading/></m:MeterReadings>'
XINCLUDE = f'<xi:include xmlns:xi="{XI_NS}" href="file:///etc/passwd" parse="text"/>'
REPLY_FAILED = "<Reply><Result>FAILED</Result></Reply>"


def _example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _truncations() -> list[Case]:
    """The real get request cut at ten points: declaration, comment, tags, attribute, text."""
    data = _example("meterreadings-get-request.xml")
    points = {
        "in-xml-declaration": data.index(b"encoding"),
        "in-comment": data.index(b"<!--") + 12,
        "in-root-start-tag": data.index(b"<RequestMessage") + 9,
        "before-header": data.index(b"<Header>"),
        "in-verb-text": data.index(b"<Verb>g") + 7,
        "in-end-tag": data.index(b"</Noun>") + 4,
        "after-header": data.index(b"</Header>") + len(b"</Header>"),
        "in-attribute-value": data.index(b'kind="uu') + 8,
        "in-root-end-tag": data.index(b"</RequestMessage>") + 6,
        "before-final-gt": len(data.rstrip()) - 1,
    }
    return [
        Case(f"truncated-get-request-{where}", data[:at], "1.8", "not well-formed")
        for where, at in points.items()
    ]


def _billion_laughs() -> bytes:
    ents = ['<!ENTITY lol0 "lol">']
    ents += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE RequestMessage [{"".join(ents)}]>'
        f'<RequestMessage xmlns="{MSG_NS}">{header(noun="&lol9;")}</RequestMessage>'
    ).encode()


def _quadratic_blowup() -> bytes:
    big = "A" * 50_000
    comment = "<Comment>" + "&a;" * 50_000 + "</Comment>"
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE RequestMessage [<!ENTITY a "{big}">]>'
        f'<RequestMessage xmlns="{MSG_NS}">{header(middle=comment)}</RequestMessage>'
    ).encode()


def _depth_bomb() -> bytes:
    depth = 10_000
    inner = "<x:a>" * depth + "</x:a>" * depth
    return request(f'<Payload><x:deep xmlns:x="urn:bomb">{inner}</x:deep></Payload>')


def _deep_json() -> bytes:
    depth = 100_000
    return b'{"RequestMessage": ' + b"[" * depth + b"]" * depth + b"}"


def _cases() -> list[Case]:
    bare = request(mid="hostile-ok", decl=False)  # no XML declaration: prefix a DOCTYPE
    bare_text = bare.decode()
    get_req = _example("meterreadings-get-request.xml")
    cases = [
        # --- DTDs, entities, XInclude ------------------------------------------------------
        Case(
            "xxe-system-entity-etc-passwd",
            b'<?xml version="1.0"?>\n<!DOCTYPE RequestMessage [<!ENTITY xxe SYSTEM '
            b'"file:///etc/passwd">]>'
            + generic("RequestMessage", header(noun="&xxe;"), decl=False),
            "1.8",
            "dtd",
        ),
        Case(
            "xxe-external-parameter-entity-file",
            b'<?xml version="1.0"?>\n<!DOCTYPE RequestMessage [<!ENTITY % ext SYSTEM '
            b'"file:///etc/passwd"> %ext;]>' + bare,
            "1.8",
            "entit",
        ),
        Case(
            "xxe-external-parameter-entity-http",
            b'<?xml version="1.0"?>\n<!DOCTYPE RequestMessage [<!ENTITY % ext SYSTEM '
            b'"http://127.0.0.1:9/evil"> %ext;]>' + bare,
            "1.8",
            "entit",
        ),
        Case(
            "xxe-error-based-exfiltration",
            b'<?xml version="1.0"?>\n<!DOCTYPE RequestMessage [<!ENTITY % file SYSTEM '
            b'"file:///etc/passwd"><!ENTITY % eval "<!ENTITY &#x25; err SYSTEM '
            b"'file:///nonexistent/%file;'>\">%eval;%err;]>" + bare,
            "1.8",
            "entit",
        ),
        Case("billion-laughs", _billion_laughs(), "1.8", "entit"),
        Case("quadratic-blowup", _quadratic_blowup(), "1.8", "entit"),
        Case(
            "doctype-without-entities",
            b"<!DOCTYPE RequestMessage>\n" + bare,
            "1.8",
            "dtd",
        ),
        Case(
            "doctype-internal-subset-attlist",
            b"<!DOCTYPE RequestMessage [<!ATTLIST Header injected CDATA 'yes'>]>\n" + bare,
            "1.8",
            "dtd",
        ),
        Case(
            "doctype-system-etc-passwd",
            b'<!DOCTYPE RequestMessage SYSTEM "file:///etc/passwd">\n' + bare,
            "1.8",
            "dtd",
        ),
        Case(
            "doctype-public-remote",
            b'<!DOCTYPE RequestMessage PUBLIC "-//Evil//Schema//EN" "http://127.0.0.1:9/s">\n'
            + bare,
            "1.8",
            "dtd",
        ),
        Case(
            "undeclared-entity-reference",
            request(noun_xml="<Noun>&meter;</Noun>"),
            "1.8",
            "entit",
        ),
        Case(
            "xinclude-as-root",
            f'<?xml version="1.0"?>\n{XINCLUDE}'.encode(),
            "1.8",
            "not an iec 61968-100 message",
        ),
        Case(
            "xinclude-in-place-of-verb",
            request(verb_xml=XINCLUDE, mid="hostile-xi"),
            "1.5",
            "verb",
        ),
        # --- truncation, emptiness, bytes that are not UTF-8 XML ----------------------------
        *_truncations(),
        Case("empty-input", b"", "1.8", "empty"),
        Case("whitespace-only", b" \r\n\t \n ", "1.8", "empty"),
        Case("random-binary", random.Random(61968).randbytes(768), "1.8", "not well-formed"),
        Case(
            "utf16-without-bom-or-declaration",
            bare_text.encode("utf-16-le"),
            "1.8",
            "not well-formed",
        ),
        Case(
            "utf16-bom-but-declared-utf8",
            b"\xff\xfe" + (DECLARATION + bare_text).encode("utf-16-le"),
            "1.8",
            "encoding",
        ),
        Case(
            "latin1-bytes-in-utf8-document",
            request(middle="<Source>Montr\xe9al</Source>").replace(
                "Montr\xe9al".encode(), b"Montr\xe9al"
            ),
            "1.8",
            "encoding",
        ),
        Case(
            "unsupported-declared-encoding",
            b'<?xml version="1.0" encoding="X-CIMBUS-NONE"?>\n' + bare,
            "1.8",
            "encoding",
        ),
        Case("nul-byte-in-verb", request(verb="g\0et"), "1.8", "not well-formed"),
        Case(
            "control-character-reference",
            request(mid="bad&#1;id"),
            "1.8",
            "not well-formed",
        ),
        Case("trailing-second-root", bare + b"<RequestMessage/>", "1.8", "extra content"),
        Case(
            "undeclared-prefix",
            b"<m:RequestMessage><m:Header/></m:RequestMessage>",
            "1.8",
            "prefix m",
        ),
        Case(
            "duplicate-attribute",
            request('<Request><ID kind="uuid" kind="name">x</ID></Request>'),
            "1.8",
            "redefined",
        ),
        # --- namespaces and roots -----------------------------------------------------------
        Case(
            "wrong-envelope-namespace",
            generic("RequestMessage", header(), ns="http://iec.ch/TC57/2010/schema/message"),
            "1.8",
            "not an iec 61968-100 message",
        ),
        Case(
            "no-namespace",
            generic("RequestMessage", header(), ns=""),
            "1.8",
            "not an iec 61968-100 message",
        ),
        Case(
            "unknown-root-in-message-namespace",
            generic("PublishMessage", header()),
            "1.8",
            "'publishmessage' is not an iec 61968-100 message",
        ),
        Case(
            "unexpected-attribute-on-root",
            generic("RequestMessage", header(), attrs=' priority="high"'),
            "1.8",
            "unexpected attribute 'priority'",
        ),
        Case(
            "text-in-root",
            generic("RequestMessage", "junk", header()),
            "1.8",
            "holds text 'junk'",
        ),
        # --- SOAP ---------------------------------------------------------------------------
        Case("soap-empty-body", soap(""), "1.8", "found 0"),
        Case(
            "soap-two-body-elements",
            soap(bare_text * 2),
            "1.8",
            "found 2",
        ),
        Case(
            "soap12-two-body-elements",
            soap(bare_text + "<x:y xmlns:x='urn:x'/>", SOAP12),
            "1.8",
            "found 2",
        ),
        Case(
            "soap-envelope-without-body",
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Header/></s:Envelope>'.encode(),
            "1.8",
            "no body",
        ),
        Case(
            "soap-fault-without-faultmessage",
            soap(
                "<s:Fault><faultcode>s:Server</faultcode><faultstring>boom</faultstring></s:Fault>"
            ),
            "1.8",
            "soap fault without",
        ),
        Case(
            "soap-inside-soap",
            soap(soap(bare_text).decode()[len(DECLARATION) :]),
            "1.8",
            "not an iec 61968-100 message",
        ),
        # --- Header structure ---------------------------------------------------------------
        Case(
            "header-missing",
            generic("RequestMessage", "<Request/>"),
            "1.5",
            "header is missing",
        ),
        Case(
            "header-noun-before-verb",
            request(verb_xml="", middle="<Verb>get</Verb>"),
            "1.5",
            "verb",
        ),
        Case(
            "header-source-before-timestamp",
            request(middle="<Source>CIS</Source><Timestamp>2024-03-18T07:00:00Z</Timestamp>"),
            "1.5",
            "unexpected element timestamp",
        ),
        Case("header-missing-verb", request(verb_xml=""), "1.5", "verb is missing"),
        Case("header-missing-noun", request(noun_xml=""), "2.5", "noun"),
        Case("header-empty-noun", request(noun=""), "2.5", "noun ''"),
        Case(
            "header-noun-with-spaces",
            request(noun="Meter Readings"),
            "2.5",
            "'meter readings'",
        ),
        Case(
            "header-unqualified-children",
            generic(
                "m:RequestMessage",
                "<m:Header><Verb>get</Verb><Noun>MeterReadings</Noun></m:Header>",
                ns="",
                attrs=f' xmlns:m="{MSG_NS}"',
            ),
            "1.5",
            "verb is missing",
        ),
        Case(
            "header-unqualified-extension",
            request(tail='<Routing xmlns="">north</Routing>'),
            "1.5",
            "no namespace",
        ),
        Case(
            "header-unknown-message-element",
            request(middle="<Priority>high</Priority>"),
            "1.5",
            "unexpected element priority",
        ),
        Case(
            "header-text-between-elements",
            request(middle="stray text"),
            "1.5",
            "between elements",
        ),
        Case(
            "header-unknown-attribute",
            request(attrs=' priority="high"'),
            "1.5",
            "unexpected attribute 'priority'",
        ),
        Case(
            "header-duplicated",
            generic("RequestMessage", header(mid="hostile-dup"), header(mid="hostile-dup2")),
            "1.8",
            "second header",
        ),
        Case(
            "header-bad-timestamp",
            request(middle="<Timestamp>18/03/2024 07:00</Timestamp>", mid="hostile-ts"),
            "1.5",
            "timestamp",
        ),
        Case(
            "header-bad-async-reply-flag",
            request(middle="<AsyncReplyFlag>yes</AsyncReplyFlag>", mid="hostile-async"),
            "1.5",
            "asyncreplyflag",
            message_id="hostile-async",
        ),
        # --- verbs --------------------------------------------------------------------------
        Case(
            "verb-unknown-publish",
            request(verb="publish", mid="hostile-publish"),
            "2.9",
            "'publish'",
            message_id="hostile-publish",
        ),
        Case(
            "verb-uppercase-get",
            request(verb="GET", mid="hostile-GET"),
            "2.9",
            "unknown verb 'get'",
        ),
        Case(
            "verb-request-in-event",
            generic("EventMessage", header("get", mid="hostile-evt")),
            "2.9",
            "not an event verb",
            message_id="hostile-evt",
        ),
        Case(
            "verb-past-tense-in-request",
            request(verb="created", mid="hostile-past"),
            "2.9",
            "not a request verb",
        ),
        Case(
            "verb-reply-in-request",
            request(verb="reply", mid="hostile-reply"),
            "2.9",
            "not a request verb",
            message_id="hostile-reply",
        ),
        Case(
            "verb-create-in-response",
            generic("ResponseMessage", header("create", mid="hostile-resp"), REPLY_FAILED),
            "2.9",
            "use 'reply'",
            message_id="hostile-resp",
        ),
        Case(
            "operation-unknown-verb",
            request(
                "<Payload><OperationSet><Operation><operationId>1</operationId>"
                "<verb>publish</verb></Operation></OperationSet></Payload>",
                verb="execute",
            ),
            "2.9",
            "'publish'",
        ),
        # --- Request, Reply, Payload ----------------------------------------------------------
        Case(
            "request-bad-starttime",
            request("<Request><StartTime>yesterday</StartTime></Request>", mid="hostile-start"),
            "1.6",
            "starttime",
            message_id="hostile-start",
        ),
        Case(
            "request-unknown-id-kind",
            request('<Request><ID kind="serial">LGZ-1</ID></Request>'),
            "1.6",
            "@kind is 'serial'",
        ),
        Case(
            "request-unknown-id-attribute",
            request('<Request><ID scheme="x">LGZ-1</ID></Request>'),
            "1.6",
            "unknown attribute 'scheme'",
        ),
        Case(
            "request-id-holding-elements",
            request('<Request><ID>a<b xmlns="urn:x"/></ID></Request>'),
            "1.6",
            "must hold text",
        ),
        Case(
            "response-without-reply",
            generic("ResponseMessage", header("reply", mid="hostile-noreply")),
            "1.8",
            "reply is missing",
        ),
        Case(
            "fault-with-header",
            generic("FaultMessage", header("reply"), REPLY_FAILED),
            "1.8",
            "header",
        ),
        Case(
            "reply-unknown-result",
            generic("ResponseMessage", header("reply"), "<Reply><Result>SUCCESS</Result></Reply>"),
            "1.8",
            "result is 'success'",
        ),
        Case(
            "reply-bad-level",
            generic(
                "FaultMessage",
                "<Reply><Result>FAILED</Result><Error><code>1.8</code><level>ERROR</level>"
                "</Error></Reply>",
            ),
            "1.8",
            "level is 'error'",
        ),
        Case(
            "reply-non-integer-operation-id",
            generic(
                "FaultMessage",
                "<Reply><Result>FAILED</Result><operationId>first</operationId></Reply>",
            ),
            "1.8",
            "operationid",
        ),
        Case(
            "operation-non-integer-operation-id",
            request(
                "<Payload><OperationSet><Operation><operationId>1.5</operationId>"
                "</Operation></OperationSet></Payload>",
                verb="execute",
            ),
            "1.7",
            "operationid",
        ),
        Case(
            "operation-two-payload-elements",
            request(
                "<Payload><OperationSet><Operation><operationId>1</operationId>"
                f"{PAYLOAD_MR}{PAYLOAD_MR}</Operation></OperationSet></Payload>",
                verb="execute",
            ),
            "1.7",
            "operationset/operation",
        ),
        Case(
            "payload-cim-element-and-compressed",
            request(f"<Payload>{PAYLOAD_MR}<Compressed>{compress(b'x')}</Compressed></Payload>"),
            "1.7",
            "not several",
        ),
        Case(
            "payload-invalid-base64",
            request(
                "<Payload><Compressed>H4sI$$not*base64</Compressed></Payload>", mid="hostile-b64"
            ),
            "1.7",
            "base64",
            message_id="hostile-b64",
        ),
        # --- per-noun wrappers ----------------------------------------------------------------
        Case(
            "typed-noun-disagrees-with-wrapper",
            typed(
                "CreateMeterReadings",
                "http://iec.ch/TC57/2011/MeterReadingsMessage",
                "create",
                "EndDeviceEvents",
            ),
            "1.5",
            "wrapper element createmeterreadings",
        ),
        Case(
            "typed-verb-disagrees-with-wrapper",
            typed(
                "CreateMeterReadings",
                "http://iec.ch/TC57/2011/MeterReadingsMessage",
                "change",
                "MeterReadings",
            ),
            "1.5",
            "wrapper element createmeterreadings",
        ),
        Case(
            "typed-wrapper-in-unknown-namespace",
            typed(
                "CreateMeterReadings",
                "http://example.com/TC57/2011/MeterReadingsMessage",
                "create",
                "MeterReadings",
            ),
            "1.8",
            "not an iec 61968-100 message",
        ),
        Case(
            "typed-wrapper-namespace-names-another-noun",
            typed(
                "CreateMeterReadings",
                "http://iec.ch/TC57/2011/EndDeviceEventsMessage",
                "create",
                "MeterReadings",
            ),
            "1.8",
            "not an iec 61968-100 message",
        ),
        # --- size and depth ---------------------------------------------------------------------
        Case(
            "oversize-xml",
            get_req,
            "3.1",
            "over the limit",
            limits=Limits(max_bytes=512),
        ),
        Case(
            "oversize-json",
            jmsg(Payload={"Format": "X" * 2000}),
            "3.1",
            "over the limit",
            limits=Limits(max_bytes=512),
        ),
        Case("depth-bomb-10000-elements", _depth_bomb(), "1.8", "nesting deeper"),
        # --- JSON ---------------------------------------------------------------------------------
        Case("json-deeply-nested", _deep_json(), "1.8", "json"),
        Case(
            "json-unknown-key",
            jmsg(Header={"Verb": "get", "Noun": "MeterReadings", "Priority": "high"}),
            "1.5",
            "unknown key 'priority'",
        ),
        Case(
            "json-verb-as-number",
            jmsg(Header={"Verb": 7, "Noun": "MeterReadings"}),
            "2.9",
            "verb",
        ),
        Case(
            "json-operation-unknown-verb",
            jmsg(
                Header={"Verb": "execute", "Noun": "MeterReadings"},
                Payload={"OperationSet": {"Operation": [{"operationId": 1, "verb": "publish"}]}},
            ),
            "2.9",
            "'publish'",
        ),
        Case(
            "json-noun-as-list",
            jmsg(Header={"Verb": "get", "Noun": ["MeterReadings"]}),
            "1.5",
            "noun must be a json string",
        ),
        Case(
            "json-flag-as-string",
            jmsg(Header={"Verb": "get", "Noun": "MeterReadings", "AsyncReplyFlag": "true"}),
            "1.5",
            "json boolean",
        ),
        Case(
            "json-unknown-verb-string",
            jmsg(Header={"Verb": "publish", "Noun": "MeterReadings", "MessageID": "j-pub"}),
            "2.9",
            "'publish'",
        ),
        Case(
            "json-request-verb-in-event",
            jmsg(
                "EventMessage",
                Header={"Verb": "get", "Noun": "MeterReadings", "MessageID": "j-evt"},
            ),
            "2.9",
            "not an event verb",
            message_id="j-evt",
        ),
        Case("json-not-an-object", b"[1, 2, 3]", "1.8", "object with one key", entry="json"),
        Case("json-bare-string", b'"RequestMessage"', "1.8", "object with one key", entry="json"),
        Case(
            "json-two-kinds",
            json_bytes({"RequestMessage": {}, "EventMessage": {}}),
            "1.8",
            "object with one key",
        ),
        Case("json-unknown-kind", json_bytes({"PublishMessage": {}}), "1.8", "not a message kind"),
        Case("json-invalid", b'{"RequestMessage": {"Header": ', "1.8", "json"),
        Case("json-not-utf8", b'{"RequestMessage": "Montr\xe9al"}', "1.8", "utf-8"),
        Case(
            "json-huge-integer",
            b'{"FaultMessage": {"Reply": {"Result": "FAILED", "operationId": '
            + b"9" * 5000
            + b"}}}",
            "1.8",
            "json",
        ),
        Case(
            "json-duplicate-key",
            b'{"RequestMessage": {"Header": {"Verb": "get", "Verb": "delete", '
            b'"Noun": "MeterReadings"}}}',
            "1.8",
            "duplicate",
        ),
        Case(
            "json-fragment-with-doctype",
            jmsg(Payload={"any": ['<!DOCTYPE m [<!ENTITY x "y">]><m:M xmlns:m="urn:m">&x;</m:M>']}),
            "1.8",
            "dtd",
        ),
        Case(
            "json-fragment-not-xml",
            jmsg(Payload={"any": ["<m:M xmlns:m='urn:m'>"]}),
            "1.8",
            "not well-formed",
        ),
        Case(
            "json-fragment-lone-surrogate",
            b'{"RequestMessage": {"Header": {"Verb": "get", "Noun": "MeterReadings"}, '
            b'"Payload": {"any": ["<m:M xmlns:m=\\"urn:m\\">\\ud800</m:M>"]}}}',
            "1.8",
            "character",
        ),
        Case(
            "json-fragment-in-envelope-namespace",
            jmsg(Payload={"any": [f'<m:OperationSet xmlns:m="{MSG_NS}"/>']}),
            "1.7",
            "namespace",
        ),
        Case(
            "json-control-character-in-message-id",
            jmsg(
                "EventMessage",
                Header={"Verb": "created", "Noun": "MeterReadings", "MessageID": "evt\u0001"},
            ),
            "1.5",
            "messageid",
        ),
    ]
    return cases


CASES: list[Case] = _cases()
"""Every hostile input, in a stable order."""

CORRELATED = [c for c in CASES if c.message_id is not None]
"""The cases whose MessageID is readable, answered by a correlated FAILED ResponseMessage."""
