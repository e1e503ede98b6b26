"""The records of ``cimbus bench mapping``: realistic MDM and OMS native documents, and the
in-memory crosswalk both sides of the bench share.

Made deterministically from a seed (``random.Random``): MDM days of 96 quarter-hour kWh reads
(consumption with morning and evening peaks; one register in ten a prosumer's midday export) for
a pool of meters over consecutive November days, and OMS outage records with varied statuses,
causes, crew states and optional fields. November avoids Europe/Oslo's clock changes, so every
local wall time maps to one UTC instant.
"""

from __future__ import annotations

import datetime as _dt
import random
import uuid
from collections.abc import Iterator
from typing import Any

from adapters.crosswalk import MISS_CODE, NativeKey
from cim.errors import MessageError

_NS = uuid.UUID("0b6c3c53-2f55-4d39-9a44-7d3f1b2c8e10")
_DAY0 = _dt.datetime(2026, 11, 2)  # a Monday; Europe/Oslo has no clock change in November
_MINUTES, _SECONDS = "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"


class MemoryCrosswalk:
    """A dict-backed crosswalk (``mrid_for``/``keys_for``) with stable UUID5 mRIDs."""

    def __init__(self) -> None:
        self._mrids: dict[NativeKey, str] = {}
        self._keys: dict[str, list[NativeKey]] = {}

    def mrid_for(self, key: NativeKey, *, on_miss: str) -> str | None:
        """The mRID of ``key``; on a miss create one, raise (code 2.15) or return None."""
        found = self._mrids.get(key)
        if found is not None or on_miss == "defer":
            return found
        if on_miss != "create":
            raise MessageError(f"{key} is not in the crosswalk", code=MISS_CODE)
        mrid = str(uuid.uuid5(_NS, f"{key.system}\x00{key.object_type}\x00{key.native_id}"))
        self._mrids[key] = mrid
        self._keys.setdefault(mrid, []).append(key)
        return mrid

    def keys_for(self, mrid: str) -> list[NativeKey]:
        """Every native key linked to ``mrid``."""
        return list(self._keys.get(mrid, ()))

    def __len__(self) -> int:
        return len(self._mrids)


def _meter_read(rng: random.Random, meter: str, day: _dt.datetime) -> dict[str, Any]:
    export = rng.random() < 0.1  # a prosumer's export register
    base, peak = rng.uniform(0.04, 0.25), rng.uniform(0.2, 1.2)
    intervals = []
    for k in range(1, 97):
        end = day + _dt.timedelta(minutes=15 * k)
        hour = (k - 1) / 4
        if export:
            kwh = max(0.0, peak * (1 - abs(hour - 12.5) / 4)) if 9 <= hour <= 16 else 0.0
        elif 7 <= hour < 9 or 17 <= hour < 21:
            kwh = base + peak * rng.random()
        else:
            kwh = base
        intervals.append(
            {"t": end.strftime(_MINUTES), "kwh": round(kwh * rng.uniform(0.8, 1.2), 3)}
        )
    period = {
        "start": day.strftime(_MINUTES),
        "end": (day + _dt.timedelta(days=1)).strftime(_MINUTES),
    }
    return {
        "meter": meter,
        "register": "A-" if export else "A+",
        "unit": "kWh",
        "period": period,
        "intervals": intervals,
    }


