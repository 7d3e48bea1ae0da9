"""S7Variable's data types through the QML engine against the simulator.

Every test declares its variables in QML (the ``qml`` fixture), reads and writes through the
real S7 protocol on 127.0.0.1 and checks the simulator's memory byte by byte. Writes are made
from QML: a JavaScript assignment ``v.data = <value>`` evaluated in the panel's context.
"""

from __future__ import annotations

import gc
import json
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtQml import QJSValue, QQmlEngine, QQmlExpression
from snap7 import util

TIMEOUT = 10_000
ORDERS = ("BigEndian", "LittleEndian")
PATTERN = 0xA5  # what surrounds a written value
MARGIN = 4  # bytes of PATTERN checked on each side of a write

# S7Variable.Error
NO_ERROR, NAME_PARSE_ERROR, INVALID_VALUE_ERROR = 0, 2, 6

# The multi-byte numeric types whose bytes ByteOrder.LittleEndian reverses (codec docstring);
# single bytes, strings and the structured date/time types keep the PLC layout.
SWAPPED = frozenset(
    {"WORD", "DWORD", "LWORD", "INT", "UINT", "DINT", "UDINT", "LINT", "ULINT"}
    | {"REAL", "LREAL", "TIME", "WCHAR"}
)


# --------------------------------------------------------------------------- helpers


def plain(value: Any) -> Any:
    """A value read from a Qt property as plain Python (QDate -> date, ...)."""
    to_python = getattr(value, "toPython", None)
    return to_python() if to_python is not None else value


def js_literal(value: Any) -> str:
    """A Python value as a JavaScript literal (numbers, text, booleans)."""
    return json.dumps(value)


def variable_qml(vid: str, decl: str) -> str:
    return f'    S7Variable {{ id: {vid}; objectName: "{vid}"; {decl} }}'


def name_decl(name: str) -> str:
    return f"name: {json.dumps(name)}"


def panel_qml(port: int, body: str, byte_order: str = "BigEndian") -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    id: root
    hostname: "127.0.0.1"; port: {port}
    byteOrder: S7Client.{byte_order}
{body}
}}
"""


@dataclass
class Panel:
    """A QML S7Client with variables, and the means to talk to it from QML."""

    root: QObject
    qtbot: Any

    def var(self, vid: str) -> QObject:
        found = self.root.findChild(QObject, vid)
        assert found is not None, f"no S7Variable {vid!r} in the panel"
        return found

    def js(self, expr: str) -> Any:
        """Evaluate ``expr`` in the panel's QML context; fail on a JavaScript error."""
        context = QQmlEngine.contextForObject(self.root)
        expression = QQmlExpression(context, self.root, expr)
        value, _undefined = expression.evaluate()
        assert not expression.hasError(), expression.error().toString()
        return value.toVariant() if isinstance(value, QJSValue) else value

    def write(self, vid: str, js_value: str) -> None:
        """``vid.data = js_value`` from QML."""
        self.js(f"{vid}.data = {js_value}")

    def data(self, vid: str) -> Any:
        return plain(self.var(vid).property("data"))

    def wait_connected(self) -> None:
        self.qtbot.waitUntil(lambda: self.root.property("connected") is True, timeout=TIMEOUT)


@pytest.fixture
def open_panel(qml, qtbot, simulator) -> Callable[..., Panel]:
    """Build a panel on the simulator from variable declarations; wait until connected."""

    def open_(body: str, byte_order: str = "BigEndian") -> Panel:
        panel = Panel(qml(panel_qml(simulator.port, body, byte_order)), qtbot)
        panel.wait_connected()
        return panel

    return open_


def wait_written(qtbot, variable: QObject, stamp: int, check: Callable[[], None]) -> None:
    """Wait until a write is confirmed: ``check()`` passes (the simulator's memory), the
    variable's timestamp moved past ``stamp`` (the confirmation) and it shows no error."""

    def confirmed() -> None:
        check()
        assert variable.property("timestamp") > stamp
        assert variable.property("error") == NO_ERROR, variable.property("errorString")

    qtbot.waitUntil(confirmed, timeout=TIMEOUT)


def poll(qtbot, variable: QObject, check: Callable[[Any], None]) -> None:
    """``pollData()`` once and wait until ``check(data)`` passes on a valid value."""
    variable.pollData()

    def arrived() -> None:
        assert variable.property("error") == NO_ERROR, variable.property("errorString")
        assert variable.property("valid") is True
        check(plain(variable.property("data")))

    qtbot.waitUntil(arrived, timeout=TIMEOUT)


