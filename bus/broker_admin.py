"""Broker set-up: per-adapter RabbitMQ users, vhost, permissions and topic permissions.

Each adapter gets its own user that may only touch its own queues and the routing keys it is
entitled to. Names follow the transport's conventions (``bus.routing``): the topic exchange
``cimbus``, its dead-letter exchange ``cimbus.dlx``, the adapter's queues ``cimbus.<adapter>.*``
(and their ``.dead`` queues), and the request queues ``cimbus.requests.<Noun>`` of the nouns it
serves. The journal exchange ``cimbus.journal`` may be declared and written (every adapter
journals what it sends) but not read: the journal stream is for an operator's user. Permissions
are regular expressions on those names (configure, write, read); topic
permissions on ``cimbus`` limit the routing keys it may publish (write) and the binding keys it
may bind with (read). Users and permissions go through RabbitMQ's HTTP management API (stdlib
``urllib``); the topology is declared over AMQP by the transport.

The adapters are described in a TOML file::

    [[adapter]]
    name = "cis"
    password_env = "CIMBUS_CIS_PASSWORD"     # the password itself never sits in the file
    publishes = ["MeterReadings.get", "TroubleTicket.created"]
    subscribes = ["IncidentInformation.*"]
    serves = ["CustomerAccounts"]
"""

from __future__ import annotations

import base64
import json
import os
import re
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bus.envelope import REQUEST_VERBS
from bus.routing import DEAD_LETTER_SUFFIX, EXCHANGE, REQUEST_QUEUE_PREFIX
from cim.errors import ConfigurationError, TransportError

DEAD_EXCHANGE = f"{EXCHANGE}.dlx"
JOURNAL = f"{EXCHANGE}.journal"
"""The journal's fanout exchange and stream (``bus.transport.amqp_topology``)."""
_DEFAULT_EXCHANGE = r"amq\.default"  # replies are published to the default exchange
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_NOUN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEY = re.compile(r"[A-Za-z0-9_*#]+(\.[A-Za-z0-9_*#]+)*\Z")


@dataclass(frozen=True, slots=True)
class Adapter:
    """One adapter's entitlements on the bus."""

    name: str
    password: str
    publishes: tuple[str, ...] = ()
    """Routing keys (``Noun.verb``; ``*``/``#`` allowed) it may publish, requests included."""
    subscribes: tuple[str, ...] = ()
    """Binding patterns it may bind its queues with."""
    serves: tuple[str, ...] = ()
    """Nouns whose request queues it consumes (and whose replies it sends)."""


@dataclass(frozen=True, slots=True)
class Permissions:
    """The regular expressions RabbitMQ enforces for one adapter user."""

    configure: str
    write: str
    read: str
    topic_write: str
    topic_read: str


def _alternatives(items: Sequence[str]) -> str:
    return "|".join(items) if items else "(?!)"  # (?!) matches nothing


def _topic_regex(pattern: str) -> str:
    """A regex matching the routing keys a topic pattern would match."""
    words = [
        r"[^.]+" if w == "*" else ".*" if w == "#" else re.escape(w) for w in pattern.split(".")
    ]
    return r"\.".join(words)


def permissions(adapter: Adapter) -> Permissions:
    """The permissions that let ``adapter`` do its work and nothing more."""
    own = rf"{re.escape(EXCHANGE)}\.{re.escape(adapter.name)}\..+"
    served = [
        rf"{re.escape(REQUEST_QUEUE_PREFIX)}{n}(?:{re.escape(DEAD_LETTER_SUFFIX)})?"
        for n in adapter.serves
    ]
    exchanges = [re.escape(EXCHANGE), re.escape(DEAD_EXCHANGE)]
    journal = re.escape(JOURNAL)  # declare it and publish copies to it; never bind to it
    queues = [own, *served]
    binding_keys = [re.escape(p) for p in adapter.subscribes] + [
        re.escape(f"{n}.{v.value}") for n in adapter.serves for v in REQUEST_VERBS
    ]
    return Permissions(
        configure=f"^(?:{_alternatives([*exchanges, journal, *queues])})$",
        write=f"^(?:{_alternatives([*exchanges, journal, _DEFAULT_EXCHANGE, *queues])})$",
        read=f"^(?:{_alternatives(exchanges + queues)})$",
        topic_write=f"^(?:{_alternatives([_topic_regex(p) for p in adapter.publishes])})$",
        topic_read=f"^(?:{_alternatives(binding_keys)})$",
    )


