"""The SOAP gateway as a WSGI application: one endpoint URL for every IEC 61968-100 operation.

``POST {path}``: a SOAP 1.1 or 1.2 envelope whose Body holds a generic, typed or abstract-service
message (:mod:`bus.soap.forms`). The body element says what it is; a SOAPAction (header, or the
``action`` parameter of a SOAP 1.2 Content-Type), where given, must name the same operation. Each
message goes on the bus (:mod:`bus.soap.gateway`) and the answer is written in the form and
version it came in. ``GET {path}?wsdl``, ``?wsdl=SERVICE`` and ``?xsd=NAME`` are answered by the
:class:`Catalog`, if one is configured; a POST to those URLs is 404: a document is no endpoint.

Every failure is answered in kind, never with an HTML page:

* FAILED ResponseMessage (HTTP 200) when the message's noun was readable: security (7.2, 7.4,
  7.5), header and verb errors, nothing serving the noun (2.5), timeouts (4.1);
* SOAP Fault holding a FaultMessage otherwise (HTTP 500 in SOAP 1.1, 400/500 in SOAP 1.2):
  malformed XML, DTDs and entities (1.8), a body over ``Limits.max_bytes`` (3.1, HTTP 413,
  enforced from Content-Length before reading and while reading a chunked body), a method other
  than GET and POST (405 with ``Allow``), a content type that is not SOAP (415), and any
  unexpected error (5.3, logged with its traceback).

With :attr:`SoapConfig.credentials` every POST needs a WS-Security UsernameToken
(:mod:`bus.soap.wssecurity`): none is 7.2, a wrong, stale or replayed one 7.4. The authenticated
user is the sender: a message without Source goes on the bus with the user's Source, one naming
another Source is refused (7.4), and the credentials' policy decides its verb and noun (7.5).
Without credentials every caller is accepted and a ``wsse:Security`` header is ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from email.message import Message as MimeHeaders
from typing import Any, Protocol
from urllib.parse import unquote_plus

from bus.envelope import (
    DEFAULT_LIMITS,
    FaultMessage,
    Limits,
    Message,
    ResponseMessage,
    SoapVersion,
    failure_answer,
    parse_xml,
)
from bus.log import get_logger, message_context
from bus.payload import check_payload
from bus.soap import forms
from bus.soap.courier import Courier, Deliver, RetryPolicy
from bus.soap.gateway import Gateway, ReplySink
from bus.soap.wssecurity import Authenticator, Credentials
from bus.transport.base import Transport
from cim.errors import (
    CimbusError,
    InvalidVerb,
    MalformedMessage,
    OversizeMessage,
    SecurityError,
)

_log = get_logger("cimbus.soap")
_SOAP_TYPES: Mapping[str, SoapVersion] = {
    "text/xml": "1.1",
    "application/xml": "1.1",
    "application/soap+xml": "1.2",
}
_CHUNK = 64 * 1024
_MAX_QUERY = 1000  # of a POST's query, read to tell a document URL from the endpoint
StartResponse = Callable[..., Any]


class Catalog(Protocol):
    """Service descriptions served on GET: the WSDLs and XSDs of the gateway."""

    def lookup(self, query: str, endpoint: str) -> tuple[str, bytes] | None:
        """``(content type, body)`` for a query such as ``wsdl`` or ``xsd=NAME``, or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SoapConfig:
    """Settings of the SOAP endpoint."""

    path: str = "/cimbus"
    """The endpoint's URL path."""
    limits: Limits = DEFAULT_LIMITS
    """``max_bytes`` bounds the HTTP body as well as the message."""
    timeout: float = 30.0
    """Seconds to wait for the bus's reply to a request."""
    credentials: Credentials | None = None
    """Users allowed to call; None accepts every caller unauthenticated."""
    source: str | None = None
    """The Header Source of the answers the gateway itself writes."""
    public_url: str | None = None
    """The endpoint URL written into served WSDLs; None uses the URL the caller reached."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """Delivery of asynchronous replies to a ReplyAddress URL."""
    reply_hosts: frozenset[str] | None = None
    """Hosts a ReplyAddress URL may name (lower case); None allows any (the caller decides)."""
    check_payloads: bool = True
    """Check payloads against their noun's message profile at the edge (1.7, 1.8, 2.x)."""