QINT64 = range(-(2**63), 2**63)


def equals(expected: Any) -> Callable[[Any], None]:
    """A check for poll(): ``data`` is ``expected``, Python type included.

    Beyond qint64 (ULINT, LWORD) a QVariant cannot carry a Python int: there the exact int
    or the nearest double (what QML's numbers hold) will do.
    """

    def check(data: Any) -> None:
        if type(expected) is int and expected not in QINT64:
            assert data == expected or (type(data) is float and data == float(expected)), data
        else:
            assert type(data) is type(expected) and data == expected, (data, expected)

    return check


# --------------------------------------------------------------------------- the 28 original types

# Per kind, in the order of S7Variable.Type within an area: struct format, two sample
# contents of PLC memory (big-endian S7 layout) and a value to write. Bits: see bit_samples().
KINDS: dict[str, tuple[str, tuple[bytes, bytes], Any]] = {
    "Bit": ("?", (b"", b""), None),
    "Byte": ("B", (b"\xc8", b"\x07"), 0x5A),
    "Word": ("H", (b"\x12\x34", b"\xfe\xdc"), 0x1234),
    "DoubleWord": ("I", (b"\xde\xad\xbe\xef", b"\x00\x01\x02\x03"), 0xDEADBEEF),
    "Int16": ("h", (b"\x85\x80", b"\x00\x2a"), -12345),
    "Int32": ("i", (b"\x80\x01\x02\x83", b"\x7f\xff\xff\xfe"), -123456789),
    "Real": ("f", (b"\x3f\x9d\xf3\xb6", b"\xc2\xf6\xe9\x79"), 3.14),
}
SWAPPED_KINDS = frozenset({"Word", "DoubleWord", "Int16", "Int32", "Real"})


@dataclass(frozen=True)
class Original:
    """An S7Variable of one of the 28 original types: its declaration and where it lives."""

    type_name: str
    type_value: int
    decl: str
    area: str  # simulator area: "DB", "I", "Q", "M"
    db: int
    start: int
    bit: int = 0

    def __str__(self) -> str:
        return self.type_name

    @property
    def kind(self) -> str:
        return list(KINDS)[(self.type_value - 1) % 7]

    @property
    def size(self) -> int:
        return struct.calcsize(KINDS[self.kind][0])

    def order_prefix(self, order: str) -> str:
        return "<" if order == "LittleEndian" and self.kind in SWAPPED_KINDS else ">"


# The same layout in every area: bit at byte 2, BYTE 3, WORD 4, DWORD 6, INT 10, DINT 12,
# REAL 16. Name forms are mixed: Siemens absolute (also German, lower case, blanks, %),
# typed PLC4X, nodeS7 and the type/db/address/bit properties.
# fmt: off
ORIGINALS = [
    Original(row[0], index, *row[1:])
    for index, row in enumerate([
        ("DataBit",          name_decl("DB1.DBX2.1"),                            "DB", 1, 2, 1),
        ("DataByte",         name_decl("DB1.DBB3"),                              "DB", 1, 3),
        ("DataWord",         "type: S7Variable.DataWord; db: 1; address: 4",    "DB", 1, 4),
        ("DataDoubleWord",   name_decl("DB1.DBD6"),                              "DB", 1, 6),
        ("DataInt16",        name_decl("DB1.DBW10:INT"),                         "DB", 1, 10),
        ("DataInt32",        name_decl("DB1,DI12"),                              "DB", 1, 12),
        ("DataReal",         name_decl("DB1,R16"),                               "DB", 1, 16),
        ("InputBit",         "type: S7Variable.InputBit; address: 2; bit: 7",   "I", 0, 2, 7),
        ("InputByte",        name_decl("EB3"),                                   "I", 0, 3),
        ("InputWord",        name_decl(" IW4 "),                                 "I", 0, 4),
        ("InputDoubleWord",  name_decl("ID6"),                                   "I", 0, 6),
        ("InputInt16",       name_decl("IW10:INT"),                              "I", 0, 10),
        ("InputInt32",       "type: S7Variable.InputInt32; address: 12",        "I", 0, 12),
        ("InputReal",        name_decl("ID16:REAL"),                             "I", 0, 16),
        ("OutputBit",        name_decl("A2.6"),                                  "Q", 0, 2, 6),
        ("OutputByte",       name_decl("QB3"),                                   "Q", 0, 3),
        ("OutputWord",       name_decl("QW4"),                                   "Q", 0, 4),
        ("OutputDoubleWord", name_decl("QD6"),                                   "Q", 0, 6),
        ("OutputInt16",      "type: S7Variable.OutputInt16; address: 10",       "Q", 0, 10),
        ("OutputInt32",      name_decl("QD12:DINT"),                             "Q", 0, 12),
        ("OutputReal",       name_decl("%QD16:REAL"),                            "Q", 0, 16),
        ("MemoryBit",        name_decl("M2.0"),                                  "M", 0, 2, 0),
        ("MemoryByte",       name_decl("mb3"),                                   "M", 0, 3),
        ("MemoryWord",       name_decl("MW4"),                                   "M", 0, 4),
        ("MemoryDoubleWord", "type: S7Variable.MemoryDoubleWord; address: 6",   "M", 0, 6),
        ("MemoryInt16",      name_decl("MW10:INT"),                              "M", 0, 10),
        ("MemoryInt32",      name_decl("MD12:DINT"),                             "M", 0, 12),
        ("MemoryReal",       name_decl("MD16:REAL"),                             "M", 0, 16),
    ], start=1)
]
# fmt: on


