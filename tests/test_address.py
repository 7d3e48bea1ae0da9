"""Address names: the documented forms, VariableType, validation of malformed names."""

from __future__ import annotations

import random

import pytest
from snap7.type import Area

from qml_s7.core.address import (
    DATATYPES,
    Address,
    AddressError,
    VariableType,
    address_for_type,
    parse_address,
)

T = VariableType
DB, PE, PA, MK = Area.DB, Area.PE, Area.PA, Area.MK

# name, area, db, start, bit, datatype, type
DOCUMENTED_FORMS = [
    # Siemens absolute, DB
    ("DB1.DBX0.1", DB, 1, 0, 1, "BOOL", T.DataBit),
    ("DB1.DBB2", DB, 1, 2, 0, "BYTE", T.DataByte),
    ("DB1.DBW4", DB, 1, 4, 0, "WORD", T.DataWord),
    ("DB1.DBD6", DB, 1, 6, 0, "DWORD", T.DataDoubleWord),
    # Siemens absolute, I/Q/M, English and German mnemonics
    ("I0.0", PE, 0, 0, 0, "BOOL", T.InputBit),
    ("IB1", PE, 0, 1, 0, "BYTE", T.InputByte),
    ("IW2", PE, 0, 2, 0, "WORD", T.InputWord),
    ("ID4", PE, 0, 4, 0, "DWORD", T.InputDoubleWord),
    ("E0.0", PE, 0, 0, 0, "BOOL", T.InputBit),
    ("EB1", PE, 0, 1, 0, "BYTE", T.InputByte),
    ("EW2", PE, 0, 2, 0, "WORD", T.InputWord),
    ("ED4", PE, 0, 4, 0, "DWORD", T.InputDoubleWord),
    ("Q0.1", PA, 0, 0, 1, "BOOL", T.OutputBit),
    ("QB3", PA, 0, 3, 0, "BYTE", T.OutputByte),
    ("QW2", PA, 0, 2, 0, "WORD", T.OutputWord),
    ("QD8", PA, 0, 8, 0, "DWORD", T.OutputDoubleWord),
    ("A0.1", PA, 0, 0, 1, "BOOL", T.OutputBit),
    ("AB3", PA, 0, 3, 0, "BYTE", T.OutputByte),
    ("AW2", PA, 0, 2, 0, "WORD", T.OutputWord),
    ("AD8", PA, 0, 8, 0, "DWORD", T.OutputDoubleWord),
    ("M10.5", MK, 0, 10, 5, "BOOL", T.MemoryBit),
    ("MB3", MK, 0, 3, 0, "BYTE", T.MemoryByte),
    ("MW4", MK, 0, 4, 0, "WORD", T.MemoryWord),
    ("MD8", MK, 0, 8, 0, "DWORD", T.MemoryDoubleWord),
    ("IX0.7", PE, 0, 0, 7, "BOOL", T.InputBit),
    ("QX1.2", PA, 0, 1, 2, "BOOL", T.OutputBit),
    ("MX3.4", MK, 0, 3, 4, "BOOL", T.MemoryBit),
    # typed (PLC4X)
    ("DB1.DBW4:INT", DB, 1, 4, 0, "INT", T.DataInt16),
    ("DB1.DBD8:DINT", DB, 1, 8, 0, "DINT", T.DataInt32),
    ("DB1.DBD8:REAL", DB, 1, 8, 0, "REAL", T.DataReal),
    ("MW4:INT", MK, 0, 4, 0, "INT", T.MemoryInt16),
    ("%QD4:REAL", PA, 0, 4, 0, "REAL", T.OutputReal),
    ("DB1:10:LREAL", DB, 1, 10, 0, "LREAL", T.InvalidType),
    ("DB1.DBX0.1:BOOL", DB, 1, 0, 1, "BOOL", T.DataBit),
    ("DB2.DBB3:BYTE", DB, 2, 3, 0, "BYTE", T.DataByte),
    ("DB2.DBW4:WORD", DB, 2, 4, 0, "WORD", T.DataWord),
    ("DB2.DBD4:DWORD", DB, 2, 4, 0, "DWORD", T.DataDoubleWord),
    ("ID4:DINT", PE, 0, 4, 0, "DINT", T.InputInt32),
    ("EW2:INT", PE, 0, 2, 0, "INT", T.InputInt16),
    ("AD4:REAL", PA, 0, 4, 0, "REAL", T.OutputReal),
    ("E1.3:BOOL", PE, 0, 1, 3, "BOOL", T.InputBit),
    ("MX1.2:BOOL", MK, 0, 1, 2, "BOOL", T.MemoryBit),
    ("DB3:12.6:BOOL", DB, 3, 12, 6, "BOOL", T.DataBit),
    ("DB3:12:REAL", DB, 3, 12, 0, "REAL", T.DataReal),
    ("MD8:LREAL", MK, 0, 8, 0, "LREAL", T.InvalidType),
    ("DB1.DBW0:UINT", DB, 1, 0, 0, "UINT", T.InvalidType),
    ("DB1.DBD0:TIME", DB, 1, 0, 0, "TIME", T.InvalidType),
    ("DB1.DBB0:DATE_AND_TIME", DB, 1, 0, 0, "DT", T.InvalidType),
    ("DB1.DBD0:TIME_OF_DAY", DB, 1, 0, 0, "TOD", T.InvalidType),
    # nodeS7
    ("DB1,X0.1", DB, 1, 0, 1, "BOOL", T.DataBit),
    ("DB1,B2", DB, 1, 2, 0, "BYTE", T.DataByte),
    ("DB1,W4", DB, 1, 4, 0, "WORD", T.DataWord),
    ("DB1,DW6", DB, 1, 6, 0, "DWORD", T.DataDoubleWord),
    ("DB1,I4", DB, 1, 4, 0, "INT", T.DataInt16),
    ("DB1,DI8", DB, 1, 8, 0, "DINT", T.DataInt32),
    ("DB1,R8", DB, 1, 8, 0, "REAL", T.DataReal),
    ("DB1,LR8", DB, 1, 8, 0, "LREAL", T.InvalidType),
    ("DB1,C3", DB, 1, 3, 0, "CHAR", T.InvalidType),
    ("DB1,LI0", DB, 1, 0, 0, "LINT", T.InvalidType),
    ("DB1,SINT1", DB, 1, 1, 0, "SINT", T.InvalidType),
    ("MR4", MK, 0, 4, 0, "REAL", T.MemoryReal),
    ("MI4", MK, 0, 4, 0, "INT", T.MemoryInt16),
    ("IR8", PE, 0, 8, 0, "REAL", T.InputReal),
    ("QDI8", PA, 0, 8, 0, "DINT", T.OutputInt32),
    ("ER8", PE, 0, 8, 0, "REAL", T.InputReal),
    ("AI2", PA, 0, 2, 0, "INT", T.OutputInt16),
]


