"""Builders and constants shared by the hostile corpus modules."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bus.envelope import DEFAULT_LIMITS, Limits, Message, decode, decode_json

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
