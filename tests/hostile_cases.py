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

import random

from bus.envelope import Limits, compress

from hostile_builders import (
    DECLARATION,
    MSG_NS,
    PAYLOAD_MR,
    REPLY_FAILED,
    SOAP11,
    SOAP12,
    XINCLUDE,
    Case,
    _billion_laughs,
    _depth_bomb,
    _example,
    _quadratic_blowup,
    _truncations,
    generic,
    header,
    jmsg,
    request,
    soap,
    typed,
)
from hostile_json_cases import json_cases


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
    ]
    return cases + json_cases()


CASES: list[Case] = _cases()
"""Every hostile input, in a stable order."""

CORRELATED = [c for c in CASES if c.message_id is not None]
"""The cases whose MessageID is readable, answered by a correlated FAILED ResponseMessage."""
