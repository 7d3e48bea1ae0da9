"""S7 address names: parsing, validation and the S7Variable ``Type`` enum.

An :class:`Address` names one value in a PLC: its memory area (DB, inputs, outputs,
markers), DB number, byte offset, bit number and data type. :func:`parse_address` reads the
name forms of the README (case-insensitive, surrounding blanks ignored, an optional leading
``%``):

========================  ====================================================
Siemens absolute, DB      ``DB1.DBX0.1``, ``DB1.DBB2``, ``DB1.DBW4``, ``DB1.DBD6``
Siemens absolute, I/Q/M   ``I0.0``, ``IB1``, ``IW2``, ``ID4``, ``Q0.1``, ``QW2``, ``M10.5``,
                          ``MB3``, ``MW4``, ``MD8``; German ``E`` (input) and ``A``
                          (output): ``E0.0``, ``EW2``, ``A0.1``, ``AD4``; ``IX0.0`` too
typed (PLC4X)             ``DB1.DBW4:INT``, ``DB1.DBD8:REAL``, ``MW4:INT``, ``%QD4:REAL``,
                          ``DB1:10:LREAL``, ``DB1.DBB0:STRING[20]`` (or ``STRING(20)``)
nodeS7                    ``DB1,X0.1``, ``DB1,INT4`` (or ``DB1,I4``), ``DB1,DINT8``,
                          ``DB1,REAL8`` (or ``DB1,R8``), ``DB1,S10.20`` (STRING[20] at byte
                          10), ``DB1,DT0``; ``MR4``, ``IW2``, ``QDI8``, ``M0.1``
========================  ====================================================

nodeS7 typecodes, long and short, after ``DB<n>,``: ``X`` (BOOL), ``B``/``BYTE``,
``C``/``CHAR``, ``W``/``WORD``, ``I``/``INT``, ``DW``/``DWORD``/``DWT`` (DWORD),
``DI``/``DINT``, ``R``/``REAL``, ``LR``/``LREAL``, ``LI``/``LINT``, ``S``/``STRING``,
``DT``/``WDT`` (DT, local time as nodeS7 reads it) and ``DTL``; parse_tag's extra short codes
(``SINT``, ``USINT``, ``ULI``, ``LW``, ``WS``, ``D``) too. The I/Q/M forms take the short
codes only, as in nodeS7 (``MR4``, ``IDI8``, ``QLR0``, ``EB1``). A trailing count of 1
(``DB1,REAL4.1``) is one value; larger counts are nodeS7 arrays, which are refused (one
variable per element). Refused with a reason: ``DTZ``/``DTLZ`` (UTC readings of DT/DTL),
``TIMER``/``COUNTER`` in a DB, and the T, C and peripheral (``PIW``...) areas.

Parsing builds on :func:`snap7.tags.parse_tag`; this module adds the forms it does not take
(``DB1.DBW4`` without a type, German mnemonics in typed names, ``IX0.0:BOOL``,
``STRING(20)``, nodeS7's long typecodes, ``DB1,DT0`` and nodeS7 counts) and the validation
it leaves out (bit numbers, DB and offset ranges, type names, string lengths, bits on
non-BOOL types, size letters that contradict the type).

Bare names give the raw types (BOOL, BYTE, WORD, DWORD). A size letter and a type must agree
(``DB1.DBW4:REAL`` is refused: a W address is 2 bytes, REAL is 4); 8-byte types, DTL and
strings take any of the B, W or D letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import NoReturn

from snap7.tags import parse_tag
from snap7.type import Area

__all__ = [
    "DATATYPES",
    "Address",
    "AddressError",
    "VariableType",
    "address_for_type",
    "parse_address",
]


class VariableType(IntEnum):
    """The ``S7Variable.Type`` enum: area and one of the seven original data types."""

    InvalidType = 0
    DataBit = 1
    DataByte = 2
    DataWord = 3
    DataDoubleWord = 4
    DataInt16 = 5
    DataInt32 = 6
    DataReal = 7
    InputBit = 8
    InputByte = 9
    InputWord = 10
    InputDoubleWord = 11
    InputInt16 = 12
    InputInt32 = 13
    InputReal = 14
    OutputBit = 15
    OutputByte = 16
    OutputWord = 17
    OutputDoubleWord = 18
    OutputInt16 = 19
    OutputInt32 = 20
    OutputReal = 21
    MemoryBit = 22
    MemoryByte = 23
    MemoryWord = 24
    MemoryDoubleWord = 25
    MemoryInt16 = 26
    MemoryInt32 = 27
    MemoryReal = 28


#: Byte size of every fixed-size data type we support (STRING and WSTRING vary).
_FIXED_SIZES: dict[str, int] = {
    "BOOL": 1,
    "BYTE": 1,
    "SINT": 1,
    "USINT": 1,
    "CHAR": 1,
    "WORD": 2,
    "INT": 2,
    "UINT": 2,
    "WCHAR": 2,
    "DATE": 2,
    "S5TIME": 2,
    "DWORD": 4,
    "DINT": 4,
    "UDINT": 4,
    "REAL": 4,
    "TIME": 4,
    "TOD": 4,
    "LINT": 8,
    "ULINT": 8,
    "LWORD": 8,
    "LREAL": 8,
    "DT": 8,
    "DTL": 12,
}

#: Maximum character count of the string types (and the default when none is given).
_STRING_MAX: dict[str, int] = {"STRING": 254, "WSTRING": 16382}
_STRING_DEFAULT = 254

#: All canonical data type names an :class:`Address` can carry.
DATATYPES: frozenset[str] = frozenset(_FIXED_SIZES) | frozenset(_STRING_MAX)

#: Long Siemens spellings accepted for the canonical short names.
_TYPE_ALIASES: dict[str, str] = {
    "DATE_AND_TIME": "DT",
    "TIME_OF_DAY": "TOD",
}

#: The seven original types, in the order of ``VariableType`` within an area.
_ORIGINAL_TYPES: tuple[str, ...] = ("BOOL", "BYTE", "WORD", "DWORD", "INT", "DINT", "REAL")
#: The four areas, in the order of ``VariableType``.
_AREAS: tuple[Area, ...] = (Area.DB, Area.PE, Area.PA, Area.MK)
_AREA_LETTER: dict[Area, str] = {Area.PE: "I", Area.PA: "Q", Area.MK: "M"}

_LETTER_SIZE: dict[str, int] = {"B": 1, "W": 2, "D": 4}
_SIZE_LETTER: dict[int, str] = {1: "B", 2: "W", 4: "D"}
_LETTER_TYPE: dict[str, str] = {"X": "BOOL", "B": "BYTE", "W": "WORD", "D": "DWORD"}

_MAX_OFFSET = 65535
_MAX_DB = 65535
_MAX_SHOWN = 80

_ALLOWED_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:[]()_")
_BARE_DB_RE = re.compile(r"DB\d+\.DB([XBWD])")
_EXPLICIT_BIT_RE = re.compile(r"\d\.\d+$")
_TYPE_RE = re.compile(r"([A-Z_][A-Z0-9_]*)(?:\[(\d+)\])?")
_PAREN_LENGTH_RE = re.compile(r"(W?STRING)\((\d+)\)")
_PARSE = "Cannot parse address"
_EXAMPLES = "DB1.DBX0.1, DB1.DBW4, MW4, I0.0, DB1.DBD8:REAL or DB1,REAL8"

# nodeS7 names: <head><typecode><offset>[.<bit or string length>][.<array count>]
_NODES7_DB_RE = re.compile(r"(DB\d+,)([A-Z]+)(\d+)((?:\.\d+)*)")
_NODES7_AREA_RE = re.compile(r"([MIQEA])([A-Z]*)(\d+)((?:\.\d+)*)")
_NODES7_PERIPHERAL_RE = re.compile(r"P[IEQA][A-Z]*\d+(?:\.\d+)*")
_NODES7_TIMER_RE = re.compile(r"[TC]\d+")
#: Typecodes whose first ``.N`` is a bit number or a string length, not an array count.
_NODES7_SUBFIELD = frozenset({"", "X", "S", "STRING", "WS"})
#: nodeS7's long typecodes (and its DWT) as the short codes parse_tag knows.
_NODES7_LONG: dict[str, str] = {
    "BYTE": "B",
    "CHAR": "C",
    "WORD": "W",
    "INT": "I",
    "DWORD": "DW",
    "DWT": "DW",
    "DINT": "DI",
    "REAL": "R",
    "LREAL": "LR",
    "LINT": "LI",
    "STRING": "S",
}
#: nodeS7 date typecodes parse_tag's nodeS7 parser lacks; WDT is nodeS7's DT by default.
_NODES7_DATES: dict[str, str] = {"DT": "DT", "WDT": "DT", "DTL": "DTL"}
#: nodeS7 DB typecodes we cannot represent: why, and what to write instead.
_NODES7_REFUSED: dict[str, str] = {
    "DTZ": "DTZ (DT read as UTC) is not supported: DT is read as local time (write {head}DT{at})",
    "DTLZ": "DTLZ (DTL read as UTC) is not supported: DTL is read as local time "
    "(write {head}DTL{at})",
    "TIMER": "TIMER is for nodeS7's T area, which is not supported; in a DB write {head}INT{at} "
    "(what nodeS7 reads there) or {db}.DBW{at}:S5TIME",
    "COUNTER": "COUNTER is for nodeS7's C area, which is not supported; in a DB write "
    "{head}INT{at} (what nodeS7 reads there)",
}
#: The short codes nodeS7 takes after M, I, Q, E and A, for the long typecodes.
_NODES7_AREA_CODES: dict[str, str] = {
    long: "D" if short == "DW" else short for long, short in _NODES7_LONG.items() if short != "S"
}
_NODES7_DB_CODES = (
    "X, B or BYTE, C or CHAR, W or WORD, I or INT, DW or DWORD, DI or DINT, R or REAL, "
    "LR or LREAL, LI or LINT, S or STRING, DT, DTL"
)
_NODES7_AREA_LIST = "none for a bit (M0.1), B, C, W, I, D, DI, R, LR, LI"


class AddressError(ValueError):
    """A name or a set of properties that is not a valid S7 address.

    ``name`` is the name as given, ``reason`` says what is wrong; ``str()`` quotes both, e.g.
    ``Cannot parse address "DB1.DBX0.8": bit number 8 is out of range 0..7``.
    """

    def __init__(self, name: str, reason: str, *, prefix: str = _PARSE) -> None:
        self.name = name
        self.reason = reason
        shown = name if len(name) <= _MAX_SHOWN else name[:_MAX_SHOWN] + "..."
        super().__init__(f'{prefix} "{shown}": {reason}')


def _size_of(datatype: str, length: int) -> int:
    if datatype == "STRING":
        return length + 2
    if datatype == "WSTRING":
        return 2 * length + 4
    return _FIXED_SIZES[datatype]


def _check(
    area: Area, db: int, start: int, bit: int, datatype: str, length: int, name: str, prefix: str
) -> None:
    """Raise AddressError unless the fields make a valid address."""

    def fail(reason: str) -> NoReturn:
        raise AddressError(name, reason, prefix=prefix)

    for label, value in (("DB number", db), ("byte offset", start), ("bit number", bit)):
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"{label} must be an integer, not {value!r}")
    if isinstance(length, bool) or not isinstance(length, int):
        fail(f"length must be an integer, not {length!r}")
    if area not in _AREAS:
        fail(f"area {area!r} is not one of DB, inputs, outputs, markers")
    if datatype not in DATATYPES:
        fail(f"unknown data type {datatype}")
    if area == Area.DB:
        if not 1 <= db <= _MAX_DB:
            fail(f"DB number {db} is out of range 1..{_MAX_DB}")
    elif db != 0:
        fail(f"DB number {db} given for an area that is not a DB")
    if not 0 <= start <= _MAX_OFFSET:
        fail(f"byte offset {start} is out of range 0..{_MAX_OFFSET}")
    if not 0 <= bit <= 7:
        fail(f"bit number {bit} is out of range 0..7")
    if datatype != "BOOL" and bit != 0:
        fail(f"a bit number is only allowed for BOOL, not for {datatype}")
    if datatype in _STRING_MAX:
        top = _STRING_MAX[datatype]
        if not 1 <= length <= top:
            fail(f"{datatype} length {length} is out of range 1..{top}")
    elif length != 0:
        fail(f"a length is only allowed for STRING and WSTRING, not for {datatype}")
    end = start + _size_of(datatype, length) - 1
    if end > _MAX_OFFSET:
        fail(f"the value would end at byte {end}, past the last byte {_MAX_OFFSET}")


@dataclass(frozen=True, slots=True)
class Address:
    """One value in a PLC. Constructing an invalid Address raises :class:`AddressError`.

    ``datatype`` is a canonical name from :data:`DATATYPES` (aliases such as
    ``DATE_AND_TIME`` and lower case are normalised); ``length`` is the maximum character
    count of STRING/WSTRING (0 elsewhere; 0 for a string means the default 254).
    """

    area: Area
    db: int
    start: int
    bit: int
    datatype: str
    length: int = 0

    def __post_init__(self) -> None:
        datatype = str(self.datatype).strip().upper()
        datatype = _TYPE_ALIASES.get(datatype, datatype)
        object.__setattr__(self, "datatype", datatype)
        if datatype in _STRING_MAX and self.length == 0:
            object.__setattr__(self, "length", _STRING_DEFAULT)
        shown = (
            f"area={self.area!r}, db={self.db}, start={self.start}, bit={self.bit}, "
            f"datatype={datatype}, length={self.length}"
        )
        if self.area in _AREAS:
            object.__setattr__(self, "area", Area(self.area))
        _check(
            self.area,
            self.db,
            self.start,
            self.bit,
            datatype,
            self.length,
            shown,
            "Invalid address",
        )

    @property
    def size(self) -> int:
        """Bytes on the wire (BOOL: the 1 byte holding the bit; STRING[n]: n + 2)."""
        return _size_of(self.datatype, self.length)

    @property
    def type(self) -> VariableType:
        """The ``S7Variable.Type`` for the seven original types, else ``InvalidType``."""
        if self.datatype not in _ORIGINAL_TYPES:
            return VariableType.InvalidType
        index = _AREAS.index(self.area) * 7 + _ORIGINAL_TYPES.index(self.datatype) + 1
        return VariableType(index)

    @property
    def is_bit(self) -> bool:
        """True for BOOL, which is read as its byte and written with the S7 bit transport."""
        return self.datatype == "BOOL"

    def __str__(self) -> str:
        """The canonical Siemens name: ``DB1.DBX0.1``, ``DB1.DBD8:REAL``, ``MW4:INT``, ``I0.0``."""
        head = f"DB{self.db}.DB" if self.area == Area.DB else _AREA_LETTER[self.area]
        if self.datatype == "BOOL":
            return f"{head}{'X' if self.area == Area.DB else ''}{self.start}.{self.bit}"
        letter = _SIZE_LETTER.get(_FIXED_SIZES.get(self.datatype, 0), "B")
        base = f"{head}{letter}{self.start}"
        if self.datatype == _LETTER_TYPE[letter]:
            return base
        if self.datatype in _STRING_MAX:
            return f"{base}:{self.datatype}[{self.length}]"
        return f"{base}:{self.datatype}"

    @property
    def typed_name(self) -> str:
        """The name with its type, as python-snap7's ``parse_tag`` takes it too:
        ``DB2.DBX16.1:BOOL``, ``DB2:18:INT``, ``DB6:14:STRING[6]``, ``M20:INT``, ``I0.0:BOOL``."""
        bit = f".{self.bit}" if self.datatype == "BOOL" else ""
        if self.area == Area.DB:
            head = f"DB{self.db}.DBX{self.start}{bit}" if bit else f"DB{self.db}:{self.start}"
        else:
            head = f"{_AREA_LETTER[self.area]}{self.start}{bit}"
        if self.datatype in _STRING_MAX:
            return f"{head}:{self.datatype}[{self.length}]"
        return f"{head}:{self.datatype}"


def _explain(error: Exception, name: str) -> str:
    """Turn a parse_tag exception about ``name`` (upper case) into a short reason."""
    text = str(error)
    if isinstance(error, ValueError) and (
        "invalid literal for int()" in text or "values to unpack" in text
    ):
        return "malformed number or stray '.' in the address"
    if text.startswith("Unknown nodeS7 typecode"):
        code = text.partition(": ")[2]
        if "," in name:
            return f"unknown nodeS7 typecode {code} (after DB<n>,: {_NODES7_DB_CODES})"
        return f"unknown nodeS7 typecode {code} (after M, I, Q, E or A: {_NODES7_AREA_LIST})"
    if text.startswith(("Invalid nodeS7 tag address", "Unsupported PLC4X", "Invalid PLC4X")):
        return f"not a recognised S7 address (examples: {_EXAMPLES})"
    if not text:
        return f"not a recognised S7 address (examples: {_EXAMPLES})"
    return text[0].lower() + text[1:]


def _split_type(datatype: str) -> tuple[str, int | None]:
    """``STRING[20]`` -> ("STRING", 20); ``REAL`` -> ("REAL", None)."""
    match = _TYPE_RE.fullmatch(datatype.strip().upper())
    if match is None:
        return datatype, None
    name = _TYPE_ALIASES.get(match.group(1), match.group(1))
    return name, None if match.group(2) is None else int(match.group(2))


def _size_letter(address_part: str) -> str | None:
    """The size letter (X, B, W, D, ...) of a PLC4X address part, if any."""
    if address_part.startswith("DB"):
        match = re.match(r"DB\d+\.DB([A-Z])", address_part)
    else:
        match = re.match(r"[IQM]([A-Z])", address_part)
    return match.group(1) if match else None


def _german_to_english(address_part: str) -> str:
    """``EW2`` -> ``IW2``, ``A0.1`` -> ``Q0.1`` (the PLC4X parser knows only I and Q)."""
    if address_part[:1] in ("E", "A"):
        return ("I" if address_part[0] == "E" else "Q") + address_part[1:]
    return address_part


def _nodes7(s: str, name: str) -> str:
    """Bring a nodeS7 name into a form parse_tag takes; raise AddressError for what we refuse.

    parse_tag knows only the short typecodes and no array count: this renames nodeS7's long
    typecodes, drops a count of 1 and refuses arrays and what we cannot represent. Names that
    are no nodeS7 form at all are handed on as they are, for parse_tag's own error.
    """

    def fail(reason: str) -> NoReturn:
        raise AddressError(name, reason)

    if _NODES7_PERIPHERAL_RE.fullmatch(s):
        fail("nodeS7's peripheral areas (PI, PE, PQ, PA) are not supported; use I or Q")
    if _NODES7_TIMER_RE.fullmatch(s):
        fail("nodeS7's timer and counter areas (T, C) are not supported")
    match = _NODES7_DB_RE.fullmatch(s) or _NODES7_AREA_RE.fullmatch(s)
    if match is None:
        return s
    head, code, offset, tail = match.groups()
    in_db = head.endswith(",")
    parts = tail.split(".")[1:]
    limit = 2 if code in _NODES7_SUBFIELD else 1
    if len(parts) > limit:
        fail("malformed number or stray '.' in the address")
    count = 1
    if len(parts) == limit:
        count = int(parts.pop())
        if count == 0:
            fail("a nodeS7 array count must be at least 1, not 0")
    sub = "".join(f".{part}" for part in parts)
    element = f"{head}{code}{offset}{sub}"
    if count > 1:
        try:
            first = parse_address(element)
        except AddressError as error:
            raise AddressError(name, error.reason) from None
        if first.is_bit:
            after = first.bit + 1
            second = f"{head}{code}{first.start + after // 8}.{after % 8}"
        else:
            second = f"{head}{code}{first.start + first.size}{sub}"
        fail(
            f"nodeS7 arrays are not supported ({count} {first.datatype} values asked for); "
            f"use one variable per element, e.g. {element} and {second}"
        )
    if not in_db:
        if code in _NODES7_AREA_CODES:
            fail(
                f"the long typecode {code} is for DB names (DB1,{code}{offset}); "
                f"in the I, Q and M areas nodeS7 writes {head}{_NODES7_AREA_CODES[code]}{offset}"
            )
        return element
    if code in _NODES7_REFUSED:
        fail(_NODES7_REFUSED[code].format(head=head, db=head[:-1], at=offset))
    if code in _NODES7_DATES:
        return f"{head[:-1]}:{offset}:{_NODES7_DATES[code]}"
    return f"{head}{_NODES7_LONG.get(code, code)}{offset}{sub}"


def parse_address(name: str) -> Address:
    """Parse an address name in any of the supported forms; raise AddressError if malformed."""
    if not isinstance(name, str):
        raise AddressError(repr(name), f"the name must be a string, not {type(name).__name__}")

    def fail(reason: str) -> AddressError:
        return AddressError(name, reason)

    text = name.strip()
    if not text:
        raise fail("the name is empty" if not name else "the name is blank")
    if not text.isascii() or not text.isprintable():
        odd = next(c for c in text if not (c.isascii() and c.isprintable()))
        raise fail(f"unexpected character {odd!r} (U+{ord(odd):04X})")
    s = text.upper()
    if s.startswith("%"):
        s = s[1:]
    if not s:
        raise fail("nothing after '%'")
    for char in s:
        if char.isspace():
            raise fail("blanks inside the name are not allowed")
        if char == "-":
            raise fail("negative numbers are not allowed")
        if char not in _ALLOWED_CHARS:
            raise fail(f"unexpected character {char!r}")
    if "_" in (s.rpartition(":")[0] if ":" in s else s):
        raise fail("unexpected character '_'")
    too_long = re.search(r"\d{9,}", s)
    if too_long:
        raise fail(f"number {too_long.group()[:20]} is too large")

    # Bring the name into a form parse_tag takes; remember what it says about size and bit.
    width: str | None = None  # the size letter X/B/W/D of a Siemens-style name
    address_part: str | None = None  # the part before the type, for Siemens/PLC4X names
    strict = True
    if "," in s:  # nodeS7
        tag_text = _nodes7(s, name)
    elif ":" in s:  # PLC4X
        address_part, _, type_part = s.rpartition(":")
        if not type_part:
            raise fail("missing data type after ':'")
        paren = _PAREN_LENGTH_RE.fullmatch(type_part)
        if paren:  # STRING(20) -> STRING[20]
            type_part = f"{paren.group(1)}[{paren.group(2)}]"
        if _TYPE_RE.fullmatch(type_part) is None:
            raise fail(f"malformed data type {type_part}")
        address_part = _german_to_english(address_part)
        width = _size_letter(address_part)
        if re.match(r"[IQM]X\d", address_part):  # IX0.0 -> I0.0
            address_part = address_part[0] + address_part[2:]
        tag_text = f"{address_part}:{type_part}"
    elif s.startswith("DB"):  # bare Siemens DB form: the size letter gives the type
        match = _BARE_DB_RE.match(s)
        if match is None:
            raise fail(
                "expected DB<n>.DBX<byte>.<bit>, DB<n>.DBB<byte>, DB<n>.DBW<byte> "
                "or DB<n>.DBD<byte> (or add a type, e.g. DB1.DBD8:REAL)"
            )
        width = match.group(1)
        address_part = s
        tag_text = f"{s}:{_LETTER_TYPE[width]}"
    else:  # bare I/Q/M/E/A forms: nodeS7's short forms
        tag_text, strict = _nodes7(s, name), False

    try:
        tag = parse_tag(tag_text, strict=strict)
    except Exception as error:  # parse_tag raises ValueError, IndexError, ...
        raise fail(_explain(error, tag_text)) from None

    if tag.count != 1:
        raise fail(f"arrays are not supported ({tag.count} elements asked for)")
    datatype, length = _split_type(tag.datatype)
    if not datatype:
        raise fail("missing data type after ':'")
    if datatype not in DATATYPES:
        raise fail(f"unknown data type {datatype} (supported: {', '.join(sorted(DATATYPES))})")
    if length is not None and datatype not in _STRING_MAX:
        raise fail(f"a length is only allowed for STRING and WSTRING, not for {datatype}")
    if datatype not in _STRING_MAX:
        length = 0
    elif length is None:
        length = _STRING_DEFAULT

    _check(tag.area, tag.db_number, tag.byte_offset, tag.bit, datatype, length, name, _PARSE)
    if address_part is None:  # nodeS7 forms: BOOL always comes with a bit, nothing else does
        explicit_bit = datatype == "BOOL"
    else:
        explicit_bit = _EXPLICIT_BIT_RE.search(address_part) is not None
    if datatype == "BOOL":
        example = _bit_example(tag.area, tag.db_number, tag.byte_offset)
        if width is not None and width != "X":
            raise fail(f"BOOL needs a bit address such as {example}")
        if not explicit_bit:
            raise fail(f"BOOL needs a bit number, e.g. {example}")
    else:
        if explicit_bit or width == "X":
            raise fail(f"a bit address can only hold BOOL, not {datatype}")
        size = _FIXED_SIZES.get(datatype)
        if width in _LETTER_SIZE and size in _SIZE_LETTER and _LETTER_SIZE[width] != size:
            right = Address(tag.area, tag.db_number, tag.byte_offset, 0, datatype)
            raise fail(
                f"{width} addresses {_LETTER_SIZE[width]} byte(s) but {datatype} takes {size} "
                f"(write {right})"
            )
    return Address(tag.area, tag.db_number, tag.byte_offset, tag.bit, datatype, length)


def _bit_example(area: Area, db: int, start: int) -> str:
    if area == Area.DB:
        return f"DB{db}.DBX{start}.0"
    return f"{_AREA_LETTER[area]}{start}.0"


def address_for_type(type: VariableType | int, db: int, start: int, bit: int) -> Address:
    """Build the address of an S7Variable from its ``type``, ``db``, ``address`` and ``bit``.

    ``db`` is used only by the Data types and ``bit`` only by the Bit types (both are still
    range-checked). Raises AddressError for InvalidType, a DB number below 1 on Data types,
    negative or too large offsets and bit numbers outside 0..7.
    """
    shown = f"type {getattr(type, 'name', type)}, db {db}, address {start}, bit {bit}"

    def fail(reason: str) -> AddressError:
        return AddressError(shown, reason, prefix="Invalid address")

    try:
        vtype = VariableType(type)
    except ValueError:
        raise fail(f"{type!r} is not an S7Variable type (0..28)") from None
    if vtype == VariableType.InvalidType:
        raise fail("no type is set (InvalidType); set a type or an address name")
    for label, value in (("db", db), ("address", start), ("bit", bit)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"{label} must be an integer, not {value!r}")
    if not 0 <= bit <= 7:
        raise fail(f"bit number {bit} is out of range 0..7")
    area = _AREAS[(vtype - 1) // 7]
    datatype = _ORIGINAL_TYPES[(vtype - 1) % 7]
    if area != Area.DB:
        db = 0
    if datatype != "BOOL":
        bit = 0
    _check(area, db, start, bit, datatype, 0, shown, "Invalid address")
    return Address(area, db, start, bit, datatype)