def load_config(path: Path, environ: Mapping[str, str] = os.environ) -> list[Adapter]:
    """The adapters of a set-up file (strict: unknown keys and bad names are errors)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None
    unknown = set(raw) - {"adapter"}
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown key(s) {sorted(unknown)}; use [[adapter]] "
            "tables (the vhost is the one in --broker)"
        )
    adapters = [_adapter(entry, path, environ) for entry in raw.get("adapter", [])]
    names = [a.name for a in adapters]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"{path}: an adapter name appears twice")
    if not adapters:
        raise ConfigurationError(f"{path}: no [[adapter]] entries")
    return adapters


def _adapter(entry: dict[str, Any], path: Path, environ: Mapping[str, str]) -> Adapter:
    allowed = {"name", "password_env", "publishes", "subscribes", "serves"}
    unknown = set(entry) - allowed
    if unknown:
        raise ConfigurationError(f"{path}: unknown adapter key(s) {sorted(unknown)}")
    name = entry.get("name", "")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigurationError(
            f"{path}: adapter name {name!r} must be lower-case letters, digits, - or _"
        )
    env_name = entry.get("password_env", f"CIMBUS_{name.upper().replace('-', '_')}_PASSWORD")
    password = environ.get(env_name)
    if not password:
        raise ConfigurationError(f"adapter {name!r}: set its password in ${env_name}")
    lists = {k: tuple(entry.get(k, ())) for k in ("publishes", "subscribes", "serves")}
    for key in ("publishes", "subscribes"):
        bad = [k for k in lists[key] if not isinstance(k, str) or not _KEY.match(k)]
        if bad:
            raise ConfigurationError(f"adapter {name!r}: {key} has invalid routing keys {bad}")
    bad = [n for n in lists["serves"] if not isinstance(n, str) or not _NOUN.match(n)]
    if bad:
        raise ConfigurationError(f"adapter {name!r}: serves has invalid nouns {bad}")
    return Adapter(name, password, lists["publishes"], lists["subscribes"], lists["serves"])


class BrokerAdmin:
    """A small client of RabbitMQ's HTTP management API."""

    def __init__(self, api_url: str, user: str, password: str, *, timeout: float = 10.0) -> None:
        self._base = api_url.rstrip("/") + "/api"
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._auth = f"Basic {token}"
        self._timeout = timeout

    def _call(self, method: str, path: str, body: object = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - an operator-given http(s) URL
            self._base + path,
            data=data,
            method=method,
            headers={"Authorization": self._auth, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                text = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            hint = " (check the admin user and its 'administrator' tag)" if exc.code == 401 else ""
            raise TransportError(
                f"management API {method} {path}: HTTP {exc.code} {detail}{hint}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(
                f"cannot reach the management API at {self._base}: {exc}; is "
                "the rabbitmq_management plugin enabled?"
            ) from None
        return json.loads(text) if text else None

    def overview(self) -> dict[str, Any]:
        """The broker's overview (version, node)."""
        found: dict[str, Any] = self._call("GET", "/overview")
        return found

    def put_vhost(self, vhost: str) -> None:
        """Create ``vhost`` if missing."""
        self._call("PUT", f"/vhosts/{_q(vhost)}", {})

    def put_user(self, name: str, password: str, tags: str = "") -> None:
        """Create or update user ``name``."""
        self._call("PUT", f"/users/{_q(name)}", {"password": password, "tags": tags})

    def set_permissions(self, vhost: str, user: str, p: Permissions) -> None:
        """Set the configure/write/read permissions and the topic permissions on ``cimbus``."""
        self._call(
            "PUT",
            f"/permissions/{_q(vhost)}/{_q(user)}",
            {"configure": p.configure, "write": p.write, "read": p.read},
        )
        self._call(
            "PUT",
            f"/topic-permissions/{_q(vhost)}/{_q(user)}",
            {"exchange": EXCHANGE, "write": p.topic_write, "read": p.topic_read},
        )

    def grant_all(self, vhost: str, user: str) -> None:
        """Give ``user`` (the administrator running the set-up) full rights on ``vhost``."""
        self._call(
            "PUT",
            f"/permissions/{_q(vhost)}/{_q(user)}",
            {"configure": ".*", "write": ".*", "read": ".*"},
        )

    def permissions_of(self, vhost: str, user: str) -> dict[str, Any]:
        """The permissions ``user`` has on ``vhost``."""
        found: dict[str, Any] = self._call("GET", f"/permissions/{_q(vhost)}/{_q(user)}")
        return found


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def vhost_of(broker_url: str) -> str:
    """The vhost named by an AMQP URL (``/`` when the path is empty)."""
    path = urllib.parse.urlsplit(broker_url).path
    return urllib.parse.unquote(path[1:]) if len(path) > 1 else "/"


def credentials_of(broker_url: str) -> tuple[str, str]:
    """The user and password in an AMQP URL (guest/guest when absent)."""
    parts = urllib.parse.urlsplit(broker_url)
    return (
        urllib.parse.unquote(parts.username or "guest"),
        urllib.parse.unquote(parts.password or "guest"),
    )


def management_url(broker_url: str) -> str:
    """The usual management API URL beside an AMQP URL (same host, port 15672)."""
    host = urllib.parse.urlsplit(broker_url).hostname or "localhost"
    return f"http://{host}:15672"
