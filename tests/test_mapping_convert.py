"""Unit and time conversion of the mapping engine (adapters.mapping.convert)."""

from __future__ import annotations

import datetime
import pickle
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from adapters.mapping import convert
from adapters.mapping.convert import (
    UNITS,
    Ambiguous,
    decimal_text,
    local_to_utc,
    scale,
    unit_factor,
    utc_to_local,
    zone,
)

UTC = datetime.UTC
OSLO = "Europe/Oslo"
NEW_YORK = "America/New_York"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime.datetime:
    """An aware UTC datetime from its fields."""
    return datetime.datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "dimension"),
    [
        *((u, "power") for u in ("W", "kW", "MW", "GW")),
        *((u, "energy") for u in ("Wh", "kWh", "MWh", "GWh")),
        *((u, "reactive power") for u in ("var", "kvar", "Mvar")),
        *((u, "apparent power") for u in ("VA", "kVA", "MVA")),
        *((u, "reactive energy") for u in ("varh", "kvarh", "Mvarh")),
        *((u, "voltage") for u in ("V", "kV")),
        *((u, "current") for u in ("A", "kA")),
        ("Hz", "frequency"),
        *((u, "time") for u in ("s", "min", "h")),
        *((u, "length") for u in ("m", "km")),
    ],
)
def test_units_cover_the_required_symbols(symbol: str, dimension: str) -> None:
    """Every required symbol is known, in its dimension, with a Decimal factor."""
    found_dimension, factor = UNITS[symbol]
    assert found_dimension == dimension
    assert isinstance(factor, Decimal) and factor > 0


def test_units_have_no_temperature_and_are_read_only() -> None:
    """Temperatures (offsets, not factors) are absent and the table cannot be changed."""
    assert not {"degC", "°C", "K", "degF"} & set(UNITS)
    with pytest.raises(TypeError):
        UNITS["x"] = ("y", Decimal(1))  # type: ignore[index]


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("kWh", "Wh", "1000"),
        ("Wh", "kWh", "0.001"),
        ("GWh", "MWh", "1000"),
        ("MWh", "Wh", "1000000"),
        ("MW", "kW", "1000"),
        ("W", "GW", "0.000000001"),
        ("kvar", "var", "1000"),
        ("Mvar", "kvar", "1000"),
        ("kVA", "VA", "1000"),
        ("VA", "MVA", "0.000001"),
        ("Mvarh", "kvarh", "1000"),
        ("varh", "kvarh", "0.001"),
        ("kV", "V", "1000"),
        ("kA", "A", "1000"),
        ("Hz", "Hz", "1"),
        ("h", "min", "60"),
        ("h", "s", "3600"),
        ("min", "s", "60"),
        ("km", "m", "1000"),
        ("W", "W", "1"),
    ],
)
def test_unit_factor(source: str, target: str, factor: str) -> None:
    """The factor between two units of one dimension is the exact ratio of their factors."""
    assert unit_factor(source, target) == Decimal(factor)


def test_unit_factor_inverse_of_sixty_rounds_cleanly() -> None:
    """min -> h is 1/60 to 28 digits, and 90 min scales to exactly 1.5 h once rounded."""
    assert unit_factor("min", "h") == Decimal(1) / Decimal(60)
    assert decimal_text(scale(90, unit_factor("min", "h"))) == "1.5"


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("kwh", "Wh", "unknown unit 'kwh'; did you mean 'kWh'?"),
        ("Wh", "KW", "unknown unit 'KW'; did you mean 'kW'?"),
        ("kW", "mvar", "unknown unit 'mvar'; did you mean 'Mvar'?"),
    ],
)
def test_unknown_unit_suggests_the_close_symbol(source: str, target: str, message: str) -> None:
    """A misspelt unit is refused with the nearest known symbol as a suggestion."""
    with pytest.raises(ValueError) as caught:
        unit_factor(source, target)
    assert str(caught.value) == message


def test_unknown_unit_without_a_near_symbol() -> None:
    """A unit with nothing close is refused without a suggestion."""
    with pytest.raises(ValueError, match=r"^unknown unit 'furlongs per fortnight'$"):
        unit_factor("furlongs per fortnight", "m")


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("kW", "Wh", "kW is power and Wh is energy: they cannot be converted"),
        ("kvar", "kW", "kvar is reactive power and kW is power: they cannot be converted"),
        ("MVA", "MW", "MVA is apparent power and MW is power: they cannot be converted"),
        ("h", "Hz", "h is time and Hz is frequency: they cannot be converted"),
    ],
)
def test_units_of_different_dimensions_are_refused(source: str, target: str, message: str) -> None:
    """Units of different dimensions cannot be converted, and the message names both."""
    with pytest.raises(ValueError) as caught:
        unit_factor(source, target)
    assert str(caught.value) == message