def bit_samples(case: Original) -> tuple[bytes, bytes]:
    """A byte with the bit set among mixed neighbours, then its complement (bit clear)."""
    first = 0x5A | 1 << case.bit
    return bytes([first]), bytes([~first & 0xFF])


def check_read(case: Original, raw: bytes, order: str) -> Callable[[Any], None]:
    """A check for poll(): ``data`` is the value of ``raw`` (PLC memory), computed by struct."""
    if case.kind == "Bit":
        return equals(bool(raw[0] >> case.bit & 1))
    if case.kind != "Real":
        return equals(struct.unpack(case.order_prefix(order) + KINDS[case.kind][0], raw)[0])

    def bit_exact(data: Any) -> None:  # the float32 that data packs to is the one in memory
        assert isinstance(data, float), repr(data)
        assert struct.pack(case.order_prefix(order) + "f", data) == raw, data

    return bit_exact


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("case", ORIGINALS, ids=str)
def test_original_type_reads_bit_exact(open_panel, qtbot, simulator, case, order):
    panel = open_panel(
        variable_qml("v", case.decl) + f"\n    property int expectedType: S7Variable.{case}",
        order,
    )
    v = panel.var("v")
    assert v.property("type") == case.type_value == panel.root.property("expectedType")
    samples = bit_samples(case) if case.kind == "Bit" else KINDS[case.kind][1]
    for raw in samples:
        simulator.write(case.area, case.start, raw, db=case.db)
        poll(qtbot, v, check_read(case, raw, order))


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("case", ORIGINALS, ids=str)
def test_original_type_write_changes_exactly_its_bytes(open_panel, qtbot, simulator, case, order):
    low, high = max(0, case.start - MARGIN), case.start + case.size + MARGIN
    simulator.write(case.area, low, bytes([PATTERN]) * (high - low), db=case.db)
    panel = open_panel(variable_qml("v", case.decl), order)
    v = panel.var("v")
    expected = bytearray([PATTERN]) * (high - low)
    at = slice(case.start - low, case.start - low + case.size)
    if case.kind == "Bit":
        value: Any = not PATTERN >> case.bit & 1  # flips the bit: 0 -> 1 or 1 -> 0
        expected[at.start] ^= 1 << case.bit
        sent = bytes([value])
    else:
        value = KINDS[case.kind][2]
        expected[at] = sent = struct.pack(case.order_prefix(order) + KINDS[case.kind][0], value)
    writes_before = len(simulator.stats.writes)
    stamp = v.property("timestamp")

    panel.write("v", js_literal(value))

    def memory_changed() -> None:
        assert simulator.read(case.area, low, high - low, db=case.db) == bytes(expected)

    wait_written(qtbot, v, stamp, memory_changed)
    # REAL: the shortest text of the float32 reads back equal to what was written
    assert type(v.property("data")) is type(value) and v.property("data") == value
    [record] = simulator.stats.writes[writes_before:]
    assert (record.area, record.db, record.start, record.data, record.ok) == (
        case.area,
        case.db,
        case.start,
        sent,
        True,
    )
    if case.kind == "Bit":  # the S7 bit transport, never read-modify-write of the byte
        assert (record.transport, record.bit) == ("bit", case.bit)
    poll(qtbot, v, check_read(case, bytes(expected[at]), order))  # and it reads back


