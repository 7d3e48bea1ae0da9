"""Tag tables: TIA Portal's PLC tag export (.xlsx built here with openpyxl, and as CSV) and the
plain CSV ``name,address[,comment]``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from qml_s7.cli.tags import write_csv
from qml_s7.tags import Symbol, TagErrors, load_symbols

FIXTURES = Path(__file__).parent / "fixtures" / "tags"
HEADER = [
    "Name", "Path", "Data Type", "Logical Address", "Comment", "Hmi Visible", "Hmi Accessible",
    "Hmi Writeable", "Typeobject ID", "Version ID",
]  # fmt: skip
TAGS = [
    ["Start_Button", "Default tag table", "Bool", "%I0.0", "green button", "True", "True", "True"],
    ["Motor on", "Default tag table", "Bool", "%Q0.1", "", "True", "True", "True"],
    ["Flag", "Default tag table", "Bool", "%M10.3", "a marker bit", "True", "True", "True"],
    ["Level_Raw", "Analog", "Int", "%IW4", "raw level", "True", "True", "True"],
    ["Speed", "Analog", "Real", "%MD20", "", "True", "True", "True"],
    ["Torque", "Analog", "DInt", "%QD4", "", "True", "True", "True"],
    ["Mode", "Default tag table", "Byte", "%MB5", "", "True", "True", "True"],
    ["Stamp", "Default tag table", "Date_And_Time", "%MB30", "", "True", "True", "True"],
]
EXPECTED = [
    ("Start_Button", "I0.0:BOOL", "green button"),
    ('"Motor on"', "Q0.1:BOOL", ""),
    ("Flag", "M10.3:BOOL", "a marker bit"),
    ("Level_Raw", "I4:INT", "raw level"),
    ("Speed", "M20:REAL", ""),
    ("Torque", "Q4:DINT", ""),
    ("Mode", "M5:BYTE", ""),
    ("Stamp", "M30:DT", ""),
]


def rows(symbols: list[Symbol]) -> list[tuple[str, str, str]]:
    return [(s.name, s.address_text, s.comment) for s in symbols]


def workbook(path: Path, tags: list[list[str]], title: str = "PLC Tags") -> Path:
    book = Workbook()
    constants = book.active
    constants.title = "User Constants"  # TIA exports it too: the tags are found by sheet name
    constants.append(["Name", "Path", "Data Type", "Value", "Comment"])
    sheet = book.create_sheet(title)
    sheet.append(HEADER)
    for tag in tags:
        sheet.append(tag)
    book.save(path)
    return path


def test_an_xlsx_tag_table(tmp_path):
    path = workbook(tmp_path / "PLC tags.xlsx", TAGS)
    symbols = load_symbols([path], {})
    assert rows(symbols) == EXPECTED
    assert [s.origin for s in symbols][:2] == [f"{path}:2", f"{path}:3"]


def test_an_xlsx_width_that_contradicts_the_type_is_an_error_at_its_row(tmp_path):
    bad = [*TAGS[:3], ["Speed", "Analog", "Real", "%MW20", "", "True", "True", "True"]]
    path = workbook(tmp_path / "tags.xlsx", bad)
    with pytest.raises(TagErrors) as caught:
        load_symbols([path], {})
    (error,) = caught.value.errors
    assert (error.path, error.line) == (str(path), 5)
    assert error.message == (
        'tag "Speed", Real at %MW20: W addresses 2 byte(s) but REAL takes 4 (write MD20:REAL)'
    )


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        (["B", "", "Bool", "%MB2"], "BOOL needs a bit address such as M2.0"),
        (["I", "", "Int", "%M2.0"], "a bit address can only hold BOOL, not INT"),
        (["T", "", "Timer", "%T1"], 'tag "T": timers (T) are not supported'),
        (["U", "", '"Motor_UDT"', "%MB0"], 'a tag of the PLC data type "Motor_UDT" is not'),
        (["N", "", "Int", ""], 'tag "N" has no logical address'),
    ],
)
def test_an_xlsx_tag_that_cannot_be_read(tmp_path, tag, words):
    path = workbook(tmp_path / "tags.xlsx", [TAGS[0], tag])
    with pytest.raises(TagErrors) as caught:
        load_symbols([path], {})
    (error,) = caught.value.errors
    assert error.line == 3
    assert words in error.message


def test_a_workbook_without_a_tag_table(tmp_path):
    book = Workbook()
    book.active.append(["just", "numbers"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(TagErrors) as caught:
        load_symbols([tmp_path / "other.xlsx"], {})
    assert "no sheet with the columns of a TIA Portal tag table" in str(caught.value)


def tia_csv(separator: str, tags: list[list[str]]) -> str:
    return "\n".join(separator.join(row) for row in [HEADER, *tags]) + "\n"


@pytest.mark.parametrize("separator", [";", ","])
def test_a_tia_tag_table_as_csv(tmp_path, separator):
    path = tmp_path / "tags.csv"
    path.write_text(tia_csv(separator, TAGS), encoding="utf-8")
    assert rows(load_symbols([path], {})) == EXPECTED


def test_german_mnemonics_and_a_windows_1252_csv(tmp_path):
    tags = [
        ["Taster_Ein", "Standard-Variablentabelle", "Bool", "%E1.2", "Taster grün"],
        ["Ventil", "Standard-Variablentabelle", "Bool", "%A0.1", ""],
        ["Drehzahl", "Standard-Variablentabelle", "Int", "%AW2", ""],
        ["Zähler", "Standard-Variablentabelle", "DInt", "%ED8", ""],
        ["Merker", "Standard-Variablentabelle", "Word", "MW6", "ohne %"],
    ]
    path = tmp_path / "Variablen.csv"
    path.write_bytes(tia_csv(";", tags).encode("cp1252"))
    assert rows(load_symbols([path], {})) == [
        ("Taster_Ein", "I1.2:BOOL", "Taster grün"),
        ("Ventil", "Q0.1:BOOL", ""),
        ("Drehzahl", "Q2:INT", ""),
        ("Zähler", "I8:DINT", ""),
        ("Merker", "M6:WORD", "ohne %"),
    ]


def test_a_csv_tag_with_a_wrong_width_is_an_error_at_its_row(tmp_path):
    path = tmp_path / "tags.csv"
    path.write_text(tia_csv(";", [*TAGS[:2], ["Level", "", "Int", "%ID4", ""]]))
    with pytest.raises(TagErrors) as caught:
        load_symbols([path], {})
    assert [str(e) for e in caught.value.errors] == [
        f'{path}:4: tag "Level", Int at %ID4: D addresses 4 byte(s) but INT takes 2 (write IW4:INT)'
    ]


def test_a_plain_csv_with_and_without_header(tmp_path):
    with_header = tmp_path / "a.csv"
    with_header.write_text(
        "name,address,comment\n"
        "# a comment line\n"
        "Pump,DB1.DBX0.0,pump on\n"
        'Level,"DB1,REAL2",level in %\n'  # nodeS7, quoted for its comma
        "Setpoint,%MW4:INT,\n"
        "\n"
        '"""Tank"".Limit",DB1:10:REAL,"a comment, with a comma"\n',
        encoding="utf-8",
    )
    without = tmp_path / "b.csv"
    without.write_text("Valve;Q0.1;drain valve\nHours;DB1.DBD20:REAL\n", encoding="utf-8")
    symbols = load_symbols([with_header, without], {})
    assert rows(symbols) == [
        ("Pump", "DB1.DBX0.0:BOOL", "pump on"),
        ("Level", "DB1:2:REAL", "level in %"),
        ("Setpoint", "M4:INT", ""),
        ('"Tank".Limit', "DB1:10:REAL", "a comment, with a comma"),
        ("Valve", "Q0.1:BOOL", "drain valve"),
        ("Hours", "DB1:20:REAL", ""),
    ]
    assert [s.origin for s in symbols] == [
        f"{with_header}:3",
        f"{with_header}:4",
        f"{with_header}:5",
        f"{with_header}:7",
        f"{without}:1",
        f"{without}:2",
    ]


