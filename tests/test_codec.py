"""Value codecs: round trips, exact bytes, byte order, refused values (pure bytes, no network)."""

from __future__ import annotations

import math
import random
import struct
from datetime import date, datetime, time, timedelta, timezone

import pytest

from qml_s7.core.address import DATATYPES, Address, parse_address
from qml_s7.core.codec import (
    DATA_TYPE_NAME,
    SWAPPED_TYPES,
    ByteOrder,
    CodecError,
    decode,
    decoder,
    encode,
)

BE, LE = ByteOrder.BigEndian, ByteOrder.LittleEndian
BOTH = pytest.mark.parametrize("order", [BE, LE], ids=["big", "little"])

NAMES = {
    "BOOL": "DB1.DBX0.3",
    "BYTE": "DB1.DBB2",
    "SINT": "DB1.DBB2:SINT",
    "USINT": "DB1.DBB2:USINT",
    "CHAR": "DB1.DBB2:CHAR",
    "WORD": "DB1.DBW4",
    "INT": "DB1.DBW4:INT",
    "UINT": "DB1.DBW4:UINT",
    "WCHAR": "DB1.DBW4:WCHAR",
    "DATE": "DB1.DBW4:DATE",
    "S5TIME": "DB1.DBW4:S5TIME",
    "DWORD": "DB1.DBD8",
    "DINT": "DB1.DBD8:DINT",
    "UDINT": "DB1.DBD8:UDINT",
    "REAL": "DB1.DBD8:REAL",
    "TIME": "DB1.DBD8:TIME",
    "TOD": "DB1.DBD8:TOD",
    "LINT": "DB1:16:LINT",
    "ULINT": "DB1:16:ULINT",
    "LWORD": "DB1:16:LWORD",
    "LREAL": "DB1:16:LREAL",
    "DT": "DB1:16:DT",
    "DTL": "DB1:16:DTL",
    "STRING": "DB1.DBB30:STRING[10]",
    "WSTRING": "DB1.DBB30:WSTRING[10]",
}


def addr(datatype: str) -> Address:
    return parse_address(NAMES[datatype])


# datatype, edge and ordinary values (each must decode back equal)
ROUND_TRIPS = {
    "BOOL": [False, True],
    "BYTE": [0, 1, 0x7F, 0x80, 255],
    "SINT": [-128, -1, 0, 1, 127],
    "USINT": [0, 200, 255],
    "CHAR": ["\x00", "A", " ", "é", "\xff"],
    "WORD": [0, 1, 0x1234, 0x8000, 65535],
    "INT": [-32768, -2, -1, 0, 1, 32767],
    "UINT": [0, 40000, 65535],
    "WCHAR": ["\x00", "A", "é", "€", "\u4e2d", "\uffff"],
    "DATE": [date(1990, 1, 1), date(2000, 2, 29), date(2024, 3, 27), date(2168, 12, 31)],
    "S5TIME": [0, 10, 9990, 10_000, 99_900, 100_000, 999_000, 1_000_000, 9_990_000],
    "DWORD": [0, 1, 0x12345678, 0xFFFF_FFFF],
    "DINT": [-(2**31), -1, 0, 2**31 - 1],
    "UDINT": [0, 3_000_000_000, 2**32 - 1],
    "REAL": [0.0, -0.0, 1.5, -1.5, 1.1, 0.1, 123.321, 3.4028235e38, -3.4028235e38, 1e-45],
    "TIME": [-(2**31), -1500, 0, 1, 86_400_000, 2**31 - 1],
    "TOD": [time(0, 0), time(12, 30, 15, 500_000), time(23, 59, 59, 999_000)],
    "LINT": [-(2**63), -1, 0, 2**63 - 1],
    "ULINT": [0, 2**63, 2**64 - 1],
    "LWORD": [0, 0xABCD, 2**64 - 1],
    "LREAL": [0.0, -0.0, 1.1, math.pi, 1.7976931348623157e308, -2.2250738585072014e-308, 5e-324],
    "DT": [
        datetime(1990, 1, 1),
        datetime(2020, 7, 12, 17, 32, 2, 854_000),
        datetime(2089, 12, 31, 23, 59, 59, 999_000),
    ],
    "DTL": [
        datetime(1970, 1, 1),
        datetime(2024, 3, 27, 14, 30, 0, 123_456),
        datetime(2262, 4, 11, 23, 47, 16, 854_775),
    ],
    "STRING": ["", "a", "hello", "Grüße!", "0123456789"],
    "WSTRING": ["", "a", "hello", "中文 €", "0123456789"],
}
ROUND_TRIP_CASES = [(t, v) for t, values in ROUND_TRIPS.items() for v in values]