@pytest.mark.parametrize(
    ("name", "area", "db", "start", "bit", "datatype", "vtype"), DOCUMENTED_FORMS
)
def test_documented_forms(name, area, db, start, bit, datatype, vtype):
    address = parse_address(name)
    assert (address.area, address.db, address.start, address.bit) == (area, db, start, bit)
    assert address.datatype == datatype
    assert address.type == vtype
    assert address.length == 0
    assert parse_address(str(address)) == address  # str() is a valid canonical name


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("db1.dbx0.1", "DB1.DBX0.1"),
        ("  DB1.DBW4  ", "DB1.DBW4"),
        ("\tmw4\n", "MW4"),
        ("%DB1.DBD6", "DB1.DBD6"),
        ("%i0.0", "I0.0"),
        ("%e0.0", "I0.0"),
        ("a0.1", "Q0.1"),
        (" %MW4:int ", "MW4:INT"),
        ("%db1,x0.1", "DB1.DBX0.1"),
        ("Db1.dBd8:ReAl", "DB1.DBD8:REAL"),
        ("DB1,I4", "DB1.DBW4:INT"),
        ("DB1,R8", "DB1.DBD8:REAL"),
        ("MR4", "MD4:REAL"),
        ("DB1:10:LREAL", "DB1.DBB10:LREAL"),
        ("DB01.DBW004", "DB1.DBW4"),
        ("E1.3:BOOL", "I1.3"),
        ("DB1.DBB0:STRING(20)", "DB1.DBB0:STRING[20]"),
        ("DB1,S10.20", "DB1.DBB10:STRING[20]"),
    ],
)
def test_canonical_name(name, canonical):
    assert str(parse_address(name)) == canonical


