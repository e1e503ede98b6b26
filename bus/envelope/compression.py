"""The Compressed payload: gzip, then base64, with a bound on what inflating may produce."""

from __future__ import annotations

import base64
import gzip
import zlib

from cim.errors import OversizeMessage, PayloadError


def compress(data: bytes) -> str:
    """base64 text of ``data`` gzip-compressed, for ``Payload.compressed``."""
    return base64.b64encode(gzip.compress(data, mtime=0)).decode("ascii")


def decompress(text: str, *, max_bytes: int = 64 * 1024 * 1024) -> bytes:
    """The bytes inside a Compressed payload; refuses more than ``max_bytes`` once inflated."""
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except ValueError:
        raise PayloadError(
            "Payload/Compressed is not valid base64", path="Payload/Compressed"
        ) from None
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise PayloadError(
            f"Payload/Compressed is not gzip data: {exc}", path="Payload/Compressed"
        ) from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise OversizeMessage(
            f"Payload/Compressed inflates to more than {max_bytes} bytes", path="Payload/Compressed"
        )
    if not inflater.eof:
        raise PayloadError("Payload/Compressed is truncated gzip data", path="Payload/Compressed")
    return out
