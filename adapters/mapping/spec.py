"""The mapping file format as strict pydantic models; its JSON Schema is what editors complete from.

A mapping file is YAML (see ``docs/mappings.md``). These models are the single definition of what
may appear in one: unknown keys are errors, every rule is one of a small set of shapes, and
:func:`json_schema` renders them for an editor (``mappings/mapping.schema.json`` is its output,
and a test fails when the two drift).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

Scalar = str | int | float | bool
"""A constant in a mapping file: YAML's string, integer, float or boolean."""

Direction = Literal["to_cim", "from_cim"]
"""``to_cim`` translates a native message into a CIM payload; ``from_cim`` the reverse."""

NativeFormat = Literal["json", "csv"]
"""How native messages are carried: one JSON document, or CSV rows (many rows, one message)."""

NativeType = Literal["string", "number", "integer", "boolean"]
"""The JSON type a value is written as on the native side."""

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Model(BaseModel):
    """Base of the file's models: unknown keys are errors, values are frozen."""

    model_config = _STRICT


class Condition(Model):
    """When a rule applies: one test of a source value, or all/any/not of other conditions."""

    path: str | None = Field(None, description="Source path of the value tested.")
    equals: Scalar | None = Field(None, description="True when the value equals this.")
    in_: list[Scalar] | None = Field(None, alias="in", description="True when the value is one.")
    present: bool | None = Field(None, description="True when the value is (not) present.")
    all: list[Condition] | None = Field(None, description="True when every condition is.")
    any: list[Condition] | None = Field(None, description="True when one condition is.")
    not_: Condition | None = Field(None, alias="not", description="True when this one is not.")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [k for k in ("equals", "in_", "present") if getattr(self, k) is not None]
        groups = [k for k in ("all", "any", "not_") if getattr(self, k) is not None]
        if groups and (tests or self.path is not None):
            raise ValueError("all/any/not stand alone: put the tests inside them")
        if len(groups) > 1:
            raise ValueError("use one of all, any or not per condition")
        if not groups and (self.path is None or len(tests) != 1):
            raise ValueError("a condition is a path with exactly one of equals, in, present")
        return self


class UnitRule(Model):
    """Convert a number between units of one dimension (kW -> W, kWh -> Wh)."""

    from_: str = Field(alias="from", description="The unit of the source value, e.g. kWh.")
    to: str = Field(description="The unit of the target value, e.g. Wh.")


class TimeRule(Model):
    """Local time in a zone <-> UTC, optionally in a native text format."""

    zone: str = Field(description="IANA zone of native times, e.g. Europe/Oslo.")
    format: str | None = Field(None, description="strftime format of native times (else ISO).")
    ambiguous: Literal["earlier", "later", "error"] = Field(
        "error", description="Which instant an ambiguous wall time (DST fall-back) means."
    )


class IdentityRule(Model):
    """Translate a native ID to the CIM mRID of the object it names, through the crosswalk."""

    object_type: str = Field(description="The native object type, e.g. meter or account.")
    on_miss: Literal["create", "fail", "defer"] = Field(
        "fail", description="An unknown ID: record a new mRID, refuse the message, or leave out."
    )