def test_round_trips_cover_every_datatype():
    assert set(ROUND_TRIPS) == DATATYPES == set(NAMES) == set(DATA_TYPE_NAME)


@BOTH
@pytest.mark.parametrize(("datatype", "value"), ROUND_TRIP_CASES)
def test_round_trip(datatype, value, order):
    address = addr(datatype)
    data = encode(address, value, order)
    assert isinstance(data, bytes)
    assert len(data) == address.size
    if datatype == "BOOL":
        assert data == (b"\x01" if value else b"\x00")
        data = bytes([data[0] << address.bit])  # the reader hands over the whole byte
    result = decode(address, data, order)
    assert type(result) is type(value)
    assert result == value
    if isinstance(value, float):
        assert math.copysign(1, result) == math.copysign(1, value)
    if datatype != "BOOL":
        assert encode(address, result, order) == data


@BOTH
@pytest.mark.parametrize("datatype", sorted(DATATYPES))
def test_a_decoder_is_decode_bound_to_its_address(datatype, order):
    """The poll path builds one decoder per address and reuses it on every cycle's bytes."""
    address = addr(datatype)
    run = decoder(address, order)
    for value in ROUND_TRIPS[datatype]:
        data = encode(address, value, order)
        if datatype == "BOOL":
            data = bytes([data[0] << address.bit])
        assert run(data) == decode(address, data, order)
        assert type(run(data)) is type(decode(address, data, order))
    with pytest.raises(CodecError, match="expected"):
        run(bytes(address.size + 1))


@BOTH
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("datatype", ["REAL", "LREAL"])
def test_ieee_specials(datatype, value, order):
    address = addr(datatype)
    result = decode(address, encode(address, value, order), order)
    assert result == value or (math.isnan(value) and math.isnan(result))


