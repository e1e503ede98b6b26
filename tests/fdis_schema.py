"""The FDIS envelope schema, derived in memory from the real 2011 draft Message.xsd.

The draft is the only machine-readable copy we have; the FDIS differences below are those listed
in ../shared/design/IEC61968-100.md. Nothing of the schema is stored in this repository.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
_NS = {"xs": XS}


def _el(tag: str, **attrs: str) -> etree._Element:
    return etree.Element(f"{{{XS}}}{tag}", {k: v for k, v in attrs.items()})


def fdis_schema(draft: Path) -> etree.XMLSchema:
    """Message.xsd with the FDIS changes: free Context, optional Organization, ID attributes,
    Error ID/relatedID, object serialNumber, Payload ID, xpath as a string."""
    doc = etree.parse(str(draft))
    root = doc.getroot()
    ctx = root.find(".//xs:complexType[@name='HeaderType']//xs:element[@name='Context']", _NS)
    for child in list(ctx):
        if child.tag == f"{{{XS}}}simpleType":
            ctx.remove(child)
    ctx.set("type", "xs:string")
    org = root.find(".//xs:complexType[@name='UserType']//xs:element[@name='Organization']", _NS)
    org.set("minOccurs", "0")
    # ObjectID: a string with the FDIS attributes
    oid = _el("complexType", name="ObjectID")
    ext = etree.SubElement(
        etree.SubElement(oid, f"{{{XS}}}simpleContent"), f"{{{XS}}}extension", base="xs:string"
    )
    for name in ("idType", "idAuthority", "objectType"):
        etree.SubElement(ext, f"{{{XS}}}attribute", name=name, type="xs:string")
    kind = etree.SubElement(ext, f"{{{XS}}}attribute", name="kind")
    restriction = etree.SubElement(
        etree.SubElement(kind, f"{{{XS}}}simpleType"), f"{{{XS}}}restriction", base="xs:string"
    )
    for value in ("name", "uuid", "transaction", "other"):
        etree.SubElement(restriction, f"{{{XS}}}enumeration", value=value)
    root.append(oid)
    for el in root.iterfind(".//xs:element[@name='ID']", _NS):
        el.set("type", "ObjectID")
    error_seq = root.find(".//xs:complexType[@name='ErrorType']/xs:sequence", _NS)
    location = error_seq.find("xs:element[@name='Location']", _NS)
    at = list(error_seq).index(location) + 1
    error_seq.insert(at, _el("element", name="ID", type="ObjectID", minOccurs="0"))
    error_seq.insert(
        at + 1,
        _el("element", name="relatedID", type="ObjectID", minOccurs="0", maxOccurs="unbounded"),
    )
    xpath = error_seq.find("xs:element[@name='xpath']", _NS)
    xpath.set("type", "xs:string")
    ident_seq = root.find(".//xs:complexType[@name='IdentifiedObject']/xs:sequence", _NS)
    ident_seq.insert(1, _el("element", name="serialNumber", type="xs:string", minOccurs="0"))
    choice = root.find(".//xs:complexType[@name='PayloadType']/xs:sequence/xs:choice", _NS)
    choice.append(_el("element", name="ID", type="ObjectID", minOccurs="0", maxOccurs="unbounded"))
    return etree.XMLSchema(doc)
