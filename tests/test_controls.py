"""The HMI widgets of QmlS7.Controls through the real QML engine, bound to the simulator."""

from __future__ import annotations

import math
import socket
import struct
import time
from pathlib import Path

import pytest
from PySide6 import QtQuick  # noqa: F401  (so that created windows are QQuickWindows)
from PySide6.QtCore import QObject, QPoint, QPointF, QRectF, Qt
from PySide6.QtQml import QJSValue
from PySide6.QtTest import QTest
from qtitems import child, show
from support import WIDGETS

import qml_s7

TIMEOUT = 10_000
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def window_source(widgets: str, port: int | None = None, variables: str = "") -> str:
    """A visible Window with the widgets, and an S7Client with the variables when ``port``."""
    plc = ""
    if port is not None:
        plc = f"""
    S7Client {{
        id: plc
        objectName: "plc"
        hostname: "127.0.0.1"; port: {port}
        pollInterval: 50
{variables}
    }}"""
    return f"""
import QtQuick
import QtQuick.Controls
import QmlS7
import QmlS7.Controls
Window {{
    width: 640; height: 480; visible: true
{plc}
    Column {{
        x: 10; y: 10; spacing: 10
{widgets}
    }}
}}
"""


def js(value):
    """A JS value of a ``var`` property as plain Python (lists, dicts)."""
    return value.toVariant() if isinstance(value, QJSValue) else value


def center(item: QObject) -> QPoint:
    """The centre of a QQuickItem in its window's coordinates."""
    point = item.mapToScene(QPointF(item.width() / 2, item.height() / 2))
    return point.toPoint()


def valid(qtbot, obj: QObject) -> None:
    qtbot.waitUntil(lambda: obj.property("valid") is True, timeout=TIMEOUT)


def polls_pass(qtbot, variable: QObject, count: int = 2) -> None:
    """Wait until ``count`` more polls of ``variable`` landed.

    The timestamp moves on every read and every confirmed write. A write made before waiting
    goes out before the polls still to come (writes come before pending polls), so after two
    moves the simulator has seen every write the widget made until then.
    """
    stamps: list[int] = []

    def moved() -> None:
        stamps.append(1)

    variable.timestampChanged.connect(moved)
    try:
        qtbot.waitUntil(lambda: len(stamps) >= count, timeout=TIMEOUT)
    finally:
        variable.timestampChanged.disconnect(moved)


def db_writes(simulator, start: int) -> list:
    return [w for w in simulator.stats.writes if w.area == "DB" and w.db == 1 and w.start == start]


# -- the module and its packaging --------------------------------------------------------------


def test_the_module_ships_in_the_package_next_to_the_python_types(qml):
    folder = Path(qml_s7.qml_import_path()) / "QmlS7" / "Controls"
    qmldir = (folder / "qmldir").read_text().split("\n")
    assert "module QmlS7.Controls" in qmldir
    for name in WIDGETS:
        assert (folder / f"{name}.qml").is_file()
        assert any(line.split()[:1] == [name] for line in qmldir)
    # The QmlS7 folder on the import path does not hide the types registered from Python.
    root = qml(
        """
import QtQuick
import QmlS7
import QmlS7.Controls
Item {
    property var variable: S7Variable { name: "DB1.DBW4:INT" }
    property color text: Theme.text
    NumericDisplay { variable: parent.variable }
}
"""
    )
    assert root.property("variable").property("type") == 5  # DataInt16


def test_every_widget_is_warning_free_without_a_plc(qml):
    # qt_log_level_fail = WARNING: any binding loop or undefined access fails this test.
    widgets = "\n".join(f"        {name} {{ }}" for name in WIDGETS)
    fed_by = {"ConnectionBadge": "client", "ClientDiagnostics": "client"}
    fed_by |= {"AlarmBanner": "model", "AlarmTable": "model"}
    fed_by |= {"AuditTable": "model", "AlarmLog": "model"}
    with_null = "\n".join(
        f"        {name} {{ {fed_by.get(name, 'variable')}: null }}" for name in WIDGETS
    )
    window = qml(window_source(widgets + "\n" + with_null))
    assert window.isVisible()


