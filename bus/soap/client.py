"""Calls to partners' SOAP services: the only module of cimbus that imports zeep and requests.

:class:`SoapClient` loads a WSDL kept locally (no network: imports must be local files too) and
calls its operations with zeep (``Settings(strict=True, forbid_dtd=True, forbid_entities=True,
forbid_external=True)``); :meth:`SoapClient.post_envelope` sends a prebuilt envelope without a
WSDL (asynchronous replies to a partner's ReplyAddress). Both go through one
``requests.Session``, a WS-Security UsernameToken (text or digest, made again for every
attempt), a timeout per attempt, retries with backoff for transient failures only, and a
circuit breaker per host (:mod:`bus.soap.breaker`). Every outcome is logged with the
operation, the attempt, the elapsed seconds and the MessageID of the envelope.

Payloads are lxml elements. zeep hands ``xs:any`` content over as lxml elements both ways; an
lxml element given for a typed slot (``Payload=<m:UsagePointConfig>`` in a strongly typed
IEC 61968-100 WSDL) is read through the WSDL's schema first, strictly, because zeep would
silently render an element it does not expect as an empty one.

A read timeout is retried although the partner may have processed the request: the retry
carries the same MessageID, by which an IEC 61968-100 service recognises a duplicate.

Errors: translated here, nothing of zeep or requests escapes::

    zeep / requests                           cimbus (code), retried?
    requests ReadTimeout                      RequestTimeout (4.1) after the last attempt; retried
    requests ConnectTimeout, ConnectionError  TransportError (5.3) "cannot connect"; retried
    HTTP 429, 502, 503, 504                   TransportError (5.3); retried (Retry-After honoured)
    requests SSLError                         TransportError (5.3) check verify= / certificate
    circuit breaker open                      TransportError (5.3) nothing sent, "retry in N s"
    zeep Fault, or a Fault in post_envelope   the code of the fault's IEC Reply/Error (else 5.3),
                                                as its class: HeaderError 1.5, InvalidNoun 2.5,
                                                NotAuthorised 7.5 ...; other 1.x-3.x
                                                MessageError, 7.x SecurityError, else
                                                TransportError; the reason quotes the fault
    HTTP 401 / 403 without a SOAP Fault       AuthenticationFailed (7.4) / NotAuthorised (7.5)
    other HTTP 4xx, 5xx without a SOAP Fault  TransportError (5.3) quoting the body's start
      (zeep would call them a Fault)
    zeep TransportError (2xx, not XML)        MalformedMessage (1.8)
    zeep DTDForbidden, EntitiesForbidden,     MalformedMessage (1.8)
      XMLSyntaxError
    zeep XMLParseError, UnexpectedElement-    SchemaViolation (1.8) the answer does not match
      Error, ValidationError (answer)           the WSDL
    zeep ValidationError, TypeError (request) SchemaViolation (1.8) nothing sent
    other zeep Error                          TransportError (5.3)
    WSDL unreadable (OSError, WsdlSyntax-     ConfigurationError (5.2)
      Error, LookupError, ExternalReference-
      Forbidden ...), unknown operation
    response over ``max_bytes``               OversizeMessage (3.1)

Retried failures and HTTP 5xx count against the host's circuit breaker; any other answer (a
Fault, a 4xx, a refused document) shows the host is up and counts as a success.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import requests
import urllib3.exceptions
import zeep
import zeep.exceptions as zx
import zeep.xsd
from lxml import etree
from zeep.wsse.username import UsernameToken

from bus.envelope import parse_xml
from bus.envelope.xmlsafe import SOAP11_NS, SOAP12_NS
from bus.soap.attempts import (
    HostFailed,
    HttpPolicy,
    Transient,
    check_url,
    message_ids,
    retrying,
    text_start,
)
from bus.soap.breaker import Breakers, host_of
from bus.soap.client_faults import error_from_fault, fault_in
from cim.errors import (
    AuthenticationFailed,
    CimbusError,
    ConfigurationError,
    MalformedMessage,
    NotAuthorised,
    OversizeMessage,
    RequestTimeout,
    SchemaViolation,
    TransportError,
)

_TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
USER_AGENT = "cimbus-soap-client"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCredentials:
    """A WS-Security UsernameToken: the password in clear text or as a digest."""

    username: str
    password: str = field(repr=False)
    digest: bool = False
    """PasswordDigest (SHA-1 of nonce, Created and password) instead of PasswordText."""


class _Http:
    """One requests session: a single HTTP attempt, with requests' errors classified."""

    def __init__(self, policy: HttpPolicy) -> None:
        self.policy = policy
        self.session = requests.Session()
        self.session.verify = policy.verify
        self.session.headers["User-Agent"] = USER_AGENT

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float | None = None
    ) -> requests.Response:
        """POST ``body``; the response, or Transient, or a TransportError."""
        wait, host = timeout or self.policy.timeout, host_of(url)
        try:
            response = self.session.post(
                url, data=body, headers=dict(headers), timeout=wait, stream=True
            )
            content = _read(response, self.policy.max_bytes)
        except requests.exceptions.ConnectTimeout:
            raise Transient(TransportError(f"cannot connect to {host} within {wait:g} s")) from None
        except (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError):
            raise Transient(RequestTimeout(f"no answer from {url} within {wait:g} s")) from None
        except requests.exceptions.SSLError as exc:
            raise TransportError(
                f"TLS with {host} failed ({exc}); check verify= (CA bundle) and the "
                "partner's certificate"
            ) from None
        except (requests.exceptions.ConnectionError, urllib3.exceptions.HTTPError) as exc:
            raise Transient(
                TransportError(
                    f"cannot connect to {host} ({_root_cause(exc)}); check the endpoint and "
                    "that the service is up"
                )
            ) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"HTTP POST to {url} failed: {exc}") from None
        if len(content) > self.policy.max_bytes:
            raise OversizeMessage(
                f"the answer from {host} is over {self.policy.max_bytes} bytes (max_bytes)"
            )
        if response.status_code in _TRANSIENT_STATUS:
            raise Transient(
                TransportError(
                    f"{host} answered HTTP {response.status_code} {response.reason}: "
                    f"{text_start(content)}"
                ),
                retry_after=_retry_after(response),
            )
        return response


