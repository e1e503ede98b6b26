"""The two servers of ``cimbus bench soap`` and what they share: echo handlers, timing, the WSDL.

* :func:`echo_handler`: the bus handler behind the gateway, answering a get with
  ``reply_to(request, payload=...)`` carrying the request's query (its Request profile);
* :class:`EchoApp`: the baseline, a minimal WSGI application doing the same with lxml alone:
  parse the POSTed envelope with a safe parser, copy the query into a ResponseMessage (Result OK,
  CorrelationID = the request's MessageID) in the same wrapper and SOAP version, serialise it;
* :class:`Timed`: a WSGI wrapper recording the time spent in the application per request and
  the bytes in and out, put around both servers alike;
* :func:`local_wsdl`: a service's WSDL and every schema it imports, fetched from the gateway and
  saved as local files, as an adapter keeps a partner's (the SOAP client fetches nothing).
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from bus.bench.report import BenchError
from bus.envelope import MESSAGE_NS, Message, Payload, RequestMessage, reply_to
from bus.envelope.xmlsafe import SOAP11_NS, SOAP12_NS
from bus.soap.schema import XS
from bus.transport.base import Delivery

CONTENT_TYPES = {
    SOAP11_NS: "text/xml; charset=utf-8",
    SOAP12_NS: "application/soap+xml; charset=utf-8",
}
"""The content type of an answer, by the SOAP namespace of the request."""
_FETCH_TIMEOUT = 10.0
_SCHEMA_NAME = re.compile(r"[A-Za-z0-9_]{1,100}")


def echo_handler(delivery: Delivery) -> Message:
    """The gateway's adapter: a ResponseMessage whose Payload is the request's query."""
    request = delivery.message
    if not isinstance(request, RequestMessage) or request.request is None:
        raise BenchError(f"the echo handler got a {request.kind} without a Request")
    query = request.request.profile
    return reply_to(request, payload=Payload(elements=query) if query else None)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def echo_answer(data: bytes, parser: etree.XMLParser) -> tuple[str, bytes]:
    """Content type and body answering the SOAP request ``data``, with lxml alone."""
    root = etree.fromstring(data, parser)
    soap = etree.QName(root).namespace or ""
    body = root.find(f"{{{soap}}}Body")
    if soap not in CONTENT_TYPES or body is None or len(body) == 0:
        raise ValueError("not a SOAP envelope with a Body")
    request = body[0]
    wrapper = etree.QName(request).namespace or ""
    m, w = f"{{{MESSAGE_NS}}}", f"{{{wrapper}}}"
    header, query = request.find(f"{w}Header"), request.find(f"{w}Request")
    if header is None:
        raise ValueError(f"{request.tag} has no Header")
    noun = header.findtext(f"{m}Noun") or ""
    envelope = etree.Element(f"{{{soap}}}Envelope", nsmap={"soap": soap})
    answer = etree.SubElement(
        etree.SubElement(envelope, f"{{{soap}}}Body"),
        f"{w}{noun}ResponseMessage",
        nsmap={"w": wrapper, "m": MESSAGE_NS},
    )
    out = etree.SubElement(answer, f"{w}Header")
    fields = {"Verb": "reply", "Noun": noun}
    fields |= {k: header.findtext(f"{m}{k}") for k in ("Revision", "Context")}
    fields |= {"Timestamp": _now(), "MessageID": str(uuid.uuid4())}
    fields["CorrelationID"] = header.findtext(f"{m}MessageID")
    for name, text in fields.items():
        if text is not None:
            etree.SubElement(out, f"{m}{name}").text = text
    etree.SubElement(etree.SubElement(answer, f"{w}Reply"), f"{m}Result").text = "OK"
    content = [] if query is None else [c for c in query if etree.QName(c).namespace != wrapper]
    if content:
        etree.SubElement(answer, f"{w}Payload").extend(content)
    return CONTENT_TYPES[soap], etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class EchoApp:
    """The baseline WSGI application: read the POST, :func:`echo_answer` it, return it."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _parser(self) -> etree.XMLParser:
        """This thread's parser: no DTD, no network, no entities (lxml parsers are per thread)."""
        parser: etree.XMLParser | None = getattr(self._local, "parser", None)
        if parser is None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            self._local.parser = parser
        return parser

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one POSTed SOAP request; 400 with the reason when it is not one."""
        data = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            kind, body = echo_answer(data, self._parser())
            status = "200 OK"
        except (etree.XMLSyntaxError, ValueError) as exc:
            kind, body, status = "text/plain", f"{exc}\n".encode(), "400 Bad Request"
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]


class Timed:
    """A WSGI application wrapped to record its time per request and the bytes in and out."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._records: list[tuple[int, int, int]] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Call the application and record (ns, request bytes, answer bytes)."""
        started = time.perf_counter_ns()
        out = list(self._app(environ, start_response))
        took = time.perf_counter_ns() - started
        record = (took, int(environ.get("CONTENT_LENGTH") or 0), sum(len(b) for b in out))
        with self._lock:
            self._records.append(record)
        return out

    def take(self) -> list[tuple[int, int, int]]:
        """The records since the last call, oldest first."""
        with self._lock:
            records, self._records = self._records, []
        return records


def local_wsdl(endpoint: str, service: str, directory: Path) -> Path:
    """The WSDL of ``service`` at ``endpoint``, saved in ``directory`` with its schemas."""
    root = _document(endpoint, f"wsdl={service}")
    _localise(root, endpoint, directory, set())
    path = directory / f"{service}.wsdl"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def _localise(doc: etree._Element, endpoint: str, directory: Path, saved: set[str]) -> None:
    """Point every schema import of ``doc`` at a local copy, fetching what is not saved yet."""
    served = f"{endpoint}?xsd="
    for ref in doc.iter(f"{{{XS}}}import", f"{{{XS}}}include"):
        location = ref.get("schemaLocation")
        if location is None:
            continue
        name = location.removeprefix(served)
        if not location.startswith(served) or not _SCHEMA_NAME.fullmatch(name):
            raise BenchError(f"the gateway's WSDL imports {location[:200]!r}, not its own schema")
        path = directory / f"{name}.xsd"
        if name not in saved:
            saved.add(name)
            schema = _document(endpoint, f"xsd={name}")
            _localise(schema, endpoint, directory, saved)
            path.write_bytes(etree.tostring(schema, xml_declaration=True, encoding="UTF-8"))
        ref.set("schemaLocation", str(path))


def _document(endpoint: str, query: str) -> etree._Element:
    """GET ``endpoint?query`` and parse it (safe parser); BenchError unless it is 200 and XML."""
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=_FETCH_TIMEOUT)
    try:
        conn.request("GET", f"{parts.path}?{query}")
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"GET ?{query} answered HTTP {response.status}: {data[:200]!r}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)