# -- plain typed properties, no PLC --------------------------------------------------------


def test_numeric_display_formats_and_marks_invalid_values(qml):
    root = qml(
        """
import QtQuick
import QmlS7.Controls
Column {
    NumericDisplay { objectName: "plain"; value: 3.14159; decimals: 2; unit: "bar" }
    NumericDisplay { objectName: "bad"; value: 3.14159; valid: false }
    NumericDisplay { objectName: "stale"; value: 3.14159; valid: false; keepLastValue: true }
    NumericDisplay { objectName: "text"; value: "AUTO" }
    NumericDisplay { objectName: "custom"; value: 1500; formatter: v => (v / 1000) + " k" }
    NumericDisplay { objectName: "none" }
}
"""
    )
    plain = child(root, "plain", kind=QObject)
    assert plain.property("displayText") == "3.14"
    assert child(plain, "unit", kind=QObject).property("text") == "bar"
    assert child(root, "bad", kind=QObject).property("displayText") == "--"
    stale = child(root, "stale", kind=QObject)
    assert stale.property("displayText") == "3.1"
    grey, normal = (
        child(stale, "value", kind=QObject).property("color"),
        child(plain, "value", kind=QObject).property("color"),
    )
    assert grey != normal
    assert child(root, "text", kind=QObject).property("displayText") == "AUTO"
    assert child(root, "custom", kind=QObject).property("displayText") == "1.5 k"
    assert child(root, "none", kind=QObject).property("displayText") == "--"


def test_bar_gauge_levels_follow_the_limits(qml):
    gauge = qml(
        """
import QtQuick
import QmlS7.Controls
BarGauge { from: 0; to: 200; warningHigh: 150; alarmHigh: 180; warningLow: 20; alarmLow: 10 }
"""
    )
    expected = {
        100: "normal",
        150: "warning",
        179.9: "warning",
        180: "alarm",
        250: "alarm",
        15: "warning",
        5: "alarm",
    }
    for value, level in expected.items():
        gauge.setProperty("value", value)
        assert gauge.property("zone") == level, value
    gauge.setProperty("value", 50)
    assert gauge.property("position") == pytest.approx(0.25)
    gauge.setProperty("value", 500)
    assert gauge.property("position") == 1.0
    gauge.setProperty("valid", False)
    assert gauge.property("zone") == "invalid"
    assert gauge.property("displayText") == "--"


def test_indicator_lamp_blinks_only_while_on(qml, qtbot):
    lamp = qml(
        """
import QtQuick
import QmlS7.Controls
IndicatorLamp { value: false; blink: true; blinkInterval: 50 }
"""
    )
    assert lamp.property("active") is False and lamp.property("lit") is False
    lamp.setProperty("value", True)
    assert lamp.property("active") is True
    qtbot.waitUntil(lambda: lamp.property("lit") is False, timeout=TIMEOUT)  # dark phase
    qtbot.waitUntil(lambda: lamp.property("lit") is True, timeout=TIMEOUT)  # and lit again
    lamp.setProperty("valid", False)
    assert lamp.property("active") is False and lamp.property("lit") is False


# -- bound to the simulator ----------------------------------------------------------------


def test_displays_show_the_plc_values(qml, qtbot, simulator):
    simulator.write("DB", 0, struct.pack(">f", 12.5), db=1)
    simulator.write("DB", 4, struct.pack(">h", 95), db=1)
    variables = """
        S7Variable { id: pressure; objectName: "pressure"; name: "DB1.DBD0:REAL" }
        S7Variable { id: level; name: "DB1.DBW4:INT" }
        S7Variable { id: pump; name: "DB1.DBX6.2" }
"""
    widgets = """
        NumericDisplay { objectName: "display"; variable: pressure; unit: "bar"; decimals: 2 }
        BarGauge { objectName: "gauge"; variable: level; warningHigh: 80; alarmHigh: 90 }
        IndicatorLamp { objectName: "lamp"; variable: pump; label: "Pump" }
"""
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    display, gauge, lamp = (child(window, n, kind=QObject) for n in ("display", "gauge", "lamp"))
    qtbot.waitUntil(lambda: display.property("displayText") == "12.50", timeout=TIMEOUT)
    assert child(display, "unit", kind=QObject).property("text") == "bar"
    assert display.property("valid") is True
    qtbot.waitUntil(lambda: gauge.property("zone") == "alarm", timeout=TIMEOUT)
    assert gauge.property("displayText") == "95.0"
    valid(qtbot, lamp)
    assert lamp.property("active") is False

    simulator.write("DB", 0, struct.pack(">f", -3.25), db=1)
    simulator.write("DB", 4, struct.pack(">h", 85), db=1)
    simulator.write_bit("DB", 6, 2, True, db=1)
    qtbot.waitUntil(lambda: display.property("displayText") == "-3.25", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: gauge.property("zone") == "warning", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: lamp.property("active") is True, timeout=TIMEOUT)