@dataclass(frozen=True, slots=True)
class _Answer:
    """Status, content type, body and extra headers of one HTTP response."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
_REASONS |= {413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error"}


class SoapApp:
    """The WSGI application: POST dispatches SOAP messages to the bus, GET serves the catalog."""

    def __init__(
        self,
        transport: Transport,
        config: SoapConfig | None = None,
        *,
        catalog: Catalog | None = None,
        deliver: Deliver | None = None,
        on_reply: ReplySink | None = None,
    ) -> None:
        self.config = config or SoapConfig()
        self._catalog = catalog
        self.courier = Courier(deliver, self.config.retry)
        self._gateway = Gateway(
            transport,
            self.courier,
            timeout=self.config.timeout,
            on_reply=on_reply,
            source=self.config.source,
            reply_hosts=self.config.reply_hosts,
        )
        creds = self.config.credentials
        self._auth = Authenticator(creds) if creds is not None else None
        self._policy = creds.policy if creds is not None else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one HTTP request; no exception escapes."""
        try:
            out = self._route(environ)
        except Exception as exc:
            _log.exception("SOAP request failed unexpectedly")
            problem = CimbusError(f"the gateway failed: {type(exc).__name__}; see its log")
            out = self._fault(problem, "1.1")
        reason = _REASONS.get(out.status, "Error")
        headers = [("Content-Type", out.content_type), ("Content-Length", str(len(out.body)))]
        start_response(f"{out.status} {reason}", headers + list(out.headers))
        return [out.body]

    def close(self) -> None:
        """Deliver the asynchronous replies in progress and stop their workers."""
        self.courier.close()

    # --- HTTP -------------------------------------------------------------------------------

    def _route(self, environ: dict[str, Any]) -> _Answer:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).rstrip("/")
        if path != self.config.path.rstrip("/"):
            text = f"nothing here; the SOAP endpoint is {self.config.path}\n"
            if method == "POST":
                return self._fault(MalformedMessage(text.strip()), "1.1", status=404)
            return _Answer(404, "text/plain; charset=utf-8", text.encode())
        if method == "GET":
            return self._get(environ)
        if method != "POST":
            problem = MalformedMessage(f"method {method} is not supported; POST SOAP, GET ?wsdl")
            return self._fault(problem, "1.1", status=405, headers=(("Allow", "GET, POST"),))
        if _names_a_document(environ.get("QUERY_STRING", "")):
            problem = MalformedMessage(
                f"?wsdl and ?xsd name service descriptions, read with GET; POST SOAP messages to "
                f"{self.config.path} itself"
            )
            return self._fault(problem, "1.1", status=404)
        return self._post(environ)

    def _get(self, environ: dict[str, Any]) -> _Answer:
        query = environ.get("QUERY_STRING", "")
        endpoint = self.config.public_url or _endpoint(environ)
        found = self._catalog.lookup(query, endpoint) if self._catalog else None
        if found is None:
            what = (
                "no service description is configured"
                if self._catalog is None
                else (f"no service description for {query[:100]!r}; try ?wsdl")
            )
            return _Answer(404, "text/plain; charset=utf-8", f"{what}\n".encode())
        content_type, body = found
        return _Answer(200, content_type, body)

    def _post(self, environ: dict[str, Any]) -> _Answer:
        mime = MimeHeaders()
        mime["Content-Type"] = environ.get("CONTENT_TYPE", "")
        media = mime.get_content_type() if environ.get("CONTENT_TYPE") else ""
        version = _SOAP_TYPES.get(media)
        if version is None:
            problem = MalformedMessage(
                f"content type {media or 'none'!r} is not SOAP; send text/xml (SOAP 1.1) or "
                "application/soap+xml (SOAP 1.2)"
            )
            return self._fault(problem, "1.1", status=415)
        action = environ.get("HTTP_SOAPACTION") or mime.get_param("action", header="Content-Type")
        try:
            data = _read_body(environ, self.config.limits.max_bytes)
        except OversizeMessage as exc:
            return self._fault(exc, version, status=413)
        except MalformedMessage as exc:
            return self._fault(exc, version, status=400)
        return self._soap(data, version, str(action) if action else "")

    # --- SOAP -------------------------------------------------------------------------------

    def _soap(self, data: bytes, version: SoapVersion, action: str) -> _Answer:
        started = time.monotonic()
        try:
            root = parse_xml(data, self.config.limits)
            version = forms.soap_version(root)
            element = forms.body_element(root, version)
        except CimbusError as exc:
            _refused(exc, stage="parse", size=len(data))
            return self._fault(exc, version, stage="parse")
        arrival = forms.arrival_of(element, version)
        user, denied = None, None
        if self._auth is not None:
            try:
                user = self._auth.authenticate(root)
            except SecurityError as exc:
                denied = exc
        try:
            message = forms.decode_body(element, arrival, self.config.limits)
        except CimbusError as exc:
            if denied is not None:  # security speaks first; keep what the decoder salvaged
                denied.message_id, denied.noun = exc.message_id, exc.noun
            return self._failed(denied or exc, arrival, stage="decode")
        header = None if isinstance(message, FaultMessage) else message.header
        with message_context(header.message_id if header else None, user=user):
            try:
                if denied is not None:
                    raise denied
                if user is not None:
                    message = self._authorise(message, user)
                _check_action(action, message, arrival)
                if self.config.check_payloads:
                    check_payload(message)
                out = self._gateway.handle(message, arrival)
            except CimbusError as exc:
                if header is not None:
                    exc.message_id, exc.noun = header.message_id, header.noun
                return self._failed(exc, arrival, stage="accept")
            except Exception as exc:
                _log.exception("SOAP message failed unexpectedly")
                problem = CimbusError(f"the gateway failed: {type(exc).__name__}; see its log")
                if header is not None:
                    problem.message_id, problem.noun = header.message_id, header.noun
                return self._failed(problem, arrival, stage="bus")
            _log.info(
                "SOAP message answered",
                operation=arrival.localname,
                form=arrival.form,
                soap=arrival.version,
                result=out.reply.result.value,
                code=out.reply.errors[0].code if out.reply.errors else None,
                ms=round((time.monotonic() - started) * 1000, 1),
            )
            return _Answer(200, forms.CONTENT_TYPES[version], forms.encode_answer(out, arrival))

    def _authorise(self, message: Message, user: str) -> Message:
        """The message with its Source filled in as the user's, if allowed (7.4, 7.5 if not)."""
        assert self._auth is not None and self._policy is not None
        if isinstance(message, FaultMessage):
            return message
        sender = self._auth.credentials.sender(user)
        if message.header.source is None:
            message = replace(message, header=replace(message.header, source=sender))
        self._policy.check(message, principal=sender)
        return message

    def _failed(self, exc: CimbusError, arrival: forms.Arrival, *, stage: str) -> _Answer:
        """A FAILED ResponseMessage when the noun is known, otherwise a SOAP Fault."""
        with message_context(exc.message_id, exc.correlation_id):
            _refused(exc, stage=stage, operation=arrival.localname)
        out = failure_answer(exc, source=self.config.source, stage=stage)
        if isinstance(out, ResponseMessage):
            body = forms.encode_answer(out, arrival)
            return _Answer(200, forms.CONTENT_TYPES[arrival.version], body)
        body = forms.encode_fault(out, arrival)
        status = forms.fault_status(out, arrival.version)
        return _Answer(status, forms.CONTENT_TYPES[arrival.version], body)

    def _fault(
        self,
        exc: CimbusError,
        version: SoapVersion,
        *,
        status: int | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        stage: str = "http",
    ) -> _Answer:
        """A SOAP Fault holding a FaultMessage for ``exc`` (nothing of the message was read)."""
        fault = failure_answer(_anonymous(exc), source=self.config.source, stage=stage)
        assert isinstance(fault, FaultMessage)
        code = status if status is not None else forms.fault_status(fault, version)
        body = forms.encode_fault(fault, version)
        return _Answer(code, forms.CONTENT_TYPES[version], body, headers)