# --------------------------------------------------------------------------- the extended types


def made(setter: Callable[..., Any], size: int, value: Any, *args: Any) -> bytes:
    """PLC bytes (big-endian S7 layout) made by a snap7.util setter."""
    buf = bytearray(size)
    setter(buf, 0, value, *args)
    return bytes(buf)


@dataclass(frozen=True)
class Extended:
    """An extended type: a value written from QML, then another one put into the PLC."""

    label: str
    datatype: str  # canonical S7 type (decides the byte order)
    name: str  # the S7Variable name, in DB2
    start: int
    size: int
    write_js: str  # a QML expression
    getter: Callable[[bytearray, int], Any]  # snap7.util getter, applied to the PLC bytes
    written: Any  # what the getter must find after the write
    shown: Any  # what ``data`` holds after the write (Python type included)
    reread_raw: bytes  # then the PLC holds these (big-endian S7 layout) ...
    reread: Any  # ... and ``data`` must show this after pollData()

    def __str__(self) -> str:
        return self.label

    def plc(self, raw: bytes, order: str) -> bytes:
        """S7 layout <-> PLC memory: reversed for the swapped types in LittleEndian."""
        return raw[::-1] if order == "LittleEndian" and self.datatype in SWAPPED else raw


U = util
TOD_MAX = timedelta(hours=23, minutes=59, seconds=59, milliseconds=999)
DT_MAX = datetime(2089, 12, 31, 23, 59, 59, 999000)
DTL_MAX = datetime(2262, 4, 11, 23, 47, 16, 854000)  # the last millisecond (QML Dates hold ms)
LOW = datetime(1990, 1, 1)
EPOCH = datetime(1970, 1, 1)
EURO, OMEGA, Y_UML, GRUSS = "\u20ac", "\u03a9", "\u00ff", "Gr\u00fc\u00df\u20ac"
# Edge values: each type is written at one end of its range and read back at the other.
# JavaScript numbers cannot hold the 64-bit edges: QML hands those over as text.
# fmt: off
EXTENDED = [Extended(*row) for row in [
    ("SINT", "SINT", "DB2.DBB0:SINT", 0, 1, "-128",
     U.get_sint, -128, -128, made(U.set_sint, 1, 127), 127),
    ("USINT", "USINT", "DB2.DBB1:USINT", 1, 1, "255",
     U.get_usint, 255, 255, made(U.set_usint, 1, 0), 0),
    ("UINT", "UINT", "DB2.DBW2:UINT", 2, 2, "65535",
     U.get_uint, 65535, 65535, made(U.set_uint, 2, 0), 0),
    ("UDINT", "UDINT", "DB2.DBD4:UDINT", 4, 4, "4294967295",
     U.get_udint, 2**32 - 1, 2**32 - 1, made(U.set_udint, 4, 0), 0),
    ("LINT", "LINT", "DB2:8:LINT", 8, 8, '"-9223372036854775808"',
     U.get_lint, -(2**63), -(2**63), made(U.set_lint, 8, 2**63 - 1), 2**63 - 1),
    ("ULINT", "ULINT", "DB2:16:ULINT", 16, 8, '"18446744073709551615"',
     U.get_ulint, 2**64 - 1, 2**64 - 1, made(U.set_ulint, 8, 0), 0),
    ("LWORD", "LWORD", "DB2:24:LWORD", 24, 8, '"16#FFFFFFFFFFFFFFFF"',
     U.get_lword, 2**64 - 1, 2**64 - 1, made(U.set_lword, 8, 0x0123456789ABCDEF),
     0x0123456789ABCDEF),
    ("LREAL", "LREAL", "DB2:32:LREAL", 32, 8, "-1.7976931348623157e308",
     U.get_lreal, -1.7976931348623157e308, -1.7976931348623157e308,
     made(U.set_lreal, 8, 5e-324), 5e-324),
    ("CHAR", "CHAR", "DB2.DBB40:CHAR", 40, 1, js_literal(Y_UML),
     U.get_char, Y_UML, Y_UML, made(U.set_char, 1, "A"), "A"),
    ("WCHAR", "WCHAR", "DB2.DBW42:WCHAR", 42, 2, js_literal(EURO),
     U.get_wchar, EURO, EURO, made(U.set_wchar, 2, OMEGA), OMEGA),
    ("STRING[10]", "STRING", "DB2.DBB44:STRING[10]", 44, 12, '"0123456789"',
     U.get_string, "0123456789", "0123456789", made(U.set_string, 12, "", 10), ""),
    ("WSTRING[5]", "WSTRING", "DB2.DBB56:WSTRING[5]", 56, 14, js_literal(GRUSS),
     U.get_wstring, GRUSS, GRUSS, made(U.set_wstring, 14, "ab", 5), "ab"),
    ("TIME", "TIME", "DB2.DBD72:TIME", 72, 4, "-2147483648",
     U.get_dint, -(2**31), -(2**31), made(U.set_dint, 4, 2**31 - 1), 2**31 - 1),
    ("DATE", "DATE", "DB2.DBW76:DATE", 76, 2, "new Date(2168, 11, 31)",
     U.get_date, date(2168, 12, 31), date(2168, 12, 31), made(U.set_date, 2, LOW.date()),
     LOW.date()),
    ("DATE-iso", "DATE", "DB2.DBW76:DATE", 76, 2, '"1990-01-01"',
     U.get_date, LOW.date(), LOW.date(), made(U.set_date, 2, date(2168, 12, 31)),
     date(2168, 12, 31)),
    ("TIME_OF_DAY", "TOD", "DB2.DBD78:TIME_OF_DAY", 78, 4,
     "new Date(2024, 0, 1, 23, 59, 59, 999)",
     U.get_tod, TOD_MAX, time(23, 59, 59, 999000), made(U.set_tod, 4, timedelta(0)), time(0)),
    ("TOD-iso", "TOD", "DB2.DBD78:TOD", 78, 4, '"00:00:00"',
     U.get_tod, timedelta(0), time(0), made(U.set_tod, 4, TOD_MAX), time(23, 59, 59, 999000)),
    ("DATE_AND_TIME", "DT", "DB2.DBB82:DATE_AND_TIME", 82, 8,
     "new Date(2089, 11, 31, 23, 59, 59, 999)",
     U.get_date_time_object, DT_MAX, DT_MAX, made(U.set_dt, 8, LOW), LOW),
    ("DTL", "DTL", "DB2.DBB90:DTL", 90, 12, "new Date(1970, 0, 1, 0, 0, 0, 0)",
     U.get_dtl, EPOCH, EPOCH, made(U.set_dtl, 12, DTL_MAX), DTL_MAX),
    ("DTL-iso", "DTL", "DB2.DBB90:DTL", 90, 12, js_literal(DTL_MAX.isoformat()),
     U.get_dtl, DTL_MAX, DTL_MAX, made(U.set_dtl, 12, EPOCH), EPOCH),
    # S5TIME in ms: the largest is 999 x 10 s (0x3999); 0x1234 is 234 x 100 ms
    ("S5TIME", "S5TIME", "DB2.DBW102:S5TIME", 102, 2, "9990000",
     U.get_s5time, "2:46:30", 9_990_000, b"\x12\x34", 23_400),
]]
# fmt: on


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("row", EXTENDED, ids=str)
def test_extended_type_round_trips_through_write_and_read(open_panel, qtbot, simulator, row, order):
    panel = open_panel(variable_qml("v", name_decl(row.name)), order)
    v = panel.var("v")
    assert v.property("error") == NO_ERROR, v.property("errorString")
    stamp = v.property("timestamp")

    panel.write("v", row.write_js)

    def landed() -> None:
        raw = row.plc(simulator.read("DB", row.start, row.size, db=2), order)
        try:
            found = row.getter(bytearray(raw), 0)
        except ValueError as error:  # not there yet: zeros are no valid DT/DTL
            raise AssertionError(f"{raw.hex(' ')}: {error}") from None
        assert found == row.written

    wait_written(qtbot, v, stamp, landed)
    equals(row.shown)(panel.data("v"))
    simulator.write("DB", row.start, row.plc(row.reread_raw, order), db=2)
    poll(qtbot, v, equals(row.reread))


