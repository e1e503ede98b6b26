"""SOAP Faults received from partners, as cimbus errors (no vendor library: lxml only).

A partner's fault keeps its IEC 61968-100 code when its detail carries a FaultMessage (or any
``Reply/Error/code``); the error class is the one of that code in :mod:`cim.errors`::

    code in the fault's detail            cimbus error (code kept)
    1.5 / 1.6 / 1.7                       HeaderError / RequestError / PayloadError
    1.8                                   SchemaViolation
    2.5 / 2.9 / 3.1                       InvalidNoun / InvalidVerb / OversizeMessage
    other 1.x, 2.x, 3.x                   MessageError
    4.1                                   RequestTimeout
    7.2 / 7.4 / 7.5 / 7.7, other 7.x      AuthenticationRequired / AuthenticationFailed /
                                          NotAuthorised / PolicyViolation, SecurityError
    anything else, or no IEC code (5.3)   TransportError: the call did not succeed

The reason names the host and operation and quotes faultcode, faultstring and the IEC Error's
reason and details.
"""

from __future__ import annotations

import re

from lxml import etree

from bus.envelope.xmlsafe import SOAP11_NS, SOAP12_NS
from cim.errors import (
    AuthenticationFailed,
    AuthenticationRequired,
    CimbusError,
    HeaderError,
    InvalidNoun,
    InvalidVerb,
    MessageError,
    NotAuthorised,
    OversizeMessage,
    PayloadError,
    PolicyViolation,
    RequestError,
    RequestTimeout,
    SchemaViolation,
    SecurityError,
    TransportError,
)

Fault = tuple[str | None, str | None, etree._Element | None]
"""A fault as read: faultcode, faultstring, detail element."""

_BY_CODE: dict[str, type[CimbusError]] = {
    "1.5": HeaderError,
    "1.6": RequestError,
    "1.7": PayloadError,
    "1.8": SchemaViolation,
    "2.5": InvalidNoun,
    "2.9": InvalidVerb,
    "3.1": OversizeMessage,
    "4.1": RequestTimeout,
    "7.2": AuthenticationRequired,
    "7.4": AuthenticationFailed,
    "7.5": NotAuthorised,
    "7.7": PolicyViolation,
}
_BY_CATEGORY: dict[str, type[CimbusError]] = {
    "1": MessageError,
    "2": MessageError,
    "3": MessageError,
    "7": SecurityError,
}
_IEC_CODE = re.compile(r"^\d+(\.\d+)?$")


def fault_in(envelope: etree._Element) -> Fault | None:
    """The Fault in a SOAP 1.1 or 1.2 envelope's Body, or None when there is none."""
    for ns in (SOAP11_NS, SOAP12_NS):
        fault = envelope.find(f"{{{ns}}}Body/{{{ns}}}Fault")
        if fault is None:
            continue
        if ns == SOAP11_NS:
            return (
                fault.findtext("faultcode"),
                fault.findtext("faultstring"),
                fault.find("detail"),
            )
        return (
            fault.findtext(f"{{{ns}}}Code/{{{ns}}}Value"),
            fault.findtext(f"{{{ns}}}Reason/{{{ns}}}Text"),
            fault.find(f"{{{ns}}}Detail"),
        )
    return None


def error_from_fault(
    host: str,
    operation: str,
    faultcode: str | None,
    faultstring: str | None,
    detail: etree._Element | None,
) -> CimbusError:
    """The cimbus error for a Fault that ``host`` answered ``operation`` with."""
    code, iec_text = _iec_error(detail)
    parts = [f"{host} answered {operation} with a SOAP Fault"]
    if faultcode:
        parts.append(f"({faultcode.strip()})")
    text = " ".join(parts) + ": " + ((faultstring or "").strip() or "no faultstring")
    if iec_text:
        text += f"; {iec_text}"
    if code is None:
        return TransportError(text)
    cls = _BY_CODE.get(code) or _BY_CATEGORY.get(code.split(".")[0], TransportError)
    return cls(text, code=code)


def _iec_error(detail: etree._Element | None) -> tuple[str | None, str]:
    """The IEC code and "reason; details" of the first Reply/Error in ``detail``."""
    if detail is None:
        return None, ""
    for error in detail.iter("{*}Error"):
        code = (error.findtext("{*}code") or "").strip()
        words = [(error.findtext(f"{{*}}{name}") or "").strip() for name in ("reason", "details")]
        text = "; ".join(w for w in words if w)
        if _IEC_CODE.match(code):
            return code, f"IEC error {code}" + (f": {text}" if text else "")
    return None, ""


__all__ = ["Fault", "error_from_fault", "fault_in"]
