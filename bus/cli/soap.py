"""``cimbus soap serve``: the IEC 61968-100 SOAP gateway in front of the bus."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from bus.envelope import Limits
from bus.log import get_logger
from bus.soap.app import SoapApp, SoapConfig
from bus.soap.catalog import Catalog
from bus.soap.http import HttpServer, HttpSettings, Tls
from bus.soap.wssecurity import Credentials
from bus.transport import connect
from cim.errors import CimbusError

if TYPE_CHECKING:
    from bus.soap.client import SoapClient

_log = get_logger("cimbus.cli.soap")


@click.group(name="soap")
def soap_group() -> None:
    """Serve the bus to partners as IEC 61968-100 web services."""


@soap_group.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="TCP port; 0 picks a free one (the URL printed says which).",
)
@click.option(
    "--broker",
    envvar="CIMBUS_BROKER",
    show_envvar=True,
    default=None,
    help="The bus: amqp://user:password@host:5672/vhost; default an embedded memory bus.",
)
@click.option(
    "--users",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=(
        "TOML file of callers checked by WS-Security UsernameToken: [users.NAME] with password "
        "or password_env, and optional source, verbs, nouns; window_seconds. Without it "
        "nobody is authenticated."
    ),
)
@click.option("--cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TLS private key (with --cert, the PEM certificate chain): serve https.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1024),
    default=Limits().max_bytes,
    show_default=True,
    help="Largest request body accepted.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the bus's reply to a request.",
)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=10, show_default=True, help="HTTP workers."
)
@click.option(
    "--public-url",
    help="The endpoint URL partners use (behind a proxy), written into the served WSDLs.",
)
@click.option(
    "--reply-host",
    "reply_hosts",
    multiple=True,
    help="A host asynchronous replies may be POSTed to (repeatable). Without it, any host a "
    "caller names in ReplyAddress is called back, and a warning says so.",
)
@click.option(
    "--no-payload-check",
    "no_payload_check",
    is_flag=True,
    help="Do not check payloads against their noun's message profile here (adapters still may).",
)
@click.option(
    "--callback-user",
    help="WS-Security user for POSTing asynchronous replies to partners (password from "
    "CIMBUS_CALLBACK_PASSWORD).",
)
def serve(
    host: str,
    port: int,
    broker: str | None,
    users: Path | None,
    cert: Path | None,
    key: Path | None,
    max_bytes: int,
    timeout: float,
    threads: int,
    public_url: str | None,
    reply_hosts: tuple[str, ...],
    no_payload_check: bool,
    callback_user: str | None,
) -> None:
    """Serve every IEC 61968-100 operation at one endpoint until SIGINT or SIGTERM.

    Prints "serving on URL" once listening. Requests go on the bus and are answered from it;
    events are published; asynchronous requests are acknowledged (0.3) and their replies
    POSTed to their ReplyAddress. Payloads are checked against their noun's message profile
    first (FAILED 1.7/1.8/2.x naming the element) unless --no-payload-check. URL?wsdl,
    ?wsdl=SERVICE and ?xsd=NAME serve the WSDLs.
    """
    if (cert is None) != (key is None):
        raise click.UsageError("--cert and --key go together")
    try:
        credentials = Credentials.from_toml(users) if users is not None else None
        transport = connect(broker or "memory://")
    except CimbusError as exc:
        raise click.ClickException(f"{exc.code} {exc.reason}") from None
    if credentials is None:
        _log.warning("no --users file: every caller is accepted without authentication")
    config = SoapConfig(
        limits=Limits(max_bytes=max_bytes),
        timeout=timeout,
        credentials=credentials,
        source="cimbus",
        public_url=public_url,
        reply_hosts=frozenset(h.lower() for h in reply_hosts) if reply_hosts else None,
        check_payloads=not no_payload_check,
    )
    if not reply_hosts:
        _log.warning("no --reply-host: asynchronous replies go to any host a caller names")
    callbacks = _callback_client(callback_user)
    app = SoapApp(transport, config, catalog=Catalog(), deliver=callbacks.post_envelope)
    tls = Tls(cert=cert, key=key) if cert is not None and key is not None else None
    server = HttpServer(app, HttpSettings(host=host, port=port, tls=tls, threads=threads))
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        _log.info("stopping", signal=signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            url = server.start()
        except CimbusError as exc:
            raise click.ClickException(f"{exc.code} {exc.reason}") from None
        click.echo(f"serving on {url}")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        app.close()
        callbacks.close()
        transport.close()
        for s, handler in previous.items():
            signal.signal(s, handler)


def _callback_client(user: str | None) -> SoapClient:
    """The client that POSTs asynchronous replies: safe parsing, a breaker per partner host,
    WS-Security when ``user`` is given; one attempt each, as the courier does the retrying."""
    from bus.soap.client import ClientCredentials, HttpPolicy, SoapClient  # zeep: only here

    credentials = None
    if user is not None:
        password = os.environ.get("CIMBUS_CALLBACK_PASSWORD")
        if not password:
            raise click.UsageError("--callback-user needs CIMBUS_CALLBACK_PASSWORD set")
        credentials = ClientCredentials(username=user, password=password, digest=True)
    return SoapClient(credentials=credentials, policy=HttpPolicy(timeout=10.0, retries=0))