def test_a_display_goes_invalid_when_the_plc_stops(qml, qtbot, simulator):
    simulator.write("DB", 0, struct.pack(">h", 7), db=1)
    variables = '        S7Variable { id: v; name: "DB1.DBW0:INT" }'
    widgets = '        NumericDisplay { objectName: "display"; variable: v; decimals: 0 }'
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    display = child(window, "display", kind=QObject)
    qtbot.waitUntil(lambda: display.property("displayText") == "7", timeout=TIMEOUT)
    simulator.stop()
    qtbot.waitUntil(lambda: display.property("valid") is False, timeout=TIMEOUT)
    assert display.property("displayText") == "--"


def test_widgets_carry_the_variable_error(qml, qtbot, simulator):
    variables = '        S7Variable { id: missing; objectName: "missing"; name: "DB77.DBW0" }'
    widgets = """
        NumericDisplay { objectName: "display"; variable: missing }
        IndicatorLamp { objectName: "lamp"; variable: missing }
"""
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    display, lamp, missing = (
        child(window, n, kind=QObject) for n in ("display", "lamp", "missing")
    )
    qtbot.waitUntil(lambda: display.property("errorText") != "", timeout=TIMEOUT)
    assert display.property("errorText") == missing.property("errorString")
    assert "DB77.DBW0" in display.property("errorText")
    assert lamp.property("errorText") == display.property("errorText")
    assert display.property("displayText") == "--"


def test_the_error_shows_in_a_tool_tip_on_hover(qml, qtbot):
    source = window_source(
        """
        NumericDisplay { id: display; objectName: "display"; value: 1; errorText: "DB77 missing" }
"""
    ).replace("visible: true", "visible: true\n    property bool tip: display.ToolTip.visible", 1)
    window = show(qml, qtbot, source)
    display = child(window, "display", kind=QObject)
    assert window.property("tip") is False
    QTest.mouseMove(window, center(display))
    qtbot.waitUntil(lambda: window.property("tip") is True, timeout=TIMEOUT)
    display.setProperty("errorText", "")
    assert window.property("tip") is False


def test_toggle_button_flips_its_bit(qml, qtbot, simulator):
    simulator.write("DB", 2, b"\xa5", db=1)  # bit 3 is clear, neighbours set and clear
    variables = '        S7Variable { id: bit; objectName: "bit"; name: "DB1.DBX2.3" }'
    widgets = '        ToggleButton { objectName: "toggle"; variable: bit; text: "Pump" }'
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    toggle = child(window, "toggle", kind=QObject)
    button = child(toggle, "button", kind=QObject)
    assert button.property("enabled") is False  # nothing read yet: not valid
    valid(qtbot, toggle)
    assert button.property("enabled") is True and toggle.property("active") is False

    QTest.mouseClick(window, LEFT, NO_MOD, center(toggle))
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 2, 3, db=1) is True, timeout=TIMEOUT)
    assert simulator.read("DB", 2, 1, db=1) == b"\xad"  # only bit 3 changed
    qtbot.waitUntil(lambda: toggle.property("active") is True, timeout=TIMEOUT)

    QTest.mouseClick(window, LEFT, NO_MOD, center(toggle))
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 2, 3, db=1) is False, timeout=TIMEOUT)
    assert simulator.read("DB", 2, 1, db=1) == b"\xa5"
    assert [w.data for w in db_writes(simulator, 2)] == [b"\x01", b"\x00"]
    assert all(w.transport == "bit" and w.bit == 3 for w in db_writes(simulator, 2))


