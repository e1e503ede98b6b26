"""The streaming CIM RDF/XML reader (IEC 61970-552): documents in, one compact :class:`Model` out.

::

    load(paths) -> sources(paths) -> per document: lxml pull parser, fed 64 kB at a time
                                     -> DocumentReader.read(finished descriptions), then freed
                                     -> DocumentReader.merge(model) once the document ended

Each document is parsed with a safe lxml parser (no DTD, no entities, no network, no huge-tree
mode) and merged into the model only when it was read to its end, so a not-well-formed file
is a :class:`~cim.errors.MalformedMessage` naming file, line and column -- never a partial model.
The parser reports no event but the root and a ``dm:DifferenceModel``; after each chunk the
root's finished children go to :class:`~cim.network.reader.DocumentReader` and are deleted, so
memory holds the model and one chunk's elements, not the documents' trees.
Names are qualified as :mod:`cim.network.store` says: CIM16 (2012/2013) and CIM100 names bare,
others with the prefix the document declares (``entsoe:``, ``eu:``). Unknown classes,
properties and enumeration literals, values that needed leniency (``60.000000`` for an integer)
and values that are no value of their type are kept and reported as problems with file and
line, once per name and document with a count. Difference models are refused: they are applied
with ``cimbus model apply``.
"""

from __future__ import annotations

import gc
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from cim.errors import CimbusError, MalformedMessage
from cim.network.names import check_model, versions
from cim.network.reader import DIFFERENCE, DM, MD, RDF, ROOT, DocumentReader
from cim.network.sources import CountingStream, Source, sources
from cim.network.store import Document, Model, Ref

_SAFE = dict(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=False)
"""No DTD, no entities, no network, libxml2's default limits (depth 256, 10 MB text nodes)."""
_CHUNK = 1 << 16
"""Bytes fed to the parser at a time: the finished descriptions are read and freed after each."""

Progress = Callable[[int, int, str], None]
"""Called while reading: bytes read so far, bytes in all documents, the current document."""


def load(paths: Iterable[str | Path], *, progress: Progress | None = None) -> Model:
    """Every document named by files, folders and ``.zip`` archives, read into one model."""
    items = sources(paths)
    total, done = sum(s.size for s in items), 0
    model, headers, refs = Model(), [], dict[str, Ref]()
    with _collector_paused():
        for item in items:
            on_read = None if progress is None else _offset(progress, done, total, item.name)
            headers.append(_read(model, item, on_read, refs))
            done += item.size
    check_model(model, headers)
    return model


def loads(data: bytes, name: str = "<bytes>") -> Model:
    """A model from one RDF/XML document held in memory."""
    model = Model()
    with _collector_paused():
        header = _read(model, Source.from_bytes(name, data), None)
    check_model(model, [header])
    return model


def read_document(model: Model, source: Source, *, progress: Progress | None = None) -> Document:
    """Read one document into ``model`` (all of it, or nothing on error) and return it."""
    on_read = None if progress is None else _offset(progress, 0, source.size, source.name)
    with _collector_paused():
        _read(model, source, on_read)
    return model.documents[-1]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while documents are read, then restore it.

    Reading creates a few small objects per description (part, object, lists) and keeps them
    all: each full collection walks every one, which cost a 265,000-object model 40% of its
    import time. Nothing the reader keeps forms a reference cycle, so nothing is left to
    collect; reference counting frees what it drops as before.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read(
    model: Model,
    source: Source,
    progress: Callable[[int], None] | None,
    refs: dict[str, Ref] | None = None,
) -> int:
    reader, stream = DocumentReader(source.name, model, refs), None
    etree.clear_error_log()  # _syntax reads the log: only this document's errors in it
    error: CimbusError | None = None
    try:
        with source.open() as raw:
            _parse(reader, stream := CountingStream(raw, source.name, progress))
    except etree.XMLSyntaxError as exc:
        error = _syntax(source.name, exc, reader.root is None and (stream is None or stream.blank))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise MalformedMessage(f"{source.name}: cannot be read ({exc})", path=source.name) from None
    except (RuntimeError, NotImplementedError) as exc:  # an encrypted or exotic zip member
        if source.member is None:
            raise
        raise MalformedMessage(f"{source.name}: cannot be read ({exc})", path=source.name) from None
    if error is not None:
        if reader.root is None:
            _wrong_root(source, reader)  # a root that is not rdf:RDF, met before the error
        raise error
    reader.merge(model)
    return reader.header_line


def _parse(reader: DocumentReader, stream: CountingStream) -> None:
    """Feed the document in chunks; after each, read and free the root's finished children."""
    parser = etree.XMLPullParser(
        ("start",),
        tag=(ROOT, DIFFERENCE),  # no event for anything else: no Python object per element
        remove_comments=True,
        remove_pis=True,
        load_dtd=False,
        no_network=True,
        resolve_entities=False,
        huge_tree=False,
    )
    failed: etree.XMLSyntaxError | None = None
    try:
        while data := stream.read(_CHUNK):
            parser.feed(data)
            _events(parser, reader)
            if reader.root is not None and (done := len(reader.root) - 1) > 0:
                # every child but the last is finished: read, then free them
                reader.read(reader.root[:done])  # type: ignore[index]
                del reader.root[:done]
        top = parser.close()
    except etree.XMLSyntaxError as exc:
        failed = exc
    _events(parser, reader)  # a wrong root or a difference model met before an error wins
    if failed is not None:
        raise failed
    if reader.root is None:
        reader.start(top)  # not rdf:RDF: refused
    assert reader.root is not None
    reader.read(list(reader.root))
    del reader.root[:]


def _events(parser: etree.XMLPullParser, reader: DocumentReader) -> None:
    for _, el in parser.read_events():
        if not isinstance(el, etree._Element):
            continue
        if el.tag == ROOT and reader.root is None and el.getparent() is None:
            reader.start(el)
        elif el.tag == DIFFERENCE:
            reader.difference(el)


def _wrong_root(source: Source, reader: DocumentReader) -> None:
    """Refuse a document whose root, met before its syntax error, is not rdf:RDF."""
    try:
        with source.open() as raw:
            first = next(iter(etree.iterparse(raw, ("start",), **_SAFE)), None)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return  # the error came first
    if first is not None:
        reader.start(first[1])


def _syntax(name: str, exc: etree.XMLSyntaxError, blank: bool) -> CimbusError:
    line, column, msg = exc.lineno or 0, (exc.offset or 0) + 1, exc.msg
    last = getattr(exc.error_log, "last_error", None)
    if line <= 0 and last is not None and last.line > 0:  # iterparse hides entity errors
        line, column, msg = last.line, last.column, last.message
    if blank:
        return MalformedMessage(f"{name}: empty document, no RDF/XML in it", path=name)
    msg = re.sub(r", line \d+, column \d+$", "", msg)
    where = f"{name}:{line}:{column}"
    return MalformedMessage(
        f"{where}: not well-formed XML ({msg}); nothing of this document was loaded",
        path=where,
    )


def _offset(progress: Progress, done: int, total: int, name: str) -> Callable[[int], None]:
    return lambda count: progress(done + count, total, name)


__all__ = ["DM", "MD", "RDF", "Progress", "load", "loads", "read_document", "versions"]
