"""nodeS7 names with long typecodes (``DB1,REAL4``) through the QML engine, on the simulator.

Each S7Variable is declared in QML (the ``qml`` fixture) by the name a nodeS7 or
node-red-contrib-s7 user writes; the test puts a value into the simulator's memory, polls
it, then writes a new value from QML and checks the simulator's bytes, the neighbours
included, so a wrong offset or size fails.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import QObject
from PySide6.QtQml import QQmlEngine, QQmlExpression
from snap7 import util

TIMEOUT = 10_000
NO_ERROR, NAME_PARSE_ERROR = 0, 2  # S7Variable.Error
PATTERN = 0xA5  # what surrounds a value
MARGIN = 4  # bytes of PATTERN checked on each side (fewer before byte 4)


def made(setter: Any, size: int, value: Any) -> bytes:
    """The PLC bytes of ``value`` as python-snap7 lays them out."""
    buf = bytearray(size)
    setter(buf, 0, value)
    return bytes(buf)


def string10(text: str) -> bytes:
    """A STRING[10] as it sits in PLC memory (python-snap7 pads with blanks)."""
    buf = bytearray(12)
    util.set_string(buf, 0, text, 10)
    return bytes(buf)


@dataclass(frozen=True)
class Row:
    """A nodeS7 name, where its value lives, what QML reads and what a write leaves."""

    name: str
    area: str  # simulator area
    db: int
    start: int
    raw: bytes  # PLC bytes put into the simulator
    shown: Any  # the value S7Variable.data then holds
    type_value: int  # S7Variable.type (0 for the types beyond the original seven)
    write_js: str  # QML expression written to data
    written: bytes  # the PLC bytes after the write

    def __str__(self) -> str:
        return self.name


MOMENT = datetime(2024, 3, 27, 12, 30, 1, 5000)
LATER = datetime(2001, 2, 3, 4, 5, 6, 70000)
LATER_JS = "new Date(2001, 1, 3, 4, 5, 6, 70)"

# fmt: off
ROWS = [Row(*row) for row in [
    # the names of the issue: nodeS7's README examples
    ("DB1,REAL4", "DB", 1, 4, struct.pack(">f", -12.5), -12.5, 7, "2.25", struct.pack(">f", 2.25)),
    ("DB1,INT8", "DB", 1, 8, struct.pack(">h", -12345), -12345, 5, "321", struct.pack(">h", 321)),
    ("DB1,LREAL4", "DB", 1, 4, struct.pack(">d", 1.0000000001), 1.0000000001, 0, "-0.125",
     struct.pack(">d", -0.125)),
    ("DB1,BYTE3", "DB", 1, 3, b"\xc8", 200, 2, "7", b"\x07"),
    ("DB1,DINT4", "DB", 1, 4, struct.pack(">i", -123456789), -123456789, 6, "99999",
     struct.pack(">i", 99999)),
    ("DB1,WORD2", "DB", 1, 2, b"\xbe\xef", 0xBEEF, 3, "0x1234", b"\x12\x34"),
    # the other long typecodes
    ("DB1,DWORD8", "DB", 1, 8, b"\xde\xad\xbe\xef", 0xDEADBEEF, 4, "16", b"\x00\x00\x00\x10"),
    ("DB2,LINT16", "DB", 2, 16, struct.pack(">q", -(2**40)), -(2**40), 0, "-5",
     struct.pack(">q", -5)),
    ("DB2,STRING20.10", "DB", 2, 20, string10("hello"), "hello", 0, '"qml"', string10("qml")),
    ("DB2,CHAR7", "DB", 2, 7, b"Z", "Z", 0, '"q"', b"q"),
    ("DB3,DT8", "DB", 3, 8, made(util.set_dt, 8, MOMENT), MOMENT, 0, LATER_JS,
     made(util.set_dt, 8, LATER)),
    ("DB3,DTL20", "DB", 3, 20, made(util.set_dtl, 12, MOMENT), MOMENT, 0, LATER_JS,
     made(util.set_dtl, 12, LATER)),
    # a bit: the write goes to that bit alone
    ("DB1,X2.5", "DB", 1, 2, b"\x21", True, 1, "false", b"\x01"),
    # the short codes nodeS7 takes in the I, Q and M areas
    ("MR4", "M", 0, 4, struct.pack(">f", 0.5), 0.5, 28, "-1.5", struct.pack(">f", -1.5)),
    ("EDI8", "I", 0, 8, struct.pack(">i", -7), -7, 13, "70000", struct.pack(">i", 70000)),
    ("QLR8", "Q", 0, 8, struct.pack(">d", 0.1), 0.1, 0, "2.5", struct.pack(">d", 2.5)),
]]
# fmt: on


@pytest.fixture
def panel(qml, qtbot, simulator):
    """Build an S7Client on the simulator around variable declarations; wait until connected."""

    def open_(variables: dict[str, str]) -> QObject:
        body = "\n".join(
            f"    S7Variable {{ id: {vid}; objectName: {json.dumps(vid)}; "
            f"name: {json.dumps(name)} }}"
            for vid, name in variables.items()
        )
        root = qml(
            f"""
