"""The demo panel's history on the simulator with the tank: trends that open with the past
hour of a real history file, what it logs, the audit page and the alarm history."""

from __future__ import annotations

import getpass
import itertools
import struct
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtQml import QJSValue
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from qtitems import child, click, items_below, rows_of

from qml_s7.history.store import Store
from qml_s7.qmltypes.alarm import S7Alarm

TIMEOUT = 10_000
GOOD = 0x80
LEVEL, TEMPERATURE, SETPOINT = '"Tank".Level', '"Tank".Temperature', '"Tank".TempSetpoint'


@pytest.fixture
def history_file(tmp_path) -> Path:
    """Where the demo_panel fixture keeps the panel's history."""
    return tmp_path / "history.sqlite"


def js(value):
    return value.toVariant() if isinstance(value, QJSValue) else value


def text_of(row: QQuickItem, name: str) -> str:
    found = next(i for i in items_below(row) if i.objectName() == name)
    return found.property("text")


def now_ms() -> int:
    return round(time.time() * 1000)


def test_the_history_is_the_given_file_and_logs_the_process(
    demo_panel, qtbot, simulator, history_file
):
    history = demo_panel.findChild(QObject, "history")
    assert history.property("path") == str(history_file)
    assert history.property("error") == 0
    answers: list[list] = []
    history.queryFinished.connect(lambda _request, points: answers.append(js(points)))

    def rows(tag: str) -> list[dict]:
        """The last minute of ``tag`` in the history file."""
        answers.clear()
        history.query(tag, now_ms() - 60_000, now_ms(), 1000)
        qtbot.waitUntil(lambda: len(answers) == 1, timeout=TIMEOUT)
        return answers[0]

    def good(tag: str) -> list[float]:
        return [p["v"] for p in rows(tag) if p["q"] >= GOOD]

    # The drain valve open and the heater on: the level falls and the water warms, by more
    # than their deadbands: rows come.
    simulator.write_bit("DB", 0, 1, True, db=1)
    simulator.write_bit("DB", 0, 2, True, db=1)
    qtbot.waitUntil(lambda: len(good(LEVEL)) >= 3, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(good(TEMPERATURE)) >= 3, timeout=TIMEOUT)
    levels = good(LEVEL)
    assert levels == sorted(levels, reverse=True)
    assert all(a - b > 0.5 for a, b in itertools.pairwise(levels))  # the deadband
    # A setpoint that holds: its first good reading, and nothing more.
    assert good(SETPOINT) == [60.0]


def test_the_trends_open_with_the_past_hour(qapp, qtbot, simulator, tank, history_file, request):
    # An hour of rows written before the panel starts, as a panel that ran before left them.
    start = now_ms()
    store = Store(history_file, retention_days=0)
    store.start()
    for minute in range(60, 0, -1):
        store.add_sample(LEVEL, start - minute * 60_000, 50.0 + minute / 10, GOOD)
        store.add_sample(TEMPERATURE, start - minute * 60_000, 20.0 + minute / 10, GOOD)
    assert store.close()
    window = request.getfixturevalue("demo_panel")  # opens the file written above
    for name, first in (("levelTrend", 56.0), ("temperatureTrend", 26.0)):
        trend = child(window, name)
        assert trend.property("span") == 3600 and trend.property("live") is True
        qtbot.waitUntil(lambda t=trend: len(js(t.property("historyPoints"))) >= 59, timeout=TIMEOUT)
        past = [p for p in js(trend.property("historyPoints")) if p["t"] < start]
        assert past[0]["t"] <= start - 59 * 60_000 and past[0]["v"] == pytest.approx(first, 0.02)


def test_the_audit_page_lists_a_setpoint_written_with_the_spin_box(demo_panel, qtbot, simulator):
    control = child(demo_panel, "tempSetpointControl")
    qtbot.waitUntil(lambda: control.property("interactive") is True, timeout=TIMEOUT)
    spin = control.findChild(QQuickItem, "spinBox")
    before = control.property("value")
    # one step up (the + at the spin box's right end): a write
    point = spin.mapToScene(QPointF(spin.width() - 10, spin.height() / 2)).toPoint()
    QTest.mouseClick(demo_panel, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    expected = struct.pack(">f", before + 1)
    qtbot.waitUntil(lambda: simulator.read("DB", 14, 4, db=1) == expected, timeout=TIMEOUT)

    page, table = demo_panel.findChild(QObject, "auditPage"), child(demo_panel, "auditTable")
    click(demo_panel, child(demo_panel, "auditButton"))
    qtbot.waitUntil(lambda: page.property("opened") is True, timeout=TIMEOUT)

    def outcomes() -> list[str]:
        return [text_of(r, "outcome") for r in rows_of(table)]

    qtbot.waitUntil(lambda: outcomes() == ["confirmed"], timeout=TIMEOUT)
    (row,) = rows_of(table)
    assert text_of(row, "tag") == SETPOINT
    assert text_of(row, "change") == f"{before:g} \u2192 {before + 1:g}"
    assert text_of(row, "who") == getpass.getuser()  # no operator logged in: the OS user
    click(demo_panel, child(demo_panel, "auditPageClose"))
    qtbot.waitUntil(lambda: page.property("visible") is False, timeout=TIMEOUT)


def test_the_alarm_page_switches_to_the_alarm_history(demo_panel, qtbot, simulator):
    dry = demo_panel.findChild(QObject, "dryRunAlarm")
    simulator.write("DB", 2, struct.pack(">f", 3.0), db=1)  # nearly empty: dry-run protection
    qtbot.waitUntil(lambda: dry.property("state") == S7Alarm.State.Unacknowledged, timeout=TIMEOUT)
    page = demo_panel.findChild(QObject, "alarmPage")
    table, log = child(demo_panel, "alarmTable"), child(demo_panel, "alarmLog")
    click(demo_panel, child(demo_panel, "alarmsButton"))
    qtbot.waitUntil(lambda: page.property("opened") is True, timeout=TIMEOUT)
    assert table.isVisible() and not log.isVisible()  # the current alarms first

    click(demo_panel, child(demo_panel, "showAlarmHistory"))
    assert log.isVisible() and not table.isVisible()

    def events() -> list[tuple[str, str]]:
        return [(text_of(r, "event"), text_of(r, "text")) for r in rows_of(log)]

    came = ("came", "Dry-run protection: heater blocked, level under 10 %")
    qtbot.waitUntil(lambda: came in events(), timeout=TIMEOUT)
    click(demo_panel, child(demo_panel, "showCurrentAlarms"))
    assert table.isVisible() and not log.isVisible()
    click(demo_panel, child(demo_panel, "alarmPageClose"))
    qtbot.waitUntil(lambda: page.property("visible") is False, timeout=TIMEOUT)
