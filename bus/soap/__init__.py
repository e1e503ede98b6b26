"""The SOAP side of the bus: IEC 61968-100 web services offered to partners, and calls to theirs.

The gateway (:class:`SoapApp` served by :class:`HttpServer` or :func:`serve`, its WSDLs from a
:class:`Catalog`) is imported with the package. The client (:class:`SoapClient`,
:class:`ClientCredentials`) is imported on first use: it is the one module that loads zeep and
requests, which a gateway does not need (about 50 ms of start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from bus.soap.app import SoapApp, SoapConfig
from bus.soap.attempts import HttpPolicy
from bus.soap.breaker import Breakers, CircuitBreaker
from bus.soap.catalog import Catalog
from bus.soap.courier import RetryPolicy
from bus.soap.http import HttpServer, HttpSettings, Tls, serve
from bus.soap.wssecurity import Account, Authenticator, Credentials

if TYPE_CHECKING:
    from bus.soap.client import ClientCredentials, SoapClient

_LAZY = {"SoapClient": "bus.soap.client", "ClientCredentials": "bus.soap.client"}

__all__ = [
    "Account",
    "Authenticator",
    "Breakers",
    "Catalog",
    "CircuitBreaker",
    "ClientCredentials",
    "Credentials",
    "HttpPolicy",
    "HttpServer",
    "HttpSettings",
    "RetryPolicy",
    "SoapApp",
    "SoapClient",
    "SoapConfig",
    "Tls",
    "serve",
]


def __getattr__(name: str) -> Any:
    """The client's names, imported from :mod:`bus.soap.client` when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bus.soap' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy ones included."""
    return sorted(set(globals()) | set(_LAZY))
