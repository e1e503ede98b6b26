"""Shared by the SOAP schema and WSDL tests: the catalog's schemas loaded in memory by lxml."""

from __future__ import annotations

from typing import Any

from lxml import etree

from bus.soap.catalog import Catalog
from bus.soap.schema import XS, schema_url

ENDPOINT = "http://gateway.test/soap"
CATALOG = Catalog()


class CatalogResolver(etree.Resolver):
    """Answers ``{endpoint}?xsd=NAME`` from the catalog in memory, and ``extra`` by file name."""

    def __init__(self, endpoint: str, extra: dict[str, bytes] | None = None) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.extra = extra or {}

    def resolve(self, url: str, pubid: str, context: Any) -> Any:
        """The catalog document for ``url``, or None to let lxml load it."""
        if url.startswith(f"{self.endpoint}?xsd="):
            body = CATALOG.schema(url.split("?xsd=", 1)[1], self.endpoint)
            assert body is not None, url
            return self.resolve_string(body, context, base_url=url)
        name = url.rsplit("/", 1)[-1]
        if name in self.extra:
            return self.resolve_string(self.extra[name], context, base_url=url)
        return None


def load_schema(document: bytes, base_url: str, endpoint: str = ENDPOINT) -> etree.XMLSchema:
    """An lxml schema from ``document``, its imports resolved from the catalog."""
    parser = etree.XMLParser()
    parser.resolvers.add(CatalogResolver(endpoint))
    return etree.XMLSchema(etree.fromstring(document, parser, base_url=base_url).getroottree())


def bundle(endpoint: str = ENDPOINT) -> etree.XMLSchema:
    """One schema importing every catalog document: validates any body the gateway serves."""
    root = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    for name in CATALOG.schema_names():
        ns = etree.fromstring(CATALOG.schema(name, endpoint) or b"").get("targetNamespace")
        location = schema_url(endpoint, name)
        etree.SubElement(root, f"{{{XS}}}import", namespace=ns, schemaLocation=location)
    return load_schema(etree.tostring(root), f"{endpoint}?bundle", endpoint)


ALL = bundle()


def assert_valid(schema: etree.XMLSchema, element: etree._Element | bytes) -> None:
    """``element`` (or XML bytes) validates, with the schema's first error as the message."""
    el = etree.fromstring(element) if isinstance(element, bytes) else element
    assert schema.validate(el), str(schema.error_log.last_error)
