"""Values to and from PLC bytes for an :class:`~qml_s7.address.Address`.

:func:`decode` turns the bytes read from a PLC into a natural Python value, :func:`encode`
turns a value from the panel into the bytes to write. The encodings are python-snap7's
``snap7.util`` getters and setters; this module adds the checks around them.

Python values per S7 type:

================================================  ==========================================
BOOL                                              ``bool``
BYTE WORD DWORD LWORD SINT USINT INT UINT DINT    ``int``
UDINT LINT ULINT
REAL LREAL                                        ``float``
CHAR WCHAR STRING WSTRING                         ``str``
DATE                                              ``datetime.date``
TOD                                               ``datetime.time`` (millisecond resolution)
DT DTL                                            ``datetime.datetime`` (DT: milliseconds)
TIME S5TIME                                       ``int`` milliseconds
================================================  ==========================================

Decoding:

- ``data`` must be exactly ``address.size`` bytes. For BOOL it is the one byte that holds
  the bit; decode picks ``address.bit``.
- A REAL comes back as the shortest decimal that maps to the same float32 (``1.1``, not
  ``1.100000023841858``), so a value written from the panel reads back equal.

Encoding (what a value may be; anything else raises :class:`CodecError`):

- BOOL: ``bool``, the integers 0 and 1, or the text ``true``/``false``/``1``/``0``. The
  result is one byte 0x00/0x01 for the S7 bit transport (the writer writes only that bit).
- Integer types, TIME and S5TIME: an ``int``, a whole ``float`` (``3.0``), or a text that
  reads as one (``"12"``, ``"-3"``, ``"12.0"``, ``"0x1F"``, ``"16#1F"``); QML text fields
  hand over strings, so numeric text is accepted. TIME and S5TIME also take a
  ``datetime.timedelta``. Values outside the type's range are refused. S5TIME holds
  0..9,990,000 ms and is rounded down to its resolution (10 ms below 10 s, 100 ms below 100 s,
  1 s below 1000 s, 10 s above).
- REAL and LREAL: an ``int``, a ``float`` or a numeric text. NaN and infinities are written
  as IEEE values; a finite value beyond float32 is refused for REAL.
- A ``bool`` is accepted for BOOL only: a bool headed for a number is most likely a wrong
  binding, so it is refused.
- CHAR: one latin-1 character; WCHAR: one character of the Basic Multilingual Plane.
- STRING[n]: a ``str`` of at most n latin-1 characters; WSTRING[n]: at most n BMP characters.
- DATE: ``date`` (a ``datetime`` gives its date), 1990-01-01..2168-12-31.
- TOD: ``time``, a ``datetime`` (its time of day) or a ``timedelta`` under 24 h.
- DT (1990..2089) and DTL (1970-01-01..2262-04-11): ``datetime`` or ``date`` (midnight).
  A datetime with a time zone is converted to local time first.
- DATE, TOD, DT and DTL also take ISO 8601 text (``"2024-03-27"``, ``"12:30:00"``).
- Only Python types: the caller converts Qt types (QDateTime, QDate, ...) first.

Byte order: the PLC is big-endian. With ``ByteOrder.LittleEndian`` the multi-byte numeric
values (WORD, DWORD, LWORD, INT, UINT, DINT, UDINT, LINT, ULINT, REAL, LREAL, TIME, WCHAR)
have their bytes reversed relative to the S7 layout. Single bytes, strings and the structured
date/time types (DATE, TOD, DT, DTL, S5TIME) keep the PLC layout in either order: their layout
is fixed by the PLC's firmware, not by how a program stores numbers.
"""

from __future__ import annotations

import math
import numbers
import re
import struct
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import Any

from snap7 import util

from .address import Address

__all__ = ["DATA_TYPE_NAME", "ByteOrder", "CodecError", "decode", "encode", "shortest_real"]


class ByteOrder(IntEnum):
    """``S7Client.ByteOrder``: the byte order of multi-byte values."""

    BigEndian = 0
    LittleEndian = 1


class CodecError(ValueError):
    """A value that cannot be encoded for, or bytes that cannot be decoded from, an address."""