# --- scale and decimal_text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "text"),
    [
        (0.42, "kWh", "Wh", "420"),
        (0.1, "kW", "W", "100"),
        (1.1, "MWh", "kWh", "1100"),
        ("0.42", "kWh", "Wh", "420"),
        (Decimal("12.345"), "kV", "V", "12345"),
        (7, "Wh", "kWh", "0.007"),
        (-3, "Mvar", "var", "-3000000"),
        (123456789, "W", "GW", "0.123456789"),
        (2.5, "h", "min", "150"),
        (1e-7, "GW", "W", "100"),
    ],
)
def test_scale_is_exact(value: object, source: str, target: str, text: str) -> None:
    """Scaling by a unit factor is exact decimal arithmetic on the value's shortest form."""
    assert decimal_text(scale(value, unit_factor(source, target))) == text


def test_scale_formats_without_exponent() -> None:
    """0.42 kWh is Decimal 420.00 Wh, printed by format 'f' as plain digits."""
    scaled = scale(0.42, Decimal(1000))
    assert scaled == Decimal("420.00")
    assert format(scaled, "f") == "420.00"


@pytest.mark.parametrize(
    "value",
    [True, False, None, "abc", "", "1,5", "1_000", "NaN", "inf", "-Infinity", "sNaN", [1], b"1"],
)
def test_scale_refuses_non_numbers(value: object) -> None:
    """Booleans, None, non-numeric text and non-finite values are refused with ValueError."""
    with pytest.raises(ValueError, match="number"):
        scale(value, Decimal(1000))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), Decimal("NaN")])
def test_scale_refuses_non_finite(value: object) -> None:
    """NaN and infinities are refused as not finite."""
    with pytest.raises(ValueError, match="not a finite number"):
        scale(value, Decimal(1000))


def test_scale_reports_overflow_as_value_error() -> None:
    """A product beyond the Decimal exponent range is a ValueError, not an ArithmeticError."""
    with pytest.raises(ValueError, match="cannot scale"):
        scale("9E+999999", Decimal(1000))


def test_scale_accepts_numeric_text_with_spaces_and_exponent() -> None:
    """Numeric text may have surrounding spaces and an exponent."""
    assert scale(" 1.5E3 ", Decimal("0.001")) == Decimal("1.5")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("420.00", "420"),
        ("0.4200", "0.42"),
        ("1E+3", "1000"),
        ("4.2E+2", "420"),
        ("1.5E-7", "0.00000015"),
        ("-12.340", "-12.34"),
        ("0", "0"),
        ("-0.000", "0"),
        ("0E+5", "0"),
        ("100", "100"),
        ("-7", "-7"),
    ],
)
def test_decimal_text(value: str, text: str) -> None:
    """decimal_text gives plain digits: no exponent, no trailing zeros, no negative zero."""
    assert decimal_text(Decimal(value)) == text


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_decimal_text_refuses_non_finite(value: str) -> None:
    """decimal_text refuses NaN and infinities."""
    with pytest.raises(ValueError, match="not a finite number"):
        decimal_text(Decimal(value))


POWERS = st.integers(min_value=-12, max_value=12).map(lambda k: Decimal(10) ** k)


@given(
    st.decimals(min_value=-(10**15), max_value=10**15, places=8, allow_nan=False),
    POWERS,
)
def test_scale_round_trip_decimals(x: Decimal, f: Decimal) -> None:
    """For decimals, scaling by a power of ten and back returns the same number."""
    assert scale(scale(x, f), Decimal(1) / f) == x


@given(st.floats(allow_nan=False, allow_infinity=False), POWERS)
def test_scale_round_trip_floats(x: float, f: Decimal) -> None:
    """For floats, scaling by a power of ten is exact on the shortest repr, and reversible."""
    scaled = scale(x, f)
    assert Fraction(scaled) == Fraction(Decimal(repr(x))) * Fraction(f)
    assert scale(scaled, Decimal(1) / f) == Decimal(repr(x))


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, max_value=10**12))
def test_decimal_text_reads_back_equal(x: Decimal) -> None:
    """decimal_text's output has no exponent and reads back as the same number."""
    text = decimal_text(x)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == x


# --- zones -----------------------------------------------------------------------------------


