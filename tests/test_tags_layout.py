"""The standard-access layout: one test per rule, every offset computed by hand.

Each source is a DB "D" (DB1) written as TIA Portal exports it; the expected table lists every
value's typed address. The rules are in qml_s7/tags/layout.py.
"""

from __future__ import annotations

from pathlib import Path

from qml_s7.tags import load_symbols

FIXTURES = Path(__file__).parent / "fixtures" / "tags"


def db(members: str, head: str = "") -> str:
    """The source of DB "D" with these members (and more blocks before it)."""
    return (
        f"{head}DATA_BLOCK \"D\"\n{{ S7_Optimized_Access := 'FALSE' }}\nVERSION : 0.1\n"
        f"NON_RETAIN\n   STRUCT\n{members}\n   END_STRUCT;\n\nBEGIN\nEND_DATA_BLOCK\n"
    )


def addresses(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "d.db"
    path.write_text(text, encoding="utf-8")
    return {s.name: s.address_text for s in load_symbols([path], {"D": 1})}


def test_the_figure_of_the_siemens_programming_guideline(tmp_path):
    source = db("X1 : Bool; B1 : Byte; X2 : Bool; X3 : Bool; W1 : Word; X4 : Bool; W2 : Word;")
    assert addresses(tmp_path, source) == {
        '"D".X1': "DB1.DBX0.0:BOOL",
        '"D".B1': "DB1:1:BYTE",
        '"D".X2': "DB1.DBX2.0:BOOL",
        '"D".X3': "DB1.DBX2.1:BOOL",
        '"D".W1': "DB1:4:WORD",
        '"D".X4': "DB1.DBX6.0:BOOL",
        '"D".W2': "DB1:8:WORD",
    }


def test_bools_pack_into_bits_and_run_on_into_the_next_byte(tmp_path):
    members = " ".join(f"B{i} : Bool;" for i in range(9)) + " I : Int;"
    found = addresses(tmp_path, db(members))
    assert [found[f'"D".B{i}'] for i in range(9)] == [
        *(f"DB1.DBX0.{bit}:BOOL" for bit in range(8)),
        "DB1.DBX1.0:BOOL",
    ]
    assert found['"D".I'] == "DB1:2:INT"  # after the bits: the next even byte


def test_a_bool_after_anything_else_starts_a_new_byte(tmp_path):
    source = db("A : Byte; X : Bool; B : Byte; Y : Bool; Z : Bool; C : Char; W : Bool;")
    assert addresses(tmp_path, source) == {
        '"D".A': "DB1:0:BYTE",
        '"D".X': "DB1.DBX1.0:BOOL",
        '"D".B': "DB1:2:BYTE",
        '"D".Y': "DB1.DBX3.0:BOOL",
        '"D".Z': "DB1.DBX3.1:BOOL",
        '"D".C': "DB1:4:CHAR",
        '"D".W': "DB1.DBX5.0:BOOL",
    }


def test_one_byte_types_take_the_next_byte_odd_offsets_allowed(tmp_path):
    source = db("A : Byte; B : Char; C : SInt; D : USInt; E : Int; F : Byte; G : USInt; H : DInt;")
    assert addresses(tmp_path, source) == {
        '"D".A': "DB1:0:BYTE",
        '"D".B': "DB1:1:CHAR",
        '"D".C': "DB1:2:SINT",
        '"D".D': "DB1:3:USINT",
        '"D".E': "DB1:4:INT",
        '"D".F': "DB1:6:BYTE",
        '"D".G': "DB1:7:USINT",
        '"D".H': "DB1:8:DINT",
    }


def test_other_types_start_on_an_even_byte_never_aligned_to_4(tmp_path):
    source = db(
        "A : Byte; B : DInt; C : Byte; D : Real; E : Byte; F : LReal; G : Byte; H : WChar; "
        "I : Byte; J : DTL; K : Int;"
    )
    assert addresses(tmp_path, source) == {
        '"D".A': "DB1:0:BYTE",
        '"D".B': "DB1:2:DINT",
        '"D".C': "DB1:6:BYTE",
        '"D".D': "DB1:8:REAL",
        '"D".E': "DB1:12:BYTE",
        '"D".F': "DB1:14:LREAL",
        '"D".G': "DB1:22:BYTE",
        '"D".H': "DB1:24:WCHAR",
        '"D".I': "DB1:26:BYTE",
        '"D".J': "DB1:28:DTL",  # 12 bytes
        '"D".K': "DB1:40:INT",
    }


def test_every_elementary_type_in_a_row(tmp_path):
    names = [
        "Bool", "Byte", "Word", "DWord", "LWord", "Char", "WChar", "SInt", "USInt", "Int",
        "UInt", "DInt", "UDInt", "LInt", "ULInt", "Real", "LReal", "Time", "S5Time", "Date",
        "Time_Of_Day", "TOD", "Date_And_Time", "DT", "DTL", "String[4]", "WString[3]", "String",
        "WString", "Int",
    ]  # fmt: skip
    members = " ".join(f"M{i} : {name};" for i, name in enumerate(names))
    found = addresses(tmp_path, db(members))
    offsets = [found[f'"D".M{i}'] for i in range(len(names))]
    assert offsets == [
        "DB1.DBX0.0:BOOL",
        "DB1:1:BYTE",
        "DB1:2:WORD",
        "DB1:4:DWORD",
        "DB1:8:LWORD",
        "DB1:16:CHAR",
        "DB1:18:WCHAR",
        "DB1:20:SINT",
        "DB1:21:USINT",
        "DB1:22:INT",
        "DB1:24:UINT",
        "DB1:26:DINT",
        "DB1:30:UDINT",
        "DB1:34:LINT",
        "DB1:42:ULINT",
        "DB1:50:REAL",
        "DB1:54:LREAL",
        "DB1:62:TIME",
        "DB1:66:S5TIME",
        "DB1:68:DATE",
        "DB1:70:TOD",
        "DB1:74:TOD",
        "DB1:78:DT",
        "DB1:86:DT",
        "DB1:94:DTL",
        "DB1:106:STRING[4]",  # n + 2 = 6 bytes
        "DB1:112:WSTRING[3]",  # 2n + 4 = 10 bytes
        "DB1:122:STRING[254]",  # plain String: 254 characters, 256 bytes
        "DB1:378:WSTRING[254]",  # plain WString: 254 characters, 512 bytes
        "DB1:890:INT",
    ]


def test_type_names_ignore_letter_case(tmp_path):
    source = db("a : BOOL; b : real; c : date_and_time; d : time_of_day; e : dtl; f : STRING[2];")
    assert addresses(tmp_path, source) == {
        '"D".a': "DB1.DBX0.0:BOOL",
        '"D".b': "DB1:2:REAL",
        '"D".c': "DB1:6:DT",
        '"D".d': "DB1:14:TOD",
        '"D".e': "DB1:18:DTL",
        '"D".f': "DB1:30:STRING[2]",
    }


def test_a_string_followed_by_a_bool_and_a_byte(tmp_path):
    source = db("S : String[3]; X : Bool; T : String[1]; B : Byte; W : WString[2]; Y : Bool;")
    assert addresses(tmp_path, source) == {
        '"D".S': "DB1:0:STRING[3]",  # bytes 0..4
        '"D".X': "DB1.DBX5.0:BOOL",  # the next byte, odd
        '"D".T': "DB1:6:STRING[1]",  # bytes 6..8
        '"D".B': "DB1:9:BYTE",
        '"D".W': "DB1:10:WSTRING[2]",  # bytes 10..17
        '"D".Y': "DB1.DBX18.0:BOOL",
    }


def test_structs_start_even_and_their_sizes_round_up_to_even(tmp_path):
    source = db(
        "A : Byte;\n"
        "S : Struct\n  X : Bool;\n  Y : Byte;\nEND_STRUCT;\n"  # 2.0, 3: size 2
        "B : Byte;\n"  # 4
        "T : Struct\n  C : Byte;\nEND_STRUCT;\n"  # 6: size 1 -> 2
        "E : Byte;\n"  # 8
        "O : Struct\n  I : Struct\n    F : Bool;\n  END_STRUCT;\n  G : Bool;\nEND_STRUCT;\n"
        "H : Bool;"
    )
    assert addresses(tmp_path, source) == {
        '"D".A': "DB1:0:BYTE",
        '"D".S.X': "DB1.DBX2.0:BOOL",
        '"D".S.Y': "DB1:3:BYTE",
        '"D".B': "DB1:4:BYTE",
        '"D".T.C': "DB1:6:BYTE",
        '"D".E': "DB1:8:BYTE",
        '"D".O.I.F': "DB1.DBX10.0:BOOL",  # the inner struct takes 2 bytes
        '"D".O.G': "DB1.DBX12.0:BOOL",  # a BOOL after a STRUCT: a new (even) byte
        '"D".H': "DB1.DBX14.0:BOOL",
    }


def test_a_udt_array_whose_element_size_is_odd_before_rounding(tmp_path):
    udt = (
        'TYPE "E"\nVERSION : 0.1\n   STRUCT\n      a : Int;\n      b : Byte;\n'
        "   END_STRUCT;\n\nEND_TYPE\n\n"
    )  # a at 0, b at 2: 3 bytes, an element takes 4
    source = db('Arr : Array[0..2] of "E";\nAfter : Byte;', head=udt)
    assert addresses(tmp_path, source) == {
        '"D".Arr[0].a': "DB1:0:INT",
        '"D".Arr[0].b': "DB1:2:BYTE",
        '"D".Arr[1].a': "DB1:4:INT",
        '"D".Arr[1].b': "DB1:6:BYTE",
        '"D".Arr[2].a': "DB1:8:INT",
        '"D".Arr[2].b': "DB1:10:BYTE",
        '"D".After': "DB1:12:BYTE",
    }


def test_bool_arrays_pack_bits_and_are_followed_by_a_bool_and_a_byte(tmp_path):
    source = db(
        "A : Byte;\n"
        "Flags : Array[0..9] of Bool;\n"  # an array starts even: 2.0 .. 3.1, 2 bytes
        "After : Bool;\n"  # a new byte: 4.0
        "Few : Array[1..3] of Bool;\n"  # 6.0 .. 6.2, 1 byte rounded to 2
        "B : Byte;"  # 8
    )
    found = addresses(tmp_path, source)
    assert [found[f'"D".Flags[{i}]'] for i in range(10)] == [
        *(f"DB1.DBX2.{bit}:BOOL" for bit in range(8)),
        "DB1.DBX3.0:BOOL",
        "DB1.DBX3.1:BOOL",
    ]
    assert found['"D".After'] == "DB1.DBX4.0:BOOL"
    assert [found[f'"D".Few[{i}]'] for i in (1, 2, 3)] == [
        "DB1.DBX6.0:BOOL",
        "DB1.DBX6.1:BOOL",
        "DB1.DBX6.2:BOOL",
    ]
    assert found['"D".B'] == "DB1:8:BYTE"


def test_byte_and_char_arrays_pack_bytes_and_round_the_total_to_even(tmp_path):
    source = db(
        "C : Array[0..2] of Char; B : Byte; U : Array[1..2] of USInt; I : Array[0..1] of Int;"
    )
    assert addresses(tmp_path, source) == {
        '"D".C[0]': "DB1:0:CHAR",
        '"D".C[1]': "DB1:1:CHAR",
        '"D".C[2]': "DB1:2:CHAR",
        '"D".B': "DB1:4:BYTE",  # 3 bytes rounded to 4
        '"D".U[1]': "DB1:6:USINT",
        '"D".U[2]': "DB1:7:USINT",
        '"D".I[0]': "DB1:8:INT",
        '"D".I[1]': "DB1:10:INT",
    }


def test_string_and_struct_array_elements_start_even(tmp_path):
    source = db(
        "Names : Array[0..1] of String[3];\n"  # 5 bytes each, elements 6 apart
        "Pts : Array[1..2] of Struct\n  X : Bool;\n  Y : Int;\nEND_STRUCT;\n"
        "Z : Byte;"
    )
    assert addresses(tmp_path, source) == {
        '"D".Names[0]': "DB1:0:STRING[3]",
        '"D".Names[1]': "DB1:6:STRING[3]",
        '"D".Pts[1].X': "DB1.DBX12.0:BOOL",
        '"D".Pts[1].Y': "DB1:14:INT",
        '"D".Pts[2].X': "DB1.DBX16.0:BOOL",
        '"D".Pts[2].Y': "DB1:18:INT",
        '"D".Z': "DB1:20:BYTE",
    }


def test_negative_bounds_and_several_dimensions_last_index_fastest(tmp_path):
    source = db(
        "A : Array[-2..1] of Int;\n"
        "M : Array[-1..0, 1..3] of Byte;\n"
        "G : Array[0..1, 0..1, 0..1] of Bool;\n"
        "Z : Int;"
    )
    assert addresses(tmp_path, source) == {
        '"D".A[-2]': "DB1:0:INT",
        '"D".A[-1]': "DB1:2:INT",
        '"D".A[0]': "DB1:4:INT",
        '"D".A[1]': "DB1:6:INT",
        '"D".M[-1,1]': "DB1:8:BYTE",
        '"D".M[-1,2]': "DB1:9:BYTE",
        '"D".M[-1,3]': "DB1:10:BYTE",
        '"D".M[0,1]': "DB1:11:BYTE",
        '"D".M[0,2]': "DB1:12:BYTE",
        '"D".M[0,3]': "DB1:13:BYTE",
        **{
            f'"D".G[{i},{j},{k}]': f"DB1.DBX14.{i * 4 + j * 2 + k}:BOOL"
            for i in (0, 1)
            for j in (0, 1)
            for k in (0, 1)
        },
        '"D".Z': "DB1:16:INT",
    }


def test_a_db_typed_by_a_udt(tmp_path):
    source = (
        'TYPE "Pair"\nVERSION : 0.1\n   STRUCT\n      On : Bool;\n      Value : Real;\n'
        "   END_STRUCT;\n\nEND_TYPE\n\nDATA_BLOCK \"D\"\n{ S7_Optimized_Access := 'FALSE' }\n"
        'VERSION : 0.1\nNON_RETAIN\n"Pair"\n\nBEGIN\n   Value := 1.0;\nEND_DATA_BLOCK\n'
    )
    assert addresses(tmp_path, source) == {
        '"D".On': "DB1.DBX0.0:BOOL",
        '"D".Value': "DB1:2:REAL",
    }


def test_a_quoted_member_name_with_a_space(tmp_path):
    source = db('"Motor 1" : Struct\n  "Set speed" : Real;\nEND_STRUCT;\n"Run" : Bool;')
    assert addresses(tmp_path, source) == {
        '"D"."Motor 1"."Set speed"': "DB1:0:REAL",
        '"D".Run': "DB1.DBX4.0:BOOL",  # a quoted identifier needs no quotes
    }


def test_an_instance_db_holds_in_out_in_out_stat_in_that_order():
    # Motor.scl declares VAR (STAT) first; IN: Start 0.0, Stop 0.1, Setpoint 2 (6 bytes);
    # OUT from 6: Running 6.0 (2 bytes); IN_OUT from 8: Data ("Motor_UDT") a 6-byte pointer
    # 8..13, Limits (Struct) a pointer 14..19, Count by value at 20 (14 bytes); STAT from 22:
    # State 22, Hours 24. TEMP and CONSTANT are not in the DB.
    symbols = load_symbols(
        [FIXTURES / "Motor.scl", FIXTURES / "Line.udt"], {"Motor_DB": 5, "Line": 2}
    )
    assert {s.name: s.address_text for s in symbols} == {
        '"Motor_DB".Start': "DB5.DBX0.0:BOOL",
        '"Motor_DB".Stop': "DB5.DBX0.1:BOOL",
        '"Motor_DB".Setpoint': "DB5:2:REAL",
        '"Motor_DB".Running': "DB5.DBX6.0:BOOL",
        '"Motor_DB".Count': "DB5:20:INT",
        '"Motor_DB".State': "DB5:22:INT",
        '"Motor_DB".Hours': "DB5:24:REAL",
    }


def test_the_line_fixture_as_a_whole():
    """tests/fixtures/tags/Line.db with its UDTs (Line.udt), offset by offset."""
    symbols = load_symbols([FIXTURES / "Line.db", FIXTURES / "Line.udt"], {"Line": 2})
    motors = {
        f'"Line".Motors[{n}].{member}': f"DB2{at}"
        for n, base in ((1, 32), (2, 40), (3, 48))  # Motor_UDT: 7 bytes, rounded to 8
        for member, at in (
            ("Running", f".DBX{base}.0:BOOL"),
            ("Fault", f".DBX{base}.1:BOOL"),
            ("Speed", f":{base + 2}:REAL"),
            ("Mode", f":{base + 6}:BYTE"),
        )
    }
    assert {s.name: s.address_text for s in symbols} == {
        '"Line".Enable': "DB2.DBX0.0:BOOL",
        **{f'"Line".Flags[{i}]': f"DB2.DBX{2 + i // 8}.{i % 8}:BOOL" for i in range(10)},
        '"Line".Ready': "DB2.DBX4.0:BOOL",
        '"Line".Name': "DB2:6:STRING[6]",
        '"Line".Busy': "DB2.DBX14.0:BOOL",
        '"Line".Setup.Ratio': "DB2:16:REAL",
        '"Line".Setup.Recipe': "DB2:20:STRING[6]",
        '"Line".Setup.Limits.Low': "DB2:28:INT",
        '"Line".Setup.Limits.High': "DB2:30:INT",
        **motors,
        '"Line".Grid[-1,1]': "DB2:56:INT",
        '"Line".Grid[-1,2]': "DB2:58:INT",
        '"Line".Grid[0,1]': "DB2:60:INT",
        '"Line".Grid[0,2]': "DB2:62:INT",
        '"Line"."Spare Bits"."Bit 0"': "DB2.DBX64.0:BOOL",
        '"Line"."Spare Bits".Code': "DB2:65:CHAR",
        '"Line".Counter': "DB2:66:DINT",
    }