@pytest.mark.parametrize(
    ("name", "datatype", "length", "size"),
    [
        ("DB1.DBB0:STRING[20]", "STRING", 20, 22),
        ("DB1.DBB0:STRING(20)", "STRING", 20, 22),
        ("DB1.DBB0:string(1)", "STRING", 1, 3),
        ("DB1.DBB0:STRING[254]", "STRING", 254, 256),
        ("DB1.DBB0:STRING", "STRING", 254, 256),
        ("DB1:4:WSTRING[10]", "WSTRING", 10, 24),
        ("DB1.DBB0:WSTRING(3)", "WSTRING", 3, 10),
        ("DB1.DBB0:WSTRING", "WSTRING", 254, 512),
        ("DB1,S10.20", "STRING", 20, 22),
        ("DB1,WS10.5", "WSTRING", 5, 14),
        ("MS0.8", "STRING", 8, 10),
    ],
)
def test_string_forms(name, datatype, length, size):
    address = parse_address(name)
    assert (address.datatype, address.length, address.size) == (datatype, length, size)
    assert address.type == T.InvalidType
    assert parse_address(str(address)) == address


# The byte size of each fixed-size type, as the S7 documentation gives it.
SIZES = {
    datatype: size
    for size, types in {
        1: "BOOL BYTE SINT USINT CHAR",
        2: "WORD INT UINT WCHAR DATE S5TIME",
        4: "DWORD DINT UDINT REAL TIME TOD",
        8: "LINT ULINT LWORD LREAL DT",
        12: "DTL",
    }.items()
    for datatype in types.split()
}


def test_datatypes_are_the_documented_set():
    assert set(SIZES) | {"STRING", "WSTRING"} == DATATYPES


@pytest.mark.parametrize(("datatype", "size"), sorted(SIZES.items()))
def test_every_datatype_parses_with_its_size(datatype, size):
    letter = {1: "B", 2: "W", 4: "D"}.get(size, "B")
    name = "DB5.DBX6.2:BOOL" if datatype == "BOOL" else f"DB5.DB{letter}6:{datatype}"
    address = parse_address(name)
    assert (address.area, address.db, address.start, address.datatype) == (DB, 5, 6, datatype)
    assert address.size == size
    assert address.is_bit == (datatype == "BOOL")
    # the same type in the other areas and in the short PLC4X form
    for prefix, area in (("M", MK), ("I", PE), ("Q", PA), ("E", PE), ("A", PA)):
        other = "M6.2:BOOL".replace("M", prefix) if datatype == "BOOL" else f"{prefix}6:{datatype}"
        parsed = parse_address(other)
        assert (parsed.area, parsed.db, parsed.start, parsed.datatype) == (area, 0, 6, datatype)
    assert parse_address(str(address)) == address