def test_zone_is_cached() -> None:
    """zone returns the same ZoneInfo object on each call."""
    assert zone(OSLO) is zone(OSLO)
    assert zone(OSLO) == ZoneInfo(OSLO)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Europe/Olso", "unknown time zone 'Europe/Olso'; did you mean 'Europe/Oslo'?"),
        ("europe/oslo", "unknown time zone 'europe/oslo'; did you mean 'Europe/Oslo'?"),
        ("America/New_Yrok", "unknown time zone 'America/New_Yrok'; did you mean"),
    ],
)
def test_unknown_zone_suggests_the_close_name(name: str, message: str) -> None:
    """A misspelt zone is refused with the nearest IANA name as a suggestion."""
    with pytest.raises(ValueError) as caught:
        zone(name)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("name", ["", "../etc/passwd", "/etc/localtime", "Europe/", "Nowhere"])
def test_invalid_zone_names_are_value_errors(name: str) -> None:
    """Empty, path-like and unknown zone names are all refused with ValueError."""
    with pytest.raises(ValueError, match="unknown time zone"):
        zone(name)


# --- local_to_utc ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone_name", "expected"),
    [
        ("2026-03-29T01:15:00", OSLO, utc(2026, 3, 29, 0, 15)),
        ("2026-03-29T01:59:59", OSLO, utc(2026, 3, 29, 0, 59, 59)),
        ("2026-03-29T03:00:00", OSLO, utc(2026, 3, 29, 1, 0)),
        ("2026-07-01T12:00:00", OSLO, utc(2026, 7, 1, 10, 0)),
        ("2026-10-25T01:59:00", OSLO, utc(2026, 10, 24, 23, 59)),
        ("2026-10-25T03:00:00", OSLO, utc(2026, 10, 25, 2, 0)),
        ("2026-01-15T08:00:00", NEW_YORK, utc(2026, 1, 15, 13, 0)),
        ("2026-07-04T08:00:00.250000", NEW_YORK, utc(2026, 7, 4, 12, 0, 0, 250000)),
        ("2026-01-15", OSLO, utc(2026, 1, 14, 23, 0)),
        ("2026-01-15 08:00", "UTC", utc(2026, 1, 15, 8, 0)),
    ],
)
def test_local_to_utc(text: str, zone_name: str, expected: datetime.datetime) -> None:
    """An unambiguous wall time converts to its UTC instant, aware with tzinfo UTC."""
    policies: tuple[Ambiguous, ...] = ("earlier", "later", "error")
    for policy in policies:
        found = local_to_utc(text, zone_name=zone_name, ambiguous=policy)
        assert found == expected
        assert found.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "zone_name"),
    [
        ("2026-03-29T02:30:00", OSLO),
        ("2026-03-29T02:00:00", OSLO),
        ("2026-03-29T02:59:59.999999", OSLO),
        ("2026-03-08T02:30:00", NEW_YORK),
    ],
)
@pytest.mark.parametrize("policy", ["earlier", "later", "error"])
def test_gap_wall_time_is_refused(text: str, zone_name: str, policy: str) -> None:
    """A wall time skipped by spring-forward does not exist, whatever the policy."""
    with pytest.raises(ValueError, match=f"does not exist in {zone_name}.*gap.*1:00:00"):
        local_to_utc(text, zone_name=zone_name, ambiguous=policy)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "zone_name", "earlier", "later"),
    [
        ("2026-10-25T02:30:00", OSLO, utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
        ("2026-10-25T02:00:00", OSLO, utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 1, 0)),
        ("2026-11-01T01:30:00", NEW_YORK, utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)),
    ],
)
def test_ambiguous_wall_time_follows_the_policy(
    text: str, zone_name: str, earlier: datetime.datetime, later: datetime.datetime
) -> None:
    """A repeated wall time is the first occurrence for 'earlier', the second for 'later'."""
    assert local_to_utc(text, zone_name=zone_name, ambiguous="earlier") == earlier
    assert local_to_utc(text, zone_name=zone_name, ambiguous="later") == later


