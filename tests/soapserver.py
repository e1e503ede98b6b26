"""The SOAP gateway on loopback for tests: a real cheroot server, HTTP helpers and a receiver.

Import the fixture functions into a test module (``from soapserver import soap_server_fixture``;
each is registered under the name without ``_fixture``) or list the module in the root
conftest's ``pytest_plugins``. The fixtures:

* ``memory_bus``: a :class:`MemoryTransport`, closed after the test;
* ``soap_server``: a factory ``soap_server(transport, config=..., catalog=..., deliver=...,
  on_reply=..., tls=...)`` starting a :class:`SoapApp` on ``127.0.0.1`` (a free port) and
  returning a :class:`RunningServer`; everything it started is stopped after the test;
* ``receiver``: a second loopback server that records every POST it receives (for asynchronous
  replies) and answers with the statuses it is told to, then 200.

And plain helpers: :func:`soap_envelope` (with a SOAP Header), :func:`post`, :func:`get`,
:func:`self_signed_cert` (``openssl`` CLI; ``cryptography`` is not a dependency), an adapter
(:func:`serve_noun`), and checks of what came back (:func:`answered`, :func:`failed_code`,
:func:`fault_code`).
"""

from __future__ import annotations

import http.client
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import bus.envelope as env
from bus.routing import request_bindings, request_queue
from bus.soap.app import Catalog, SoapApp, SoapConfig
from bus.soap.courier import Deliver
from bus.soap.forms import read_soap
from bus.soap.gateway import ReplySink
from bus.soap.http import HttpServer, HttpSettings, Tls
from bus.transport.base import Delivery, Transport
from bus.transport.memory import MemoryTransport

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPE = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}


def soap_envelope(body: bytes, *, version: str = "1.1", header: bytes = b"") -> bytes:
    """A SOAP envelope around ``body`` (an element, no declaration), with Header content."""
    ns = SOAP11 if version == "1.1" else SOAP12
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="{ns}">'
        f"<soap:Header>".encode()
        + header
        + b"</soap:Header><soap:Body>"
        + body
        + b"</soap:Body></soap:Envelope>"
    )


@dataclass(frozen=True)
class HttpReply:
    """What came back: status, headers (lowercase names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """The Content-Type header."""
        return self.headers.get("content-type", "")

    def message(self) -> env.Message:
        """The IEC 61968-100 message in the body, in any form (a Fault gives its FaultMessage)."""
        return read_soap(self.body)[0]


def _connection(url: str, context: ssl.SSLContext | None, timeout: float) -> Any:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=context
        )
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)


def request(
    method: str,
    url: str,
    body: bytes | Iterable[bytes] | None = None,
    *,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    chunked: bool = False,
    timeout: float = 30.0,
) -> HttpReply:
    """One HTTP request with http.client (chunked when asked), returning the whole reply."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = _connection(url, context, timeout)
    try:
        conn.request(
            method, target or "/", body=body, headers=headers or {}, encode_chunked=chunked
        )
        response = conn.getresponse()
        data = response.read()
        return HttpReply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def post(
    url: str,
    body: bytes | Iterable[bytes],
    *,
    version: str = "1.1",
    action: str | None = None,
    content_type: str | None = None,
    context: ssl.SSLContext | None = None,
    chunked: bool = False,
    timeout: float = 30.0,
) -> HttpReply:
    """POST a SOAP envelope with the content type of ``version`` and an optional SOAPAction."""
    headers = {"Content-Type": content_type or CONTENT_TYPE[version]}
    if action is not None:
        headers["SOAPAction"] = f'"{action}"'
    return request(
        "POST", url, body, headers=headers, context=context, chunked=chunked, timeout=timeout
    )


def get(url: str, *, context: ssl.SSLContext | None = None) -> HttpReply:
    """GET ``url``."""
    return request("GET", url, context=context)


UP = "UsagePointConfig"
"""The noun the tests' adapter serves."""
UP_NS = "http://iec.ch/TC57/2011/UsagePointConfig#"