@pytest.mark.parametrize(
    ("name", "value", "order", "expected"),
    [
        ("DB1.DBD0:REAL", 1.5, BE, "3F C0 00 00"),
        ("DB1.DBD0:REAL", 1.5, LE, "00 00 C0 3F"),
        ("DB1.DBD0:REAL", -2.0, BE, "C0 00 00 00"),
        ("DB1.DBW0:INT", -2, BE, "FF FE"),
        ("DB1.DBW0:INT", -2, LE, "FE FF"),
        ("DB1.DBW0:INT", 255, BE, "00 FF"),
        ("DB1.DBW0", 0x1234, BE, "12 34"),
        ("DB1.DBW0", 0x1234, LE, "34 12"),
        ("DB1.DBD0", 0x12345678, BE, "12 34 56 78"),
        ("DB1.DBD0", 0x12345678, LE, "78 56 34 12"),
        ("DB1.DBD0:DINT", -1, BE, "FF FF FF FF"),
        ("DB1.DBD0:UDINT", 1, LE, "01 00 00 00"),
        ("DB1:0:LREAL", 1.0, BE, "3F F0 00 00 00 00 00 00"),
        ("DB1:0:LREAL", 1.0, LE, "00 00 00 00 00 00 F0 3F"),
        ("DB1:0:LINT", -2, BE, "FF FF FF FF FF FF FF FE"),
        ("DB1:0:LWORD", 0xABCD, BE, "00 00 00 00 00 00 AB CD"),
        ("DB1:0:LWORD", 0xABCD, LE, "CD AB 00 00 00 00 00 00"),
        ("DB1.DBD0:TIME", 1000, BE, "00 00 03 E8"),
        ("DB1.DBD0:TIME", 1000, LE, "E8 03 00 00"),
        ("DB1.DBW0:WCHAR", "C", BE, "00 43"),
        ("DB1.DBW0:WCHAR", "C", LE, "43 00"),
        ("DB1.DBB0:SINT", -1, BE, "FF"),
        ("DB1.DBB0", 300 - 45, LE, "FF"),
        ("DB1.DBB0:CHAR", "C", LE, "43"),
        ("DB1.DBX0.5", True, BE, "01"),
        ("DB1.DBX0.5", False, LE, "00"),
        ("DB1.DBB0:STRING[4]", "hi", BE, "04 02 68 69 20 20"),
        ("DB1.DBB0:STRING[4]", "hi", LE, "04 02 68 69 20 20"),
        ("DB1.DBB0:WSTRING[2]", "hi", LE, "00 02 00 02 00 68 00 69"),
        ("DB1.DBW0:DATE", date(2024, 3, 27), BE, "30 D8"),
        ("DB1.DBW0:DATE", date(2024, 3, 27), LE, "30 D8"),
        ("DB1.DBD0:TOD", time(0, 0, 1), LE, "00 00 03 E8"),
        ("DB1:0:DT", datetime(2020, 7, 12, 17, 32, 2, 854_000), LE, "20 07 12 17 32 02 85 41"),
        (
            "DB1:0:DTL",
            datetime(2024, 3, 27, 14, 30),
            LE,
            "07 E8 03 1B 04 0E 1E 00 00 00 00 00",
        ),
        ("DB1.DBW0:S5TIME", 12_300, LE, "11 23"),
        ("DB1.DBW0:S5TIME", 9_990_000, BE, "39 99"),
        ("DB1.DBW0:S5TIME", 10, BE, "00 01"),
    ],
)
def test_exact_bytes(name, value, order, expected):
    address = parse_address(name)
    data = encode(address, value, order)
    assert data.hex(" ").upper() == expected
    if address.datatype != "BOOL":
        assert decode(address, data, order) == value


@pytest.mark.parametrize("datatype", sorted(DATATYPES - SWAPPED_TYPES))
def test_little_endian_keeps_plc_layout(datatype):
    address = addr(datatype)
    for value in ROUND_TRIPS[datatype]:
        assert encode(address, value, LE) == encode(address, value, BE)


@pytest.mark.parametrize("datatype", sorted(SWAPPED_TYPES))
def test_little_endian_reverses_numbers(datatype):
    address = addr(datatype)
    for value in ROUND_TRIPS[datatype]:
        assert encode(address, value, LE) == encode(address, value, BE)[::-1]


@pytest.mark.parametrize("bit", range(8))
def test_bool_decode_picks_its_bit(bit):
    address = parse_address(f"DB1.DBX0.{bit}")
    assert decode(address, bytes([1 << bit])) is True
    assert decode(address, bytes([0xFF ^ (1 << bit)])) is False
    assert decode(address, b"\xff", LE) is True
    assert decode(address, b"\x00") is False
    for other in range(8):
        assert decode(parse_address(f"M3.{other}"), bytes([1 << bit])) is (other == bit)


