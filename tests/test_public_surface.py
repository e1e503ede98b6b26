"""Each package's public surface is deliberate: __all__ is held here."""

from __future__ import annotations

import subprocess
import sys

import bus.envelope
import bus.soap
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


SOAP = {
    "Account",
    "Authenticator",
    "Breakers",
    "Catalog",
    "CircuitBreaker",
    "ClientCredentials",
    "Credentials",
    "HttpPolicy",
    "HttpServer",
    "HttpSettings",
    "RetryPolicy",
    "SoapApp",
    "SoapClient",
    "SoapConfig",
    "Tls",
    "serve",
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


def test_soap_exports():
    """bus.soap exports exactly the documented names, each of which exists."""
    assert set(bus.soap.__all__) == SOAP
    assert all(hasattr(bus.soap, name) for name in SOAP)
    assert set(dir(bus.soap)) >= SOAP


def test_soap_package_leaves_the_client_libraries_unloaded():
    """Importing bus.soap (a gateway) loads neither zeep nor requests; the client's names do."""
    probe = (
        "import sys, bus.soap; loaded = lambda: sorted({'zeep', 'requests'} & set(sys.modules)); "
        "before = loaded(); bus.soap.SoapClient; print(before, loaded())"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] ['requests', 'zeep']"


PROFILES = {
    "ASSETS",
    "CREWS",
    "CUSTOMER_CONFIG",
    "END_DEVICE_CONTROLS",
    "END_DEVICE_EVENTS",
    "INCIDENT_INFORMATION",
    "MEASUREMENT_VALUES",
    "METER_CONFIG",
    "METER_READINGS",
    "PROFILES",
    "SERVICE_LOCATION_CONFIG",
    "SWITCHING_PLANS",
    "TROUBLE_TICKETS",
    "USAGE_POINT_CONFIG",
    "WORK_ORDERS",
    "WORK_REQUESTS",
    "Issue",
    "Member",
    "Node",
    "Payload",
    "Profile",
    "ProfileClass",
    "check",
    "from_json",
    "from_xml",
    "to_json",
    "to_xml",
    "validate",
}


def test_profiles_exports_and_import_rule():
    """cim.profiles exports exactly the documented names and loads nothing from bus or adapters."""
    probe = (
        "import sys, cim.profiles as p; print(sorted(p.__all__)); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bus', 'adapters')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    names, loaded = out.stdout.strip().splitlines()
    assert names == str(sorted(PROFILES))
    assert loaded == "[]"


MAPPING_EXPORTS = {
    "Catalog",
    "CompiledMapping",
    "MappingError",
    "MappingFile",
    "MappingRejected",
    "Problem",
    "json_schema",
    "load_catalog",
    "load_lookup",
    "load_mapping",
    "read_native",
    "write_native",
}


def test_mapping_exports_and_import_rule():
    """adapters.mapping exports exactly these names; its runtime loads neither pika nor zeep."""
    probe = (
        "import sys, adapters.mapping as m, adapters.mapping.adapter, adapters.mapping.reload; "
        "print(sorted(m.__all__)); "
        "print(sorted(x for x in sys.modules if x.split('.')[0] in ('pika', 'zeep')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    names, loaded = out.stdout.strip().splitlines()
    assert names == str(sorted(MAPPING_EXPORTS))
    assert loaded == "[]"
