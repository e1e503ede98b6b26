"""YAML loading with source positions for mapping files (adapters.mapping.yamlsrc)."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from adapters.mapping import yamlsrc
from adapters.mapping.yamlsrc import Marks, SourceError, load

LOADERS = ["python"] + (["libyaml"] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(autouse=True, params=LOADERS)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run every test with libyaml (when built) and with PyYAML's pure-Python parser."""
    chosen = yaml.SafeLoader if request.param == "python" else yaml.CSafeLoader
    monkeypatch.setattr(yamlsrc, "_LOADER", chosen)
    yield request.param


def refused(source: str | bytes, **options: Any) -> SourceError:
    """The SourceError that loading ``source`` as m.yaml raises."""
    with pytest.raises(SourceError) as caught:
        load(source, file="m.yaml", **options)
    return caught.value


def where(error: SourceError) -> tuple[int, int]:
    """The (line, column) of a SourceError."""
    return (error.line, error.column)


DOC = """\
# a mapping file
rules:
  MeterReading:
    fields:
      mRID: id
      value: {path: reading.value, unit: kWh}
    steps:
      - first
      -   second
      - name: third
        when: x
"""


def test_values_and_marks_of_nested_keys_and_list_items() -> None:
    """Marks hold the 1-based line and column of every mapping value and list item."""
    value, marks = load(DOC, file="m.yaml")
    assert value == {
        "rules": {
            "MeterReading": {
                "fields": {"mRID": "id", "value": {"path": "reading.value", "unit": "kWh"}},
                "steps": ["first", "second", {"name": "third", "when": "x"}],
            }
        }
    }
    rule = ("rules", "MeterReading")
    assert marks[()] == (2, 1)
    assert marks[("rules",)] == (3, 3)
    assert marks[rule] == (4, 5)
    assert marks[(*rule, "fields", "mRID")] == (5, 13)
    assert marks[(*rule, "fields", "value")] == (6, 14)
    assert marks[(*rule, "fields", "value", "unit")] == (6, 42)
    assert marks[(*rule, "steps")] == (8, 7)
    assert marks[(*rule, "steps", 0)] == (8, 9)
    assert marks[(*rule, "steps", 1)] == (9, 11)
    assert marks[(*rule, "steps", 2)] == (10, 9)
    assert marks[(*rule, "steps", 2, "when")] == (11, 15)


def test_marks_at_falls_back_to_the_nearest_parent() -> None:
    """at() of a path that does not exist gives the mark of its longest existing prefix."""
    _, marks = load(DOC, file="m.yaml")
    rule = ("rules", "MeterReading")
    assert marks.at((*rule, "fields", "mRID")) == (5, 13)
    assert marks.at((*rule, "fields", "missing", "deeper")) == marks[(*rule, "fields")]
    assert marks.at((*rule, "steps", 7)) == (8, 7)
    assert marks.at(("nothing",)) == (2, 1)
    assert Marks().at(("x",)) == (1, 1)


def test_marks_key_at_points_at_the_key_token() -> None:
    """key_at() gives the key itself; for an unknown entry it falls back to at()."""
    _, marks = load(DOC, file="m.yaml")
    rule = ("rules", "MeterReading")
    assert marks.key_at(("rules",)) == (2, 1)
    assert marks.key_at((*rule, "fields", "mRID")) == (5, 7)
    assert marks.key_at((*rule, "fields", "value", "unit")) == (6, 36)
    assert marks.key_at((*rule, "steps", 2, "when")) == (11, 9)
    assert marks.key_at((*rule, "fields", "nope")) == marks[(*rule, "fields")]


def test_columns_count_characters_not_bytes() -> None:
    """Columns after non-ASCII text count characters, for str and bytes input alike."""
    source = "navn: Ærøskøbing\nx: [æ, ø, 𝄞, y]\n"
    for data in (source, source.encode()):
        _, marks = load(data, file="m.yaml")
        assert marks[("x", 3)] == (2, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("'quoted 7'", "quoted 7"),
        ("7", 7),
        ("-12", -12),
        ("+3", 3),
        ("0", 0),
        ("1.5", 1.5),
        ("-.5", -0.5),
        ("1e3", 1000.0),
        ("2.5E-3", 0.0025),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("null", None),
        ("~", None),
        ("", None),
        ('"true"', "true"),
        ("!!str 7", "7"),
        ("!!float 7", 7.0),
        ("!!int 7", 7),
        ("!!bool false", False),
        ("!!null null", None),
        ("! 7", "7"),
        ("|\n  line\n", "line\n"),
    ],
)
def test_scalar_values(text: str, expected: object) -> None:
    """Plain scalars follow a small schema; quoted, block and !!str scalars are text."""
    value, _ = load(f"v: {text}\n", file="m.yaml")
    assert value["v"] == expected
    assert type(value["v"]) is type(expected)