def test_date_and_time_values_reach_qml_as_dates(open_panel, qtbot, simulator):
    # DATE, TOD, DT and DTL are DataType Date, Time, DateTime: a panel shows them with
    # Qt.formatDate/formatTime/formatDateTime, which take a JavaScript Date.
    moment = datetime(2024, 3, 27, 12, 30, 1, 5000)
    simulator.write("DB", 0, made(util.set_date, 2, moment.date()), db=2)
    simulator.write("DB", 2, made(util.set_tod, 4, moment - datetime(2024, 3, 27)), db=2)
    simulator.write("DB", 6, made(util.set_dt, 8, moment), db=2)
    simulator.write("DB", 14, made(util.set_dtl, 12, moment), db=2)
    simulator.write("DB", 26, made(util.set_dint, 4, 90_000), db=2)
    names = {
        "d": "DB2.DBW0:DATE",
        "tod": "DB2.DBD2:TOD",
        "dt": "DB2.DBB6:DT",
        "dtl": "DB2.DBB14:DTL",
        "t": "DB2.DBD26:TIME",
    }
    panel = open_panel("\n".join(variable_qml(vid, name_decl(n)) for vid, n in names.items()))
    for vid in names:
        panel.var(vid).pollData()
    qtbot.waitUntil(lambda: all(panel.var(vid).property("valid") for vid in names), timeout=TIMEOUT)
    # Python sees the natural types ...
    assert panel.data("d") == moment.date()
    assert panel.data("tod") == moment.time()
    assert panel.data("dt") == panel.data("dtl") == moment
    assert panel.data("t") == 90_000
    # ... and QML sees Dates it can format (TIME is a number of milliseconds).
    kinds = panel.js("[d, tod, dt, dtl, t].map(v => [v.data instanceof Date, String(v.data)])")
    assert [is_date for is_date, _text in kinds] == [True, True, True, True, False], kinds
    assert panel.js("[typeof t.data, t.data]") == ["number", 90_000]
    shown = panel.js(
        "[Qt.formatDate(d.data, 'yyyy-MM-dd'), Qt.formatTime(tod.data, 'hh:mm:ss.zzz'),"
        " Qt.formatDateTime(dt.data, 'yyyy-MM-dd hh:mm:ss.zzz'),"
        " Qt.formatDateTime(dtl.data, 'yyyy-MM-dd hh:mm:ss.zzz')]"
    )
    assert shown == ["2024-03-27", "12:30:01.005", *["2024-03-27 12:30:01.005"] * 2]