def serve_noun(
    transport: MemoryTransport, noun: str, seen: list[env.Message] | None = None
) -> None:
    """Subscribe a handler answering ``noun``'s requests with a valid payload naming the verb
    (a UsagePoint whose mRID is the verb: the gateway checks payloads against profiles)."""

    def handle(delivery: Delivery) -> env.Message:
        message = delivery.message
        assert isinstance(message, env.RequestMessage)
        if seen is not None:
            seen.append(message)
        doc = env.fragment_of(
            f'<u:{noun} xmlns:u="{UP_NS}"><u:UsagePoint><u:mRID>{message.header.verb.value}'
            f"</u:mRID></u:UsagePoint></u:{noun}>".encode()
        )
        return env.reply_to(message, payload=env.Payload(elements=(doc,)), source="MDM")

    transport.subscribe(request_queue(noun), request_bindings(noun), handle)


def get_request(noun: str = UP, **fields: object) -> env.RequestMessage:
    """A get request from CIS."""
    return env.RequestMessage(env.make_header("get", noun, source="CIS", **fields))


def body_of(message: env.Message, **kw: Any) -> bytes:
    """``message`` as a body element (no declaration)."""
    return env.encode_xml(message, declaration=False, **kw)


def answered(reply: Any, request_message: env.Message) -> env.ResponseMessage:
    """The ResponseMessage in ``reply``, checked to be correlated to ``request_message``."""
    assert reply.status == 200, reply.body
    message = reply.message()
    assert isinstance(message, env.ResponseMessage)
    assert message.header.correlation_id == request_message.header.message_id  # type: ignore[union-attr]
    return message


def fault_code(reply: Any) -> str:
    """The IEC 61968-100 code in a SOAP Fault reply (which must not be HTML)."""
    assert b"<html" not in reply.body.lower()
    message = reply.message()
    assert isinstance(message, env.FaultMessage), reply.body
    return message.reply.errors[0].code


def failed_code(reply: Any) -> str:
    """The code of a FAILED ResponseMessage reply."""
    assert reply.status == 200, reply.body
    message = reply.message()
    assert isinstance(message, env.ResponseMessage), reply.body
    assert message.reply.result is env.Result.FAILED
    return message.reply.errors[0].code


@dataclass
class RunningServer:
    """A gateway serving on loopback: its URL, the application and the bus behind it."""

    url: str
    app: SoapApp
    transport: Transport
    server: HttpServer

    def stop(self) -> None:
        """Stop serving and finish the asynchronous replies."""
        self.server.stop()
        self.app.close()


@pytest.fixture(name="memory_bus")
def memory_bus_fixture() -> Iterator[MemoryTransport]:
    """An embedded bus for one test."""
    transport = MemoryTransport(retry_delay=0.01)
    yield transport
    transport.close()


@pytest.fixture(name="soap_server")
def soap_server_fixture() -> Iterator[Callable[..., RunningServer]]:
    """A factory starting gateways on loopback; each is stopped after the test."""
    started: list[RunningServer] = []

    def start(
        transport: Transport,
        config: SoapConfig | None = None,
        *,
        catalog: Catalog | None = None,
        deliver: Deliver | None = None,
        on_reply: ReplySink | None = None,
        tls: Tls | None = None,
        threads: int = 8,
    ) -> RunningServer:
        app = SoapApp(transport, config, catalog=catalog, deliver=deliver, on_reply=on_reply)
        server = HttpServer(app, HttpSettings(port=0, tls=tls, threads=threads))
        running = RunningServer(server.start(), app, transport, server)
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        running.stop()


@dataclass
class Received:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback HTTP server recording POSTs; answers ``statuses`` in turn, then 200 with a
    SOAP ResponseMessage (Result OK), as a partner's Reply service does."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        """Record the request and answer it."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k[:5] == "HTTP_"
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        with self._cond:
            self.received.append(Received(environ.get("PATH_INFO", ""), headers, body))
            status = self.statuses.pop(0) if self.statuses else 200
            self._cond.notify_all()
        if status != 200:
            start_response(f"{status} X", [("Content-Type", "text/plain")])
            return [b"not now"]
        ok = env.ResponseMessage(env.make_header("reply", UP), env.Reply(env.Result.OK))
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [env.encode_soap(ok)]  # what a partner's Reply service answers

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` POSTs, waiting up to ``timeout`` s for them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} POSTs, got {len(self.received)}")
                self._cond.wait(left)
            return list(self.received[:count])


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    """A loopback server collecting what is POSTed to it."""
    rec = Receiver()
    server = HttpServer(rec, HttpSettings(port=0, path="/replies", threads=4))
    rec.url = server.start()
    yield rec
    server.stop()


def self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate and key for ``host`` (an IP address), made with openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
            "-addext", f"subjectAltName=IP:{host}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