def test_real_decodes_to_shortest_decimal():
    address = parse_address("DB1.DBD0:REAL")
    assert decode(address, struct.pack(">f", 1.1)) == 1.1
    assert decode(address, struct.pack(">f", 0.1)) == 0.1
    assert decode(address, bytes.fromhex("42F6A45A")) == 123.321
    assert decode(address, bytes.fromhex("00000001")) == 1e-45
    assert decode(address, bytes.fromhex("7F7FFFFF")) == 3.4028235e38


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DB1.DBW0:INT", "12", 12),
        ("DB1.DBW0:INT", " -3 ", -3),
        ("DB1.DBW0:INT", "+7", 7),
        ("DB1.DBW0:INT", "12.0", 12),
        ("DB1.DBW0:INT", "1e3", 1000),
        ("DB1.DBW0:INT", 12.0, 12),
        ("DB1.DBW0", "0x1F", 31),
        ("DB1.DBW0", "16#ff", 255),
        ("DB1.DBD0:REAL", "12.5", 12.5),
        ("DB1.DBD0:REAL", " -0.25 ", -0.25),
        ("DB1.DBD0:REAL", 3, 3.0),
        ("DB1:0:LREAL", "1e300", 1e300),
        ("DB1.DBD0:TIME", timedelta(seconds=1.5), 1500),
        ("DB1.DBD0:TIME", timedelta(microseconds=1999), 1),
        ("DB1.DBD0:TIME", "-250", -250),
        ("DB1.DBW0:S5TIME", timedelta(minutes=2), 120_000),
        ("DB1.DBW0:S5TIME", 12_345, 12_300),  # rounded down to 100 ms resolution
        ("DB1.DBW0:S5TIME", 9_999, 9_990),
        ("DB1.DBW0:S5TIME", 1_234_567, 1_230_000),  # 10 s resolution
        ("DB1.DBX0.0", 1, True),
        ("DB1.DBX0.0", 0, False),
        ("DB1.DBX0.0", "true", True),
        ("DB1.DBX0.0", " False ", False),
        ("DB1.DBX0.0", "1", True),
        ("DB1.DBW0:DATE", datetime(2024, 3, 27, 13, 0), date(2024, 3, 27)),
        ("DB1.DBW0:DATE", "2024-03-27", date(2024, 3, 27)),
        ("DB1.DBD0:TOD", datetime(2024, 3, 27, 13, 5, 7), time(13, 5, 7)),
        ("DB1.DBD0:TOD", timedelta(hours=1, milliseconds=5), time(1, 0, 0, 5000)),
        ("DB1.DBD0:TOD", "12:30:00.250", time(12, 30, 0, 250_000)),
        ("DB1.DBD0:TOD", time(1, 2, 3, 4567), time(1, 2, 3, 4000)),  # milliseconds only
        ("DB1:0:DT", date(2024, 3, 27), datetime(2024, 3, 27)),
        ("DB1:0:DT", "2024-03-27T12:30:01.5", datetime(2024, 3, 27, 12, 30, 1, 500_000)),
        ("DB1:0:DT", datetime(2024, 1, 1, 0, 0, 0, 1999), datetime(2024, 1, 1, 0, 0, 0, 1000)),
        ("DB1:0:DTL", "2024-03-27 12:30:01", datetime(2024, 3, 27, 12, 30, 1)),
    ],
)
def test_accepted_conversions(name, value, expected):
    address = parse_address(name)
    data = encode(address, value)
    if address.datatype == "BOOL":
        data = bytes([data[0] << address.bit])
    result = decode(address, data)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("datatype", ["DT", "DTL"])
def test_aware_datetime_is_written_as_local_time(datatype):
    moment = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    address = addr(datatype)
    local = moment.astimezone().replace(tzinfo=None)
    assert decode(address, encode(address, moment)) == local