_STATUS = (("PRED", 25), ("CONF", 35), ("PART", 10), ("REST", 20), ("CLSD", 10))
_CAUSES = (("TREE", 35), ("LINE", 15), ("POLE", 5), ("ANML", 15), ("LGHT", 10), (None, 20))
_CREW = {
    "PRED": ("WAIT", None),
    "CONF": ("ASGN", "ENRT", "ONST"),
    "PART": ("ONST",),
    "REST": ("DONE",),
    "CLSD": ("DONE", None),
}
_TEXTS = (
    "tree on the line",
    "cable fault in the street",
    "fuse blown at the substation",
    "bird on the transformer",
    "lightning hit the pole",
    "digger cut the cable",
)
_PLACES = ("Fana", "Åsane", "Laksevåg", "Arna", "Ytrebygda", "Bergenhus", "Årstad", "Fyllingsdalen")


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _outage(rng: random.Random, seq: int) -> dict[str, Any]:
    status = _pick(rng, _STATUS)
    start = _DAY0 + _dt.timedelta(days=rng.randrange(21), seconds=rng.randrange(86400))

    def at(minutes: int) -> str:
        return (start + _dt.timedelta(minutes=minutes)).strftime(_SECONDS)

    customers = int(rng.lognormvariate(4, 1.2)) + 1
    doc: dict[str, Any] = {
        "incident": f"INC-2026-{seq:06d}",
        "outage": f"OUT-2026-{seq:06d}",
        "region": rng.choice(("VEST", "NORD", "SOR", "OST", "MIDT")),
        "status": status,
        "reported": start.strftime(_SECONDS),
        "updated": at(rng.randrange(5, 240)),
        "customers": customers,
        "served": customers + rng.randrange(3000),
        "meters": customers + rng.randrange(customers // 10 + 1),
        "community": f"{rng.choice(_PLACES)} {rng.randrange(5003, 5260)}",
        "usage_points": [f"UP-{rng.randrange(10**7):07d}" for _ in range(rng.randrange(5))],
        "tickets": [f"TT-{rng.randrange(10**6):06d}" for _ in range(rng.randrange(4))],
        "areas": [
            {
                "zip": f"{rng.randrange(5003, 5260)}",
                "meters": rng.randrange(20, 2000),
                "first_call": at(rng.randrange(1, 30)),
            }
            for _ in range(rng.randrange(1, 4))
        ],
    }
    cause = _pick(rng, _CAUSES) if status != "PRED" or rng.random() < 0.3 else None
    optional = {
        "cause": cause,
        "cause_text": rng.choice(_TEXTS) if cause and rng.random() < 0.5 else None,
        "crew": rng.choice(_CREW[status]),
        "etr": (
            start.replace(minute=start.minute // 15 * 15, second=0)
            + _dt.timedelta(minutes=15 * rng.randrange(4, 25))
        ).strftime(_SECONDS)
        if rng.random() < 0.7
        else None,
        "restored": at(rng.randrange(30, 360)) if status in ("REST", "CLSD") else None,
        "restored_customers": customers if status in ("REST", "CLSD") else None,
        "critical": rng.randrange(6) if rng.random() < 0.3 else None,
    }
    if status == "PART":
        optional["restored_customers"] = rng.randrange(customers + 1)
    doc.update({k: v for k, v in optional.items() if v is not None})
    return doc


def generate_records(count: int, seed: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """``count`` (kind, native document) pairs, alternating meter reads and outages."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not secrets
    reads = (count + 1) // 2
    meters = [f"MTR-{rng.randrange(10**8):08d}" for _ in range(max(1, reads // 7))]
    for i in range(count):
        j = i // 2
        if i % 2 == 0:
            day = _DAY0 + _dt.timedelta(days=j // len(meters))
            yield "meter_read", _meter_read(rng, meters[j % len(meters)], day)
        else:
            yield "outage", _outage(rng, 4000 + j)


def native_keys(kind: str, doc: dict[str, Any]) -> list[NativeKey]:
    """The crosswalk keys the translation of one record looks up (to pre-warm the crosswalk)."""
    if kind == "meter_read":
        return [NativeKey("MDM", "meter", doc["meter"])]
    ids = [("incident", doc["incident"]), ("outage", doc["outage"])]
    ids += [("usage_point", p) for p in doc.get("usage_points", ())]
    ids += [("trouble_ticket", t) for t in doc.get("tickets", ())]
    return [NativeKey("OMS", object_type, native) for object_type, native in ids]


__all__ = ["MemoryCrosswalk", "generate_records", "native_keys"]
