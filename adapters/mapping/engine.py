"""A compiled mapping and the native side's bytes: read, translate, write.

``CompiledMapping.to_cim`` and ``from_cim`` translate a whole message or raise
:class:`~adapters.mapping.errors.MappingError` — never a partial result. Native messages are
JSON documents (one object) or CSV (a header row, then rows; the document the mapping sees is
``{"rows": [{column: text}, ...]}``, so that many rows make one message).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.mapping.errors import MappingError
from adapters.mapping.spec import MappingFile
from cim.errors import CimbusError
from cim.profiles import Payload, Profile

MAX_NATIVE = 16 * 1024 * 1024
"""Largest native message read, in bytes."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_native(data: bytes, fmt: str, *, max_bytes: int = MAX_NATIVE) -> Any:
    """The native document in ``data`` (JSON object, or CSV as ``{"rows": [...]}``)."""
    if len(data) > max_bytes:
        raise MappingError(f"the native message is {len(data)} bytes, over {max_bytes}", code="3.1")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingError(f"the native message is not UTF-8: {exc.reason}") from None
    if fmt == "csv":
        try:
            rows = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as exc:
            raise MappingError(f"the native CSV is malformed: {exc}") from None
        for i, row in enumerate(rows, 2):
            if None in row or any(v is None for v in row.values()):
                raise MappingError(f"CSV line {i} does not have the header's columns")
        return {"rows": rows}
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise MappingError(f"the native message is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise MappingError("the native message must be one JSON object")
    return doc


def write_native(doc: Any, fmt: str) -> bytes:
    """The native document as bytes (CSV: the ``rows`` list, columns in first-seen order)."""
    if fmt == "csv":
        rows = doc.get("rows", []) if isinstance(doc, dict) else []
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    """One checked, compiled mapping: its file, its profile and its translation function."""

    spec: MappingFile
    profile: Profile
    file: Path
    translate: Callable[[Any], Any]

    @property
    def name(self) -> str:
        """The mapping's name."""
        return self.spec.mapping

    @property
    def direction(self) -> str:
        """``to_cim`` or ``from_cim``."""
        return self.spec.direction

    def to_cim(self, native: Any) -> Payload:
        """Translate a native document (or its bytes) into a CIM payload of the noun's profile."""
        if self.spec.direction != "to_cim":
            raise TypeError(f"mapping {self.name} translates from CIM, not to it")
        if isinstance(native, bytes | bytearray | memoryview):
            native = self.read(bytes(native))
        result: Payload = self._run(native)
        return result

    def from_cim(self, payload: Payload) -> Any:
        """Translate a CIM payload into the native document."""
        if self.spec.direction != "from_cim":
            raise TypeError(f"mapping {self.name} translates to CIM, not from it")
        return self._run(payload)

    def read(self, data: bytes) -> Any:
        """The native document in ``data``, in this mapping's native format."""
        try:
            return read_native(data, self.spec.native.format)
        except MappingError as exc:
            exc.mapping = self.name
            raise exc.within("") from None

    def write(self, doc: Any) -> bytes:
        """The native document as bytes in this mapping's native format."""
        return write_native(doc, self.spec.native.format)

    def _run(self, value: Any) -> Any:
        try:
            return self.translate(value)
        except MappingError as exc:
            exc.mapping = self.name
            raise exc.within("") from None
        except CimbusError as exc:
            raise MappingError(exc.reason, mapping=self.name, code=exc.code) from None
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
            raise MappingError(f"cannot translate: {exc}", mapping=self.name) from None


__all__ = ["MAX_NATIVE", "CompiledMapping", "read_native", "write_native"]