@pytest.mark.parametrize(
    ("text", "zone_name", "first", "second"),
    [
        ("2026-10-25T02:30:00", OSLO, "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"),
        ("2026-11-01T01:30:00", NEW_YORK, "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"),
    ],
)
def test_ambiguous_wall_time_error_names_both_instants(
    text: str, zone_name: str, first: str, second: str
) -> None:
    """With ambiguous='error' (the default) the message names both possible UTC instants."""
    with pytest.raises(ValueError) as caught:
        local_to_utc(text, zone_name=zone_name)
    message = str(caught.value)
    assert f"is ambiguous in {zone_name}" in message
    assert first in message and second in message


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2026-10-25T02:30:00+01:00", None, utc(2026, 10, 25, 1, 30)),
        ("2026-10-25T02:30:00+02:00", None, utc(2026, 10, 25, 0, 30)),
        ("2026-03-29T02:30:00Z", None, utc(2026, 3, 29, 2, 30)),
        ("2026-03-29T02:30:00-05:00", None, utc(2026, 3, 29, 7, 30)),
        ("25.10.2026 02:30 +0100", "%d.%m.%Y %H:%M %z", utc(2026, 10, 25, 1, 30)),
    ],
)
def test_offset_in_text_is_honoured(
    text: str, fmt: str | None, expected: datetime.datetime
) -> None:
    """Text carrying an offset is converted as written: no gap or ambiguity applies."""
    found = local_to_utc(text, zone_name=OSLO, fmt=fmt)
    assert found == expected and found.tzinfo is UTC


def test_local_to_utc_with_format() -> None:
    """A strptime format reads native text, then the zone applies as for ISO text."""
    found = local_to_utc("29.03.2026 01:15", zone_name=OSLO, fmt="%d.%m.%Y %H:%M")
    assert found == utc(2026, 3, 29, 0, 15)
    with pytest.raises(ValueError, match="does not exist"):
        local_to_utc("29.03.2026 02:15", zone_name=OSLO, fmt="%d.%m.%Y %H:%M")


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("29/03/2026", None, "expected ISO 8601"),
        ("", None, "expected ISO 8601"),
        ("2026-13-01T00:00", None, "expected ISO 8601"),
        ("2026-03-29", "%d.%m.%Y %H:%M", "expected the format '%d.%m.%Y %H:%M'"),
        (20260329, None, "expected ISO 8601"),
    ],
)
def test_unparseable_text_names_the_format(text: object, fmt: str | None, expected: str) -> None:
    """Text that does not parse is refused with the expected format in the message."""
    with pytest.raises(ValueError, match=expected.replace(".", r"\.")):
        local_to_utc(text, zone_name=OSLO, fmt=fmt)  # type: ignore[arg-type]


def test_local_to_utc_checks_zone_and_policy() -> None:
    """An unknown zone (even for text with an offset) or policy is refused."""
    with pytest.raises(ValueError, match="did you mean 'Europe/Oslo'"):
        local_to_utc("2026-01-01T00:00:00+01:00", zone_name="Europe/Olso")
    with pytest.raises(ValueError, match="ambiguous must be one of"):
        local_to_utc("2026-01-01T00:00:00", zone_name=OSLO, ambiguous="first")  # type: ignore[arg-type]


def test_local_to_utc_repeats_results_and_errors() -> None:
    """Repeated calls give equal results and keep raising for gaps (errors are not cached)."""
    first = local_to_utc("2026-05-01T12:00:00", zone_name=OSLO)
    assert local_to_utc("2026-05-01T12:00:00", zone_name=OSLO) == first
    for _ in range(2):
        with pytest.raises(ValueError, match="does not exist"):
            local_to_utc("2026-03-29T02:30:00", zone_name=OSLO)


def test_local_to_utc_recent_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of recent conversions never grows beyond its bound and stays correct."""
    monkeypatch.setattr(convert, "_RECENT_MAX", 8)
    start = datetime.datetime(2026, 1, 1)
    for minutes in range(0, 60 * 24, 15):
        wall = start + datetime.timedelta(minutes=minutes)
        found = local_to_utc(wall.isoformat(), zone_name=OSLO)
        assert found == wall.replace(tzinfo=ZoneInfo(OSLO)).astimezone(UTC)
        assert len(convert._RECENT) <= 8


def test_local_to_utc_outside_supported_years() -> None:
    """A wall time whose UTC instant falls before year 1 is a ValueError."""
    with pytest.raises(ValueError, match="outside the supported years"):
        local_to_utc("0001-01-01T00:00:00", zone_name="Asia/Tokyo")


# --- utc_to_local ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "zone_name", "fmt", "text"),
    [
        (utc(2026, 3, 29, 0, 15), OSLO, None, "2026-03-29T01:15:00"),
        (utc(2026, 3, 29, 1, 15), OSLO, None, "2026-03-29T03:15:00"),
        (utc(2026, 10, 25, 0, 30), OSLO, None, "2026-10-25T02:30:00"),
        (utc(2026, 10, 25, 1, 30), OSLO, None, "2026-10-25T02:30:00"),
        (utc(2026, 7, 4, 12, 0, 0, 5), NEW_YORK, None, "2026-07-04T08:00:00.000005"),
        (utc(2026, 3, 29, 1, 15), OSLO, "%d.%m.%Y %H:%M", "29.03.2026 03:15"),
        (utc(2026, 3, 29, 1, 15), OSLO, "%Y-%m-%dT%H:%M:%S%z", "2026-03-29T03:15:00+0200"),
    ],
)
def test_utc_to_local(value: datetime.datetime, zone_name: str, fmt: str | None, text: str) -> None:
    """An aware instant becomes the zone's wall time: ISO without offset, or ``fmt``."""
    assert utc_to_local(value, zone_name=zone_name, fmt=fmt) == text


