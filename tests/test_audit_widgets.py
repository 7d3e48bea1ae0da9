"""AuditTable and AlarmLog through the QML engine, with real clicks, on a real history file
written by real S7Variables and S7Alarms on the simulator."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator

import pytest
from PySide6 import QtQuick  # noqa: F401  (so that created windows are QQuickWindows)
from PySide6.QtCore import Q_ARG, QMetaObject, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtQml import QJSValue
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from qtitems import click, find, items_below, rows_of, show

from qml_s7 import S7Alarm, S7History, S7Variable
from qml_s7.history.journal import journal

TIMEOUT = 10_000
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
ALARM, WARNING, TEXT, MUTED, OK = "#c62828", "#ef8f00", "#1f2933", "#66788a", "#2e7d32"


@pytest.fixture(autouse=True)
def no_operator() -> Iterator[None]:
    """The operator is the application's: none before and after each test."""
    journal().operator = ""
    yield
    journal().operator = ""


def window(port: int, path, widget: str) -> str:
    """A window on the simulator: a history file, variables that write, an alarm, a widget."""
    return f"""
import QtQuick
import QmlS7
import QmlS7.Controls
Window {{
    width: 900; height: 520; visible: true
    function login(name) {{ S7Operator.name = name }}
    S7History {{ id: store; objectName: "history"; file: "{path}"; batchInterval: 50 }}
    S7Client {{
        hostname: "127.0.0.1"; port: {port}; pollInterval: 20
        commAlarmEnabled: false
        S7Variable {{ objectName: "speed"; name: "DB1.DBW8:INT" }}
        S7Variable {{ objectName: "small"; name: "DB1.DBB10:BYTE" }}
        S7Variable {{ objectName: "missing"; name: "DB99.DBW0:INT" }}
        S7Variable {{ id: level; objectName: "level"; name: "DB1.DBD0:REAL" }}
    }}
    S7Alarm {{ objectName: "high"; source: level; kind: S7Alarm.High; limit: 90
               text: "Level high: %1 %"; priority: 1; group: "Tank" }}
{widget}
}}
"""


def cells(row: QQuickItem, *names: str) -> tuple[str, ...]:
    return tuple(find(row, name).property("text") for name in names)


def colour(row: QQuickItem, name: str) -> str:
    return QColor(find(row, name).property("color")).name()


def js(value):
    """A JS value as plain Python (lists, dicts)."""
    return value.toVariant() if isinstance(value, QJSValue) else value


def login(win: QObject, name: str) -> None:
    QMetaObject.invokeMethod(
        win, "login", Qt.ConnectionType.DirectConnection, Q_ARG("QVariant", name)
    )


def choose(qtbot, win: QObject, box: QQuickItem, text: str) -> None:
    """Open a ComboBox with a click and click its entry ``text``."""
    click(win, box.property("indicator") or box)
    qtbot.waitUntil(lambda: box.property("down") is True, timeout=TIMEOUT)  # the list is open

    def entry() -> QQuickItem | None:
        items = items_below(win)
        return next((i for i in items if i.property("highlighted") is not None
                     and i.property("text") == text and i.isVisible()
                     and i.height() > 0), None)  # fmt: skip

    qtbot.waitUntil(lambda: entry() is not None, timeout=TIMEOUT)
    click(win, entry())


def variable(win: QObject, name: str) -> S7Variable:
    found = win.findChild(S7Variable, name)
    assert found is not None
    return found


def test_the_widgets_are_warning_free_without_a_history(qml, qtbot):
    # qt_log_level_fail = WARNING: any binding loop or undefined access fails this test.
    win = show(
        qml,
        qtbot,
        """
import QtQuick
import QmlS7
import QmlS7.Controls
Window {
    width: 700; height: 500; visible: true
    Column {
        AuditTable { objectName: "audit"; width: 700; height: 120 }
        AuditTable { model: null; history: null; width: 700; height: 80 }
        AlarmLog { objectName: "log"; width: 700; height: 120 }
        AlarmLog {
            width: 700; height: 80
            model: S7HistoryModel { events: S7HistoryModel.AlarmEvents }
        }
    }
}
""",
    )
    for name in ("audit", "log"):
        widget = find(win, name)
        assert widget.property("rowCount") == 0
        assert find(widget, "empty").property("text") == "No history"


