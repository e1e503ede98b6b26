"""Each package's public surface is deliberate: __all__ is held here."""

from __future__ import annotations

import bus.envelope
import cim.errors

ENVELOPE = {
    "DEFAULT_LIMITS",
    "EVENT_VERBS",
    "MESSAGE_NS",
    "PAST_TENSE",
    "REQUEST_VERBS",
    "Error",
    "ErrorObject",
    "EventMessage",
    "FaultMessage",
    "Form",
    "Header",
    "IdKind",
    "Level",
    "Limits",
    "Location",
    "Message",
    "Name",
    "NameType",
    "NameTypeAuthority",
    "ObjectID",
    "Operation",
    "OperationSet",
    "Option",
    "Payload",
    "Property",
    "ReplayDetection",
    "Reply",
    "Request",
    "RequestMessage",
    "ResponseMessage",
    "Result",
    "SoapVersion",
    "User",
    "Verb",
    "XmlFragment",
    "compress",
    "decode",
    "decode_json",
    "decode_xml",
    "decompress",
    "encode_json",
    "encode_soap",
    "encode_xml",
    "error_from",
    "failure_answer",
    "fragment_of",
    "from_dict",
    "make_header",
    "new_message_id",
    "parse_xml",
    "reply_to",
    "to_dict",
    "utc_now",
    "wrap_soap",
    "wrapper_namespace",
}


def test_envelope_exports():
    """bus.envelope exports exactly the documented names, each of which exists."""
    assert set(bus.envelope.__all__) == ENVELOPE
    assert all(hasattr(bus.envelope, name) for name in ENVELOPE)


def test_error_tree_codes():
    """Every error class carries an IEC 61968-100 code of the form category.number."""
    classes = [getattr(cim.errors, n) for n in cim.errors.__all__]
    assert len(classes) == 18
    for cls in classes:
        assert issubclass(cls, cim.errors.CimbusError)
        category, _, number = cls.code.partition(".")
        assert category.isdigit() and number.isdigit(), cls
    assert cim.errors.InvalidVerb("x").code == "2.9"
    assert cim.errors.MessageError("x", code="1.9").code == "1.9"