import QtQml
import QmlS7
S7Client {{
    hostname: "127.0.0.1"; port: {simulator.port}
{body}
}}
"""
        )
        qtbot.waitUntil(lambda: root.property("connected") is True, timeout=TIMEOUT)
        return root

    return open_


def var(root: QObject, vid: str) -> QObject:
    found = root.findChild(QObject, vid)
    assert found is not None, vid
    return found


def js(root: QObject, expr: str) -> None:
    """Evaluate ``expr`` in the panel's QML context; fail on a JavaScript error."""
    expression = QQmlExpression(QQmlEngine.contextForObject(root), root, expr)
    expression.evaluate()
    assert not expression.hasError(), expression.error().toString()


def data(variable: QObject) -> Any:
    value = variable.property("data")
    return value.toPython() if hasattr(value, "toPython") else value


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_nodes7_name_reads_and_writes(panel, qtbot, simulator, row):
    low, high = max(0, row.start - MARGIN), row.start + len(row.raw) + MARGIN
    at = row.start - low
    around = bytearray([PATTERN]) * (high - low)
    around[at : at + len(row.raw)] = row.raw
    simulator.write(row.area, low, bytes(around), db=row.db)
    root = panel({"v": row.name})
    v = var(root, "v")
    assert v.property("error") == NO_ERROR, v.property("errorString")
    assert v.property("type") == row.type_value

    v.pollData()
    qtbot.waitUntil(lambda: v.property("valid") is True, timeout=TIMEOUT)
    assert v.property("error") == NO_ERROR, v.property("errorString")
    assert type(data(v)) is type(row.shown) and data(v) == row.shown

    stamp = v.property("timestamp")
    js(root, f"v.data = {row.write_js}")
    expected = bytearray(around)
    expected[at : at + len(row.written)] = row.written

    def landed() -> None:
        assert simulator.read(row.area, low, high - low, db=row.db) == bytes(expected)
        assert v.property("timestamp") > stamp
        assert v.property("error") == NO_ERROR, v.property("errorString")

    qtbot.waitUntil(landed, timeout=TIMEOUT)


def test_nodes7_names_side_by_side_read_in_one_panel(panel, qtbot, simulator):
    simulator.write("DB", 0, struct.pack(">fhBxi", 3.5, -2, 9, 123456), db=1)
    simulator.write_bit("DB", 20, 6, True, db=1)
    simulator.write("DB", 21, b"K" + string10("plc"), db=1)
    names = {
        "real": "DB1,REAL0",
        "int": "DB1,INT4",
        "byte": "DB1,BYTE6",
        "dint": "DB1,DINT8",
        "bit": "DB1,X20.6",
        "char": "DB1,CHAR21",
        "text": "DB1,STRING22.10",
        "short": "DB1,R0",
    }
    root = panel(names)
    for vid in names:
        var(root, vid).pollData()
    qtbot.waitUntil(lambda: all(var(root, vid).property("valid") for vid in names), timeout=TIMEOUT)
    values = {vid: data(var(root, vid)) for vid in names}
    assert values == {
        "real": 3.5,
        "int": -2,
        "byte": 9,
        "dint": 123456,
        "bit": True,
        "char": "K",
        "text": "plc",
        "short": 3.5,
    }


def test_nodes7_array_name_is_a_name_parse_error(panel):
    root = panel({"arr": "DB1,REAL0.20", "good": "DB1,REAL0"})
    arr = var(root, "arr")
    assert arr.property("error") == NAME_PARSE_ERROR
    text = arr.property("errorString")
    assert '"DB1,REAL0.20"' in text
    assert "nodeS7 arrays are not supported" in text
    assert "DB1,REAL0 and DB1,REAL4" in text
    assert var(root, "good").property("error") == NO_ERROR