@pytest.mark.parametrize(
    "word", ["NO", "no", "No", "yes", "Yes", "YES", "on", "On", "off", "OFF", "y", "n", "Y", "N"]
)
def test_norway_problem_words_stay_text(word: str) -> None:
    """YAML 1.1 booleans like NO, yes, on and off stay the text written (country code NO)."""
    value, _ = load(f"country: {word}\n{word}: key\n", file="m.yaml")
    assert value == {"country": word, word: "key"}


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01",
        "2026-01-01T00:00:00Z",
        "2026-01-01 10:00:00",
        "2026-01-01t10:00:00.5+01:00",
        "12:30",
        "190:20:30",
        "01",
        "007",
        "0x1F",
        "0o17",
        "1_000",
        ".inf",
        "-.INF",
        ".nan",
        "1.2.3",
        "<<",
        "=",
    ],
)
def test_timestamps_and_other_yaml11_forms_stay_text(text: str) -> None:
    """Dates, times, sexagesimal, leading-zero codes, hex/octal and .inf stay strings."""
    value, _ = load(f"v: {text}\n", file="m.yaml")
    assert value == {"v": text}


def test_string_keys_keep_the_source_text() -> None:
    """With string_keys=True scalar keys are the text written: 01 stays "01", 7 is "7"."""
    source = "01: Active\n7: Reverse\n1.50: half\ntrue: yes\n'02': quoted\n"
    value, marks = load(source, file="codes.yaml", string_keys=True)
    assert value == {"01": "Active", "7": "Reverse", "1.50": "half", "true": "yes", "02": "quoted"}
    assert marks.key_at(("7",)) == (2, 1)
    assert marks[("7",)] == (2, 4)


def test_string_keys_still_refuse_custom_tags() -> None:
    """string_keys does not let a custom tag through on a key."""
    assert where(refused("!foo 7: x\n", string_keys=True)) == (1, 1)


@pytest.mark.parametrize(
    ("source", "position", "text"),
    [
        ("1: x\n", (1, 1), "1 is read as int"),
        ("a: 1\ntrue: x\n", (2, 1), "true is read as bool"),
        ("a:\n  1.5: x\n", (2, 3), "1.5 is read as float"),
        ("a:\n  - ~: x\n", (2, 5), "~ is read as nothing"),
        ("a:\n  null: x\n", (2, 3), "null is read as nothing"),
    ],
)
def test_non_text_keys_are_refused(source: str, position: tuple[int, int], text: str) -> None:
    """Without string_keys a key that is not text is refused, with the hint to quote it."""
    error = refused(source)
    assert where(error) == position
    assert text in error.message
    assert error.hint is not None and "quote the key" in error.hint


@pytest.mark.parametrize(
    ("source", "position"),
    [("? [a, b]\n: x\n", (1, 3)), ("? {a: 1}\n: x\n", (1, 3)), ("{[a]: 1}\n", (1, 2))],
)
def test_collection_keys_are_refused(source: str, position: tuple[int, int]) -> None:
    """A mapping or list used as a key is refused at its position."""
    error = refused(source)
    assert where(error) == position
    assert "must be text" in error.message


@pytest.mark.parametrize("string_keys", [False, True])
def test_empty_key_is_refused(string_keys: bool) -> None:
    """An explicit empty key ('? ' with nothing) is refused."""
    error = refused("a: 1\n?\n: x\n", string_keys=string_keys)
    assert error.line == 2


def test_duplicate_keys_are_refused_at_the_second() -> None:
    """A key repeated in one mapping is refused at its second occurrence, naming the first."""
    error = refused("a: 1\nrules:\n  x: 1\n  y: 2\n  x: 3\n")
    assert where(error) == (5, 3)
    assert error.message == "key 'x' appears twice (first at line 3)"


def test_same_key_in_different_mappings_is_fine() -> None:
    """The same key may appear in sibling mappings and list items."""
    value, _ = load("a: {x: 1}\nb: {x: 2}\nc:\n  - x: 3\n  - x: 4\n", file="m.yaml")
    assert value["c"] == [{"x": 3}, {"x": 4}]


def test_duplicate_string_keys_compare_as_written() -> None:
    """With string_keys, 01 and 1 are different keys, but 01 twice is a duplicate."""
    value, _ = load("01: a\n1: b\n", file="m.yaml", string_keys=True)
    assert value == {"01": "a", "1": "b"}
    assert where(refused("01: a\n'01': b\n", string_keys=True)) == (2, 1)


