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


__all__ = [
    "REGISTRY",
    "Delivery",
    "Handler",
    "PermanentFailure",
    "Subscription",
    "Transport",
    "is_permanent",
    "transport_class",
]