#: Types whose bytes are reversed under ByteOrder.LittleEndian.
SWAPPED_TYPES: frozenset[str] = frozenset(
    {
        "WORD",
        "DWORD",
        "LWORD",
        "INT",
        "UINT",
        "DINT",
        "UDINT",
        "LINT",
        "ULINT",
        "REAL",
        "LREAL",
        "TIME",
        "WCHAR",
    }
)

#: The ``DataObject.DataType`` name that fits the Python value of each S7 type.
DATA_TYPE_NAME: dict[str, str] = {
    "BOOL": "Boolean",
    "BYTE": "UnsignedSmallInteger",
    "USINT": "UnsignedSmallInteger",
    "WORD": "UnsignedSmallInteger",
    "UINT": "UnsignedSmallInteger",
    "SINT": "SignedSmallInteger",
    "INT": "SignedSmallInteger",
    "DWORD": "UnsignedInteger",
    "UDINT": "UnsignedInteger",
    "S5TIME": "UnsignedInteger",
    "DINT": "SignedInteger",
    "TIME": "SignedInteger",
    "LWORD": "UnsignedBigInteger",
    "ULINT": "UnsignedBigInteger",
    "LINT": "SignedBigInteger",
    "REAL": "Float",
    "LREAL": "Double",
    "CHAR": "String",
    "WCHAR": "String",
    "STRING": "String",
    "WSTRING": "String",
    "DATE": "Date",
    "TOD": "Time",
    "DT": "DateTime",
    "DTL": "DateTime",
}

_Getter = Callable[[bytearray, int], Any]
_Setter = Callable[[bytearray, int, int], Any]

#: Integer types: (getter, setter, min, max). TIME is a DINT of milliseconds on the wire.
_INTEGERS: dict[str, tuple[_Getter, _Setter, int, int]] = {
    "BYTE": (util.get_byte, util.set_byte, 0, 0xFF),
    "USINT": (util.get_usint, util.set_usint, 0, 0xFF),
    "SINT": (util.get_sint, util.set_sint, -0x80, 0x7F),
    "WORD": (util.get_word, util.set_word, 0, 0xFFFF),
    "UINT": (util.get_uint, util.set_uint, 0, 0xFFFF),
    "INT": (util.get_int, util.set_int, -0x8000, 0x7FFF),
    "DWORD": (util.get_dword, util.set_dword, 0, 0xFFFF_FFFF),
    "UDINT": (util.get_udint, util.set_udint, 0, 0xFFFF_FFFF),
    "DINT": (util.get_dint, util.set_dint, -0x8000_0000, 0x7FFF_FFFF),
    "TIME": (util.get_dint, util.set_dint, -0x8000_0000, 0x7FFF_FFFF),
    "LWORD": (util.get_lword, util.set_lword, 0, 0xFFFF_FFFF_FFFF_FFFF),
    "ULINT": (util.get_ulint, util.set_ulint, 0, 0xFFFF_FFFF_FFFF_FFFF),
    "LINT": (util.get_lint, util.set_lint, -0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF),
}

_S5TIME_MAX_MS = 9_990_000
_S5TIME_BASES = (10, 100, 1000, 10_000)
_DATE_RANGE = (date(1990, 1, 1), date(2168, 12, 31))
_DT_RANGE = (datetime(1990, 1, 1), datetime(2089, 12, 31, 23, 59, 59, 999_000))
_DTL_RANGE = (datetime(1970, 1, 1), datetime(2262, 4, 11, 23, 47, 16, 854_775))
_ONE_MS = timedelta(milliseconds=1)
_INT_TEXT = re.compile(r"[+-]?\d+")
_HEX_TEXT = re.compile(r"(?:0X|16#)([0-9A-F]+)")
_BOOL_TEXT = {"TRUE": True, "FALSE": False, "1": True, "0": False}