def test_64_bit_values_beyond_qint64_reach_python_and_qml(open_panel, qtbot, simulator):
    # ULINT and LWORD go up to 2**64 - 1: reading them must work in Python and in QML.
    simulator.write("DB", 0, made(util.set_ulint, 8, 2**64 - 1), db=2)
    simulator.write("DB", 8, made(util.set_lword, 8, 0x8000_0000_0000_0001), db=2)
    panel = open_panel(
        variable_qml("u", name_decl("DB2:0:ULINT"))
        + "\n"
        + variable_qml("w", name_decl("DB2:8:LWORD"))
    )
    u, w = panel.var("u"), panel.var("w")
    u.pollData()
    w.pollData()
    qtbot.waitUntil(lambda: u.property("valid") and w.property("valid"), timeout=TIMEOUT)
    equals(2**64 - 1)(panel.data("u"))
    equals(0x8000_0000_0000_0001)(panel.data("w"))
    shown = panel.js("[typeof u.data, u.data > 1.8e19, typeof w.data, w.data > 9.2e18]")
    assert shown == ["number", True, "number", True]


# --------------------------------------------------------------------------- refused values


@dataclass(frozen=True)
class Refused:
    """A variable, a good value written first, then a value that does not fit."""

    label: str
    decl: str
    where: tuple[str, int, int, int]  # simulator area, DB, start, size
    good: str  # QML expressions
    bad: str
    texts: tuple[str, ...]  # what the errorString must name: the value, the range or type

    def __str__(self) -> str:
        return self.label


