"""A Python host reads QML properties typed with our types: the objects come back, not errors."""

from __future__ import annotations

from qml_s7 import S7Client, S7Variable, pointers

PANEL = """
import QtQuick
import QmlS7
Item {
    property alias setpointVar: setpoint
    property S7Variable levelVar: level
    property S7Client plcProp: plc
    property S7Variable nothing: null
    property list<S7Variable> all: [level, setpoint]
    S7Client {
        id: plc; hostname: "127.0.0.1"; port: %d; pollInterval: 50
        S7Variable { id: level; objectName: "level"; name: "DB1.DBD2:REAL" }
        S7Variable { id: setpoint; objectName: "setpoint"; name: "DB1.DBD14:REAL" }
    }
}
"""


def test_the_converter_symbols_exist_in_this_pyside():
    # What makes the rest work; a PySide6 release that drops them fails here first.
    assert pointers.register(S7Variable) is True


def test_typed_properties_and_aliases_read_as_the_objects(qml, qtbot, simulator):
    root = qml(PANEL % simulator.port)
    level = root.findChild(S7Variable, "level")
    setpoint = root.findChild(S7Variable, "setpoint")
    assert root.property("levelVar") is level
    assert root.property("setpointVar") is setpoint
    assert isinstance(root.property("plcProp"), S7Client)
    assert root.property("nothing") is None
    simulator.write("DB", 2, bytes.fromhex("42480000"), db=1)  # 50.0
    qtbot.waitUntil(lambda: root.property("levelVar").property("data") == 50.0, timeout=10_000)


def test_a_host_assigns_a_typed_property_and_writes_through_it(qml, qtbot, simulator):
    root = qml(PANEL % simulator.port)
    setpoint = root.findChild(S7Variable, "setpoint")
    root.setProperty("levelVar", setpoint)
    assert root.property("levelVar") is setpoint
    plc = root.property("plcProp")
    qtbot.waitUntil(lambda: plc.property("connected") is True, timeout=10_000)
    qtbot.waitUntil(lambda: setpoint.property("valid") is True, timeout=10_000)
    with qtbot.waitSignal(setpoint.written, timeout=10_000):
        root.property("levelVar").setProperty("data", 65.5)
    assert simulator.read("DB", 14, 4, db=1) == bytes.fromhex("42830000")