def test_utc_to_local_accepts_any_aware_zone() -> None:
    """An aware datetime in another zone is converted by its instant."""
    tokyo = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert utc_to_local(tokyo, zone_name=OSLO) == "2026-01-01T01:00:00"


@pytest.mark.parametrize("value", [datetime.datetime(2026, 1, 1), "2026-01-01T00:00:00Z", None])
def test_utc_to_local_refuses_naive(value: object) -> None:
    """A naive datetime (or anything not a datetime) is refused with ValueError."""
    with pytest.raises(ValueError, match="not an aware datetime"):
        utc_to_local(value, zone_name=OSLO)  # type: ignore[arg-type]


ZONES = st.sampled_from(
    [OSLO, NEW_YORK, "UTC", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Apia", "Europe/London"]
)
INSTANTS = st.datetimes(
    min_value=datetime.datetime(1901, 1, 1),
    max_value=datetime.datetime(2100, 12, 31),
    timezones=st.just(UTC),
)


def is_ambiguous(wall: datetime.datetime, tz: ZoneInfo) -> bool:
    """Whether ``wall`` occurs twice in ``tz`` (its two folds have different offsets)."""
    return wall.replace(tzinfo=tz).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()


@given(INSTANTS, ZONES)
def test_round_trip_utc_local_utc(instant: datetime.datetime, zone_name: str) -> None:
    """local_to_utc(utc_to_local(x)) == x for every instant whose wall time is unambiguous."""
    text = utc_to_local(instant, zone_name=zone_name)
    assume(not is_ambiguous(datetime.datetime.fromisoformat(text), zone(zone_name)))
    assert local_to_utc(text, zone_name=zone_name) == instant


@given(INSTANTS, ZONES)
def test_round_trip_folds_with_policies(instant: datetime.datetime, zone_name: str) -> None:
    """For any instant, one of 'earlier'/'later' recovers it from its wall time."""
    text = utc_to_local(instant, zone_name=zone_name)
    found = {local_to_utc(text, zone_name=zone_name, ambiguous=p) for p in ("earlier", "later")}
    assert instant in found


@given(st.datetimes(datetime.datetime(1970, 1, 1), datetime.datetime(2100, 1, 1)), ZONES)
def test_local_to_utc_never_shifts_the_wall_time(wall: datetime.datetime, zone_name: str) -> None:
    """A naive wall time either converts to an instant showing that same wall time, or is
    refused as non-existent or ambiguous."""
    text = wall.isoformat()
    try:
        found = local_to_utc(text, zone_name=zone_name, ambiguous="later")
    except ValueError as exc:
        assert "does not exist" in str(exc)
        return
    assert utc_to_local(found, zone_name=zone_name) == text


def test_gap_of_a_whole_day_in_samoa() -> None:
    """Samoa skipped 30 December 2011: every wall time of that day is refused."""
    with pytest.raises(ValueError, match=r"does not exist.*1 day"):
        local_to_utc("2011-12-30T12:00:00", zone_name="Pacific/Apia")


def test_lord_howe_half_hour_fold() -> None:
    """Lord Howe's 30-minute fall-back makes 01:45 ambiguous by half an hour."""
    text, zone_name = "2026-04-05T01:45:00", "Australia/Lord_Howe"
    earlier = local_to_utc(text, zone_name=zone_name, ambiguous="earlier")
    later = local_to_utc(text, zone_name=zone_name, ambiguous="later")
    assert later - earlier == datetime.timedelta(minutes=30)


def test_value_errors_pickle() -> None:
    """Conversion errors are plain ValueErrors that survive pickling (worker processes)."""
    with pytest.raises(ValueError) as caught:
        unit_factor("kW", "Wh")
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)