@pytest.mark.parametrize("vtype", list(VariableType)[1:])
def test_address_for_type_all_28(vtype):
    area = (DB, PE, PA, MK)[(vtype - 1) // 7]
    datatype = ("BOOL", "BYTE", "WORD", "DWORD", "INT", "DINT", "REAL")[(vtype - 1) % 7]
    address = address_for_type(vtype, 3, 10, 6)
    assert address.area == area
    assert address.datatype == datatype
    assert address.type == vtype
    assert address.start == 10
    assert address.db == (3 if area == DB else 0)  # db only used by Data types
    assert address.bit == (6 if datatype == "BOOL" else 0)  # bit only used by Bit types
    assert parse_address(str(address)) == address
    assert address_for_type(int(vtype), 3, 10, 6) == address


def test_variable_type_values():
    assert len(VariableType) == 29
    assert (T.InvalidType, T.DataBit, T.DataReal) == (0, 1, 7)
    assert (T.InputBit, T.InputReal, T.OutputBit, T.OutputReal) == (8, 14, 15, 21)
    assert (T.MemoryBit, T.MemoryByte, T.MemoryReal) == (22, 23, 28)
    assert T.DataDoubleWord == 4 and T.DataInt16 == 5 and T.DataInt32 == 6


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((T.InvalidType, 1, 0, 0), "InvalidType"),
        ((T.DataWord, 0, 0, 0), "DB number 0"),
        ((T.DataBit, -1, 0, 0), "DB number -1"),
        ((T.DataBit, 70000, 0, 0), "DB number 70000"),
        ((T.DataWord, 1, -2, 0), "byte offset -2"),
        ((T.MemoryByte, 0, 65536, 0), "byte offset 65536"),
        ((T.MemoryWord, 0, 65535, 0), "past the last byte"),
        ((T.DataBit, 1, 0, 8), "bit number 8"),
        ((T.InputBit, 0, 0, -1), "bit number -1"),
        ((T.DataWord, 1, 0, 9), "bit number 9"),
        ((99, 1, 0, 0), "not an S7Variable type"),
        ((-1, 1, 0, 0), "not an S7Variable type"),
        ((T.DataWord, 1, 2.5, 0), "must be an integer"),
    ],
)
def test_address_for_type_errors(args, fragment):
    with pytest.raises(AddressError) as info:
        address_for_type(*args)
    assert fragment in str(info.value)
    assert str(info.value).startswith("Invalid address")


MALFORMED = [
    ("DB1.DBX0.8", "bit number 8 is out of range 0..7"),
    ("DB0.DBW0", "DB number 0"),
    ("MW", "not a recognised"),
    ("XYZ", "not a recognised"),
    ("DB1.DBW-1", "negative"),
    ("", "empty"),
    ("   ", "blank"),
    ("DB1", "expected DB<n>"),
    ("DB1.", "expected DB<n>"),
    ("DB1.DBX0", "needs a bit number"),
    ("DB1.DBQ0", "expected DB<n>"),
    ("I0.9", "bit number 9"),
    ("MB-1", "negative"),
    ("DB1.DBD0:FOO", "unknown data type FOO"),
    ("DB1,Z0", "typecode"),
    ("DB99999999.DBW0", "DB number 99999999"),
    ("M0.0.0", "array count must be at least 1, not 0"),
    ("Q", "not a recognised"),
    ("%", "nothing after '%'"),
    ("DB1.DBW4:", "missing data type"),
    ("DBX.DBW0", "expected DB<n>"),
    ("IW99999999", "byte offset 99999999"),
    ("DB1.DBB0:STRING[0]", "STRING length 0"),
    ("DB1.DBB0:STRING[255]", "STRING length 255"),
    ("DB1.DBB0:STRING[300]", "STRING length 300"),
    ("DB1.DBB0:WSTRING[16383]", "WSTRING length 16383"),
    ("DB1,S0.0", "STRING length 0"),
    ("M10.5:INT", "only allowed for BOOL"),
    ("DB1.DBX0.0:INT", "can only hold BOOL"),
    ("MW4:BOOL", "BOOL needs a bit address"),
    ("DB1:10:BOOL", "needs a bit number"),
    ("DB1.DBW4:REAL", "W addresses 2 byte(s) but REAL takes 4 (write DB1.DBD4:REAL)"),
    ("DB1.DBD4:INT", "D addresses 4"),
    ("DB1.DBB4:WORD", "B addresses 1"),
    ("DB1.DBB4:TOD", "TOD takes 4"),
    ("DB1:10:INT[5]", "arrays are not supported"),
    ("DB1.DBD0:REAL[0]", "arrays are not supported"),
    ("DB1.DBB0:CHAR(3)", "malformed data type"),
    ("DB1.DBB0:STRING()", "malformed data type"),
    ("DB1.DBW0:INT[", "malformed data type"),
    ("DB1.DBW4:3INT", "malformed data type"),
    ("DB1:1:2:3", "malformed data type"),
    ("DB1.DBW4:INT:REAL", "malformed"),
    ("DB1.DBX0.1.2:BOOL", "malformed"),
    ("DB1.DBB65536", "byte offset 65536"),
    ("DB1.DBW65535", "past the last byte"),
    ("DB65536.DBW0", "DB number 65536"),
    ("DB1.DBW 4", "blanks"),
    ("M 1.0", "blanks"),
    ("DB+1.DBW4", "unexpected character '+'"),
    ("DB1.DBW1_0", "unexpected character '_'"),
    ("%%MW4", "unexpected character '%'"),
    ("DB1.DBW4;", "unexpected character ';'"),
    ("MW4\x00", "U+0000"),
    ("DB\uff11.DBW0", "U+FF11"),  # fullwidth digit one
    ("DB1.DBW٣", "U+0663"),  # Arabic-Indic digit three
    ("ÄÖÜ", "U+00C4"),
    ("MW4\u200b", "U+200B"),  # zero-width space
    ("🙂", "U+1F642"),
    ("M7", "bit suffix"),
    ("DB1,B0.3", "nodeS7 arrays are not supported"),
    ("DB1,S0", "length suffix"),
    ("DB1,X0.1:BOOL", "invalid nodeS7 DB address"),
    ("DB1,X0.9", "bit number 9"),
    ("DB0,X0.0", "DB number 0"),
    ("DB1.DBW4:STRING[10][2]", "malformed data type"),
    ("DB1.DBB0:STRING[20]:INT", "malformed"),
    ("DB1:10", "malformed data type 10"),
    ("DB" + "9" * 5000 + ".DBW0", "too large"),
    ("T1", "timer and counter areas (T, C) are not supported"),
    ("C1", "timer and counter areas (T, C) are not supported"),
    ("PIW256", "peripheral areas (PI, PE, PQ, PA) are not supported"),
]


