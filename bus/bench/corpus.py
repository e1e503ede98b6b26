"""A deterministic corpus of realistic IEC 61968-100 MeterReadings traffic for benchmarks.

Built from :mod:`bus.envelope` model objects and its encoders (no hand-written envelope XML):
``created MeterReadings`` events from a head-end (IEC 61968-9 interval data), ``get
MeterReadings`` requests (by IDs or by a GetMeterReadings profile) and the replies carrying the
readings. Most messages use the generic envelope; a fraction use the per-noun typed wrappers
and SOAP 1.1 / 1.2 bodies, as a real bus sees. The same seed always gives the same bytes.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from bus.envelope import Error as EnvelopeError
from bus.envelope import (
    EventMessage,
    Form,
    Header,
    IdKind,
    Level,
    Message,
    ObjectID,
    Option,
    Payload,
    Property,
    Reply,
    Request,
    RequestMessage,
    ResponseMessage,
    Result,
    SoapVersion,
    User,
    Verb,
    XmlFragment,
    encode_soap,
    encode_xml,
    fragment_of,
    wrapper_namespace,
)

MR_NS = "http://iec.ch/TC57/2011/MeterReadings#"
"""Namespace of the IEC 61968-9 MeterReadings payload."""
GET_MR_NS = "http://iec.ch/TC57/2011/GetMeterReadings#"
"""Namespace of the IEC 61968-9 GetMeterReadings request profile."""
NOUN = "MeterReadings"

SIZE_CLASSES: dict[str, int] = {"1KB": 1_000, "50KB": 50_000}
"""Nominal message size in bytes of each size class."""
TOLERANCE = 0.15
"""Every message of a size class is within this fraction of the nominal size."""
DEFAULT_COUNTS: dict[str, int] = {"1KB": 200, "50KB": 20}
"""Distinct messages per size class in a full run."""
DEFAULT_SEED = 61968

# IEC 61968-9 reading types: 15-min kWh delivered / received, hourly kvarh, register kWh.
_KWH_15MIN = "0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"
_KWH_15MIN_RECEIVED = "0.0.2.4.19.1.12.0.0.0.0.0.0.0.0.3.72.0"
_KVARH_60MIN = "0.0.7.4.1.1.12.0.0.0.0.0.0.0.0.3.73.0"
_KWH_REGISTER = "0.0.0.9.1.1.12.0.0.0.0.0.0.0.0.3.72.0"
_INTERVALS = {_KWH_15MIN: 15, _KWH_15MIN_RECEIVED: 15, _KVARH_60MIN: 60}
# A few IEC 61968-9 reading quality type codes (system.category.subCategory).
_QUALITIES = ("2.8.0", "2.7.1", "1.2.32", "1.4.4")
_SOURCES = ("HES-North", "HES-South", "MDM", "AMI-Itron", "AMI-LG")
_CONTEXTS = ("PRODUCTION", "PRODUCTION", "PRODUCTION", "TESTING")
_FORMS = ("generic", "typed", "soap")
_FORM_WEIGHTS = (70, 15, 15)
_KINDS = ("event", "get", "reply")
_KIND_WEIGHTS = (60, 20, 20)


@dataclass(frozen=True, slots=True)
class CorpusMessage:
    """One generated message: its bytes and how it was made."""

    data: bytes
    kind: str
    """``event``, ``get`` or ``reply``."""
    form: str
    """``generic``, ``typed``, or ``soap1.1-generic`` … ``soap1.2-typed`` for SOAP bodies."""


def _E(local: str, ns: str = MR_NS) -> str:
    return f"{{{ns}}}{local}"


def _fragment(root: etree._Element) -> XmlFragment:
    """``root`` in the form the codec stores payload elements."""
    return fragment_of(etree.tostring(root))


def _sub(parent: etree._Element, local: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _E(local))
    if text is not None:
        el.text = text
    return el


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class _Block:
    reading_type: str
    start: datetime
    values: tuple[float, ...]
    qualities: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class _MeterPlan:
    meter: str
    usage_point: str
    blocks: tuple[_Block, ...]
    register: float | None


class _Gen:
    """Draws every random choice of one corpus from a single seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def moment(self) -> datetime:
        """A 15-minute boundary in 2024, UTC."""
        start = datetime(2024, 1, 1, tzinfo=UTC)
        return start + timedelta(minutes=15 * self.rng.randrange(366 * 96))

    def header(
        self, verb: Verb, *, correlation: str | None = None, rich: bool, lean: bool = False
    ) -> Header:
        rng = self.rng
        sent = self.moment() + timedelta(
            seconds=rng.randrange(900), milliseconds=rng.randrange(1000)
        )
        if rng.random() < 0.2:
            sent = sent.astimezone(timezone(timedelta(hours=1)))
        reply_to = None
        if verb is Verb.GET:
            reply_to = f"{rng.choice(('cis', 'mdm', 'oms'))}.replies"
        props: tuple[Property, ...] = ()
        if rich and rng.random() < 0.5:
            props = (Property("region", rng.choice(("north", "south", "east", "west"))),)
        return Header(
            verb,
            NOUN,
            revision="2.0" if not lean and rng.random() < 0.6 else None,
            context=rng.choice(_CONTEXTS),
            timestamp=sent,
            source=rng.choice(_SOURCES),
            async_reply_flag=True if verb is Verb.GET and rng.random() < 0.5 else None,
            reply_address=reply_to,
            ack_required=rng.choice((True, False)) if rich else None,
            user=User("billing-batch", "Northgrid") if rich and rng.random() < 0.3 else None,
            message_id=self.uuid(),
            correlation_id=correlation,
            properties=props,
        )

    def meters(self, count: int, max_readings: int, *, small: bool) -> tuple[_MeterPlan, ...]:
        """``count`` meters with enough pregenerated readings for any fitted size.

        A ``small`` message has one reading type per meter and no register read.
        """
        rng = self.rng
        out = []
        for _ in range(count):
            types = [_KWH_15MIN]
            if not small and rng.random() < 0.3:
                types.append(_KWH_15MIN_RECEIVED)
            if not small and rng.random() < 0.2:
                types.append(_KVARH_60MIN)
            start = self.moment()
            blocks = []
            for rt in types:
                base = rng.uniform(0.05, 2.5)
                values = tuple(max(0.0, rng.gauss(base, base / 4)) for _ in range(max_readings))
                qualities = tuple(
                    rng.choice(_QUALITIES) if rng.random() < 0.05 else None
                    for _ in range(max_readings)
                )
                blocks.append(_Block(rt, start, values, qualities))
            register = rng.uniform(1_000, 90_000) if not small and rng.random() < 0.3 else None
            out.append(_MeterPlan(self.uuid(), self.uuid(), tuple(blocks), register))
        return tuple(out)


