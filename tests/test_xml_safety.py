"""Safe XML intake beyond the hostile corpus: other encodings, CDATA, the resolver."""

from __future__ import annotations

from pathlib import Path

import pytest

import bus.envelope as env
from cim.errors import MalformedMessage

EVENT = (
    '<EventMessage xmlns="http://iec.ch/TC57/2011/schema/message"><Header><Verb>created'
    "</Verb><Noun>MeterReadings</Noun><MessageID>s-1</MessageID></Header>{payload}"
    "</EventMessage>"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_external_dtd_is_refused_without_reading_the_file(tmp_path: Path, encoding: str):
    """A UTF-16 DOCTYPE naming a local file (invisible to a byte scan) reads nothing, is refused."""
    secret = tmp_path / "secret.dtd"
    secret.write_text("<!ENTITY leak 'cimbus-secret-was-read'>")
    doc = (
        f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
        f'<!DOCTYPE EventMessage SYSTEM "{secret.as_uri()}">' + EVENT.format(payload="")
    )
    data = doc.encode(encoding)
    if encoding == "utf-16":
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    with pytest.raises(MalformedMessage) as caught:
        env.decode(data)
    assert "cimbus-secret-was-read" not in caught.value.reason
    assert "dtd" in caught.value.reason.lower()


def test_doctype_text_inside_payload_cdata_is_data_not_a_dtd():
    """'<!DOCTYPE' inside a CDATA section of a payload is text: the message is accepted."""
    payload = (
        '<Payload><n:Note xmlns:n="urn:note"><![CDATA[<!DOCTYPE html><html/>]]></n:Note></Payload>'
    )
    message = env.decode(EVENT.format(payload=payload).encode())
    assert isinstance(message, env.EventMessage) and message.payload is not None
    assert b"&lt;!DOCTYPE html&gt;" in message.payload.elements[0].xml


def test_utf16_message_without_dtd_is_accepted():
    """A plain message in UTF-16 with a BOM decodes like its UTF-8 twin."""
    doc = EVENT.format(payload="")
    assert env.decode(doc.encode("utf-16")) == env.decode(doc.encode("utf-8"))