def _anonymous(exc: CimbusError) -> CimbusError:
    """``exc`` without a noun, so that its answer is a FaultMessage."""
    exc.noun = None
    return exc


def _names_a_document(query: str) -> bool:
    """Whether a query asks for a WSDL or schema document (``wsdl``, ``xsd=…``, any case)."""
    keys = (part.split("=", 1)[0] for part in query[:_MAX_QUERY].split("&"))
    return any(unquote_plus(key).strip().lower() in ("wsdl", "xsd") for key in keys)


def _check_action(action: str, message: Message, arrival: forms.Arrival) -> None:
    """Refuse a SOAPAction that names another operation than the body (2.9)."""
    operation = forms.action_operation(action)
    if operation and operation not in forms.operation_names(message, arrival):
        raise InvalidVerb(
            f"the SOAPAction {action[:200]!r} names {operation!r}, but the body is "
            f"{arrival.localname}; send the soapAction of the operation in the WSDL",
            path="SOAPAction",
        )


def _refused(exc: CimbusError, **fields: object) -> None:
    _log.warning(
        "SOAP message refused", code=exc.code, reason=exc.reason, element=exc.path, **fields
    )


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, refused (3.1) past ``limit`` before or while reading it."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH") or ""
    if length:
        try:
            size = int(length)
        except ValueError:
            raise MalformedMessage(f"Content-Length {length[:40]!r} is not a number") from None
        if size < 0:
            raise MalformedMessage("Content-Length is negative")
        if size > limit:
            raise _oversize(size, limit)
        return _read(stream, size, limit)
    return _read(stream, None, limit)


def _read(stream: Any, size: int | None, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while size is None or total < size:
        want = _CHUNK if size is None else min(_CHUNK, size - total)
        chunk = stream.read(want)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise _oversize(total, limit, streamed=True)
        parts.append(chunk)
    return b"".join(parts)


def _oversize(size: int, limit: int, *, streamed: bool = False) -> OversizeMessage:
    said = f"more than {limit}" if streamed else str(size)
    return OversizeMessage(
        f"the body is {said} bytes, over the limit of {limit}; split the message or send the "
        "payload Compressed"
    )


def _endpoint(environ: dict[str, Any]) -> str:
    """This endpoint's URL as the caller reached it (for WSDL addresses)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host, port = environ.get("SERVER_NAME", "localhost"), environ.get("SERVER_PORT", "")
        if port and port != {"http": "80", "https": "443"}.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
