"""The computed addresses against a PLC: every value of a DB written at its computed offset, all
read back by their typed address text (python-snap7 and S7Variable), and the other way round.

tests/fixtures/tags/Line.db has a BOOL array, a STRING, a nested struct (a UDT with a Struct)
and an array of a UDT. A distinct value per member, written all at once, also shows that no
two members overlap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from snap7 import Client, util

from qml_s7.tags import Symbol, load_symbols

FIXTURES = Path(__file__).parent / "fixtures" / "tags"
DB = 2
TIMEOUT = 10_000


@pytest.fixture(scope="module")
def symbols() -> list[Symbol]:
    return load_symbols([FIXTURES / "Line.db", FIXTURES / "Line.udt"], {"Line": DB})


def value(symbol: Symbol, index: int) -> Any:
    """A value for the index-th symbol, unlike its neighbours'."""
    return {
        "BOOL": index % 3 != 1,
        "BYTE": 200 - index,
        "CHAR": chr(ord("A") + index % 26),
        "INT": -1000 - index,
        "DINT": 100_000 + index,
        "REAL": index + 0.25,
        "STRING": f"S{index}",
    }[symbol.address.datatype]


def encode(symbol: Symbol, data: Any) -> bytes:
    address = symbol.address
    buffer = bytearray(address.size)
    setter = {
        "BYTE": util.set_byte,
        "CHAR": util.set_char,
        "INT": util.set_int,
        "DINT": util.set_dint,
        "REAL": util.set_real,
    }.get(address.datatype)
    if setter is not None:
        setter(buffer, 0, data)
    else:  # STRING[n]: maximum, length, characters
        util.set_string(buffer, 0, data, address.length)
    return bytes(buffer)


@pytest.fixture
def plc(simulator):
    client = Client()
    client.connect("127.0.0.1", 0, 1, simulator.port)
    yield client
    client.disconnect()


def test_the_fixture_has_what_the_round_trip_needs(symbols):
    names = [s.name for s in symbols]
    assert '"Line".Flags[9]' in names  # a BOOL array
    assert '"Line".Name' in names  # a STRING
    assert '"Line".Setup.Limits.High' in names  # a struct in a UDT
    assert '"Line".Motors[3].Mode' in names  # an array of a UDT
    assert {s.address.datatype for s in symbols} == {
        "BOOL", "BYTE", "CHAR", "INT", "DINT", "REAL", "STRING",
    }  # fmt: skip


def store(simulator, symbols: list[Symbol]) -> None:
    """Write each symbol's value at its computed offset, straight into the simulator."""
    for index, symbol in enumerate(symbols):
        address, data = symbol.address, value(symbol, index)
        if address.is_bit:
            simulator.write_bit("DB", address.start, address.bit, data, db=DB)
        else:
            simulator.write("DB", address.start, encode(symbol, data), db=DB)


def test_written_at_the_offsets_read_back_by_address_text(simulator, plc, symbols):
    store(simulator, symbols)
    read = [plc.read_tag(s.address_text) for s in symbols]
    expected = [value(s, i) for i, s in enumerate(symbols)]
    assert read == pytest.approx(expected)


def test_written_by_address_text_found_at_the_offsets(simulator, plc, symbols):
    for index, symbol in enumerate(symbols):
        plc.write_tag(symbol.address_text, value(symbol, index))
    for index, symbol in enumerate(symbols):
        address, data = symbol.address, value(symbol, index)
        if address.is_bit:
            assert simulator.read_bit("DB", address.start, address.bit, db=DB) is data
        else:
            stored = simulator.read("DB", address.start, address.size, db=DB)
            assert stored == encode(symbol, data), symbol.name


def test_s7variables_named_by_address_text_read_the_values(qml, qtbot, simulator, symbols):
    names = ('"Line".Flags[9]', '"Line".Name', '"Line".Setup.Limits.High', '"Line".Motors[3].Speed')
    chosen = [s for s in symbols if s.name in names]
    store(simulator, chosen)
    body = "\n".join(f"    S7Variable {{ name: {json.dumps(s.address_text)} }}" for s in chosen)
    client = qml(
        f'import QtQml\nimport QmlS7\nS7Client {{\n    hostname: "127.0.0.1"; '
        f"port: {simulator.port}; pollInterval: 50\n{body}\n}}\n"
    )
    variables = client.childObjects()
    qtbot.waitUntil(lambda: all(v.property("valid") for v in variables), timeout=TIMEOUT)
    read = [v.property("data") for v in variables]
    assert read == pytest.approx([value(s, i) for i, s in enumerate(chosen)])