def test_toggle_button_in_push_mode_pulses(qml, qtbot, simulator):
    variables = '        S7Variable { id: bit; objectName: "bit"; name: "DB1.DBX3.0" }'
    widgets = '        ToggleButton { objectName: "push"; variable: bit; pulse: true }'
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    push, bit = child(window, "push", kind=QObject), child(window, "bit", kind=QObject)
    valid(qtbot, push)

    QTest.mousePress(window, LEFT, NO_MOD, center(push))
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 3, 0, db=1) is True, timeout=TIMEOUT)
    polls_pass(qtbot, bit)  # held: the bit stays set, nothing else is written
    assert simulator.read_bit("DB", 3, 0, db=1) is True
    assert [w.data for w in db_writes(simulator, 3)] == [b"\x01"]

    QTest.mouseRelease(window, LEFT, NO_MOD, center(push))
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 3, 0, db=1) is False, timeout=TIMEOUT)
    polls_pass(qtbot, bit)
    assert [w.data for w in db_writes(simulator, 3)] == [b"\x01", b"\x00"]


def test_a_short_push_holds_the_pulse_for_pulse_ms(qml, qtbot, simulator):
    variables = '        S7Variable { id: bit; objectName: "bit"; name: "DB1.DBX3.1" }'
    widgets = """
        ToggleButton { objectName: "push"; variable: bit; pulse: true; pulseMs: 400 }
"""
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    push = child(window, "push", kind=QObject)
    valid(qtbot, push)
    pressed_at = time.monotonic()
    QTest.mouseClick(window, LEFT, NO_MOD, center(push))
    qtbot.waitUntil(lambda: len(db_writes(simulator, 3)) == 2, timeout=TIMEOUT)
    held = time.monotonic() - pressed_at
    assert [w.data for w in db_writes(simulator, 3)] == [b"\x01", b"\x00"]
    assert held >= 0.35  # the release was held back until pulseMs after the press
    assert simulator.read_bit("DB", 3, 1, db=1) is False


def test_a_toggle_button_without_a_variable_only_signals(qml, qtbot):
    window = show(
        qml,
        qtbot,
        window_source(
            """
        ToggleButton {
            id: t; objectName: "toggle"; value: false
            property var log: []
            onSubmitted: newValue => { log.push(newValue); value = newValue }
        }
"""
        ),
    )
    toggle = child(window, "toggle", kind=QObject)
    QTest.mouseClick(window, LEFT, NO_MOD, center(toggle))
    QTest.mouseClick(window, LEFT, NO_MOD, center(toggle))
    assert js(toggle.property("log")) == [True, False]


def test_a_push_cut_off_by_going_invalid_still_releases(qml, qtbot):
    source = window_source(
        """
        ToggleButton {
            objectName: "push"; pulse: true
            property var log: []
            onSubmitted: newValue => log.push(newValue)
        }
"""
    )
    window = show(qml, qtbot, source)
    push = child(window, "push", kind=QObject)
    QTest.mousePress(window, LEFT, NO_MOD, center(push))
    assert js(push.property("log")) == [True]
    push.setProperty("valid", False)  # e.g. a failed read while the operator holds the button
    assert js(push.property("log")) == [True, False]
    assert push.property("interactive") is False
    QTest.mouseRelease(window, LEFT, NO_MOD, center(push))
    assert js(push.property("log")) == [True, False]


SETPOINT = """
        SetpointControl {
            objectName: "setpoint"; variable: speed; width: 400
            from: 0; to: 100; stepSize: 1; label: "Speed"; unit: "%"
        }
"""


