"""What the TIA source parser accepts: the forms TIA Portal and STEP 7 classic write.

The offsets themselves are tests/test_tags_layout.py's subject; these tests check that a
source feature is read (and what it yields: names, comments, origins), not skipped.
"""

from __future__ import annotations

from pathlib import Path

from qml_s7.tags import Symbol, load_symbols

FIXTURES = Path(__file__).parent / "fixtures" / "tags"


def load(tmp_path: Path, text: str, name: str = "d.db", **numbers: int) -> list[Symbol]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_symbols([path], numbers or {"D": 1})


def table(symbols: list[Symbol]) -> dict[str, str]:
    return {s.name: s.address_text for s in symbols}


FULL = """\
DATA_BLOCK "D"
TITLE = Everything TIA Portal writes into a header
{ S7_Optimized_Access := 'FALSE' }
AUTHOR : 'Plant engineering'
FAMILY : Tanks
NAME : TankData
VERSION : 0.1
NON_RETAIN
//The block comment: several lines
//of it
   STRUCT
      Level { ExternalAccessible := 'False'; ExternalVisible := 'False';
              ExternalWritable := 'False'} : Real := 12.5;   // level in %
      Name : String[8] := 'a;b''c';   // a name
      Title : Int := 16#10;   (* a block comment after it *)
      Version : Array[0..1] of Int := [1, 2];
      Times : Array[1..2] of Time := [T#5s, T#1m];
      /* a C comment */ Author : Bool := TRUE;
      Setup : Struct   // on the STRUCT's line
         Ratio : Real;
      END_STRUCT;
      Two : Int; Three : Int;   // for Three only
   END_STRUCT;


BEGIN
   Level := 12.5;
   Name := 'END_STRUCT; BEGIN';
   Setup.Ratio := 2.0;
END_DATA_BLOCK
"""


def test_a_full_header_attributes_comments_and_initial_values(tmp_path):
    symbols = load(tmp_path, FULL)
    assert table(symbols) == {
        '"D".Level': "DB1:0:REAL",
        '"D".Name': "DB1:4:STRING[8]",
        '"D".Title': "DB1:14:INT",
        '"D".Version[0]': "DB1:16:INT",
        '"D".Version[1]': "DB1:18:INT",
        '"D".Times[1]': "DB1:20:TIME",
        '"D".Times[2]': "DB1:24:TIME",
        '"D".Author': "DB1.DBX28.0:BOOL",
        '"D".Setup.Ratio': "DB1:30:REAL",
        '"D".Two': "DB1:34:INT",
        '"D".Three': "DB1:36:INT",
    }
    comments = {s.name: s.comment for s in symbols}
    assert comments['"D".Level'] == "level in %"
    assert comments['"D".Name'] == "a name"
    assert comments['"D".Title'] == "a block comment after it"
    assert comments['"D".Setup.Ratio'] == ""  # its own (none); the STRUCT's is its parent's
    assert comments['"D".Two'] == ""  # the comment belongs to the last declaration
    assert comments['"D".Three'] == "for Three only"
    origins = {s.name: s.origin for s in symbols}
    assert origins['"D".Level'] == f"{tmp_path / 'd.db'}:12"
    assert origins['"D".Setup.Ratio'] == f"{tmp_path / 'd.db'}:20"


def test_the_comment_on_a_struct_line_stays_with_the_struct(tmp_path):
    source = (
        'DATA_BLOCK "D"\nVERSION : 0.1\n  STRUCT\n    Pts : Array[1..2] of Struct   // points\n'
        "      X : Int;   // x\n      Y : Int;\n    END_STRUCT;\n    V : Array[0..1] of Real;"
        "   // values\n  END_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n"
    )
    comments = {s.name: s.comment for s in load(tmp_path, source)}
    assert comments == {
        '"D".Pts[1].X': "x",
        '"D".Pts[1].Y': "",
        '"D".Pts[2].X': "x",
        '"D".Pts[2].Y': "",
        '"D".V[0]': "values",  # an element has no declaration of its own: the array's
        '"D".V[1]': "values",
    }


def test_a_var_section_body_as_tia_portal_v14_and_later_write_it(tmp_path):
    source = (
        "DATA_BLOCK \"D\"\n{ S7_Optimized_Access := 'FALSE' }\nVERSION : 0.1\nNON_RETAIN\n"
        "   VAR \n      A : Bool;\n   END_VAR\n   VAR RETAIN\n      B : Int;\n   END_VAR\n\n"
        "BEGIN\nEND_DATA_BLOCK\n"
    )
    assert table(load(tmp_path, source)) == {'"D".A': "DB1.DBX0.0:BOOL", '"D".B': "DB1:2:INT"}


def test_keywords_ignore_letter_case(tmp_path):
    source = (
        'data_block "D"\nversion : 0.1\n  struct\n    a : bool;\n    b : array[1..2] of byte;\n'
        "    c : string[2];\n  end_struct;\nbegin\nend_data_block\n"
    )
    assert table(load(tmp_path, source)) == {
        '"D".a': "DB1.DBX0.0:BOOL",
        '"D".b[1]': "DB1:2:BYTE",
        '"D".b[2]': "DB1:3:BYTE",
        '"D".c': "DB1:4:STRING[2]",
    }