def _meter_readings(
    plans: tuple[_MeterPlan, ...], n: int, *, interval: bool, usage_point: bool = True
) -> XmlFragment:
    """A MeterReadings document holding ``n`` interval readings spread over ``plans``.

    ``interval`` adds each MeterReading's valuesInterval, ``usage_point`` its UsagePoint.
    """
    root = etree.Element(_E("MeterReadings"), nsmap={"m": MR_NS})
    blocks = sum(len(p.blocks) for p in plans)
    k = 0  # index of the block over all meters; the first n % blocks get one reading more
    for p in plans:
        mr = _sub(root, "MeterReading")
        per_block: list[tuple[_Block, int]] = []
        for b in p.blocks:
            per_block.append((b, n // blocks + (1 if k < n % blocks else 0)))
            k += 1
        longest = max((c * _INTERVALS[b.reading_type] for b, c in per_block), default=0)
        start = p.blocks[0].start
        for b, count in per_block:
            if count == 0:
                continue
            ib = _sub(mr, "IntervalBlocks")
            step = timedelta(minutes=_INTERVALS[b.reading_type])
            for i in range(count):
                ir = _sub(ib, "IntervalReadings")
                _sub(ir, "timeStamp", _ts(b.start + step * (i + 1)))
                _sub(ir, "value", f"{b.values[i]:.3f}")
                if (q := b.qualities[i]) is not None:
                    rq = _sub(ir, "ReadingQualities")
                    _sub(rq, "ReadingQualityType").set("ref", q)
            _sub(ib, "ReadingType").set("ref", b.reading_type)
        meter = _sub(mr, "Meter")
        _sub(meter, "mRID", p.meter)
        if p.register is not None:
            rd = _sub(mr, "Readings")
            _sub(rd, "timeStamp", _ts(start))
            _sub(rd, "value", f"{p.register:.1f}")
            _sub(rd, "ReadingType").set("ref", _KWH_REGISTER)
        if usage_point:
            up = _sub(mr, "UsagePoint")
            _sub(up, "mRID", p.usage_point)
        if interval:
            vi = _sub(mr, "valuesInterval")
            _sub(vi, "end", _ts(start + timedelta(minutes=longest)))
            _sub(vi, "start", _ts(start))
    return _fragment(root)


def _get_profile(meters: tuple[str, ...], reading_type: str) -> XmlFragment:
    """A GetMeterReadings request profile naming ``meters`` and one reading type."""
    root = etree.Element(_E("GetMeterReadings", GET_MR_NS), nsmap={"m": GET_MR_NS})
    for mrid in meters:
        ed = etree.SubElement(root, _E("EndDevice", GET_MR_NS))
        etree.SubElement(ed, _E("mRID", GET_MR_NS)).text = mrid
    rt = etree.SubElement(root, _E("ReadingType", GET_MR_NS))
    etree.SubElement(rt, _E("mRID", GET_MR_NS)).text = reading_type
    return _fragment(root)


def _fit(build: Callable[[int], bytes], target: int, low: int, high: int) -> bytes:
    """The output of ``build(n)``, ``low <= n <= high``, whose size is closest to ``target``."""
    lo, hi = low, high
    while lo < hi:  # smallest n whose output reaches the target
        mid = (lo + hi) // 2
        if len(build(mid)) >= target:
            hi = mid
        else:
            lo = mid + 1
    best = build(lo)
    if lo > low:
        below = build(lo - 1)
        if abs(len(below) - target) < abs(len(best) - target):
            best = below
    return best


@dataclass(frozen=True, slots=True)
class _Encoding:
    """How a message is written: envelope form and, for SOAP, the version."""

    form: str
    """``generic`` or ``typed``."""
    soap: str | None = None
    """``1.1`` or ``1.2`` for a message in a SOAP body, None for a bare one."""

    @property
    def label(self) -> str:
        return self.form if self.soap is None else f"soap{self.soap}-{self.form}"


def _encode(message: Message, how: _Encoding) -> bytes:
    """``message`` written as ``how`` says (gets and their replies in the Get wrapper)."""
    namespace = None
    if how.form == "typed" and not isinstance(message, EventMessage):
        namespace = wrapper_namespace(NOUN, get=True)
    form: Form = "typed" if how.form == "typed" else "generic"
    if how.soap is None:
        return encode_xml(message, form=form, namespace=namespace)
    version: SoapVersion = "1.1" if how.soap == "1.1" else "1.2"
    return encode_soap(message, version=version, form=form, namespace=namespace)


class _Builder:
    """Builds one message of a given kind, fitted to a target size."""

    def __init__(self, gen: _Gen, nominal: int, how: _Encoding, *, lean: bool = False) -> None:
        self.gen = gen
        self.nominal = nominal
        self.how = how
        self.small = nominal <= 5_000
        self.lean = lean
        """Leave out every optional part (for a small message that would not fit otherwise)."""
        self.rich = not lean and (not self.small or gen.rng.random() < 0.3)
        self.interval = not lean and (not self.small or gen.rng.random() < 0.2)

    def _meter_count(self) -> int:
        return 1 if self.small else self.gen.rng.randint(2, 8)

    def _max_readings(self) -> int:
        # an IntervalReadings element takes ~100 bytes; leave ample room above the target
        return 2 * self.nominal // 100 + 4

    def _readings(self, plans: tuple[_MeterPlan, ...], n: int) -> XmlFragment:
        return _meter_readings(plans, n, interval=self.interval, usage_point=not self.lean)

    def event(self, target: int) -> bytes:
        gen = self.gen
        header = gen.header(Verb.CREATED, rich=self.rich, lean=self.lean)
        count = self._meter_count()
        most = self._max_readings()
        plans = gen.meters(count, most, small=self.small)
        fmt = "XML" if not self.lean and gen.rng.random() < 0.2 else None

        def build(n: int) -> bytes:
            payload = Payload(
                elements=(self._readings(plans, n),),
                format=fmt,
            )
            return _encode(EventMessage(header, payload), self.how)

        return _fit(build, target, 1, most)

    def reply(self, target: int) -> bytes:
        gen, rng = self.gen, self.gen.rng
        header = gen.header(Verb.REPLY, correlation=gen.uuid(), rich=self.rich, lean=self.lean)
        count = self._meter_count()
        most = self._max_readings()
        plans = gen.meters(count, most, small=self.small)
        errors: tuple[EnvelopeError, ...] = ()
        result = Result.OK
        if not self.lean and rng.random() < 0.2:
            result = Result.PARTIAL
            missing = ObjectID(gen.uuid(), kind=IdKind.UUID, object_type="Meter")
            reason = "no readings for the meter in the requested interval"
            errors = (EnvelopeError("4.2", Level.WARNING, reason, id=missing),)
        reply = Reply(result, errors)

        def build(n: int) -> bytes:
            payload = Payload(elements=(self._readings(plans, n),))
            return _encode(ResponseMessage(header, reply, payload), self.how)

        return _fit(build, target, 1, most)

    def get(self, target: int) -> bytes:
        gen, rng = self.gen, self.gen.rng
        header = gen.header(Verb.GET, rich=self.rich, lean=self.lean)
        start = gen.moment().replace(hour=0, minute=0)
        end = start + timedelta(days=rng.choice((1, 1, 1, 7, 31)))
        reading_type = rng.choice((_KWH_15MIN, _KWH_15MIN, _KVARH_60MIN))
        most = max(4, self.nominal // 40)
        meters = tuple(gen.uuid() for _ in range(most))
        by_profile = rng.random() < 0.5

        def build(n: int) -> bytes:
            if by_profile:
                request = Request(start, end, profile=(_get_profile(meters[:n], reading_type),))
            else:
                ids = tuple(ObjectID(m, kind=IdKind.UUID, object_type="Meter") for m in meters[:n])
                request = Request(start, end, (Option("ReadingType", reading_type),), ids)
            return _encode(RequestMessage(header, request), self.how)

        return _fit(build, target, 1, most)


def generate_messages(size_class: str, count: int, seed: int = DEFAULT_SEED) -> list[CorpusMessage]:
    """``count`` distinct messages of ``size_class`` (``1KB`` or ``50KB``), the same per seed."""
    try:
        nominal = SIZE_CLASSES[size_class]
    except KeyError:
        raise ValueError(
            f"unknown size class {size_class!r}; use one of {', '.join(SIZE_CLASSES)}"
        ) from None
    rng = random.Random(f"cimbus-bench:{seed}:{size_class}")  # noqa: S311 - test data, not secrets
    gen = _Gen(rng)
    out = []
    for _ in range(count):
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        form = rng.choices(_FORMS, _FORM_WEIGHTS)[0]
        if form == "soap":
            soap = "1.1" if rng.random() < 0.7 else "1.2"
            how = _Encoding("typed" if rng.random() < 0.5 else "generic", soap)
        else:
            how = _Encoding(form)
        target = round(nominal * rng.uniform(0.93, 1.07))
        for lean in (False, True):
            make: Callable[[int], bytes] = getattr(_Builder(gen, nominal, how, lean=lean), kind)
            data = make(target)
            if abs(len(data) - nominal) <= TOLERANCE * nominal:
                break
        else:
            raise ValueError(
                f"generated {kind} message of {len(data)} bytes is outside the {size_class} band"
            )
        out.append(CorpusMessage(data, kind, how.label))
    return out


def generate(size_class: str, count: int, seed: int = DEFAULT_SEED) -> list[bytes]:
    """The bytes of ``count`` distinct messages of ``size_class``, the same for the same seed."""
    return [m.data for m in generate_messages(size_class, count, seed)]
