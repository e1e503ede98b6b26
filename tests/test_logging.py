"""Structured logging: JSON lines with message_id and correlation_id on every line."""

from __future__ import annotations

import io
import json

from bus.log import configure_logging, get_logger, message_context


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_carries_message_and_correlation_ids():
    """Inside a message context both ids are bound; outside, both keys are present as null."""
    out = io.StringIO()
    configure_logging(json=True, level="debug", stream=out)
    log = get_logger("t")
    log.info("before")
    with message_context("m-1", "c-1"):
        log.info("inside", extra=1)
    log.warning("after")
    before, inside, after = _lines(out)
    assert (before["message_id"], before["correlation_id"]) == (None, None)
    assert (inside["message_id"], inside["correlation_id"], inside["extra"]) == ("m-1", "c-1", 1)
    assert after["message_id"] is None and after["level"] == "warning"
    assert inside["timestamp"].endswith("Z")


def test_level_filters_lines():
    """Lines below the configured level are not written."""
    out = io.StringIO()
    configure_logging(json=True, level="warning", stream=out)
    get_logger("t").info("hidden")
    get_logger("t").error("shown")
    assert [e["event"] for e in _lines(out)] == ["shown"]


def test_console_rendering_when_asked():
    """With json=False the output is readable text, not JSON."""
    out = io.StringIO()
    configure_logging(json=False, level="info", stream=out)
    with message_context("m-2"):
        get_logger("t").info("hello")
    text = out.getvalue()
    assert "hello" in text and "m-2" in text and not text.lstrip().startswith("{")