def test_crlf_and_a_utf8_bom_read_as_the_plain_file(tmp_path):
    plain = load_symbols([FIXTURES / "Line.db", FIXTURES / "Line.udt"], {"Line": 2})
    for name in ("Line.db", "Line.udt"):
        text = (FIXTURES / name).read_text(encoding="utf-8")
        data = "\ufeff".encode() + text.replace("\n", "\r\n").encode("utf-8")
        (tmp_path / name).write_bytes(data)
    windows = load_symbols([tmp_path / "Line.db", tmp_path / "Line.udt"], {"Line": 2})

    def rows(symbols: list[Symbol]) -> list[tuple]:
        return [(s.name, s.address, s.comment, Path(s.origin).name) for s in symbols]

    assert rows(windows) == rows(plain)
    assert rows(windows)[0] == ('"Line".Enable', plain[0].address, "line enabled", "Line.db:6")


def test_utf8_comments_and_names(tmp_path):
    source = (
        'DATA_BLOCK "Kühlung"\nVERSION : 0.1\n  STRUCT\n    Temperatur : Real;   // in °C\n'
        '    "Lüfter an" : Bool;\n  END_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n'
    )
    symbols = load(tmp_path, source, Kühlung=3)
    assert [(s.name, s.address_text, s.comment) for s in symbols] == [
        ('"Kühlung".Temperatur', "DB3:0:REAL", "in °C"),
        ('"Kühlung"."Lüfter an"', "DB3.DBX4.0:BOOL", ""),
    ]


def test_a_quoted_db_name_with_a_space_maps_to_its_number(tmp_path):
    source = 'DATA_BLOCK "Motor 1"\nSTRUCT\n  On : Bool;\nEND_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n'
    assert table(load(tmp_path, source, **{"Motor 1": 7})) == {'"Motor 1".On': "DB7.DBX0.0:BOOL"}


def test_the_udts_may_come_after_the_db_or_in_another_file(tmp_path):
    db = (FIXTURES / "Line.db").read_text(encoding="utf-8")
    udts = (FIXTURES / "Line.udt").read_text(encoding="utf-8")
    after = table(load(tmp_path, db + "\n" + udts, Line=2))
    separate = table(load_symbols([FIXTURES / "Line.udt", FIXTURES / "Line.db"], {"Line": 2}))
    assert after == separate
    assert after['"Line".Motors[3].Mode'] == "DB2:54:BYTE"


def test_step7_classic_sources_carry_their_db_number():
    symbols = load_symbols([FIXTURES / "Classic.db"], {})
    assert [(s.name, s.address_text, s.comment) for s in symbols] == [
        ("DB20.Level", "DB20:0:REAL", "tank level"),
        ("DB20.Pump", "DB20.DBX4.0:BOOL", "pump on"),
        ("DB20.Valve", "DB20.DBX4.1:BOOL", ""),
        ("DB20.Count", "DB20:6:INT", ""),
    ]


def test_step7_classic_udt_numbers_and_a_db_written_db20(tmp_path):
    source = (
        "TYPE UDT 1\n  STRUCT\n    A : INT ;\n  END_STRUCT ;\nEND_TYPE\n\n"
        "DATA_BLOCK DB20\n  STRUCT\n    X : UDT 1 ;\n  END_STRUCT ;\nBEGIN\nEND_DATA_BLOCK\n"
        "DATA_BLOCK DB 21 UDT 1\nBEGIN\nEND_DATA_BLOCK\n"
    )
    assert table(load(tmp_path, source)) == {"DB20.X.A": "DB20:0:INT", "DB21.A": "DB21:0:INT"}


def test_an_scl_source_with_an_fb_an_fc_and_an_instance_db():
    symbols = load_symbols([FIXTURES / "Motor.scl", FIXTURES / "Line.udt"], {"Motor_DB": 5})
    assert [s.name for s in symbols][:3] == [
        '"Motor_DB".Start',
        '"Motor_DB".Stop',
        '"Motor_DB".Setpoint',
    ]
    first = symbols[0]
    assert first.comment == "start command"
    assert first.origin == f"{FIXTURES / 'Motor.scl'}:14"  # where the FB declares it


def test_members_may_carry_the_names_of_header_words(tmp_path):
    source = (
        'DATA_BLOCK "D"\nVERSION : 0.1\n  STRUCT\n    Title : Bool;\n    Name : Bool;\n'
        "    Version : Bool;\n    Author : Bool;\n    Family : Bool;\n  END_STRUCT;\n"
        "BEGIN\nEND_DATA_BLOCK\n"
    )
    assert [s.name for s in load(tmp_path, source)] == [
        '"D".Title',
        '"D".Name',
        '"D".Version',
        '"D".Author',
        '"D".Family',
    ]


def test_files_are_recognised_by_content_too(tmp_path):
    source = (FIXTURES / "Classic.db").read_text(encoding="utf-8")
    assert load(tmp_path, source, name="classic.awl")[0].name == "DB20.Level"