def _show(value: Any) -> str:
    """A value as it appears in messages: numbers plain, text in double quotes."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "..."
        return '"' + text.replace('"', '\\"') + '"'
    plain = isinstance(value, (bool, numbers.Number, date, time, timedelta))
    text = str(value) if plain else repr(value)
    return text if len(text) <= 60 else text[:60] + "..."


def _type_name(address: Address) -> str:
    if address.datatype in ("STRING", "WSTRING"):
        return f"{address.datatype}[{address.length}]"
    return address.datatype


def _refuse(address: Address, value: Any, what: str) -> CodecError:
    return CodecError(f"Value {_show(value)} {what} at {address}")


# --------------------------------------------------------------------------- decoding


_U32, _F32 = struct.Struct(">I"), struct.Struct(">f")
_REALS: dict[int, float] = {}  # raw bits of a REAL -> its shortest decimal
_REALS_KEPT = 1 << 14  # at most this many (some 1.5 MB), then it starts afresh
_EXPONENT = 0x7F80_0000  # zero for zeros and denormals


def _shortest_bits(bits: int) -> float:
    """The shortest decimal that packs to the float32 whose raw bits are ``bits``: the fewest
    significant digits (1..9) whose correctly rounded decimal packs back to them.

    A normal float32 lies within 2**-24 of its value from any decimal that packs to it: when
    fewer than 7 digits round-trip, '%.6g' gives that same decimal; and when some number of
    digits does, more do too (9 always do). So it takes '%.7g', then '%.6g' if 7 held, else
    '%.8g', else '%.9g': two format/pack rounds for most values (bench/float32.py measured
    the candidates). Zeros and denormals (fewer significant bits) take the plain search from
    1 digit up. tests/test_codec.py checks the result against that search (every power of
    two, whose neighbour below is nearer, included).
    """
    packed = _U32.pack(bits)
    value = _F32.unpack(packed)[0]
    if value - value != 0.0:  # NaN or an infinity
        return value
    if not bits & _EXPONENT:
        return _shortest_search(value, packed)
    seven = float(f"{value:.7g}")
    if _packs_to(seven, packed):
        six = float(f"{value:.6g}")
        return six if _packs_to(six, packed) else seven
    eight = float(f"{value:.8g}")
    return eight if _packs_to(eight, packed) else float(f"{value:.9g}")


def _shortest_search(value: float, packed: bytes) -> float:
    """The first decimal of 1, 2, ... significant digits that packs to ``packed`` (9 always
    do)."""
    for n in range(1, 9):
        candidate = float(f"{value:.{n}g}")
        if _packs_to(candidate, packed):
            return candidate
    return float(f"{value:.9g}")


def _packs_to(candidate: float, packed: bytes) -> bool:
    """``candidate`` as a float32 is ``packed``."""
    try:
        return _F32.pack(candidate) == packed
    except OverflowError:  # rounded beyond the largest float32
        return False


def _shortest_float32(value: float) -> float:
    """The shortest decimal that packs to the same float32 as ``value`` (see _shortest_bits)."""
    return _shortest_bits(_U32.unpack(_F32.pack(value))[0])


def shortest_real(bits: int) -> float:
    """The value of a REAL from its raw bits (its four bytes as an unsigned integer, in the
    value's byte order): the shortest decimal that maps to the same float32.

    Values seen before come from a table (a poll cycle reads mostly the same values again):
    a lookup instead of some 1 µs of formatting.
    """
    value = _REALS.get(bits)
    if value is None:
        if len(_REALS) >= _REALS_KEPT:
            _REALS.clear()
        value = _REALS[bits] = _shortest_bits(bits)
    return value


def _timedelta_text_ms(text: str) -> int:
    """``str(timedelta)`` (as snap7's get_s5time returns it) -> milliseconds."""
    hours, minutes, seconds = text.split(":")
    whole, _, fraction = seconds.partition(".")
    micro = ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1_000_000
    micro += int(fraction.ljust(6, "0")) if fraction else 0
    return micro // 1000


def _string_header(buf: bytearray, address: Address) -> None:
    """Check the STRING/WSTRING header (max, current length) before snap7 reads it."""
    wide = address.datatype == "WSTRING"
    top, used = (buf[0] << 8 | buf[1], buf[2] << 8 | buf[3]) if wide else (buf[0], buf[1])
    limit = 16382 if wide else 254
    if top > limit or used > top:
        raise ValueError(f"invalid string header (maximum {top}, current length {used})")
    if used > address.length:
        raise ValueError(
            f"the PLC's string holds {used} characters, {_type_name(address)} at most "
            f"{address.length}"
        )


def _decode_string(buf: bytearray, address: Address) -> str:
    _string_header(buf, address)
    if address.datatype == "WSTRING":
        return util.get_wstring(buf, 0)
    return util.get_string(buf, 0)


def _tod_from_timedelta(delta: timedelta) -> time:
    return (datetime.min + delta).time()


_DECODERS: dict[str, Callable[[bytearray, Address], Any]] = {
    "BOOL": lambda buf, a: util.get_bool(buf, 0, a.bit),
    "REAL": lambda buf, a: shortest_real(int.from_bytes(buf, "big")),
    "LREAL": lambda buf, a: util.get_lreal(buf, 0),
    "CHAR": lambda buf, a: util.get_char(buf, 0),
    "WCHAR": lambda buf, a: util.get_wchar(buf, 0),
    "STRING": _decode_string,
    "WSTRING": _decode_string,
    "DATE": lambda buf, a: util.get_date(buf, 0),
    "TOD": lambda buf, a: _tod_from_timedelta(util.get_tod(buf, 0)),
    "DT": lambda buf, a: util.get_date_time_object(buf, 0),
    "DTL": lambda buf, a: util.get_dtl(buf, 0),
    "S5TIME": lambda buf, a: _timedelta_text_ms(util.get_s5time(buf, 0)),
    **{
        name: (lambda buf, a, getter=spec[0]: int(getter(buf, 0)))
        for name, spec in _INTEGERS.items()
    },
}


def decoder(
    address: Address, byte_order: ByteOrder = ByteOrder.BigEndian
) -> Callable[[bytes | bytearray | memoryview], Any]:
    """:func:`decode` bound to one address and byte order, for decoding it every poll cycle.

    The checks that depend only on the address are made once here; the function checks the
    size of what it is given and raises :class:`CodecError` like :func:`decode`.
    """
    size = address.size
    swap = byte_order == ByteOrder.LittleEndian and address.datatype in SWAPPED_TYPES
    convert = _DECODERS[address.datatype]

    def run(data: bytes | bytearray | memoryview) -> Any:
        if len(data) != size:
            raise CodecError(f"The PLC returned {len(data)} bytes for {address}, expected {size}")
        buf = bytearray(data)  # the getters want a bytearray; this is also what gets swapped
        if swap:
            buf.reverse()
        try:
            return convert(buf, address)
        except Exception as error:  # the getters raise ValueError, TypeError, struct.error, ...
            raise CodecError(
                f"Cannot decode {_type_name(address)} at {address} from bytes "
                f"{bytes(data).hex(' ').upper()}: {error}"
            ) from None

    return run


def decode(
    address: Address,
    data: bytes | bytearray | memoryview,
    byte_order: ByteOrder = ByteOrder.BigEndian,
) -> Any:
    """The Python value of ``data`` (exactly ``address.size`` bytes read from the PLC)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CodecError(f"Expected bytes for {address}, got {type(data).__name__}")
    return decoder(address, byte_order)(data)


# --------------------------------------------------------------------------- encoding


def _to_int(address: Address, value: Any) -> int:
    """A whole number from an int, a whole float or a numeric text."""
    if isinstance(value, bool):
        raise _refuse(address, value, f"is a boolean, not a number for {address.datatype}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number) or not number.is_integer():
            raise _refuse(address, value, f"is not a whole number for {address.datatype}")
        return int(number)
    if isinstance(value, str):
        text = value.strip().upper()
        if _INT_TEXT.fullmatch(text):
            return int(text)
        hexa = _HEX_TEXT.fullmatch(text)
        if hexa:
            return int(hexa.group(1), 16)
        try:
            number = float(text)
        except ValueError:
            raise _refuse(address, value, f"is not a number for {address.datatype}") from None
        if not math.isfinite(number) or not number.is_integer():
            raise _refuse(address, value, f"is not a whole number for {address.datatype}")
        return int(number)
    raise _refuse(
        address, value, f"({type(value).__name__}) is not a number for {address.datatype}"
    )


def _to_ms(address: Address, value: Any) -> int:
    """Milliseconds from a timedelta (rounded down) or a whole number."""
    if isinstance(value, timedelta):
        return value // _ONE_MS
    return _to_int(address, value)


def _to_float(address: Address, value: Any) -> float:
    if isinstance(value, bool):
        raise _refuse(address, value, f"is a boolean, not a number for {address.datatype}")
    try:
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
    except ValueError:
        raise _refuse(address, value, f"is not a number for {address.datatype}") from None
    except OverflowError:
        raise _refuse(address, value, f"does not fit {address.datatype}") from None
    raise _refuse(
        address, value, f"({type(value).__name__}) is not a number for {address.datatype}"
    )


def _encode_bool(buf: bytearray, address: Address, value: Any) -> None:
    flag: bool | None = None
    if isinstance(value, bool):
        flag = value
    elif isinstance(value, numbers.Integral) and int(value) in (0, 1):
        flag = bool(value)
    elif isinstance(value, str):
        flag = _BOOL_TEXT.get(value.strip().upper())
    if flag is None:
        raise _refuse(address, value, "is not a boolean (true/false) for BOOL")
    util.set_bool(buf, 0, 0, flag)


def _encode_integer(buf: bytearray, address: Address, value: Any) -> None:
    _getter, setter, low, high = _INTEGERS[address.datatype]
    number = _to_ms(address, value) if address.datatype == "TIME" else _to_int(address, value)
    if not low <= number <= high:
        raise _refuse(address, value, f"does not fit {address.datatype} ({low}..{high})")
    setter(buf, 0, number)


def _encode_s5time(buf: bytearray, address: Address, value: Any) -> None:
    # python-snap7 has no set_s5time: BCD count (3 digits) and a time base in the top nibble.
    ms = _to_ms(address, value)
    if not 0 <= ms <= _S5TIME_MAX_MS:
        raise _refuse(address, value, f"does not fit S5TIME (0..{_S5TIME_MAX_MS} ms)")
    code, count = next(
        (code, ms // base) for code, base in enumerate(_S5TIME_BASES) if ms // base <= 999
    )
    word = code << 12 | (count // 100) << 8 | (count // 10 % 10) << 4 | count % 10
    buf[0:2] = word.to_bytes(2, "big")


def _encode_real(buf: bytearray, address: Address, value: Any) -> None:
    number = _to_float(address, value)
    try:
        util.set_real(buf, 0, number)
    except OverflowError:
        raise _refuse(address, value, "does not fit REAL (at most ±3.4028235e+38)") from None


def _encode_lreal(buf: bytearray, address: Address, value: Any) -> None:
    util.set_lreal(buf, 0, _to_float(address, value))


def _need_text(address: Address, value: Any) -> str:
    if not isinstance(value, str):
        raise _refuse(
            address, value, f"({type(value).__name__}) is not text for {_type_name(address)}"
        )
    return value


def _bad_chars(text: str, allowed: Callable[[str], bool]) -> str:
    return "".join(dict.fromkeys(c for c in text if not allowed(c)))


def _latin1(char: str) -> bool:
    return ord(char) <= 0xFF


def _bmp(char: str) -> bool:
    return ord(char) <= 0xFFFF and not 0xD800 <= ord(char) <= 0xDFFF


def _encode_char(buf: bytearray, address: Address, value: Any) -> None:
    text = _need_text(address, value)
    if len(text) != 1:
        raise _refuse(address, value, f"is not a single character for {address.datatype}")
    allowed = _latin1 if address.datatype == "CHAR" else _bmp
    if not allowed(text):
        kind = "latin-1" if address.datatype == "CHAR" else "16-bit (BMP)"
        raise _refuse(address, value, f"is not a {kind} character for {address.datatype}")
    if address.datatype == "CHAR":
        util.set_char(buf, 0, text)
    else:
        util.set_wchar(buf, 0, text)


def _encode_string(buf: bytearray, address: Address, value: Any) -> None:
    text = _need_text(address, value)
    name = _type_name(address)
    if len(text) > address.length:
        raise CodecError(
            f"Text of {len(text)} characters does not fit {name} at {address} "
            f"(at most {address.length}): {_show(text)}"
        )
    wide = address.datatype == "WSTRING"
    bad = _bad_chars(text, _bmp if wide else _latin1)
    if bad:
        kind = "16-bit (BMP) characters" if wide else "latin-1 characters"
        raise CodecError(
            f"Text {_show(text)} has characters {name} cannot hold at {address} "
            f"(only {kind}): {_show(bad)}"
        )
    if wide:
        util.set_wstring(buf, 0, text, address.length)
    else:
        util.set_string(buf, 0, text, address.length)


def _parse_iso(address: Address, value: str, kind: type) -> Any:
    try:
        return kind.fromisoformat(value.strip())
    except ValueError:
        raise _refuse(
            address, value, f"is not an ISO 8601 {kind.__name__} for {address.datatype}"
        ) from None


def _naive(moment: datetime) -> datetime:
    """A datetime with a time zone becomes local time without one."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


def _check_range(address: Address, value: Any, moment: Any, bounds: tuple[Any, Any]) -> None:
    low, high = bounds
    if not low <= moment <= high:
        raise _refuse(address, value, f"does not fit {address.datatype} ({low}..{high})")


def _encode_date(buf: bytearray, address: Address, value: Any) -> None:
    day = _parse_iso(address, value, date) if isinstance(value, str) else value
    if isinstance(day, datetime):
        day = _naive(day).date()
    if not isinstance(day, date):
        raise _refuse(address, value, f"({type(value).__name__}) is not a date for DATE")
    _check_range(address, value, day, _DATE_RANGE)
    util.set_date(buf, 0, day)


def _encode_tod(buf: bytearray, address: Address, value: Any) -> None:
    moment = _parse_iso(address, value, time) if isinstance(value, str) else value
    if isinstance(moment, datetime):
        moment = _naive(moment).time()
    if isinstance(moment, time):
        moment = timedelta(
            hours=moment.hour,
            minutes=moment.minute,
            seconds=moment.second,
            microseconds=moment.microsecond,
        )
    if not isinstance(moment, timedelta):
        raise _refuse(address, value, f"({type(value).__name__}) is not a time of day for TOD")
    if not timedelta(0) <= moment < timedelta(days=1):
        raise _refuse(address, value, "does not fit TOD (00:00:00..23:59:59.999)")
    util.set_tod(buf, 0, moment)


def _encode_datetime(buf: bytearray, address: Address, value: Any) -> None:
    moment = _parse_iso(address, value, datetime) if isinstance(value, str) else value
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    if not isinstance(moment, datetime):
        raise _refuse(
            address,
            value,
            f"({type(value).__name__}) is not a date and time for {address.datatype}",
        )
    moment = _naive(moment)
    if address.datatype == "DT":
        _check_range(address, value, moment, _DT_RANGE)
        util.set_dt(buf, 0, moment)
    else:
        _check_range(address, value, moment, _DTL_RANGE)
        util.set_dtl(buf, 0, moment)


_ENCODERS: dict[str, Callable[[bytearray, Address, Any], None]] = {
    "BOOL": _encode_bool,
    "REAL": _encode_real,
    "LREAL": _encode_lreal,
    "CHAR": _encode_char,
    "WCHAR": _encode_char,
    "STRING": _encode_string,
    "WSTRING": _encode_string,
    "DATE": _encode_date,
    "TOD": _encode_tod,
    "DT": _encode_datetime,
    "DTL": _encode_datetime,
    "S5TIME": _encode_s5time,
    **dict.fromkeys(_INTEGERS, _encode_integer),
}


def encode(address: Address, value: Any, byte_order: ByteOrder = ByteOrder.BigEndian) -> bytes:
    """The bytes to write for ``value`` (``address.size`` bytes; BOOL: one byte 0x00/0x01)."""
    if value is None:
        raise CodecError(f"No value to write to {address} (got None)")
    buf = bytearray(address.size)
    try:
        _ENCODERS[address.datatype](buf, address, value)
    except CodecError:
        raise
    except Exception as error:  # a setter refused what our checks let through
        raise CodecError(
            f"Cannot write {_show(value)} as {_type_name(address)} at {address}: {error}"
        ) from None
    if len(buf) != address.size:  # a setter must never change the size
        raise CodecError(f"Encoding {_show(value)} for {address} gave {len(buf)} bytes")
    if byte_order == ByteOrder.LittleEndian and address.datatype in SWAPPED_TYPES:
        buf.reverse()
    return bytes(buf)