def test_setpoint_slider_writes_once_on_release(qml, qtbot, simulator):
    simulator.write("DB", 10, struct.pack(">h", 40), db=1)
    variables = '        S7Variable { id: speed; objectName: "speed"; name: "DB1.DBW10:INT" }'
    window = show(qml, qtbot, window_source(SETPOINT, simulator.port, variables))
    setpoint, speed = child(window, "setpoint", kind=QObject), child(window, "speed", kind=QObject)
    slider = child(setpoint, "slider", kind=QObject)
    qtbot.waitUntil(lambda: slider.property("value") == 40, timeout=TIMEOUT)
    assert child(setpoint, "spinText", kind=QObject).property("text") == "40"

    handle = slider.property("handle")
    start = center(handle)
    QTest.mousePress(window, LEFT, NO_MOD, start)
    for dx in (20, 40, 60, 80):
        QTest.mouseMove(window, start + QPoint(dx, 0))
    dragged = slider.property("value")
    assert dragged > 40
    assert setpoint.property("editing") is True

    # The PLC value changes meanwhile: the handle stays where the user holds it.
    simulator.write("DB", 10, struct.pack(">h", 10), db=1)
    qtbot.waitUntil(lambda: speed.property("data") == 10, timeout=TIMEOUT)
    polls_pass(qtbot, speed)
    assert slider.property("value") == dragged
    assert db_writes(simulator, 10) == []  # moving writes nothing

    QTest.mouseRelease(window, LEFT, NO_MOD, start + QPoint(80, 0))
    qtbot.waitUntil(lambda: len(db_writes(simulator, 10)) == 1, timeout=TIMEOUT)
    assert db_writes(simulator, 10)[0].data == struct.pack(">h", int(dragged))
    polls_pass(qtbot, speed)
    assert len(db_writes(simulator, 10)) == 1  # exactly once
    assert struct.unpack(">h", simulator.read("DB", 10, 2, db=1))[0] == dragged
    assert speed.property("data") == dragged

    # Not held any more: it follows the PLC again.
    simulator.write("DB", 10, struct.pack(">h", 77), db=1)
    qtbot.waitUntil(lambda: slider.property("value") == 77, timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: child(setpoint, "spinText", kind=QObject).property("text") == "77", timeout=TIMEOUT
    )


def retype(qtbot, window, field, digits: str) -> None:
    """Click into ``field``, select all and type ``digits`` (not yet accepted)."""
    QTest.mouseClick(window, LEFT, NO_MOD, center(field))
    qtbot.waitUntil(lambda: field.property("activeFocus") is True, timeout=TIMEOUT)
    QTest.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for digit in digits:
        QTest.keyClick(window, Qt.Key(Qt.Key.Key_0.value + int(digit)))
    assert field.property("text") == digits


def test_setpoint_spin_box_writes_on_enter_only(qml, qtbot, simulator):
    simulator.write("DB", 10, struct.pack(">h", 40), db=1)
    variables = '        S7Variable { id: speed; objectName: "speed"; name: "DB1.DBW10:INT" }'
    window = show(qml, qtbot, window_source(SETPOINT, simulator.port, variables))
    setpoint, speed = child(window, "setpoint", kind=QObject), child(window, "speed", kind=QObject)
    text = child(setpoint, "spinText", kind=QObject)
    qtbot.waitUntil(lambda: text.property("text") == "40", timeout=TIMEOUT)

    retype(qtbot, window, text, "65")

    # While the user types, neither a write goes out nor does the PLC value replace the text.
    simulator.write("DB", 10, struct.pack(">h", 12), db=1)
    qtbot.waitUntil(lambda: speed.property("data") == 12, timeout=TIMEOUT)
    polls_pass(qtbot, speed)
    assert text.property("text") == "65"
    assert db_writes(simulator, 10) == []

    QTest.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(db_writes(simulator, 10)) == 1, timeout=TIMEOUT)
    assert db_writes(simulator, 10)[0].data == struct.pack(">h", 65)
    polls_pass(qtbot, speed)
    assert len(db_writes(simulator, 10)) == 1
    assert child(setpoint, "slider", kind=QObject).property("value") == 65

    # After Enter, it follows the PLC again.
    simulator.write("DB", 10, struct.pack(">h", 33), db=1)
    qtbot.waitUntil(lambda: text.property("text") == "33", timeout=TIMEOUT)

    # Leaving the field (Tab) commits the typed value too, once.
    QTest.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for key in (Qt.Key.Key_7, Qt.Key.Key_0):
        QTest.keyClick(window, key)
    QTest.keyClick(window, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: len(db_writes(simulator, 10)) == 2, timeout=TIMEOUT)
    assert db_writes(simulator, 10)[1].data == struct.pack(">h", 70)
    assert text.property("activeFocus") is False
    polls_pass(qtbot, speed)
    assert len(db_writes(simulator, 10)) == 2

    # Entering the value it already has writes nothing, and the field follows the PLC again.
    QTest.mouseClick(window, LEFT, NO_MOD, center(text))
    qtbot.waitUntil(lambda: text.property("activeFocus") is True, timeout=TIMEOUT)
    QTest.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for key in (Qt.Key.Key_7, Qt.Key.Key_0, Qt.Key.Key_Return):
        QTest.keyClick(window, key)
    simulator.write("DB", 10, struct.pack(">h", 44), db=1)
    qtbot.waitUntil(lambda: text.property("text") == "44", timeout=TIMEOUT)
    assert len(db_writes(simulator, 10)) == 2


