"""YAML loading for mapping files that remembers the line and column of every value.

A deliberately small, safe subset: plain dict/list/str/int/float/bool/None values; only
``true``/``false`` are booleans (``NO`` stays "NO"), dates and times stay text, decimal numbers
with a leading zero (``01``) stay text; anchors, aliases, custom tags, several documents,
duplicate keys and non-text keys are refused with a ``SourceError`` naming file:line:column.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "Loc", "Marks", "SourceError", "load"]

Loc = tuple[str | int, ...]
"""A location in a document: the keys and list indices leading to a value from its root."""

MAX_DEPTH = 100
"""Deepest nesting of mappings and lists accepted."""

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Y = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_Y + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ = _Y + "map", _Y + "seq"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?")
# The characters YAML refuses (PyYAML's reader), to place a ReaderError ourselves.
_UNPRINTABLE = re.compile(r"[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class SourceError(Exception):
    """A refused mapping file, with the 1-based line and column of the offending text."""

    def __init__(
        self, file: str, line: int, column: int, message: str, hint: str | None = None
    ) -> None:
        super().__init__(file, line, column, message, hint)
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class Marks(dict[Loc, tuple[int, int]]):
    """Loc -> 1-based (line, column) of every mapping value and list item, and of the root."""

    def __init__(self) -> None:
        super().__init__()
        self._key_marks: dict[Loc, tuple[int, int]] = {}

    def at(self, loc: Loc) -> tuple[int, int]:
        """Mark of the longest known prefix of ``loc`` (its nearest existing parent)."""
        for end in range(len(loc), -1, -1):
            found = self.get(loc[:end])
            if found is not None:
                return found
        return (1, 1)

    def key_at(self, loc: Loc) -> tuple[int, int]:
        """Mark of the key token of mapping entry ``loc``, else ``at(loc)``."""
        return self._key_marks.get(loc) or self.at(loc)


def _plain(text: str) -> object:
    """The value of an untagged plain scalar under this module's small schema."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT_RE.fullmatch(text):
        return int(text)
    if _FLOAT_RE.fullmatch(text):
        return float(text)
    return text