@pytest.mark.parametrize(("name", "fragment"), MALFORMED)
def test_malformed_names(name, fragment):
    with pytest.raises(AddressError) as info:
        parse_address(name)
    message = str(info.value)
    assert message.startswith("Cannot parse address")
    assert fragment in message
    assert info.value.name == name
    assert fragment in info.value.reason
    shown = name if len(name) <= 80 else name[:80]
    assert f'"{shown}' in message  # the message quotes the name


def test_documented_error_message_exact():
    with pytest.raises(AddressError) as info:
        parse_address("DB1.DBX0.8")
    assert str(info.value) == (
        'Cannot parse address "DB1.DBX0.8": bit number 8 is out of range 0..7'
    )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", [None, 5, 1.5, b"MW4", ["MW4"]])
def test_non_string_names(name):
    with pytest.raises(AddressError, match="must be a string"):
        parse_address(name)


def test_junk_only_ever_raises_address_error():
    """Random junk from the characters of the dialects gives an Address or AddressError."""
    rng = random.Random(7)
    alphabet = "DBXWILRSQMEAC0123456789.,:%[]()_-+ \u00e4\u0663"
    parsed = 0
    for _ in range(5000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        try:
            address = parse_address(name)
        except AddressError as error:
            assert error.name == name
            continue
        parsed += 1
        assert parse_address(str(address)) == address
    assert parsed > 0


def test_junk_from_valid_names_mutated():
    rng = random.Random(11)
    seeds = [form[0] for form in DOCUMENTED_FORMS]
    for _ in range(5000):
        chars = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(chars) + 1)
            action = rng.random()
            if action < 0.4 and chars:
                del chars[min(position, len(chars) - 1)]
            elif action < 0.7:
                chars.insert(position, rng.choice("0123456789.,:DBXWM9%-["))
            elif chars:
                chars[min(position, len(chars) - 1)] = rng.choice("0123456789.XQ:")
        name = "".join(chars)
        try:
            address = parse_address(name)
        except AddressError:
            continue
        assert 0 <= address.bit <= 7
        assert address.area != DB or address.db >= 1
        assert address.start >= 0
        assert address.start + address.size <= 65536
        assert parse_address(str(address)) == address