def test_setpoint_with_decimals_writes_a_real(qml, qtbot, simulator):
    simulator.write("DB", 20, struct.pack(">f", 21.5), db=1)
    variables = '        S7Variable { id: temp; objectName: "temp"; name: "DB1.DBD20:REAL" }'
    widgets = """
        SetpointControl {
            objectName: "setpoint"; variable: temp; width: 400
            from: 0; to: 50; stepSize: 0.5; decimals: 1
        }
"""
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    setpoint = child(window, "setpoint", kind=QObject)
    text = child(setpoint, "spinText", kind=QObject)
    qtbot.waitUntil(lambda: text.property("text") == "21.5", timeout=TIMEOUT)
    spin = child(setpoint, "spinBox", kind=QObject)
    plus = spin.mapToScene(QPointF(spin.width() - 8, spin.height() / 2)).toPoint()  # the "+" button
    QTest.mouseClick(window, LEFT, NO_MOD, plus)
    qtbot.waitUntil(lambda: len(db_writes(simulator, 20)) == 1, timeout=TIMEOUT)
    assert struct.unpack(">f", db_writes(simulator, 20)[0].data)[0] == 22.0
    qtbot.waitUntil(lambda: text.property("text") == "22.0", timeout=TIMEOUT)


def test_setpoint_is_disabled_until_valid(qml, qtbot, closed_port):
    variables = '        S7Variable { id: speed; name: "DB1.DBW10:INT" }'
    window = show(qml, qtbot, window_source(SETPOINT, closed_port, variables))
    plc, setpoint = child(window, "plc", kind=QObject), child(window, "setpoint", kind=QObject)
    qtbot.waitUntil(lambda: plc.property("error") != 0, timeout=TIMEOUT)
    assert setpoint.property("interactive") is False
    assert child(setpoint, "slider", kind=QObject).property("enabled") is False
    assert child(setpoint, "spinBox", kind=QObject).property("enabled") is False
    assert child(setpoint, "spinText", kind=QObject).property("text") == "--"


def plus_button(setpoint: QObject) -> QPoint:
    spin = child(setpoint, "spinBox", kind=QObject)
    return spin.mapToScene(QPointF(spin.width() - 8, spin.height() / 2)).toPoint()


