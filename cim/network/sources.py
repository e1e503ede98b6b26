"""Where a network model's documents come from: files, folders and ``.zip`` archives.

``cimbus model import PATH...`` takes what utilities are sent: one RDF/XML file, the profile
files of one model (EQ, TP, SSH, SV, GL, DL, boundary …), a folder of them, or the ``.zip``
archive they are distributed in. :func:`sources` turns those paths into :class:`Source` records
in a stable order; nothing is extracted to disk, zip members are read as streams.

* a file is read whatever its suffix, except ``.zip``, which is an archive;
* a folder is searched recursively for ``*.xml`` and ``*.rdf`` (hidden names skipped);
* an archive contributes its ``*.xml`` and ``*.rdf`` members, named ``archive.zip!member.xml``.

:class:`CountingStream` is how the reader sees a document's bytes: counted for the progress
bar, and refused at once if they start with a DTD (``<!DOCTYPE``, ``<!ENTITY``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cim.errors import ConfigurationError, MalformedMessage

SUFFIXES = (".xml", ".rdf")
"""Suffixes of the documents taken from folders and archives (case-insensitive)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One document to read: its display name, size in bytes and where its bytes are."""

    name: str
    """A path, ``archive.zip!member.xml``, or a caller's label for in-memory bytes."""
    size: int
    path: Path | None = None
    member: str | None = None
    """The member of the archive at ``path``, if the document is zipped."""
    data: bytes | None = None

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Source:
        """A document held in memory (tests, messages, another reader's output)."""
        return cls(name=name, size=len(data), data=data)

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The document's bytes as a stream, closed (with its archive) on exit."""
        if self.data is not None:
            yield io.BytesIO(self.data)
        elif self.path is not None and self.member is None:
            with self.path.open("rb") as stream:
                yield stream
        elif self.path is not None and self.member is not None:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as member:
                yield member
        else:
            raise ConfigurationError(f"{self.name}: a source needs a path or bytes")


class CountingStream:
    """A document's byte stream that reports progress and refuses a DTD before lxml reads it."""

    def __init__(self, raw: IO[bytes], name: str, progress: Callable[[int], None] | None) -> None:
        self.raw, self.name, self.progress = raw, name, progress
        self.count, self.blank = 0, True

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the document."""
        data = self.raw.read(size)
        if self.count == 0 and data:
            _refuse_dtd(data, self.name)
        self.count += len(data)
        self.blank = self.blank and not data.strip()
        if self.progress is not None:
            self.progress(self.count)
        return data


def _refuse_dtd(head: bytes, name: str) -> None:
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = head.decode("utf-16", "replace") if utf16 else head.decode("latin-1")
    first = re.search(r"<[A-Za-z_]", text)
    if "<!DOCTYPE" in text[: first.start() if first else None]:
        raise MalformedMessage(
            f"{name}: document type declarations (DTDs) and entities are refused in CIM RDF/XML",
            path=name,
        )


def sources(paths: Iterable[str | Path]) -> list[Source]:
    """The documents named by files, folders and archives, in the order given, each once."""
    out: list[Source] = []
    seen: set[tuple[Path, str | None]] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if _wanted(p, path) and p.is_file()]
            if not found:
                raise ConfigurationError(f"{path}: no *.xml or *.rdf documents in this folder")
            items = [s for p in found for s in _file(p)]
        elif path.is_file():
            items = list(_file(path))
        else:
            raise ConfigurationError(f"{path}: no such file or folder")
        for item in items:
            assert item.path is not None
            key = (item.path.resolve(), item.member)
            if key not in seen:
                seen.add(key)
                out.append(item)
    if not out:
        raise ConfigurationError("no documents to read: name files, folders or .zip archives")
    return out


def _wanted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.suffix.lower() in SUFFIXES and not any(p.startswith(".") for p in parts)


def _file(path: Path) -> Iterator[Source]:
    if path.suffix.lower() != ".zip":
        yield Source(name=str(path), size=path.stat().st_size, path=path)
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if _member_wanted(i)]
    except (zipfile.BadZipFile, OSError) as exc:
        raise MalformedMessage(
            f"{path}: not a readable .zip archive ({exc})", path=str(path)
        ) from None
    if not members:
        raise ConfigurationError(f"{path}: no *.xml or *.rdf documents in this archive")
    for info in sorted(members, key=lambda i: i.filename):
        yield Source(
            name=f"{path}!{info.filename}", size=info.file_size, path=path, member=info.filename
        )


def _member_wanted(info: zipfile.ZipInfo) -> bool:
    parts = info.filename.split("/")
    return (
        not info.is_dir()
        and Path(info.filename).suffix.lower() in SUFFIXES
        and not any(p.startswith(".") or p == "__MACOSX" for p in parts)
    )


__all__ = ["SUFFIXES", "CountingStream", "Source", "sources"]