def test_address_is_hashable_and_frozen():
    one = parse_address("DB1.DBW4:INT")
    assert one == parse_address("DB1,I4") == Address(DB, 1, 4, 0, "INT")
    assert len({one, parse_address("db1.dbw4:int")}) == 1
    with pytest.raises(AttributeError):
        one.start = 5  # type: ignore[misc]


def test_direct_construction_normalises_and_validates():
    assert Address(DB, 1, 0, 0, "real").datatype == "REAL"
    assert Address(DB, 1, 0, 0, "date_and_time").datatype == "DT"
    assert Address(DB, 1, 0, 0, "STRING").length == 254
    assert Address(MK, 0, 0, 0, "WSTRING", 8).size == 20
    assert Address(0x84, 1, 0, 0, "INT").area is DB  # type: ignore[arg-type]
    assert str(Address(0x83, 0, 4, 0, "INT")) == "MW4:INT"  # type: ignore[arg-type]
    for args in [
        (DB, 0, 0, 0, "INT"),
        (MK, 1, 0, 0, "INT"),
        (MK, 0, -1, 0, "INT"),
        (MK, 0, 0, 8, "BOOL"),
        (MK, 0, 0, 1, "INT"),
        (MK, 0, 0, 0, "FOO"),
        (MK, 0, 0, 0, "STRING", 255),
        (MK, 0, 0, 0, "INT", 4),
        (Area.TM, 0, 0, 0, "WORD"),
        (0x42, 0, 0, 0, "WORD"),
        (DB, 1.0, 0, 0, "WORD"),
        (DB, 1, "4", 0, "WORD"),
        (DB, 1, 0, True, "BOOL"),
        (DB, 1, 0, 0, "STRING", 2.5),
    ]:
        with pytest.raises(AddressError, match="Invalid address"):
            Address(*args)


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("DB1.DBX0.1", 1),
        ("MB3", 1),
        ("MW4", 2),
        ("MD8", 4),
        ("DB1,LR0", 8),
        ("DB1:0:DT", 8),
        ("DB1:0:DTL", 12),
        ("DB1,S0.10", 12),
        ("DB1,WS0.10", 24),
        ("DB1.DBW65534:INT", 2),
        ("DB1.DBB65524:DTL", 12),
    ],
)
def test_size(name, size):
    assert parse_address(name).size == size


# --------------------------------------------------------------------------- nodeS7 typecodes
# Every typecode nodeS7 0.3.18 (bench/nodes7/package.json) takes, long and short.

# typecode after "DB<n>,", canonical type
NODES7_DB_TYPECODES = [
    ("B", "BYTE"),
    ("BYTE", "BYTE"),
    ("C", "CHAR"),
    ("CHAR", "CHAR"),
    ("W", "WORD"),
    ("WORD", "WORD"),
    ("I", "INT"),
    ("INT", "INT"),
    ("DW", "DWORD"),
    ("DWORD", "DWORD"),
    ("DWT", "DWORD"),
    ("DI", "DINT"),
    ("DINT", "DINT"),
    ("R", "REAL"),
    ("REAL", "REAL"),
    ("LR", "LREAL"),
    ("LREAL", "LREAL"),
    ("LI", "LINT"),
    ("LINT", "LINT"),
    ("DT", "DT"),
    ("WDT", "DT"),  # nodeS7's DT in local time unless wdtAsUTC
    ("DTL", "DTL"),
    # parse_tag's own short codes, which nodeS7 lacks, stay accepted
    ("D", "DWORD"),
    ("SINT", "SINT"),
    ("USINT", "USINT"),
    ("ULI", "ULINT"),
    ("LW", "LWORD"),
]