REFUSED = [
    ("DB1.DBB2", 300, "Value 300 does not fit BYTE (0..255) at DB1.DBB2"),
    ("DB1.DBB2", -1, "Value -1 does not fit BYTE (0..255) at DB1.DBB2"),
    ("DB1.DBW4", -1, "Value -1 does not fit WORD (0..65535) at DB1.DBW4"),
    ("DB1.DBW4", 65536, "does not fit WORD (0..65535)"),
    ("DB1.DBW4:INT", 40000, "Value 40000 does not fit INT (-32768..32767) at DB1.DBW4:INT"),
    ("DB1.DBW4:INT", -32769, "does not fit INT"),
    ("DB1.DBB0:SINT", 128, "does not fit SINT (-128..127)"),
    ("DB1.DBB0:USINT", 256, "does not fit USINT"),
    ("DB1.DBW0:UINT", -1, "does not fit UINT"),
    ("DB1.DBD0", 2**32, "does not fit DWORD"),
    ("DB1.DBD0:DINT", 2**31, "does not fit DINT"),
    ("DB1.DBD0:UDINT", -5, "does not fit UDINT"),
    ("DB1.DBD0:TIME", 2**31, "does not fit TIME"),
    ("DB1.DBD0:TIME", timedelta(days=25), "does not fit TIME"),
    ("DB1:0:LINT", 2**63, "does not fit LINT"),
    ("DB1:0:ULINT", -1, "does not fit ULINT"),
    ("DB1:0:LWORD", 2**64, "does not fit LWORD"),
    ("DB1.DBW0:S5TIME", -10, "does not fit S5TIME"),
    ("DB1.DBW0:S5TIME", 9_990_001, "does not fit S5TIME"),
    ("DB1.DBD8:REAL", "abc", 'Value "abc" is not a number for REAL at DB1.DBD8:REAL'),
    ("DB1.DBD8:REAL", "", "is not a number for REAL"),
    ("DB1.DBD8:REAL", "1,5", "is not a number for REAL"),
    ("DB1.DBD8:REAL", 1e39, "does not fit REAL"),
    ("DB1.DBD8:REAL", -1e39, "does not fit REAL"),
    ("DB1.DBD8:REAL", 10**400, "does not fit REAL"),
    ("DB1.DBD8:REAL", True, "is a boolean, not a number for REAL"),
    ("DB1.DBD8:REAL", [1.0], "(list) is not a number for REAL"),
    ("DB1:0:LREAL", "1e999x", "is not a number for LREAL"),
    ("DB1:0:LREAL", 10**400, "does not fit LREAL"),
    ("DB1.DBW4:INT", 1.5, "Value 1.5 is not a whole number for INT at DB1.DBW4:INT"),
    ("DB1.DBW4:INT", "1.5", "is not a whole number for INT"),
    ("DB1.DBW4:INT", math.nan, "is not a whole number for INT"),
    ("DB1.DBW4:INT", math.inf, "is not a whole number for INT"),
    ("DB1.DBW4:INT", "twelve", 'Value "twelve" is not a number for INT'),
    ("DB1.DBW4:INT", "0x", "is not a number for INT"),
    ("DB1.DBW4:INT", True, "is a boolean, not a number for INT"),
    ("DB1.DBW4:INT", b"\x01", "is not a number for INT"),
    ("DB1.DBW4:INT", None, "No value to write to DB1.DBW4:INT"),
    ("DB1.DBX0.1", None, "No value to write to DB1.DBX0.1"),
    ("DB1.DBX0.1", 2, "Value 2 is not a boolean (true/false) for BOOL at DB1.DBX0.1"),
    ("DB1.DBX0.1", 0.5, "is not a boolean"),
    ("DB1.DBX0.1", "yes please", "is not a boolean"),
    ("DB1.DBB0:CHAR", "ab", "is not a single character for CHAR"),
    ("DB1.DBB0:CHAR", "", "is not a single character for CHAR"),
    ("DB1.DBB0:CHAR", "€", "is not a latin-1 character for CHAR"),
    ("DB1.DBB0:CHAR", 65, "(int) is not text for CHAR"),
    ("DB1.DBW0:WCHAR", "😀", "is not a 16-bit (BMP) character for WCHAR"),
    ("DB1.DBW0:WCHAR", "\ud800", "is not a 16-bit (BMP) character"),
    (
        "DB1.DBB0:STRING[3]",
        "abcd",
        'Text of 4 characters does not fit STRING[3] at DB1.DBB0:STRING[3] (at most 3): "abcd"',
    ),
    ("DB1.DBB0:STRING[3]", "a€", "cannot hold at DB1.DBB0:STRING[3] (only latin-1"),
    ("DB1.DBB0:STRING[3]", 12, "(int) is not text for STRING[3]"),
    ("DB1.DBB0:WSTRING[3]", "abcd", "does not fit WSTRING[3]"),
    ("DB1.DBB0:WSTRING[3]", "😀", "(only 16-bit (BMP) characters)"),
    ("DB1.DBW0:DATE", date(1989, 12, 31), "does not fit DATE (1990-01-01..2168-12-31)"),
    ("DB1.DBW0:DATE", date(2169, 1, 1), "does not fit DATE"),
    ("DB1.DBW0:DATE", "27.03.2024", "is not an ISO 8601 date for DATE"),
    ("DB1.DBW0:DATE", 20240327, "(int) is not a date for DATE"),
    ("DB1.DBW0:DATE", time(1, 2), "(time) is not a date for DATE"),
    ("DB1.DBD0:TOD", timedelta(days=1), "does not fit TOD"),
    ("DB1.DBD0:TOD", timedelta(seconds=-1), "does not fit TOD"),
    ("DB1.DBD0:TOD", 1000, "(int) is not a time of day for TOD"),
    ("DB1.DBD0:TOD", "25:00", "is not an ISO 8601 time"),
    ("DB1:0:DT", datetime(1989, 12, 31, 23, 59), "does not fit DT"),
    ("DB1:0:DT", datetime(2090, 1, 1), "does not fit DT"),
    ("DB1:0:DT", 0, "(int) is not a date and time for DT"),
    ("DB1:0:DTL", datetime(1969, 12, 31), "does not fit DTL"),
    ("DB1:0:DTL", datetime(2262, 4, 12), "does not fit DTL"),
    ("DB1:0:DTL", "yesterday", "is not an ISO 8601 datetime for DTL"),
]