def _read(response: requests.Response, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the body; a body read whole frees its connection for reuse."""
    try:
        content: bytes = response.raw.read(limit + 1, decode_content=True)
    except BaseException:
        response.close()
        raise
    if len(content) <= limit:
        response._content, response._content_consumed = content, True  # zeep reads .content
    response.close()  # consumed: the connection goes back to the pool; else it is closed
    return content


class _Transport(zeep.Transport):
    """zeep's transport sending its POSTs through :class:`_Http` (one attempt each)."""

    def __init__(self, http: _Http) -> None:
        super().__init__(session=http.session, operation_timeout=http.policy.timeout)  # type: ignore[no-untyped-call]
        self.session.headers["User-Agent"] = USER_AGENT
        self._http = http

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> requests.Response:
        """One attempt through the client's session (retries happen around zeep).

        An HTTP error without a SOAP Fault is raised here: zeep would call it a Fault.
        """
        response = self._http.post(address, message, headers)
        if not 200 <= response.status_code < 300:
            _fault_or_raise(response, headers.get("SOAPAction", "").strip('"'))
        return response


class SoapClient:
    """A client of one partner SOAP service described by a local WSDL (or of none).

    Without a WSDL only :meth:`post_envelope` is available. One client per partner service;
    pass the same :class:`Breakers` to clients of one partner to share its breakers.
    """

    def __init__(
        self,
        wsdl: str | Path | None = None,
        *,
        endpoint: str | None = None,
        credentials: ClientCredentials | None = None,
        policy: HttpPolicy | None = None,
        breakers: Breakers | None = None,
    ) -> None:
        self.policy = policy or HttpPolicy()
        self.breakers = breakers or Breakers()
        self.credentials = credentials
        self._http = _Http(self.policy)
        self._zeep: Any = None
        self._binding: Any = None
        self._service: Any = None
        self.endpoint: str | None = None
        """The address calls go to: ``endpoint``, else the WSDL's soap:address."""
        try:
            if endpoint is not None:
                check_url(endpoint, "endpoint")
            if wsdl is not None:
                self._load(wsdl, endpoint)
        except BaseException:
            self.close()
            raise

    def _load(self, wsdl: str | Path, endpoint: str | None) -> None:
        path = Path(wsdl)
        if "://" in str(wsdl) or not path.is_file():
            raise ConfigurationError(
                f"the WSDL {wsdl} is not a local file; keep partners' WSDLs (and every XSD "
                "they import) in the deployment, nothing is fetched"
            )
        settings = zeep.Settings(
            strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        try:
            client = zeep.Client(  # type: ignore[no-untyped-call]
                str(path), transport=_Transport(self._http), settings=settings, wsse=self._wsse()
            )
            service = next(iter(client.wsdl.services.values()))
            port = next(iter(service.ports.values()))
        except (OSError, zx.Error, StopIteration, etree.LxmlError, ValueError) as exc:
            raise ConfigurationError(f"cannot load the WSDL {path}: {exc}") from exc
        self._zeep, self._binding = client, port.binding
        self.endpoint = endpoint or port.binding_options.get("address")
        self._service = client.create_service(port.binding.name.text, self.endpoint)  # type: ignore[no-untyped-call]

    def _wsse(self) -> UsernameToken | None:
        c = self.credentials
        if c is None:
            return None
        return UsernameToken(c.username, c.password, use_digest=c.digest, zulu_timestamp=True)  # type: ignore[no-untyped-call]

    @property
    def operations(self) -> tuple[str, ...]:
        """The operations of the WSDL's first port (empty without a WSDL)."""
        return tuple(self._binding.all()) if self._binding is not None else ()

    def call(self, operation: str, *args: Any, message_id: str | None = None, **kwargs: Any) -> Any:
        """Call ``operation``; zeep's result (``xs:any`` content as lxml elements)."""
        op = self._operation(operation)
        check_url(self.endpoint or "", "the endpoint (endpoint=, else the WSDL's soap:address)")
        try:
            args, kwargs = _typed_arguments(op, self._zeep.wsdl.types, args, kwargs)
            envelope = self._zeep.create_message(self._service, operation, *args, **kwargs)
        except (zx.ValidationError, TypeError, ValueError, zx.Error) as exc:
            raise SchemaViolation(
                f"the request for {operation} does not match the WSDL (nothing sent): {exc}"
            ) from exc
        ids = message_ids(envelope, message_id)
        proxy = self._service[operation]

        def attempt() -> Any:
            with _zeep_errors(operation, host_of(self.endpoint or "")):
                return proxy(*args, **kwargs)

        return retrying(self.breakers, self.policy, (self.endpoint or "", operation, ids), attempt)

    def _operation(self, name: str) -> Any:
        if self._binding is None:
            raise ConfigurationError("this SoapClient has no WSDL; only post_envelope works")
        op = self._binding.all().get(name)
        if op is None:
            near = get_close_matches(name, self.operations, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; it has {list(self.operations)}"
            raise ConfigurationError(f"the WSDL has no operation {name!r}{hint}")
        return op

    def post_envelope(
        self,
        url: str,
        soap_action: str,
        envelope: bytes,
        *,
        timeout: float | None = None,
        message_id: str | None = None,
    ) -> bytes:
        """POST a prebuilt SOAP envelope to ``url``; the answer's body (maybe empty)."""
        check_url(url, "url")
        root = parse_xml(envelope)
        if root.tag not in (f"{{{SOAP11_NS}}}Envelope", f"{{{SOAP12_NS}}}Envelope"):
            raise MalformedMessage(f"not a SOAP envelope: the root element is {root.tag}")
        soap12 = root.tag.startswith(f"{{{SOAP12_NS}}}")
        headers = (
            {"Content-Type": f'application/soap+xml; charset=utf-8; action="{soap_action}"'}
            if soap12
            else {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action}"'}
        )
        wsse = self._wsse()

        def attempt() -> bytes:
            body = envelope
            if wsse is not None:  # a fresh token (nonce, Created) for every attempt
                signed, _ = wsse.apply(copy.deepcopy(root), headers)  # type: ignore[no-untyped-call]
                body = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
            return _answer(self._http.post(url, body, headers, timeout), soap_action)

        ids = message_ids(root, message_id)
        return retrying(self.breakers, self.policy, (url, soap_action, ids), attempt)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.session.close()

    def __enter__(self) -> SoapClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _zeep_errors(operation: str, host: str) -> Iterator[None]:
    """Translate zeep's exceptions raised while calling ``operation`` (see the table above)."""
    try:
        yield
    except zx.Fault as exc:
        detail = exc.detail if isinstance(exc.detail, etree._Element) else None
        raise error_from_fault(host, operation, exc.code, exc.message, detail) from exc
    except (zx.DTDForbidden, zx.EntitiesForbidden) as exc:
        raise MalformedMessage(
            f"the answer from {host} to {operation} has a DTD or entity, refused: {exc}"
        ) from exc
    except zx.TransportError as exc:
        content = exc.content or b""
        if exc.status_code == 200:
            raise MalformedMessage(
                f"the answer from {host} to {operation} is not XML: {text_start(content)}"
            ) from exc
        raise _http_error(host, operation, exc.status_code, text_start(content)) from exc
    except zx.XMLSyntaxError as exc:
        raise MalformedMessage(f"the answer from {host} to {operation}: {exc}") from exc
    except (zx.XMLParseError, zx.UnexpectedElementError, zx.ValidationError) as exc:
        raise SchemaViolation(
            f"the answer from {host} to {operation} does not match the WSDL: {exc}"
        ) from exc
    except zx.Error as exc:
        raise TransportError(f"calling {operation} at {host} failed: {exc}") from exc


def _answer(response: requests.Response, action: str) -> bytes:
    """The body of an answer to post_envelope, or the error it carries."""
    content = response.content
    if 200 <= response.status_code < 300:
        if not content.strip():
            return b""
        try:
            root = parse_xml(content)
        except MalformedMessage as exc:
            host = host_of(response.url)
            raise MalformedMessage(f"the answer from {host} to {action}: {exc.reason}") from None
    else:
        root = _fault_or_raise(response, action)
    fault = fault_in(root)
    if fault is not None:
        raise error_from_fault(host_of(response.url), action, *fault)
    return content


def _fault_or_raise(response: requests.Response, action: str) -> etree._Element:
    """An HTTP error answer holding a SOAP Fault, parsed; else raise the HTTP error."""
    host, status, content = host_of(response.url), response.status_code, response.content
    try:
        root = parse_xml(content)
    except CimbusError:
        root = None
    if root is None or fault_in(root) is None:
        raise _http_error(host, action, status, text_start(content) or response.reason or "")
    return root


def _http_error(host: str, action: str, status: int, text: str) -> Exception:
    """An HTTP error status without a SOAP Fault: 5xx count against the host's breaker."""
    reason = f"{host} answered {action} with HTTP {status}: {text}"
    if status >= 500:
        return HostFailed(TransportError(reason))
    if status == 401:
        return AuthenticationFailed(f"{reason}; check the credentials")
    if status == 403:
        return NotAuthorised(reason)
    if status == 404:
        return TransportError(f"{reason}; check the endpoint URL")
    return TransportError(reason)


def _typed_arguments(
    op: Any, schema: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments with every lxml element in a typed slot read through the schema."""
    body = getattr(op.input, "body", None)
    if body is None or not isinstance(body.type, zeep.xsd.ComplexType):
        return args, kwargs
    slots = body.type.elements
    named = dict(slots)
    new_args = tuple(
        _typed(v, slots[i][1], schema) if i < len(slots) else v for i, v in enumerate(args)
    )
    new_kwargs = {k: _typed(v, named[k], schema) if k in named else v for k, v in kwargs.items()}
    return new_args, new_kwargs


def _typed(value: Any, slot: Any, schema: Any) -> Any:
    """``value`` for ``slot`` with lxml elements made into zeep values where zeep needs them."""
    if isinstance(slot, zeep.xsd.Any) or type(getattr(slot, "type", None)) is zeep.xsd.AnyType:
        return value  # xs:any, xs:anyType: zeep takes lxml elements as they are
    if isinstance(value, list):
        return [_typed(v, slot, schema) for v in value]
    if isinstance(value, dict) and isinstance(slot.type, zeep.xsd.ComplexType):
        named = dict(slot.type.elements)
        return {k: _typed(v, named[k], schema) if k in named else v for k, v in value.items()}
    if not isinstance(value, etree._Element):
        return value
    if etree.QName(value).localname == etree.QName(slot.qname).localname:
        return slot.parse(value, schema)  # the slot itself (its namespace may differ)
    if not isinstance(slot.type, zeep.xsd.ComplexType):
        raise SchemaViolation(f"{value.tag} given for {slot.qname}, a simple value")
    return _content(value, slot, schema)


def _content(value: etree._Element, slot: Any, schema: Any) -> dict[str, Any]:
    """``value`` as the content of ``slot``: the child element it is, else its ``xs:any``."""
    children = slot.type.elements
    for name, child in children:
        if not isinstance(child, zeep.xsd.Any) and child.qname == value.tag:
            parsed = child.parse(value, schema)
            return {name: [parsed] if child.accepts_multiple else parsed}
    for name, child in children:
        if isinstance(child, zeep.xsd.Any):
            return {name: [value] if child.accepts_multiple else value}
    raise SchemaViolation(f"{value.tag} is not allowed in {slot.qname} by the WSDL")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc)
    return text.split("] ", 1)[-1] if "Errno" in text else text


__all__ = ["USER_AGENT", "ClientCredentials", "HttpPolicy", "SoapClient"]