class ValueRule(Model):
    """How one target value is made: its source, then conversions, then checks."""

    from_: str | None = Field(None, alias="from", description="Source path of the value.")
    const: Scalar | None = Field(None, description="A constant value.")
    template: str | None = Field(None, description='Text with {source.paths}: "{region}-{no}".')
    default: Scalar | None = Field(None, description="Used when the source value is absent.")
    required: bool = Field(False, description="Refuse the message when the value is absent.")
    lookup: str | None = Field(None, description="Name of a lookup table (in lookups:).")
    unit: UnitRule | None = None
    time: TimeRule | None = None
    identity: IdentityRule | None = None
    type: NativeType | None = Field(None, description="Native target only: the JSON type.")
    each: str | None = Field(None, description="One value per item of this source list.")
    when: Condition | None = Field(None, description="Only when this holds (else absent).")

    @model_validator(mode="after")
    def _one_source(self) -> ValueRule:
        given = [k for k in ("from_", "const", "template") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a value rule has exactly one of from, const or template")
        if self.const is not None and (self.lookup or self.unit or self.time or self.identity):
            raise ValueError("a constant is written as the target wants it: drop the conversion")
        return self


class ObjectRule(Model):
    """How one target object (or one per source item, with ``each``) is made from its fields."""

    each: str | None = Field(None, description="One object per item of this source list.")
    group_by: str | None = Field(None, description="With each: one object per distinct value.")
    when: Condition | None = Field(None, description="Only when this holds (else absent).")
    fields: dict[str, FieldRule] = Field(description="Target member -> rule.")

    @model_validator(mode="after")
    def _grouping(self) -> ObjectRule:
        if self.group_by is not None and self.each is None:
            raise ValueError("group_by needs each: the list whose items are grouped")
        return self


def _shape(value: Any) -> str:
    if isinstance(value, str):
        return "path"
    if isinstance(value, list):
        return "objects"
    if isinstance(value, dict) and "fields" in value:
        return "object"
    if isinstance(value, BaseModel):
        return "object" if isinstance(value, ObjectRule) else "value"
    return "value"


FieldRule = Annotated[
    Union[  # noqa: UP007 -- the tagged members of a discriminated union
        Annotated[str, Tag("path")],
        Annotated[ValueRule, Tag("value")],
        Annotated[ObjectRule, Tag("object")],
        Annotated[list[ObjectRule], Tag("objects")],
    ],
    Discriminator(_shape),
]
"""A field: a source path (shorthand for ``{from: path}``), a value rule, an object rule (it has
``fields``) or a list of object rules (several objects for one repeated member)."""


class NativeSide(Model):
    """The native message: its format and, optionally, a JSON Schema that source paths must fit."""

    format: NativeFormat = "json"
    schema_: str | None = Field(
        None, alias="schema", description="JSON Schema file of the native message, beside this."
    )


class CimSide(Model):
    """The CIM message: the noun (which names the profile) and the verb."""

    noun: str = Field(description="IEC 61968-100 noun, e.g. MeterReadings; names the profile.")
    verb: str = Field(description="The verb the message is sent with, e.g. created.")


class MappingFile(Model):
    """One mapping: one native message type, one direction, one CIM noun."""

    mapping: str = Field(description="Name of this mapping, unique in its folder.")
    system: str = Field(description="The native system, e.g. MDM; the crosswalk authority.")
    direction: Direction
    native: NativeSide = Field(default_factory=lambda: NativeSide(format="json", schema=None))
    cim: CimSide
    lookups: dict[str, str] = Field(
        default_factory=dict, description="Lookup table name -> its file, beside this one."
    )
    rules: dict[str, FieldRule] = Field(description="Target root member -> rule.")
    description: str | None = None


def json_schema(kind: Literal["mapping", "lookup"] = "mapping") -> dict[str, Any]:
    """The JSON Schema of a mapping (or lookup table) file, for editor completion."""
    model = MappingFile if kind == "mapping" else LookupFile
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://cimbus.invalid/schemas/{kind}.schema.json"
    return schema


class LookupFile(Model):
    """A lookup table: native codes -> target values, with an optional default."""

    lookup: str = Field(description="Name of the table.")
    enumeration: str | None = Field(None, description="The CIM enumeration the values are of.")
    entries: dict[str, Scalar] = Field(description="Native code -> target value.")
    default: Scalar | None = Field(None, description="Value for a code not in entries.")
    native_default: Scalar | None = Field(
        None, description="from_cim: code for a value no entry gives."
    )
    description: str | None = None


__all__ = [
    "CimSide",
    "Condition",
    "Direction",
    "FieldRule",
    "IdentityRule",
    "LookupFile",
    "MappingFile",
    "Model",
    "NativeFormat",
    "NativeSide",
    "NativeType",
    "ObjectRule",
    "Scalar",
    "TimeRule",
    "UnitRule",
    "ValueRule",
    "json_schema",
]