@pytest.mark.parametrize(("name", "value", "fragment"), REFUSED)
def test_refused_values(name, value, fragment):
    address = parse_address(name)
    for order in (BE, LE):
        with pytest.raises(CodecError) as info:
            encode(address, value, order)
        assert fragment in str(info.value)
        assert str(address) in str(info.value)
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("datatype", sorted(DATATYPES))
@pytest.mark.parametrize("delta", [-1, 1, None])
def test_decode_wrong_length(datatype, delta):
    address = addr(datatype)
    length = 0 if delta is None else address.size + delta
    with pytest.raises(CodecError) as info:
        decode(address, bytes(length))
    assert str(info.value) == (
        f"The PLC returned {length} bytes for {address}, expected {address.size}"
    )


def test_decode_refuses_non_bytes():
    with pytest.raises(CodecError, match="Expected bytes"):
        decode(parse_address("MW0"), [0, 1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("DB1.DBB0:STRING[2]", "02 05 61 62", "invalid string header"),
        ("DB1.DBB0:STRING[2]", "FF 01 61 62", "invalid string header"),
        ("DB1.DBB0:STRING[2]", "FE 03 61 62", "holds 3 characters, STRING[2] at most 2"),
        ("DB1.DBB0:WSTRING[1]", "00 01 00 02 00 61", "invalid string header"),
        ("DB1.DBB0:WSTRING[1]", "00 01 00 01 D8 00", "utf-16"),
        ("DB1.DBW0:DATE", "FF FF", "DATE"),
        ("DB1.DBD0:TOD", "FF FF FF FF", "TOD"),
        ("DB1:0:DT", "00 00 00 00 00 00 00 00", "month"),
        ("DB1:0:DT", "24 13 01 00 00 00 00 00", "month"),
        ("DB1:0:DTL", "00 00 00 00 00 00 00 00 00 00 00 00", "year"),
        ("DB1.DBW0:S5TIME", "4F FF", "S5TIME"),
        ("DB1.DBW0:S5TIME", "0A FF", "S5TIME"),
        ("DB1.DBW0:WCHAR", "D8 00", "WCHAR"),
    ],
)
def test_decode_invalid_bytes(name, data, fragment):
    address = parse_address(name)
    with pytest.raises(CodecError) as info:
        decode(address, bytes.fromhex(data))
    message = str(info.value)
    assert fragment in message
    assert str(address) in message
    assert data in message  # the bytes are quoted