@pytest.mark.parametrize(("code", "datatype"), NODES7_DB_TYPECODES)
def test_nodes7_db_typecodes(code, datatype):
    address = parse_address(f"DB3,{code}6")
    assert address == Address(DB, 3, 6, 0, datatype)
    assert parse_address(f"db3,{code.lower()}6") == address
    assert parse_address(f"DB3,{code}6.1") == address  # a count of 1 is one value
    assert parse_address(str(address)) == address


@pytest.mark.parametrize(
    ("code", "datatype"), [("S", "STRING"), ("STRING", "STRING"), ("WS", "WSTRING")]
)
def test_nodes7_db_string_typecodes(code, datatype):
    address = parse_address(f"DB3,{code}6.20")
    assert address == Address(DB, 3, 6, 0, datatype, 20)
    assert parse_address(f"DB3,{code}6.20.1") == address


@pytest.mark.parametrize("name", ["DB3,X6.2", "db3,x6.2", "DB3,X6.2.1"])
def test_nodes7_db_bit(name):
    assert parse_address(name) == Address(DB, 3, 6, 2, "BOOL")


NODES7_AREAS = [("I", PE), ("E", PE), ("Q", PA), ("A", PA), ("M", MK)]
# typecode after the area letter, canonical type: nodeS7 takes only short codes here
NODES7_AREA_TYPECODES = [
    ("B", "BYTE"),
    ("C", "CHAR"),
    ("W", "WORD"),
    ("I", "INT"),
    ("D", "DWORD"),
    ("DI", "DINT"),
    ("R", "REAL"),
    ("LR", "LREAL"),
    ("LI", "LINT"),
]


@pytest.mark.parametrize(("letter", "area"), NODES7_AREAS)
@pytest.mark.parametrize(("code", "datatype"), NODES7_AREA_TYPECODES)
def test_nodes7_area_typecodes(letter, area, code, datatype):
    address = parse_address(f"{letter}{code}6")
    assert address == Address(area, 0, 6, 0, datatype)
    assert parse_address(f"{letter}{code}6.1") == address


@pytest.mark.parametrize(("letter", "area"), NODES7_AREAS)
def test_nodes7_area_bits(letter, area):
    assert parse_address(f"{letter}6.2") == Address(area, 0, 6, 2, "BOOL")
    assert parse_address(f"{letter}6.2.1") == Address(area, 0, 6, 2, "BOOL")


@pytest.mark.parametrize(
    ("nodes7", "siemens"),
    [
        ("DB1,REAL4", "DB1.DBD4:REAL"),
        ("DB1,INT8", "DB1.DBW8:INT"),
        ("DB1,LREAL4", "DB1:4:LREAL"),
        ("DB1,BYTE3", "DB1.DBB3"),
        ("DB1,DINT4", "DB1.DBD4:DINT"),
        ("DB1,WORD2", "DB1.DBW2"),
        ("DB1,X0.1", "DB1.DBX0.1"),
        ("DB1,STRING10.20", "DB1.DBB10:STRING[20]"),
        ("DB1,CHAR3", "DB1.DBB3:CHAR"),
        ("DB1,DT0", "DB1.DBB0:DT"),
        ("DB1,DTL0", "DB1.DBB0:DTL"),
        ("MR4", "MD4:REAL"),
        ("IDI8", "ID8:DINT"),
        ("QLR0", "Q0:LREAL"),
    ],
)
def test_nodes7_names_equal_their_siemens_names(nodes7, siemens):
    assert parse_address(nodes7) == parse_address(siemens)


def test_long_and_short_typecodes_give_the_same_address_and_type():
    assert parse_address("DB1,INT8") == parse_address("DB1,I8")
    assert parse_address("DB1,REAL4").type == parse_address("DB1,R4").type == T.DataReal
    assert parse_address("DB1,DINT4").type == T.DataInt32
    assert parse_address("DB1,WORD2").type == T.DataWord
    assert parse_address("DB1,BYTE3").type == T.DataByte