# fmt: off
REFUSED = [Refused(*row) for row in [
    ("300-to-Byte", name_decl("DB1.DBB3"), ("DB", 1, 3, 1), "7", "300", ("300", "0..255")),
    ("-1-to-Word", "type: S7Variable.DataWord; db: 1; address: 4", ("DB", 1, 4, 2),
     "1000", "-1", ("-1", "0..65535")),
    ("abc-to-Real", name_decl("DB1.DBD16:REAL"), ("DB", 1, 16, 4), "2.5", '"abc"',
     ('"abc"', "REAL")),
    ("40000-to-Int16", name_decl("MW10:INT"), ("M", 0, 10, 2), "-5", "40000",
     ("40000", "-32768..32767")),
    ("1e39-to-Real", name_decl("QD16:REAL"), ("Q", 0, 16, 4), "2.5", "1e39",
     ("1e+39", "REAL")),
    ("2-to-Bit", name_decl("I2.7"), ("I", 0, 2, 1), "true", "2", ("2", "BOOL")),
    ("true-to-Int32", name_decl("DB1.DBD12:DINT"), ("DB", 1, 12, 4), "-5", "true",
     ("True", "DINT")),
    ("1.5-to-Int16", name_decl("DB1.DBW10:INT"), ("DB", 1, 10, 2), "3", "1.5",
     ("1.5", "INT")),
    ("11-chars-to-STRING[10]", name_decl("DB2.DBB44:STRING[10]"), ("DB", 2, 44, 12),
     '"ok"', '"0123456789A"', ("0123456789A", "10")),
    ("1989-to-DATE", name_decl("DB2.DBW76:DATE"), ("DB", 2, 76, 2), '"2000-01-01"',
     "new Date(1989, 11, 31)", ("1989-12-31", "1990-01-01")),
]]
# fmt: on


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_value_that_does_not_fit_is_refused_and_nothing_is_sent(open_panel, qtbot, simulator, case):
    area, db, start, size = case.where
    panel = open_panel(variable_qml("v", case.decl))
    v = panel.var("v")
    untouched = simulator.read(area, start, size, db=db)
    panel.write("v", case.good)

    def good_landed() -> None:
        assert simulator.read(area, start, size, db=db) != untouched

    wait_written(qtbot, v, 0, good_landed)
    previous = v.property("data")
    memory = simulator.read(area, start, size, db=db)
    requests = simulator.stats.write_requests

    with qtbot.waitSignal(v.errorOccurred, timeout=TIMEOUT):
        panel.write("v", case.bad)

    assert v.property("error") == INVALID_VALUE_ERROR
    text = v.property("errorString")
    for expected in case.texts:
        assert expected in text, text
    assert type(v.property("data")) is type(previous) and v.property("data") == previous
    # A read made after the refused write is answered after anything sent before it.
    reads = simulator.stats.read_requests
    v.pollData()
    qtbot.waitUntil(
        lambda: simulator.stats.read_requests > reads and v.property("valid") is True,
        timeout=TIMEOUT,
    )
    assert simulator.stats.write_requests == requests
    assert simulator.read(area, start, size, db=db) == memory
    assert v.property("data") == previous


# --------------------------------------------------------------------------- malformed names

MALFORMED = [
    "DB1.DBX0.8",  # bit number out of range
    "DB0.DBW0",  # DB 0
    "MW",  # no offset
    "XYZ",  # not an address
    "DB1.DBW-1",  # negative offset
    "DB1.DBX0",  # BOOL without a bit number
    "DB1.DBW4.1",  # a bit on a word
    "DB1.DBW4:REAL",  # the size letter contradicts the type
    "DB1.DBD8:FOO",  # unknown type
    "DB1.DBB0:STRING[0]",  # string length 0
    "DB1.DBB0:STRING[255]",  # string length beyond 254
    "DB1.DBW0:INT[3]",  # arrays
    "MW4:",  # missing type
    "%",  # nothing after %
    "DB1.DBW 4",  # blank inside
    "DB1..DBW4",  # stray dot
    "DB65536.DBW0",  # DB number too large
    "MW65536",  # offset too large
    "M0.9",  # bit 9
    "I0",  # neither bit nor size
    "DBX0.1",  # DB number missing
    "DB1.DBZ0",  # unknown size letter
    "DB1.DBW99999999999",  # huge number
    "DB1.DBX0.1:INT",  # a bit address for INT
    "1234",  # a bare number
    "DB1.DBW4;",  # stray character
    "\u00c4W4",  # non-ASCII
    "DB1,INT0.5",  # a nodeS7 array of 5 INTs: refused
    "MB65535:DINT",  # ends past the last byte
    "DB1.DBX0.1.2",  # two bit numbers
    "MW4:INT:REAL",  # two types
    "DB1.DBD0:DATE",  # D is 4 bytes, DATE 2
    "T5",  # timers are not supported
]


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_name_gives_name_parse_error_and_the_panel_keeps_working(
    open_panel, qtbot, simulator, name
):
    simulator.write("DB", 4, b"\x12\x34", db=1)
    panel = open_panel(
        variable_qml("bad", name_decl(name)) + "\n" + variable_qml("good", name_decl("DB1.DBW4"))
    )
    bad = panel.var("bad")
    assert bad.property("error") == NAME_PARSE_ERROR
    assert f'"{name}"' in bad.property("errorString")
    assert bad.property("valid") is False and bad.property("data") is None
    panel.js("bad.pollData()")  # nothing to read: no exception, the same error
    assert bad.property("error") == NAME_PARSE_ERROR
    assert f'"{name}"' in bad.property("errorString")
    poll(qtbot, panel.var("good"), equals(0x1234))
    assert bad.property("error") == NAME_PARSE_ERROR


