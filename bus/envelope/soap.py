"""SOAP 1.1 and 1.2 envelopes around IEC 61968-100 messages (document/literal)."""

from __future__ import annotations

from typing import Literal

from bus.envelope.xmlsafe import SOAP11_NS, SOAP12_NS

SoapVersion = Literal["1.1", "1.2"]
CONTENT_TYPES = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}


def wrap_soap(body: bytes, version: SoapVersion = "1.1") -> bytes:
    """A SOAP envelope whose Body holds ``body`` (an XML element without declaration)."""
    ns = SOAP11_NS if version == "1.1" else SOAP12_NS
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="'
        + ns.encode()
        + b'"><soap:Body>'
        + body
        + b"</soap:Body></soap:Envelope>"
    )
