"""The WSDL and XSD documents the SOAP gateway answers to ``GET ?wsdl`` and ``GET ?xsd=NAME``.

``TYPED_NOUNS`` is the list of nouns that get strongly typed services: those of IEC 61968-9
named in ``IEC61968-100.md`` ("Nouns per system family") for which a profile exists, plus
WorkRequests (IEC 61968-6). MasterDataLinkageConfig is left out: it has no profile yet. This is a
stopgap; a real canonical-profile registry, from which the list will be read, comes with another
issue.

Queries, with ``endpoint`` the gateway's own URL (scheme, host, port, path; no query):

- ``wsdl`` (any case) -> the generic service's WSDL;
- ``wsdl=GetMeterReadings`` (a service name from :meth:`Catalog.services`) -> that WSDL;
- ``xsd=Message`` / ``Abstract`` / ``{Noun}Message`` / ``Get{Noun}Message`` -> a schema.

Documents are generated on each call (well under a millisecond each) and embed ``endpoint``
(escaped as XML) as their address and schema location; the caller decides which endpoint to
trust (a configured public URL rather than a client's Host header).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from bus.envelope.model import check_noun
from bus.soap.schema import (
    ABSTRACT_XSD,
    MESSAGE_XSD,
    abstract_schema,
    message_schema,
    wrapper_schema,
    wrapper_schema_name,
)
from bus.soap.wsdl import (
    GENERIC_SERVICE,
    PATTERNS,
    ServiceSpec,
    generic_service,
    typed_service,
    wsdl_document,
)
from cim.profiles import PROFILES
from cim.profiles.xsd import profile_xsd

TYPED_NOUNS: tuple[str, ...] = (
    "MeterReadings",
    "EndDeviceEvents",
    "EndDeviceControls",
    "MeterConfig",
    "EndDeviceConfig",
    "UsagePointConfig",
    "MeterReadSchedule",
    "UsagePointGroups",
    "EndDeviceGroups",
    "ServiceLocationConfig",
    "ServiceCategoryConfig",
    "ServiceSupplierConfig",
    "UsagePointLocationConfig",
    "WorkRequests",
)
"""Nouns with strongly typed services (stopgap until the canonical-profile registry)."""
CONTENT_TYPE = "text/xml; charset=utf-8"
"""Content type of every document served (WSDL and XSD)."""
_MAX_QUERY = 200  # the longest query asks for one noun's service or schema


class Catalog:
    """The gateway's services and schema documents, answered by GET query."""

    __slots__ = ("_schemas", "_services", "nouns")

    def __init__(self, nouns: Iterable[str] = TYPED_NOUNS) -> None:
        self.nouns: tuple[str, ...] = tuple(check_noun(n) for n in nouns)
        services = [generic_service()]
        services += [typed_service(p, n) for n in self.nouns for p in PATTERNS]
        self._services: dict[str, ServiceSpec] = {s.name: s for s in services}
        schemas: dict[str, Callable[[str], bytes]] = {
            MESSAGE_XSD: lambda _endpoint: message_schema(),
            ABSTRACT_XSD: abstract_schema,
        }
        for noun in self.nouns:
            for get in (False, True):
                schemas[wrapper_schema_name(noun, get=get)] = _wrapper(noun, get)
        if len(schemas) != 2 + 2 * len(self.nouns) or len(self._services) != len(services):
            raise ValueError(f"nouns {self.nouns} name the same schema or service twice")
        self._schemas = schemas

    def services(self) -> list[tuple[str, str]]:
        """Every service as (service name, WSDL query); the generic one first, as ``wsdl``."""
        return [
            (name, "wsdl" if name == GENERIC_SERVICE else f"wsdl={name}") for name in self._services
        ]

    def service(self, name: str) -> ServiceSpec | None:
        """The description of the service ``name`` (operations, soapActions, body elements)."""
        return self._services.get(name)

    def schema_names(self) -> list[str]:
        """The names of every schema document (``?xsd=NAME``)."""
        return list(self._schemas)

    def schema(self, name: str, endpoint: str) -> bytes | None:
        """The schema document ``name`` as served at ``endpoint``, or None if there is none."""
        build = self._schemas.get(name)
        return None if build is None else build(endpoint)

    def wsdl(self, name: str, endpoint: str) -> bytes | None:
        """The WSDL of the service ``name`` with its address at ``endpoint``, or None."""
        spec = self._services.get(name)
        return None if spec is None else wsdl_document(spec, endpoint)

    def profile(self, noun: str) -> bytes | None:
        """The XSD of ``noun``'s message profile (as ``cimbus cim xsd`` writes it), or None."""
        found = PROFILES.get(noun)
        return None if found is None else profile_xsd(found)

    def lookup(self, query: str, endpoint: str) -> tuple[str, bytes] | None:
        """(content type, body) answering the GET ``query``, or None when it asks for nothing
        the catalog has (the server answers 404)."""
        if len(query) > _MAX_QUERY:
            return None
        pairs = parse_qsl(query, keep_blank_values=True)
        if len(pairs) != 1:
            return None
        key, value = pairs[0][0].lower(), pairs[0][1]
        if key == "wsdl":
            body = self.wsdl(value or GENERIC_SERVICE, endpoint)
        elif key == "xsd":
            body = self.schema(value, endpoint)
        elif key == "profile":
            body = self.profile(value)
        else:
            return None
        return None if body is None else (CONTENT_TYPE, body)


def _wrapper(noun: str, get: bool) -> Callable[[str], bytes]:
    return lambda endpoint: wrapper_schema(noun, endpoint, get=get)
