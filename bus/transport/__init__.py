"""Transports: the protocol, and an explicit registry of implementations by name."""

from __future__ import annotations

import difflib
import importlib

from bus.transport.base import (
    Delivery,
    Handler,
    PermanentFailure,
    Subscription,
    Transport,
    is_permanent,
)
from cim.errors import ConfigurationError

#: transport name -> "module:Class", imported only when asked for (never from message data)
REGISTRY = {
    "memory": "bus.transport.memory:MemoryTransport",
    "amqp": "bus.transport.amqp:AmqpTransport",
}


def transport_class(name: str) -> type:
    """The transport class registered as ``name`` ("did you mean" when it is not)."""
    target = REGISTRY.get(name)
    if target is None:
        close = difflib.get_close_matches(name, REGISTRY, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"no transport named {name!r}{hint} (known: {', '.join(sorted(REGISTRY))})"
        )
    module, _, cls = target.partition(":")
    found: type = getattr(importlib.import_module(module), cls)
    return found


_SCHEMES = {"amqp": "amqp", "amqps": "amqp", "memory": "memory"}


def connect(url: str, **options: object) -> Transport:
    """A transport for ``url``: ``amqp://user:pass@host:port/vhost`` or ``memory://``."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    name = _SCHEMES.get(scheme)
    if name is None:
        raise ConfigurationError(
            f"cannot tell the transport from {url!r}; use amqp://user:password@host:5672/vhost "
            "or memory://"
        )
    cls = transport_class(name)
    transport: Transport = cls(url, **options) if name == "amqp" else cls(**options)
    return transport


__all__ = [
    "REGISTRY",
    "Delivery",
    "Handler",
    "PermanentFailure",
    "Subscription",
    "Transport",
    "connect",
    "is_permanent",
    "transport_class",
]
