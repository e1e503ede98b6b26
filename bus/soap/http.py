"""Serving a WSGI application over HTTP(S) with cheroot, the production server in one module.

:class:`HttpServer` binds at :meth:`~HttpServer.start` (port 0 picks a free port), serves in a
background thread with a pool of worker threads, and on :meth:`~HttpServer.stop` stops accepting,
lets requests in progress finish (up to ``shutdown_timeout`` seconds) and closes. TLS uses
cheroot's builtin adapter (the standard ``ssl`` module) with a certificate and key file.
:func:`serve` is the same as a context manager yielding the endpoint URL.

cheroot's own request-size limit stays off: the application enforces its limit and answers
with a SOAP Fault, where cheroot would answer in plain text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from bus.log import get_logger
from cim.errors import ConfigurationError

_log = get_logger("cimbus.soap.http")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
"""A WSGI application."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tls:
    """The server certificate (PEM, with its chain) and private key files."""

    cert: Path
    key: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSettings:
    """Where and how to listen."""

    host: str = "127.0.0.1"
    port: int = 8080
    """0 picks a free port."""
    path: str = "/cimbus"
    """The path written in the endpoint URL."""
    tls: Tls | None = None
    threads: int = 10
    """Requests handled at once (each may wait on the bus for a reply)."""
    shutdown_timeout: int = 5
    """Seconds requests in progress get to finish when stopping."""


class HttpServer:
    """A cheroot WSGI server running in a background thread."""

    def __init__(self, app: WsgiApp, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self._app = app
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    def start(self) -> str:
        """Bind, start serving in the background and return the endpoint URL."""
        s = self.settings
        if s.threads < 1:
            raise ConfigurationError("the server needs at least one thread")
        server = wsgi.Server(
            (s.host, s.port),
            self._app,
            numthreads=s.threads,
            server_name="cimbus",
            shutdown_timeout=s.shutdown_timeout,
        )
        server.max_request_body_size = 0  # the application enforces its own limit
        server.expiration_interval = 0.1  # how soon the accept loop notices stop()
        if s.tls is not None:
            try:
                server.ssl_adapter = BuiltinSSLAdapter(str(s.tls.cert), str(s.tls.key))
            except (OSError, ValueError) as exc:
                raise ConfigurationError(f"cannot use the TLS certificate or key: {exc}") from None
        try:
            server.prepare()
        except OSError as exc:
            raise ConfigurationError(f"cannot listen on {s.host}:{s.port}: {exc}") from None
        host, port = server.bind_addr[:2]
        self._server = server
        self._thread = threading.Thread(target=server.serve, name="soap-http", daemon=True)
        self._thread.start()
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{'https' if s.tls else 'http'}://{shown}:{port}{s.path}"
        _log.info("SOAP endpoint listening", url=self.url, threads=s.threads)
        return self.url

    def stop(self) -> None:
        """Stop accepting, let requests in progress finish, and close the socket."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.stop()
        thread.join(self.settings.shutdown_timeout + 5)
        _log.info("SOAP endpoint stopped", url=self.url)


@contextmanager
def serve(app: WsgiApp, settings: HttpSettings | None = None) -> Iterator[str]:
    """Serve ``app`` for the duration of the block, which gets the endpoint URL."""
    server = HttpServer(app, settings)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
