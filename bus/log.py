"""Structured logging: configured once at the entry point, message ids bound through contextvars.

Every line carries ``message_id`` and ``correlation_id`` (None outside a message's processing).
JSON lines when the stream is not a terminal (production), a readable console otherwise.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO

import structlog

_IDS = ("message_id", "correlation_id")


def _ensure_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in _IDS:
        event.setdefault(key, None)
    return event


def configure_logging(
    *, json: bool | None = None, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Configure structlog for this process (call once, from the entry point)."""
    out = stream if stream is not None else sys.stderr
    as_json = not out.isatty() if json is None else json
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _ensure_ids,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )


@contextmanager
def message_context(
    message_id: str | None, correlation_id: str | None = None, **extra: Any
) -> Iterator[None]:
    """Bind ``message_id`` and ``correlation_id`` to every log line inside the block."""
    with structlog.contextvars.bound_contextvars(
        message_id=message_id, correlation_id=correlation_id, **extra
    ):
        yield


def get_logger(name: str) -> Any:
    """A structlog logger named ``name``."""
    return structlog.get_logger(name)
