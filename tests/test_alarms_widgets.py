"""AlarmBanner and AlarmTable through the QML engine, with real mouse clicks, on alarms of
variables polled from the simulator."""

from __future__ import annotations

import struct

from PySide6 import QtQuick  # noqa: F401  (so that created windows are QQuickWindows)
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtQuick import QQuickItem
from qtitems import click, find, items_below, rows_of, show

from qml_s7 import S7Alarm, S7AlarmModel

TIMEOUT = 10_000
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
NORMAL, UNACK, ACKED, RETURNED, SHELVED = range(5)  # S7Alarm.State


def window(port: int, widgets: str, model: str = "") -> str:
    """A window with two alarms on the simulator's DB1 (level high: P2, temperature low: P1)."""
    return f"""
import QtQuick
import QmlS7
import QmlS7.Controls
Window {{
    width: 820; height: 520; visible: true
    S7Client {{
        hostname: "127.0.0.1"; port: {port}; pollInterval: 20
        commAlarmEnabled: false  // these alarms are the subject; test_comm_alarm has its own
        S7Variable {{ id: level; name: "DB1.DBD0:REAL" }}
        S7Variable {{ id: temp; name: "DB1.DBD4:REAL" }}
    }}
    S7Alarm {{ id: high; objectName: "high"; source: level; kind: S7Alarm.High; limit: 90
               text: "Level high: %1 %"; priority: 2; group: "Tank" }}
    S7Alarm {{ id: cold; objectName: "cold"; source: temp; kind: S7Alarm.Low; limit: 5
               text: "Water cold: %1 °C"; priority: 1; group: "Heater" }}
    {model}
    Column {{
        x: 10; y: 10; spacing: 10
{widgets}
    }}
}}
"""


def levels(simulator, level: float, temp: float) -> None:
    simulator.write("DB", 0, struct.pack(">ff", level, temp), db=1)


def test_the_widgets_work_without_alarms_and_without_a_model(qml, qtbot):
    # qt_log_level_fail = WARNING: any binding loop or undefined access fails this test.
    win = show(
        qml,
        qtbot,
        """
import QtQuick
import QmlS7
import QmlS7.Controls
Window {
    width: 700; height: 400; visible: true
    S7AlarmModel { id: given }
    Column {
        AlarmBanner { objectName: "banner"; width: 600 }
        AlarmBanner { model: null }
        AlarmBanner { model: given }
        AlarmTable { objectName: "table"; width: 600; height: 120 }
        AlarmTable { model: null; width: 600; height: 80 }
        AlarmTable { model: given; width: 600; height: 80 }
    }
}
""",
    )
    banner, table = find(win, "banner"), find(win, "table")
    assert banner.property("alarm") is None
    assert find(banner, "text").property("text") == "No alarms"
    assert find(banner, "acknowledge").property("enabled") is False
    assert isinstance(banner.property("usedModel"), S7AlarmModel)  # its own
    assert table.property("rowCount") == 0 and find(table, "empty").property("visible") is True


def banner_on(qml, qtbot, simulator, level: float, temp: float) -> tuple[QObject, QQuickItem]:
    """A window with an AlarmBanner of its own model, the PLC at ``level`` and ``temp``."""
    levels(simulator, level, temp)
    source = window(simulator.port, '        AlarmBanner { objectName: "banner"; width: 800 }')
    win = show(qml, qtbot, source)
    return win, find(win, "banner")


def test_the_banner_shows_the_top_alarm_and_acknowledges_it_on_a_click(qml, qtbot, simulator):
    win, banner = banner_on(qml, qtbot, simulator, 95, 3)
    high, cold = win.findChild(S7Alarm, "high"), win.findChild(S7Alarm, "cold")
    qtbot.waitUntil(lambda: banner.property("unacknowledgedCount") == 2, timeout=TIMEOUT)
    assert banner.property("alarm") is cold  # priority 1 before 2
    assert find(banner, "text").property("text") == "Water cold: 3 °C"
    assert find(banner, "count").property("text") == "2 unacknowledged"
    details = find(banner, "details").property("text")
    assert "Heater" in details and "P1" in details and "unacknowledged" in details

    # Unacknowledged: it blinks in its priority's colour.
    background = find(banner, "background")
    red = QColor(banner.property("alarmColor"))
    qtbot.waitUntil(lambda: banner.property("lit") is False, timeout=TIMEOUT)
    assert QColor(background.property("color")) != red
    qtbot.waitUntil(lambda: banner.property("lit") is True, timeout=TIMEOUT)
    assert QColor(background.property("color")) == red

    click(win, find(banner, "acknowledge"))
    assert cold.state == ACKED
    qtbot.waitUntil(lambda: banner.property("alarm") is high, timeout=TIMEOUT)
    assert find(banner, "count").property("text") == "1 unacknowledged"
    click(win, find(banner, "acknowledge"))
    assert high.state == ACKED
    # Nothing unacknowledged: the newest active alarm of the highest priority, steady.
    qtbot.waitUntil(lambda: banner.property("alarm") is cold, timeout=TIMEOUT)
    assert banner.property("lit") is True and banner.property("unacknowledged") is False
    assert find(banner, "count").property("visible") is False
    assert find(banner, "acknowledge").property("enabled") is False

    levels(simulator, 50, 20)  # both go: every alarm is normal
    qtbot.waitUntil(lambda: banner.property("alarm") is None, timeout=TIMEOUT)
    assert find(banner, "text").property("text") == "No alarms"


