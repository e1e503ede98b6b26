"""Minimal safe XML intake for payload codecs: bounded size, no DTDs, entities or network.

``cim`` may not import ``bus``, so it cannot reuse ``bus.envelope.xmlsafe.parse_xml``. This is the
smaller sibling for payloads that arrive on their own (a file, a test, a bench); payloads inside
an envelope have already passed the envelope's parser. A DTD anywhere is refused.
"""

from __future__ import annotations

from lxml import etree

from cim.errors import MalformedMessage, OversizeMessage

MAX_BYTES = 16 * 1024 * 1024
"""Largest payload accepted by default, in bytes."""


def parse_payload_xml(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse payload bytes into an lxml element, or raise MalformedMessage/OversizeMessage."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedMessage("XML input must be bytes as received, not decoded text")
    data = bytes(data)
    if len(data) > max_bytes:
        raise OversizeMessage(f"payload is {len(data)} bytes, over the limit of {max_bytes}")
    if not data.strip():
        raise MalformedMessage("payload is empty")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise MalformedMessage("document type declarations (DTDs) and entities are refused")
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedMessage(f"not well-formed XML: {exc.msg}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise MalformedMessage(f"unreadable XML: {exc}") from None
    if getattr(
        root.getroottree().docinfo, "doctype", ""
    ):  # e.g. a DTD in UTF-16 the byte check missed
        raise MalformedMessage("document type declarations (DTDs) and entities are refused")
    return root


__all__ = ["MAX_BYTES", "parse_payload_xml"]