def test_a_plain_csv_type_column_types_a_bare_address_and_must_agree(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name;address;type\nA;DB1.DBW4;INT\nB;DB1.DBD8;Real\n", encoding="utf-8")
    assert rows(load_symbols([path], {})) == [("A", "DB1:4:INT", ""), ("B", "DB1:8:REAL", "")]
    path.write_text("name,address,type\nA,DB1:4:INT,REAL\n", encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([path], {})
    assert str(caught.value) == f'{path}:2: "A": DB1:4:INT is a INT, not a REAL'


def test_a_plain_csv_row_that_is_no_address(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Pump,DB1.DBX0.9\n", encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([path], {})
    assert str(caught.value) == (
        f'{path}:1: "Pump": Cannot parse address "DB1.DBX0.9": bit number 9 is out of range 0..7'
    )


def test_the_csv_that_qml_s7_tags_prints_reads_back_as_the_same_symbols(tmp_path):
    symbols = load_symbols(
        [FIXTURES / "Line.db", FIXTURES / "Line.udt", workbook(tmp_path / "t.xlsx", TAGS)],
        {"Line": 2},
    )
    out = io.StringIO()
    write_csv(symbols, out)
    path = tmp_path / "all.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    again = load_symbols([path], {})
    assert [(s.name, s.address, s.comment) for s in again] == [
        (s.name, s.address, s.comment) for s in symbols
    ]