def test_the_banner_marks_an_unknown_condition(qml, qtbot, simulator):
    _, banner = banner_on(qml, qtbot, simulator, 95, 20)
    qtbot.waitUntil(lambda: banner.property("alarm") is not None, timeout=TIMEOUT)
    mark = find(banner, "unknownMark")
    assert mark.property("visible") is False
    simulator.stop()
    qtbot.waitUntil(lambda: banner.property("unknown") is True, timeout=TIMEOUT)
    assert mark.property("visible") is True
    assert "condition unknown" in find(banner, "details").property("text")
    assert banner.property("alarm").state == UNACK  # still the same alarm, still active


TABLE = """
        AlarmTable { objectName: "table"; width: 800; height: 440; model: alarms }
"""
MODEL = 'S7AlarmModel { id: alarms; objectName: "model"; currentOnly: true }'


def test_a_table_row_is_acknowledged_with_a_click(qml, qtbot, simulator):
    levels(simulator, 95, 3)
    win = show(qml, qtbot, window(simulator.port, TABLE, MODEL))
    table, model = find(win, "table"), win.findChild(S7AlarmModel, "model")
    high, cold = win.findChild(S7Alarm, "high"), win.findChild(S7Alarm, "cold")
    qtbot.waitUntil(lambda: table.property("rowCount") == 2, timeout=TIMEOUT)
    # laid out:
    qtbot.waitUntil(lambda: len(rows_of(table, visible_only=False)) == 2, timeout=TIMEOUT)
    rows = rows_of(table, visible_only=False)
    assert len(rows) == 2 and all(r.height() >= 40 for r in rows)  # touch-sized
    first = rows[0]
    assert first.property("alarm") is cold  # priority 1 first
    assert find(first, "text").property("text") == "Water cold: 3 °C"
    assert find(first, "state").property("text") == "unacknowledged"

    click(win, find(first, "acknowledge"))
    assert (cold.state, high.state) == (ACKED, UNACK)
    qtbot.waitUntil(lambda: find(first, "acknowledge").property("visible") is False)
    assert find(first, "state").property("text") == "acknowledged"

    # The filter bar sets the model's filters.
    click(win, find(table, "show_unacknowledged"))
    assert model.property("unacknowledgedOnly") is True and model.property("currentOnly") is False
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    assert model.get(0) is high
    click(win, find(table, "acknowledgeAll"))
    assert high.state == ACKED
    qtbot.waitUntil(lambda: table.property("rowCount") == 0, timeout=TIMEOUT)
    assert find(table, "empty").property("visible") is True
    levels(simulator, 50, 3)  # the level alarm goes
    click(win, find(table, "show_active"))
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    assert model.get(0) is cold
    click(win, find(table, "show_all"))
    assert table.property("rowCount") == 2 and model.get(1) is high


def test_the_table_filters_by_group_and_marks_unknown_conditions(qml, qtbot, simulator):
    levels(simulator, 95, 3)
    win = show(qml, qtbot, window(simulator.port, TABLE, MODEL))
    table, model = find(win, "table"), win.findChild(S7AlarmModel, "model")
    qtbot.waitUntil(lambda: table.property("rowCount") == 2, timeout=TIMEOUT)
    box = find(table, "group")
    assert box.property("model") == ["All groups", "Heater", "Tank"]
    click(win, box)
    qtbot.waitUntil(lambda: box.property("down") is True, timeout=TIMEOUT)  # the list is open

    def choice() -> QQuickItem | None:
        items = items_below(win)
        return next((i for i in items if i.property("highlighted") is not None
                     and i.property("text") == "Tank" and i.isVisible()), None)  # fmt: skip

    qtbot.waitUntil(lambda: choice() is not None and choice().height() > 0, timeout=TIMEOUT)
    click(win, choice())
    assert model.property("group") == "Tank"
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    assert model.get(0).objectName() == "high"

    simulator.stop()
    qtbot.waitUntil(lambda: not model.get(0).conditionKnown, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(rows_of(table, visible_only=False)) == 1, timeout=TIMEOUT)
    (row,) = rows_of(table, visible_only=False)
    qtbot.waitUntil(lambda: find(row, "unknownMark").property("visible") is True)
    assert find(row, "state").property("text") == "unacknowledged"