def _at(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


class _Frame:
    __slots__ = ("container", "key", "loc")

    def __init__(self, container: dict[str, Any] | list[Any], loc: Loc) -> None:
        self.container = container
        self.loc = loc
        self.key: str | None = None  # a mapping's key still waiting for its value


class _Builder:
    def __init__(self, file: str, string_keys: bool) -> None:
        self.file = file
        self.string_keys = string_keys
        self.marks = Marks()
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0

    def fail(self, event: Any, message: str, hint: str | None = None) -> SourceError:
        return SourceError(self.file, *_at(event), message, hint)

    def plain(self, event: Any) -> object:
        try:
            value = _plain(event.value)
        except ValueError:  # int() of more digits than Python converts
            raise self.fail(event, "the number has too many digits") from None
        if isinstance(value, float) and math.isinf(value):
            raise self.fail(event, f"the number {event.value} is too large")
        return value

    def scalar(self, event: Any) -> object:
        tag, text = event.tag, event.value
        if tag is None:
            return self.plain(event) if event.implicit[0] else text
        if tag in ("!", _STR):
            return text
        value = self.plain(event)
        if tag == _FLOAT and type(value) is int:
            value = float(value)
        wanted = {_INT: int, _FLOAT: float, _BOOL: bool, _NULL: type(None)}.get(tag)
        if wanted is None:
            raise self._bad_tag(event)
        if type(value) is not wanted:
            raise self.fail(event, f"{text!r} is not a valid {tag[len(_Y) :]}")
        return value

    def _bad_tag(self, event: Any) -> SourceError:
        tag = event.tag
        shown = "!!" + tag[len(_Y) :] if tag.startswith(_Y) else tag
        return self.fail(
            event,
            f"the tag {shown} is not allowed here",
            "remove it; only !!str, !!int, !!float, !!bool, !!null, !!map and !!seq are known",
        )

    def key(self, event: Any, frame: _Frame) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(event, "a mapping key must be text, not a mapping or a list")
        value = event.value if self.string_keys else self.scalar(event)
        if self.string_keys and event.tag not in (None, "!", _STR, _INT, _FLOAT, _BOOL, _NULL):
            raise self._bad_tag(event)
        if event.value == "" and event.implicit[0]:
            raise self.fail(event, "a mapping key is missing", "write the key before the ':'")
        if not isinstance(value, str):
            kind = "nothing" if value is None else type(value).__name__
            raise self.fail(
                event,
                f"mapping keys must be text, but {event.value} is read as {kind}",
                f"quote the key: '{event.value}'",
            )
        loc = (*frame.loc, value)
        first = self.marks._key_marks.get(loc)
        if first is not None:
            raise self.fail(
                event,
                f"key {value!r} appears twice (first at line {first[0]})",
                "remove or rename one of them",
            )
        self.marks._key_marks[loc] = _at(event)
        frame.key = value

    def node(self, event: Any) -> None:
        if event.anchor is not None:
            raise self.fail(
                event, f"anchors (&{event.anchor}) are not allowed", "write the value out in full"
            )
        stack = self.stack
        frame = stack[-1] if stack else None
        if isinstance(frame, _Frame) and isinstance(frame.container, dict) and frame.key is None:
            self.key(event, frame)
            return
        if isinstance(event, yaml.ScalarEvent):
            value: Any = self.scalar(event)
        else:
            mapping = isinstance(event, yaml.MappingStartEvent)
            if event.tag not in (None, "!", _MAP if mapping else _SEQ):
                raise self._bad_tag(event)
            if len(stack) >= MAX_DEPTH:
                raise self.fail(event, f"the file is nested more than {MAX_DEPTH} levels deep")
            value = {} if mapping else []
        if frame is None:
            if value is None and event.value == "" and event.implicit[0]:
                raise SourceError(self.file, 1, 1, "the file is empty")
            loc: Loc = ()
            self.root = value
        elif isinstance(frame.container, dict):
            assert frame.key is not None
            loc = (*frame.loc, frame.key)
            frame.container[frame.key] = value
            frame.key = None
        else:
            loc = (*frame.loc, len(frame.container))
            frame.container.append(value)
        self.marks[loc] = _at(event)
        if not isinstance(event, yaml.ScalarEvent):
            stack.append(_Frame(value, loc))

    def feed(self, event: Any) -> None:
        if isinstance(event, yaml.AliasEvent):
            raise self.fail(
                event, f"aliases (*{event.anchor}) are not allowed", "write the value out in full"
            )
        if isinstance(event, yaml.NodeEvent):
            self.node(event)
        elif isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.fail(
                    event, "the file holds more than one YAML document", "use one file each"
                )


def _position(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _decode(data: bytes | str, file: str, max_bytes: int) -> str:
    too_big = SourceError(
        file, 1, 1, f"the file is over {max_bytes:,} bytes, the most allowed", "split it up"
    )
    if len(data) > max_bytes:  # a character is at least one byte: no need to encode
        raise too_big
    if isinstance(data, str):
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError as exc:  # a lone surrogate
            line, column = _position(data, exc.start)
            code = f"U+{ord(data[exc.start]):04X}"
            raise SourceError(file, line, column, f"the character {code} is not allowed") from None
        if size > max_bytes:
            raise too_big
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", "replace")) + 1
        raise SourceError(
            file,
            data.count(b"\n", 0, start) + 1,
            column,
            f"the file is not valid UTF-8 (byte 0x{data[start]:02x})",
            "save it as UTF-8",
        ) from None


def _syntax_error(exc: yaml.YAMLError, text: str, file: str) -> SourceError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
        if exc.problem and exc.context:
            message += f" ({exc.context})"
        lines = text.split("\n")
        tabbed = line <= len(lines) and "\t" in lines[line - 1]
        hint = "indent with spaces, not tabs" if tabbed else None
        return SourceError(file, line, column, message, hint)
    found = _UNPRINTABLE.search(text)
    if found is not None:
        line, column = _position(text, found.start())
        code = f"U+{ord(found.group()):04X}"
        return SourceError(file, line, column, f"the character {code} is not allowed in YAML")
    return SourceError(file, 1, 1, f"invalid YAML: {exc}")


def load(
    data: bytes | str, *, file: str, max_bytes: int = 1_000_000, string_keys: bool = False
) -> tuple[Any, Marks]:
    """Parse one YAML document into plain values and their Marks; SourceError when refused.

    ``string_keys`` keeps every scalar key as the text written (``01: x`` -> key "01"), for
    lookup tables of native codes; otherwise a key that is not text is refused.
    """
    text = _decode(data, file, max_bytes)
    builder = _Builder(file, string_keys)
    loader = None
    try:
        loader = _LOADER(text)  # the pure-Python reader checks the characters here
        while loader.check_event():
            builder.feed(loader.get_event())
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.documents == 0:
        raise SourceError(file, 1, 1, "the file is empty")
    return builder.root, builder.marks