def test_a_setpoint_without_a_number_shows_dashes_and_writes_nothing(qml, qtbot):
    source = window_source(
        """
        SetpointControl {
            objectName: "setpoint"; width: 400; from: 0; to: 100
            property var log: []
            onSubmitted: newValue => log.push(newValue)
        }
"""
    )
    window = show(qml, qtbot, source)
    setpoint = child(window, "setpoint", kind=QObject)
    slider, text = (
        child(setpoint, "slider", kind=QObject),
        child(setpoint, "spinText", kind=QObject),
    )
    assert setpoint.property("valid") is True  # no variable: valid, but nothing to show
    assert text.property("text") == "--" and setpoint.property("displayText") == "--"
    assert slider.property("handle").property("visible") is False
    assert setpoint.property("interactive") is False

    # The operator tries every way in: +, the slider track, typing with Enter, the arrow keys.
    QTest.mouseClick(window, LEFT, NO_MOD, plus_button(setpoint))
    QTest.mouseClick(window, LEFT, NO_MOD, center(slider) + QPoint(int(slider.width() / 4), 0))
    QTest.mouseClick(window, LEFT, NO_MOD, center(text))
    for key in (Qt.Key.Key_5, Qt.Key.Key_Return, Qt.Key.Key_Up):
        QTest.keyClick(window, key)
    assert js(setpoint.property("log")) == []
    assert text.property("text") == "--"

    # With a value the same click writes: the dashes were what stopped it.
    setpoint.setProperty("value", 40)
    assert text.property("text") == "40"
    assert slider.property("handle").property("visible") is True
    QTest.mouseClick(window, LEFT, NO_MOD, plus_button(setpoint))
    assert js(setpoint.property("log")) == [41]


def test_a_setpoint_shows_dashes_while_the_plc_is_gone_and_drops_the_typed_value(
    qml, qtbot, simulator
):
    simulator.write("DB", 10, struct.pack(">h", 40), db=1)
    variables = '        S7Variable { id: speed; objectName: "speed"; name: "DB1.DBW10:INT" }'
    widgets = SETPOINT.replace(
        'unit: "%"', 'unit: "%"\n            property var log: []; onSubmitted: v => log.push(v)'
    )
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    setpoint, speed = child(window, "setpoint", kind=QObject), child(window, "speed", kind=QObject)
    slider, text = (
        child(setpoint, "slider", kind=QObject),
        child(setpoint, "spinText", kind=QObject),
    )
    qtbot.waitUntil(lambda: text.property("text") == "40", timeout=TIMEOUT)

    # Half-typed when the PLC goes away: the field shows "--", and the typed 65 goes nowhere.
    retype(qtbot, window, text, "65")
    simulator.stop()
    qtbot.waitUntil(lambda: setpoint.property("valid") is False, timeout=TIMEOUT)
    assert text.property("text") == "--"
    assert slider.property("handle").property("visible") is False
    QTest.keyClick(window, Qt.Key.Key_Return)
    QTest.mouseClick(window, LEFT, NO_MOD, plus_button(setpoint))
    assert text.property("text") == "--"

    simulator.start()
    qtbot.waitUntil(lambda: text.property("text") == "40", timeout=TIMEOUT)
    polls_pass(qtbot, speed)  # a write made before now would have landed by now
    assert js(setpoint.property("log")) == []
    assert db_writes(simulator, 10) == []
    assert struct.unpack(">h", simulator.read("DB", 10, 2, db=1))[0] == 40


@pytest.fixture
def unanswered_port():
    """A local port that takes connections into its backlog and never answers (a hung PLC)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def test_connection_badge_states(qml, qtbot, simulator, unanswered_port, closed_port):
    widgets = """
        ConnectionBadge { objectName: "up"; client: up }
        ConnectionBadge { objectName: "hanging"; client: hanging }
        ConnectionBadge { objectName: "refused"; client: refused }
"""
    clients = f"""
    S7Client {{ id: up; hostname: "127.0.0.1"; port: {simulator.port} }}
    S7Client {{ id: hanging; hostname: "127.0.0.1"; port: {unanswered_port} }}
    S7Client {{ id: refused; objectName: "client"; hostname: "127.0.0.1"; port: {closed_port} }}