def test_nodes7_array_error_says_what_to_write_instead():
    with pytest.raises(AddressError) as info:
        parse_address("DB1,REAL0.20")
    assert str(info.value) == (
        'Cannot parse address "DB1,REAL0.20": nodeS7 arrays are not supported '
        "(20 REAL values asked for); use one variable per element, e.g. DB1,REAL0 and DB1,REAL4"
    )


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        (
            "DB1,R0.2",
            "(2 REAL values asked for); use one variable per element, e.g. DB1,R0 and DB1,R4",
        ),
        ("DB1,INT8.5", "e.g. DB1,INT8 and DB1,INT10"),
        ("DB1,LREAL0.3", "e.g. DB1,LREAL0 and DB1,LREAL8"),
        ("DB1,BYTE3.4", "e.g. DB1,BYTE3 and DB1,BYTE4"),
        ("DB1,C0.10", "(10 CHAR values asked for)"),
        (
            "DB1,X0.7.3",
            "(3 BOOL values asked for); use one variable per element, e.g. DB1,X0.7 and DB1,X1.0",
        ),
        ("DB1,X0.1.8", "e.g. DB1,X0.1 and DB1,X0.2"),
        (
            "DB1,S10.20.2",
            "(2 STRING values asked for); use one variable per element, "
            "e.g. DB1,S10.20 and DB1,S32.20",
        ),
        ("DB1,DTL0.2", "e.g. DB1,DTL0 and DB1,DTL12"),
        ("MR4.3", "e.g. MR4 and MR8"),
        ("M0.1.8", "e.g. M0.1 and M0.2"),
        ("EW2.2", "e.g. EW2 and EW4"),
    ],
)
def test_nodes7_arrays_are_refused(name, fragment):
    with pytest.raises(AddressError) as info:
        parse_address(name)
    assert "nodeS7 arrays are not supported" in info.value.reason
    assert fragment in info.value.reason
    assert info.value.name == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("DB1,REAL0.0", "array count must be at least 1, not 0"),
        ("DB1,X0.1.0", "array count must be at least 1, not 0"),
        ("DB1,S0.10.0", "array count must be at least 1, not 0"),
        ("DB1,REAL65535.2", "past the last byte"),  # the first element is checked first
        ("DB1,X0.8.2", "bit number 8"),
        ("DB1,X0.1.2.3", "stray '.'"),
        ("DB1,REAL0.1.2", "stray '.'"),
        (
            "DB1,DTZ0",
            "DTZ (DT read as UTC) is not supported: DT is read as local time (write DB1,DT0)",
        ),
        ("DB1,DTLZ4", "DTLZ (DTL read as UTC) is not supported"),
        (
            "DB1,TIMER4",
            "TIMER is for nodeS7's T area, which is not supported; in a DB write DB1,INT4",
        ),
        ("DB1,COUNTER4", "COUNTER is for nodeS7's C area, which is not supported"),
        (
            "MREAL4",
            "the long typecode REAL is for DB names (DB1,REAL4); "
            "in the I, Q and M areas nodeS7 writes MR4",
        ),
        ("IDWORD4", "nodeS7 writes ID4"),
        ("QINT2", "nodeS7 writes QI2"),
        ("MDT4", "unknown nodeS7 typecode 'DT' (after M, I, Q, E or A:"),
        ("DB1,Z0", "unknown nodeS7 typecode 'Z' (after DB<n>,: X, B or BYTE"),
        ("DB1,REALS4", "unknown nodeS7 typecode 'REALS'"),
        ("PIB0", "peripheral areas"),
        ("PQW2", "peripheral areas"),
        ("T5", "(T, C) are not supported"),
        ("DB1,S10", "length suffix"),
        ("DB1,STRING10", "length suffix"),
        ("DB1,X0", "bit suffix"),
    ],
)
def test_nodes7_refusals_name_the_problem(name, fragment):
    with pytest.raises(AddressError) as info:
        parse_address(name)
    assert fragment in str(info.value)
    assert f'"{name}"' in str(info.value)
