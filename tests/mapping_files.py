"""Small mapping folders written by tests: an MDM interval read in both directions, and helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path

READING_TYPE = "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"
"""The ReadingType mRID of the test mappings (15-minute forward active energy, Wh)."""

TO_CIM = f"""\
mapping: mdm.read.to-cim
system: MDM
direction: to_cim
native: {{format: json}}
cim: {{noun: MeterReadings, verb: created}}
lookups: {{flow: lookups/flow.yaml}}
rules:
  MeterReading:
    fields:
      Meter:
        fields:
          mRID: {{from: meter, identity: {{object_type: meter, on_miss: create}}}}
          Names:
            fields:
              name: {{from: meter, required: true}}
      IntervalBlocks:
        fields:
          ReadingType: {{const: "{READING_TYPE}"}}
          IntervalReadings:
            each: intervals
            fields:
              timeStamp: {{from: t, time: {{zone: Europe/Oslo, format: "%Y-%m-%d %H:%M"}}}}
              value: {{from: kwh, unit: {{from: kWh, to: Wh}}}}
  ReadingType:
    fields:
      mRID: {{const: "{READING_TYPE}"}}
      flowDirection: {{from: register, lookup: flow}}
      unit: {{const: Wh}}
      Names:
        fields:
          name: {{template: "{{meter}}/{{register}}"}}
"""

FROM_CIM = """\
mapping: mdm.read.from-cim
system: MDM
direction: from_cim
native: {format: json}
cim: {noun: MeterReadings, verb: created}
lookups: {flow: lookups/flow.yaml}
rules:
  meter: {from: MeterReading.Meter.mRID, identity: {object_type: meter}}
  register: {from: ReadingType.flowDirection, lookup: flow}
  intervals:
    each: MeterReading.IntervalBlocks.IntervalReadings
    fields:
      t: {from: timeStamp, time: {zone: Europe/Oslo, format: "%Y-%m-%d %H:%M"}}
      kwh: {from: value, unit: {from: Wh, to: kWh}, type: number}
"""

FLOW = """\
lookup: flow
enumeration: FlowDirectionKind
entries:
  "A+": forward
  "A-": reverse
native_default: "?"
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative name -> text, dedented) under ``folder``; return the folder."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def mdm_folder(folder: Path) -> Path:
    """A folder with the MDM read mappings in both directions and their lookup table."""
    return write(
        folder,
        {"read.to_cim.yaml": TO_CIM, "read.from_cim.yaml": FROM_CIM, "lookups/flow.yaml": FLOW},
    )


def record(*intervals: tuple[str, float], meter: str = "MTR-1", register: str = "A+") -> dict:
    """A native MDM read record with the given (local time, kWh) intervals."""
    return {
        "meter": meter,
        "register": register,
        "intervals": [{"t": t, "kwh": kwh} for t, kwh in intervals],
    }