@pytest.mark.parametrize(
    ("source", "position", "text"),
    [
        ("a: &x 1\nb: 2\n", (1, 4), "anchors (&x)"),
        ("a:\n  - &item {b: 1}\n", (2, 5), "anchors (&item)"),
        ("a: 1\nb: *x\n", (2, 4), "aliases (*x)"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", (1, 7), "anchors (&b)"),
    ],
)
def test_anchors_and_aliases_are_refused(source: str, position: tuple[int, int], text: str) -> None:
    """Anchors and aliases are refused at their position (billion laughs, readability)."""
    error = refused(source)
    assert where(error) == position
    assert text in error.message


def test_billion_laughs_is_refused_fast() -> None:
    """The billion-laughs document is refused at its first anchor without expanding it."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    started = time.perf_counter()
    error = refused("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 0.5
    assert where(error) == (1, 4)


@pytest.mark.parametrize(
    ("source", "position", "shown"),
    [
        ("a: !foo x\n", (1, 4), "!foo"),
        ("a: !!python/object:os.system x\n", (1, 4), "!!python/object:os.system"),
        ("a:\n  b: !!python/object/apply:os.system ['ls']\n", (2, 6), "!!python/object"),
        ("a: !!binary aGk=\n", (1, 4), "!!binary"),
        ("a: !!timestamp 2026-01-01\n", (1, 4), "!!timestamp"),
        ("a: !!set {x}\n", (1, 4), "!!set"),
        ("a: !!map [1]\n", (1, 4), "!!map"),
        ("a: !!seq {b: 1}\n", (1, 4), "!!seq"),
        ("a: !!map x\n", (1, 4), "!!map"),
        ("- !<tag:example.com,2026:x> 1\n", (1, 3), "tag:example.com,2026:x"),
        ("%TAG !e! tag:example.com,2026:\n---\na: !e!x 1\n", (3, 4), "tag:example.com,2026:x"),
    ],
)
def test_custom_tags_are_refused(source: str, position: tuple[int, int], shown: str) -> None:
    """Tags other than the standard scalar, map and seq tags are refused at the node."""
    error = refused(source)
    assert where(error) == position
    assert shown in error.message and "not allowed" in error.message


@pytest.mark.parametrize("source", ["a: !!int abc\n", "a: !!float x\n", "a: !!bool yes\n"])
def test_standard_tag_with_a_wrong_value_is_refused(source: str) -> None:
    """!!int, !!float and !!bool on text that is not such a value are refused."""
    error = refused(source)
    assert where(error) == (1, 4)
    assert "is not a valid" in error.message


@pytest.mark.parametrize(
    "source", ["", "\n\n", "# only a comment\n", "---\n", "--- \n...\n", "   "]
)
def test_empty_document_is_refused(source: str) -> None:
    """A file with no content is refused at line 1, column 1."""
    error = refused(source)
    assert where(error) == (1, 1)
    assert error.message == "the file is empty"


def test_several_documents_are_refused() -> None:
    """A second document is refused at its '---'."""
    error = refused("a: 1\nb: 2\n---\nc: 3\n")
    assert where(error) == (3, 1)
    assert "more than one YAML document" in error.message


@pytest.mark.parametrize(
    ("source", "position"),
    [
        ("a:\n  b: [1\n", (3, 1)),
        ("a: b: c\n", (1, 5)),
        ("a: 1\n b: 2\nc: 3\n", (2, 3)),
        ("a: 'open\n", (2, 1)),
        ("a: [1, 2]]\n", (1, 10)),
        ("- a\nb: 1\n", (2, 1)),
    ],
)
def test_syntax_errors_carry_the_problem_position(source: str, position: tuple[int, int]) -> None:
    """A YAML syntax error is reported at the parser's problem mark."""
    error = refused(source)
    assert where(error) == position
    assert error.message.startswith("invalid YAML: ")


def test_tab_indentation_gets_a_hint() -> None:
    """A syntax error on a tab-indented line suggests indenting with spaces."""
    error = refused("a:\n\tb: 2\n")
    assert where(error) == (2, 1)
    assert error.hint == "indent with spaces, not tabs"


@pytest.mark.parametrize(
    ("source", "position", "code"),
    [("é: x\n\x01: y\n", (2, 1), "U+0001"), ("a: ok\nb: x\x7fy\n", (2, 5), "U+007F")],
)
def test_control_characters_are_refused(source: str, position: tuple[int, int], code: str) -> None:
    """A control character YAML forbids is refused at its own position."""
    error = refused(source)
    assert where(error) == position
    assert code in error.message


def test_lone_surrogate_in_text_is_refused() -> None:
    """A str holding a lone surrogate (not encodable) is refused at its position."""
    error = refused("a: 1\nb: x\ud800\n")
    assert where(error) == (2, 5)
    assert "U+D800" in error.message


@pytest.mark.parametrize(
    ("data", "position"),
    [
        (b"a: 1\nb: caf\xe9\n", (2, 7)),
        (b"\xff\xfea\x00", (1, 1)),
        (b"a: 1\nb: \xc3\xa6\xc3\xb8 \x80\n", (2, 7)),
        (b"a: \xed\xa0\x80\n", (1, 4)),
    ],
)
def test_invalid_utf8_is_refused_at_the_bad_byte(data: bytes, position: tuple[int, int]) -> None:
    """Bytes that are not UTF-8 are refused at the first bad byte (column in characters)."""
    error = refused(data)
    assert where(error) == position
    assert "not valid UTF-8" in error.message and error.hint == "save it as UTF-8"


def test_utf8_bom_is_accepted() -> None:
    """A UTF-8 byte order mark at the start is ignored."""
    value, marks = load(b"\xef\xbb\xbfa: 1\n", file="m.yaml")
    assert value == {"a": 1}
    assert marks[("a",)] == (1, 4)


def test_two_megabyte_input_is_refused() -> None:
    """A 2 MB file is refused before parsing, for bytes and for str."""
    data = b"a: " + b"x" * 2_000_000 + b"\n"
    started = time.perf_counter()
    for source in (data, data.decode()):
        error = refused(source)
        assert where(error) == (1, 1)
        assert "over 1,000,000 bytes" in error.message
    assert time.perf_counter() - started < 0.5


def test_size_limit_counts_utf8_bytes_and_is_configurable() -> None:
    """The limit is on UTF-8 bytes (600k 'æ' is 1.2 MB) and max_bytes changes it."""
    assert "over" in refused("a: " + "æ" * 600_000).message
    assert "over 10 bytes" in refused("a: 12345678\n", max_bytes=10).message
    value, _ = load("a: 1234567\n", file="m.yaml", max_bytes=11)
    assert value == {"a": 1234567}


def test_deep_nesting_is_refused() -> None:
    """Nesting deeper than MAX_DEPTH is refused at the first level too deep."""
    depth = yamlsrc.MAX_DEPTH + 1
    error = refused("[" * depth + "]" * depth + "\n")
    assert where(error) == (1, depth)
    assert "nested more than" in error.message
    value, _ = load("[" * (depth - 1) + "]" * (depth - 1), file="m.yaml")
    assert isinstance(value, list)


@pytest.mark.parametrize(
    ("source", "text"), [("a: 1e999\n", "too large"), ("a: " + "9" * 5000 + "\n", "too many")]
)
def test_unreadable_numbers_are_refused(source: str, text: str) -> None:
    """A float beyond range or an int with more digits than Python converts is refused."""
    error = refused(source)
    assert where(error) == (1, 4)
    assert text in error.message


def test_top_level_list_and_scalar() -> None:
    """A document may be a list or a single scalar; the root mark is recorded."""
    value, marks = load("- a\n- b\n", file="m.yaml")
    assert value == ["a", "b"] and marks[()] == (1, 1) and marks[(1,)] == (2, 3)
    value, marks = load("\n  hello\n", file="m.yaml")
    assert value == "hello" and marks[()] == (2, 3)


def test_source_error_text_and_attributes() -> None:
    """SourceError prints file:line:column: message, plus ' — hint' when there is one."""
    error = SourceError("maps/a.yaml", 3, 7, "bad value", "fix it")
    assert str(error) == "maps/a.yaml:3:7: bad value — fix it"
    assert (error.file, error.line, error.column, error.message, error.hint) == (
        "maps/a.yaml",
        3,
        7,
        "bad value",
        "fix it",
    )
    assert str(SourceError("a.yaml", 1, 1, "empty")) == "a.yaml:1:1: empty"


def test_source_error_pickles() -> None:
    """A SourceError survives pickling with all its attributes (worker processes)."""
    error = refused("a: 1\na: 2\n")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert (copy.line, copy.column, copy.hint) == (error.line, error.column, error.hint)


def test_file_name_is_in_every_error() -> None:
    """The file argument is reported as given."""
    with pytest.raises(SourceError, match=r"^mappings/x\.yaml:1:4: "):
        load("a: &x 1\n", file="mappings/x.yaml")


def test_marks_is_a_dict_of_locations() -> None:
    """Marks is a dict from location tuples to (line, column) pairs."""
    _, marks = load("a: [x]\n", file="m.yaml")
    assert isinstance(marks, dict)
    assert dict(marks) == {(): (1, 1), ("a",): (1, 4), ("a", 0): (1, 5)}