def test_poll_data_keeps_the_reason_of_a_name_parse_error(open_panel):
    panel = open_panel(variable_qml("bad", name_decl("DB1.DBX0.8")))
    bad = panel.var("bad")
    reason = "bit number 8 is out of range 0..7"
    assert reason in bad.property("errorString")
    panel.js("bad.pollData()")
    assert bad.property("error") == NAME_PARSE_ERROR
    assert reason in bad.property("errorString")


def test_name_fixed_from_qml_clears_the_error_and_reads(open_panel, qtbot, simulator):
    simulator.write("M", 4, b"\xbe\xef")
    panel = open_panel(variable_qml("v", name_decl("MW")))
    v = panel.var("v")
    assert v.property("error") == NAME_PARSE_ERROR
    with qtbot.waitSignal(v.errorChanged, timeout=TIMEOUT):
        panel.js('v.name = "MW4"')
    assert v.property("error") == NO_ERROR and v.property("errorString") == ""
    assert v.property("type") == 24  # MemoryWord
    poll(qtbot, v, equals(0xBEEF))
    with qtbot.waitSignal(v.errorOccurred, timeout=TIMEOUT):
        panel.js('v.name = "MW4:REAL"')
    assert v.property("error") == NAME_PARSE_ERROR
    assert '"MW4:REAL"' in v.property("errorString")


# --------------------------------------------------------------------------- bool_dealloc

HAMMER = 10_000


def test_ten_thousand_booleans_from_qml_do_not_crash(open_panel, qtbot, simulator):
    # PySide6 6.12.0 releases True/False once too often when a bool reaches a Python
    # property setter from QML; after a few hundred assignments the process aborts.
    simulator.write("DB", 4, b"\x00\x2a", db=1)
    panel = open_panel(
        variable_qml("bit", name_decl("DB1.DBX2.3"))
        + "\n"
        + variable_qml("word", name_decl("DB1.DBW4"))
        + f"""
    function hammerData() {{ for (var i = 0; i < {HAMMER}; ++i) bit.data = (i % 2 === 1) }}
    function hammerEnabled() {{
        for (var i = 0; i < {HAMMER}; ++i) word.enabled = (i % 2 === 1)
        return word.enabled
    }}"""
    )
    # objects destroyed by earlier tests drop their attributes on the next turn of the event
    # loop, and the collector then frees what those held (bools among it): before counting
    QCoreApplication.processEvents()
    gc.collect()
    true_refs, false_refs = sys.getrefcount(True), sys.getrefcount(False)
    writes_before = len(simulator.stats.writes)

    panel.js("hammerData()")
    assert panel.js("hammerEnabled()") is True

    # Every assignment is one write, in order, none merged away; the last one (true) lands.
    qtbot.waitUntil(lambda: len(simulator.stats.writes) - writes_before >= HAMMER, timeout=30_000)
    records = simulator.stats.writes[writes_before:]
    assert [r.data for r in records] == [bytes([i % 2]) for i in range(HAMMER)]
    assert all(r.ok and r.transport == "bit" and r.bit == 3 for r in records)
    assert simulator.read_bit("DB", 2, 3, db=1) is True
    bit, word = panel.var("bit"), panel.var("word")
    qtbot.waitUntil(
        lambda: bit.property("error") == NO_ERROR and bit.property("data") is True,
        timeout=TIMEOUT,
    )
    assert word.property("enabled") is True
    poll(qtbot, word, equals(42))  # polling works again once enabled
    # No bool lost references (the bug drops one per assignment: 20,000 here).
    assert sys.getrefcount(True) > true_refs - 1000
    assert sys.getrefcount(False) > false_refs - 1000
