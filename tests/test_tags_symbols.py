"""Symbols and their table: names as TIA Portal writes them, lookups, suggestions, and the typed
address text both qml-s7 and python-snap7 parse back to the same address."""

from __future__ import annotations

from pathlib import Path

import pytest
from snap7.tags import parse_tag
from snap7.type import Area

from qml_s7.core.address import DATATYPES, Address, parse_address
from qml_s7.tags import Symbol, SymbolTable, load_symbols

FIXTURES = Path(__file__).parent / "fixtures" / "tags"
AREAS = [(Area.DB, 2), (Area.MK, 0), (Area.PE, 0), (Area.PA, 0)]


@pytest.mark.parametrize("datatype", sorted(DATATYPES))
@pytest.mark.parametrize(("area", "db"), AREAS)
def test_the_typed_name_parses_back_in_qml_s7_and_python_snap7(datatype, area, db):
    length = 6 if datatype in ("STRING", "WSTRING") else 0
    address = Address(area, db, 16, 1 if datatype == "BOOL" else 0, datatype, length)
    text = address.typed_name
    assert parse_address(text) == address
    tag = parse_tag(text)
    assert (tag.area, tag.db_number, tag.byte_offset, tag.bit, tag.count) == (
        area,
        db,
        16,
        address.bit,
        1,
    )
    assert tag.datatype.upper() == Symbol("x", address).type_text
    if datatype != "S5TIME":  # python-snap7 3.3 parses S5TIME but has no size (no reader) for it
        assert tag.size == address.size


@pytest.mark.parametrize(
    ("address", "text", "type_text"),
    [
        (Address(Area.DB, 2, 16, 1, "BOOL"), "DB2.DBX16.1:BOOL", "BOOL"),
        (Address(Area.DB, 2, 18, 0, "INT"), "DB2:18:INT", "INT"),
        (Address(Area.DB, 6, 14, 0, "STRING", 6), "DB6:14:STRING[6]", "STRING[6]"),
        (Address(Area.MK, 0, 20, 0, "INT"), "M20:INT", "INT"),
        (Address(Area.PE, 0, 0, 0, "BOOL"), "I0.0:BOOL", "BOOL"),
        (Address(Area.PA, 0, 4, 0, "WSTRING"), "Q4:WSTRING[254]", "WSTRING[254]"),
    ],
)
def test_address_and_type_text(address, text, type_text):
    symbol = Symbol('"D".X', address, "c", "d.db:3")
    assert (symbol.address_text, symbol.type_text) == (text, type_text)


@pytest.fixture(scope="module")
def table() -> SymbolTable:
    files = [FIXTURES / "Line.db", FIXTURES / "Line.udt", FIXTURES / "Classic.db"]
    symbols = load_symbols(files, {"Line": 2})
    tags = [
        Symbol("Start_Button", parse_address("I0.0"), "green", "t.csv:2"),
        Symbol('"Motor 1 on"', parse_address("Q0.1"), "", "t.csv:3"),
    ]
    return SymbolTable([*symbols, *tags])


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ('"Line".Setup.Ratio', '"Line".Setup.Ratio'),
        ('  "Line".Setup.Ratio \t', '"Line".Setup.Ratio'),
        ('"Line"."Setup"."Ratio"', '"Line".Setup.Ratio'),
        ("Line.Setup.Ratio", '"Line".Setup.Ratio'),
        ('"line".setup.RATIO', '"Line".Setup.Ratio'),  # TIA names ignore letter case
        ('"Line".Motors[2].Speed', '"Line".Motors[2].Speed'),
        ('"Line".Motors[ 2 ].Speed', '"Line".Motors[2].Speed'),
        ('"Line".Grid[-1, 2]', '"Line".Grid[-1,2]'),
        ('"Line"."Spare Bits"."Bit 0"', '"Line"."Spare Bits"."Bit 0"'),
        ("Start_Button", "Start_Button"),
        ('"Start_Button"', "Start_Button"),
        ("start_button", "Start_Button"),
        ('"Motor 1 on"', '"Motor 1 on"'),
        ("Motor 1 on", '"Motor 1 on"'),
        ("DB20.Level", "DB20.Level"),
    ],
)
def test_lookup_forgives_quotes_blanks_and_letter_case(table, name, found):
    symbol = table.lookup(name)
    assert symbol is not None and symbol.name == found


@pytest.mark.parametrize(
    "name", ['"Line".Setup', '"Line".Motors[4].Speed', '"Line".Setup.Ratio.X', "", '"Line', "a..b"]
)
def test_lookup_of_what_is_no_symbol(table, name):
    assert table.lookup(name) is None


def test_letter_case_decides_when_two_names_differ_only_in_it():
    address = parse_address("M0.0")
    table = SymbolTable([Symbol("Pump", address), Symbol("PUMP", parse_address("M0.1"))])
    assert table.lookup("PUMP").address == parse_address("M0.1")
    assert table.lookup("Pump").address == address
    assert table.lookup("pump") is None  # ambiguous
    assert table.suggest("pump") == ["Pump", "PUMP"]


def test_suggest_offers_the_closest_names(table):
    assert table.suggest('"Line".Setup.Ratoi', count=1) == ['"Line".Setup.Ratio']
    assert len(table.suggest('"Line".Setup.Ratoi')) == 3
    near = table.suggest('"Line".Motors[2].Sped', count=2)
    assert near[0] == '"Line".Motors[2].Speed'
    assert near[1] in ('"Line".Motors[1].Speed', '"Line".Motors[3].Speed')
    assert table.suggest("Start_Buton") == ["Start_Button"]
    assert table.suggest("Something else entirely") == []


def test_length_and_iteration_keep_the_order_of_the_files(table):
    names = [s.name for s in table]
    assert len(table) == len(names) == 37 + 4 + 2
    assert names[0] == '"Line".Enable'
    assert names[37:39] == ["DB20.Level", "DB20.Pump"]
    assert names[-2:] == ["Start_Button", '"Motor 1 on"']
    assert len(SymbolTable([])) == 0 and SymbolTable([]).lookup("x") is None