"""
    source = window_source(widgets).replace("    Column {", clients + "    Column {", 1)
    window = show(qml, qtbot, source)
    up, hanging, refused = (child(window, n, kind=QObject) for n in ("up", "hanging", "refused"))

    qtbot.waitUntil(lambda: up.property("stateText") == "connected", timeout=TIMEOUT)
    assert child(up, "address", kind=QObject).property("text") == f"127.0.0.1:{simulator.port}"
    assert child(up, "error", kind=QObject).property("visible") is False

    qtbot.waitUntil(lambda: hanging.property("stateText") == "connecting...", timeout=TIMEOUT)
    assert (
        child(hanging, "address", kind=QObject).property("text") == f"127.0.0.1:{unanswered_port}"
    )

    qtbot.waitUntil(lambda: refused.property("errorText") != "", timeout=TIMEOUT)
    client = child(window, "client", kind=QObject)
    assert refused.property("errorText") == client.property("errorString")
    assert str(closed_port) in refused.property("errorText")
    assert child(refused, "error", kind=QObject).property("visible") is True
    assert child(refused, "error", kind=QObject).property("text") == refused.property("errorText")
    assert refused.property("stateText") in ("disconnected", "connecting...")


def test_trend_chart_collects_samples_and_marks_gaps(qml, qtbot, simulator):
    simulator.write("DB", 0, struct.pack(">h", 5), db=1)
    variables = '        S7Variable { id: flow; name: "DB1.DBW0:INT" }'
    widgets = """
        TrendChart {
            objectName: "trend"; variable: flow; span: 30; unit: "l/min"; width: 320; height: 160
        }
"""
    window = show(qml, qtbot, window_source(widgets, simulator.port, variables))
    trend = child(window, "trend", kind=QObject)

    def values() -> list[float]:
        return [s["v"] for s in js(trend.property("samples"))]

    qtbot.waitUntil(lambda: 5 in values(), timeout=TIMEOUT)
    assert trend.property("displayText") == "5.0"
    simulator.write("DB", 0, struct.pack(">h", 9), db=1)
    qtbot.waitUntil(lambda: 9 in values(), timeout=TIMEOUT)
    recorded = values()
    assert recorded.index(5) < recorded.index(9)
    simulator.stop()
    qtbot.waitUntil(lambda: math.isnan(values()[-1]), timeout=TIMEOUT)  # a gap while invalid
    assert trend.property("displayText") == "--"
    times = [s["t"] for s in js(trend.property("samples"))]
    assert times == sorted(times)


def test_a_magnified_trend_paints_at_the_magnified_resolution(qml, qtbot):
    # The demo zooms its page on large screens: a canvas painted at its own size would be
    # stretched there and look blurred next to the text.
    window = show(
        qml,
        qtbot,
        window_source(
            """
        Item {
            objectName: "zoomed"; width: 300; height: 150; scale: 1.5; transformOrigin: Item.TopLeft
            TrendChart { objectName: "trend"; anchors.fill: parent; value: 3 }
        }
"""
        ),
    )
    trend, zoomed = child(window, "trend", kind=QObject), child(window, "zoomed", kind=QObject)
    canvas = child(trend, "canvas", kind=QObject)
    plot = canvas.parentItem()
    qtbot.waitUntil(lambda: canvas.width() == pytest.approx(1.5 * plot.width()), timeout=TIMEOUT)
    shown_rect = canvas.mapRectToScene(QRectF(0, 0, canvas.width(), canvas.height()))
    assert shown_rect == plot.mapRectToScene(QRectF(0, 0, plot.width(), plot.height()))
    zoomed.setProperty("scale", 1)
    window.setProperty("width", 700)  # a resize is what makes a chart look again
    qtbot.waitUntil(lambda: canvas.width() == plot.width(), timeout=TIMEOUT)


def test_a_flat_trend_keeps_scrolling_and_drops_old_samples(qml, qtbot):
    window = show(
        qml,
        qtbot,
        window_source(
            '        TrendChart { objectName: "trend"; value: 3; span: 0.5; sampleInterval: 50 }'
        ),
    )
    trend = child(window, "trend", kind=QObject)
    started = time.time() * 1000
    # No value change at all: the timer keeps sampling ...
    qtbot.waitUntil(lambda: trend.property("sampleCount") >= 4, timeout=TIMEOUT)
    # ... and samples older than the span go (but the newest of those, the line's start).
    qtbot.waitUntil(lambda: js(trend.property("samples"))[1]["t"] > started + 500, timeout=TIMEOUT)
    samples = js(trend.property("samples"))
    assert all(s["v"] == 3 for s in samples)
    assert len(samples) <= 0.5 / 0.05 + 3