def test_the_audit_table_shows_each_write_with_who_and_its_outcome(qml, qtbot, simulator, tmp_path):
    simulator.write("DB", 8, struct.pack(">h", 7), db=1)
    source = window(simulator.port, tmp_path / "h.sqlite", AUDIT)
    win = show(qml, qtbot, source)
    table = find(win, "audit")
    speed, small, missing = (variable(win, n) for n in ("speed", "small", "missing"))
    qtbot.waitUntil(lambda: speed.valid and small.valid, timeout=TIMEOUT)
    assert find(table, "empty").property("text") == "No writes"

    login(win, "anna")
    speed.data = 42  # the PLC takes it
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    login(win, "ben")
    small.data = 300  # no BYTE
    missing.data = 5  # no DB99 in this PLC
    qtbot.waitUntil(lambda: table.property("rowCount") == 3, timeout=TIMEOUT)

    def outcomes() -> list[str]:
        return [find(r, "outcome").property("text") for r in rows_of(table)]

    qtbot.waitUntil(lambda: outcomes() == ["refused", "invalid", "confirmed"], timeout=TIMEOUT)
    refused, invalid, confirmed = rows_of(table)
    assert all(r.height() >= 40 for r in (refused, invalid, confirmed))  # touch-sized
    assert cells(confirmed, "who", "tag", "change") == ("anna", "DB1.DBW8:INT", "7 \u2192 42")
    assert cells(invalid, "who", "tag", "change") == ("ben", "DB1.DBB10:BYTE", "0 \u2192 300")
    assert cells(refused, "who", "tag") == ("ben", "DB99.DBW0:INT")
    assert find(refused, "detail").property("text") != ""  # why the PLC refused it
    assert colour(confirmed, "outcome") == TEXT
    assert colour(invalid, "outcome") == colour(refused, "outcome") == ALARM
    assert find(confirmed, "when").property("text").count(":") == 2  # hh:mm:ss, today
    assert simulator.read("DB", 8, 2, db=1) == struct.pack(">h", 42)

    # The filters' choices are the tags and users of the trail; a choice filters the model.
    assert js(table.property("users")) == ["anna", "ben"]
    choose(qtbot, win, find(table, "userFilter"), "ben")
    assert table.property("usedModel").property("user") == "ben"
    qtbot.waitUntil(lambda: outcomes() == ["refused", "invalid"], timeout=TIMEOUT)
    choose(qtbot, win, find(table, "tagFilter"), "DB1.DBB10:BYTE")
    qtbot.waitUntil(lambda: outcomes() == ["invalid"], timeout=TIMEOUT)
    choose(qtbot, win, find(table, "userFilter"), "All users")
    choose(qtbot, win, find(table, "tagFilter"), "All tags")
    qtbot.waitUntil(lambda: len(outcomes()) == 3, timeout=TIMEOUT)