def test_decode_accepts_bytearray_and_memoryview():
    address = parse_address("DB1.DBW0:INT")
    assert decode(address, bytearray(b"\xff\xfe")) == -2
    assert decode(address, memoryview(b"\xff\xfe")) == -2


def test_string_shorter_than_declared_in_plc():
    """A PLC STRING[254] read through STRING[4]: fine while the text fits."""
    address = parse_address("DB1.DBB0:STRING[4]")
    assert decode(address, bytes.fromhex("FE 02 68 69 00 00")) == "hi"
    assert decode(address, bytes(6)) == ""  # a fresh, zeroed DB


@pytest.mark.parametrize("datatype", sorted(DATATYPES))
def test_random_bytes_only_ever_raise_codec_error(datatype):
    rng = random.Random(datatype)
    address = addr(datatype)
    for _ in range(300):
        data = bytes(rng.randrange(256) for _ in range(address.size))
        for order in (BE, LE):
            try:
                value = decode(address, data, order)
            except CodecError:
                continue
            if datatype != "BOOL":
                # whatever decodes must encode again (NaN payloads aside)
                again = encode(address, value, order)
                assert len(again) == address.size


@pytest.mark.parametrize("datatype", sorted(DATATYPES))
def test_odd_values_only_ever_raise_codec_error(datatype):
    address = addr(datatype)
    odd = [
        None,
        object(),
        [],
        {},
        b"",
        "",
        " ",
        "nan",
        "-",
        "\x00",
        -(10**30),
        10**30,
        math.nan,
        -math.inf,
        1j,
        timedelta(days=10**6),
        datetime.min,
        datetime.max,
        date.min,
        time.max,
        "9" * 400,
    ]
    for value in odd:
        try:
            data = encode(address, value)
        except CodecError:
            continue
        assert len(data) == address.size


def test_shortest_real_matches_a_linear_search():
    import math
    import random
    import struct

    from qml_s7.core.codec import _shortest_float32, shortest_real

    def linear(value: float) -> float:
        packed = struct.pack(">f", value)
        for digits in range(1, 10):
            candidate = float(f"{value:.{digits}g}")
            try:
                if struct.pack(">f", candidate) == packed:
                    return candidate
            except OverflowError:
                continue
        return value

    rnd = random.Random(2024)
    raw = [struct.unpack(">f", rnd.randbytes(4))[0] for _ in range(20000)]
    decimals = [round(rnd.uniform(-1e4, 1e4), rnd.randint(0, 5)) for _ in range(20000)]
    values = [struct.unpack(">f", struct.pack(">f", v))[0] for v in decimals]
    values += [v for v in raw if math.isfinite(v)]
    assert [_shortest_float32(v) for v in values] == [linear(v) for v in values]
    # the edges of the shortcut: every power of two and its neighbours, zeros, denormals, the
    # largest values; and every value through shortest_real's table, new and seen before
    edges = []
    for exponent in range(256):
        for mantissa in (0, 1, 2, 0x7FFFFF, 0x7FFFFE, 0x400000):
            edges += [exponent << 23 | mantissa, 1 << 31 | exponent << 23 | mantissa]
    edges += [rnd.randrange(1 << 23) for _ in range(2000)]  # denormals
    bits = [struct.unpack(">I", struct.pack(">f", v))[0] for v in values] + edges
    finite = [b for b in bits if math.isfinite(struct.unpack(">f", struct.pack(">I", b))[0])]
    want = [linear(struct.unpack(">f", struct.pack(">I", b))[0]) for b in finite]
    for _ in range(2):
        got = [shortest_real(b) for b in finite]
        assert [(g, math.copysign(1, g)) for g in got] == [(w, math.copysign(1, w)) for w in want]
    for b in (0x7FC00000, 0x7F800001, 0xFF800000, 0x7F800000):  # NaNs and infinities
        special = struct.unpack(">f", struct.pack(">I", b))[0]
        got = shortest_real(b)
        assert got == special or (math.isnan(got) and math.isnan(special))
