"""The journal: every message on the bus, byte-exact, in order, for audit and replay.

On the memory transport it is a file of JSON lines, one per message: offset, time (UTC),
routing key, carrier headers and the body in base64 (so the bytes come back exactly). It can be
read from an offset or from a point in time. (On RabbitMQ the journal is a stream.)
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cim.errors import TransportError


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journalled message."""

    offset: int
    timestamp: datetime
    routing_key: str
    headers: Mapping[str, str]
    body: bytes


class Journal:
    """An append-only file journal, safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("ab"):
                pass
            with self._path.open("rb") as f:
                self._next = sum(1 for _ in f)
        except OSError as exc:
            raise TransportError(
                f"cannot open the journal {self._path}: {exc.strerror}; "
                "check the path and its permissions"
            ) from None

    @property
    def path(self) -> Path:
        """The journal file."""
        return self._path

    def append(self, body: bytes, routing_key: str, headers: Mapping[str, str]) -> int:
        """Record one message; returns its offset."""
        with self._lock:
            offset = self._next
            line = json.dumps(
                {
                    "offset": offset,
                    "time": datetime.now(UTC).isoformat(),
                    "key": routing_key,
                    "headers": dict(headers),
                    "body": base64.b64encode(body).decode("ascii"),
                },
                separators=(",", ":"),
            )
            with self._path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
            self._next += 1
            return offset

    def read(self, *, offset: int = 0, since: datetime | None = None) -> Iterator[JournalEntry]:
        """The entries from ``offset`` on (and at or after ``since``), in order."""
        with self._path.open(encoding="utf-8") as f:
            for line in f:
                raw = json.loads(line)
                entry = JournalEntry(
                    raw["offset"],
                    datetime.fromisoformat(raw["time"]),
                    raw["key"],
                    raw["headers"],
                    base64.b64decode(raw["body"]),
                )
                if entry.offset >= offset and (since is None or entry.timestamp >= since):
                    yield entry