def test_a_tag_typed_into_the_filter_and_entered_filters(qml, qtbot, simulator, tmp_path):
    win = show(qml, qtbot, window(simulator.port, tmp_path / "h.sqlite", AUDIT))
    table = find(win, "audit")
    speed, small = variable(win, "speed"), variable(win, "small")
    qtbot.waitUntil(lambda: speed.valid and small.valid, timeout=TIMEOUT)
    speed.data = 1
    small.data = 2
    qtbot.waitUntil(lambda: table.property("rowCount") == 2, timeout=TIMEOUT)
    box = find(table, "tagFilter")
    click(win, box.property("contentItem"))  # the text field of the editable box
    QTest.keyClick(win, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for char in "DB1.DBW8:INT":
        QTest.keyClick(win, char)
    QTest.keyClick(win, Qt.Key.Key_Return)
    assert table.property("usedModel").property("tag") == "DB1.DBW8:INT"
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    assert cells(rows_of(table)[0], "tag") == ("DB1.DBW8:INT",)


def test_a_write_in_flight_is_pending_until_its_outcome_comes(qml, qtbot, simulator, tmp_path):
    # The link cut while a write is on its way: begun, then unknown (as S7Variable does it).
    win = show(qml, qtbot, window(simulator.port, tmp_path / "h.sqlite", AUDIT))
    table = find(win, "audit")
    store = win.findChild(S7History, "history").store
    yesterday = round(time.time() * 1000) - 86_400_000
    key = store.begin_write(yesterday, '"Tank".PumpSpeed', 10, 80, "carl", "plc")
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(rows_of(table)) == 1, timeout=TIMEOUT)
    (row,) = rows_of(table)
    assert cells(row, "outcome", "who", "change") == ("pending", "carl", "10 \u2192 80")
    assert colour(row, "outcome") == MUTED and find(row, "outcome").property("font").italic()
    day = time.strftime("%Y-%m-%d", time.localtime(yesterday / 1000))
    assert find(row, "when").property("text").startswith(day + " ")  # another day: dated
    store.end_write(key, "unknown", "the link went while the write was on its way")
    qtbot.waitUntil(lambda: find(rows_of(table)[0], "outcome").property("text") == "unknown")
    (row,) = rows_of(table)
    assert colour(row, "outcome") == WARNING
    assert "the link went" in find(row, "detail").property("text")


AUDIT = (
    '    AuditTable { objectName: "audit"; x: 10; y: 10; width: 880; height: 480; history: store }'
)
LOG = '    AlarmLog { objectName: "log"; x: 10; y: 10; width: 880; height: 480; history: store }'


def test_the_alarm_log_shows_the_events_with_value_and_user(qml, qtbot, simulator, tmp_path):
    simulator.write("DB", 0, struct.pack(">f", 50), db=1)
    win = show(qml, qtbot, window(simulator.port, tmp_path / "h.sqlite", LOG))
    log, high = find(win, "log"), win.findChild(S7Alarm, "high")
    qtbot.waitUntil(lambda: high.conditionKnown, timeout=TIMEOUT)
    assert find(log, "empty").property("text") == "No alarm events"

    simulator.write("DB", 0, struct.pack(">f", 95), db=1)
    qtbot.waitUntil(lambda: high.active, timeout=TIMEOUT)
    login(win, "anna")
    high.acknowledge()
    simulator.write("DB", 0, struct.pack(">f", 50), db=1)
    qtbot.waitUntil(lambda: not high.active, timeout=TIMEOUT)

    def events() -> list[str]:
        return [find(r, "event").property("text") for r in rows_of(log)]

    qtbot.waitUntil(lambda: events() == ["went", "acknowledged", "came"], timeout=TIMEOUT)
    went, acknowledged, came = rows_of(log)
    assert cells(came, "text", "value", "user") == ("Level high: 95 %", "95", "")
    assert cells(acknowledged, "user") == ("anna",)
    assert cells(went, "value") == ("50",)
    assert (colour(came, "event"), colour(went, "event")) == (ALARM, OK)
    assert colour(acknowledged, "event") == TEXT

    assert js(log.property("alarms")) == ["high"] and js(log.property("users")) == ["anna"]
    choose(qtbot, win, find(log, "userFilter"), "anna")
    qtbot.waitUntil(lambda: events() == ["acknowledged"], timeout=TIMEOUT)
    choose(qtbot, win, find(log, "userFilter"), "All users")
    choose(qtbot, win, find(log, "alarmFilter"), "high")
    qtbot.waitUntil(lambda: len(events()) == 3, timeout=TIMEOUT)
