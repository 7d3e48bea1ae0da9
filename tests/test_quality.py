"""The quality of a value and the CPU's state, through QML against the simulator."""

from __future__ import annotations

import queue
import re
import struct
import subprocess
import sys
import threading
from pathlib import Path

from qml_s7.core.quality import TABLE, Quality, Severity, describe, severity

TIMEOUT = 10_000
Q = Quality


def panel(port: int, extra: str = "", client: str = "") -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    hostname: "127.0.0.1"; port: {port}; pollInterval: 50; autoConnect: false
    connectTimeout: 500; requestTimeout: 500; reconnectInterval: 250
    {client}
    S7Variable {{ objectName: "level"; name: "DB1.DBD2:REAL" }}
{extra}
}}
"""


def named(client, name: str):
    return next(o for o in client.childObjects() if o.objectName() == name)


def wait_quality(qtbot, variable, quality: Quality) -> None:
    qtbot.waitUntil(lambda: variable.property("quality") == quality, timeout=TIMEOUT)


def test_docs_quality_md_shows_the_table_of_the_code():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "QUALITY.md").read_text()
    rows = [line for line in doc.splitlines() if re.match(r"\| `\w+` \| 0x[0-9A-F]{2} \|", line)]
    expected = [
        f"| `{i.quality.name}` | 0x{int(i.quality):02X} | {severity(i.quality).name.lower()} "
        f"| {i.opc_ua} (0x{i.opc_ua_code:08X}) | {i.meaning} |"
        for i in TABLE
    ]
    assert rows == expected


def test_the_severity_is_in_the_top_two_bits():
    assert [severity(q) for q in (0x00, 0x3F, 0x40, 0x7F, 0x80, 0xC0)] == [
        Severity.Bad,
        Severity.Bad,
        Severity.Uncertain,
        Severity.Uncertain,
        Severity.Good,
        Severity.Good,
    ]
    assert {info.quality for info in TABLE} == set(Quality)  # one row for every code
    assert describe(0x9C) == "good (quality 0x9C)"


def test_quality_through_connect_first_read_loss_reconnect(qml, qtbot, simulator):
    simulator.write("DB", 2, struct.pack(">f", 12.5), db=1)
    client = qml(panel(simulator.port))
    level = named(client, "level")
    assert level.property("quality") == Q.BadNotConnected
    assert level.property("qualityString") == "not connected"
    assert level.property("valid") is False
    seen: list[int] = []
    level.qualityChanged.connect(lambda: seen.append(level.property("quality")))
    client.connectToHost()
    wait_quality(qtbot, level, Q.Good)
    assert seen == [Q.BadWaitingForInitialData, Q.Good]
    assert level.property("valid") is True and level.property("data") == 12.5

    client.setProperty("autoConnect", True)  # reconnect after the loss
    simulator.stop()  # the link breaks: the last value stays, its quality says so
    wait_quality(qtbot, level, Q.BadNoCommunicationLastUsable)
    assert level.property("data") == 12.5 and level.property("valid") is False
    simulator.start()  # reconnects, reads again
    wait_quality(qtbot, level, Q.Good)
    assert level.property("valid") is True


def test_a_link_lost_before_any_value_is_no_communication(qml, qtbot, simulator):
    extra = '    S7Variable { objectName: "idle"; name: "DB1.DBW40"; enabled: false }'
    client = qml(panel(simulator.port, extra))
    idle, level = named(client, "idle"), named(client, "level")
    assert idle.property("quality") == Q.BadOutOfService  # disabled: nothing is read
    client.connectToHost()
    wait_quality(qtbot, level, Q.Good)
    assert idle.property("quality") == Q.BadOutOfService
    idle.setProperty("enabled", True)
    wait_quality(qtbot, idle, Q.Good)
    idle.setProperty("enabled", False)
    assert idle.property("quality") == Q.BadOutOfService


def test_a_refused_address_is_a_configuration_error(qml, qtbot, simulator):
    extra = (
        '    S7Variable { objectName: "missing"; name: "DB77.DBW0" }\n'
        '    S7Variable { objectName: "typo"; name: "DB1.DBX0.9" }'
    )
    client = qml(panel(simulator.port, extra))
    missing, typo = named(client, "missing"), named(client, "typo")
    assert typo.property("quality") == Q.BadConfigurationError  # the name is no address
    client.connectToHost()
    wait_quality(qtbot, missing, Q.BadConfigurationError)  # the PLC has no DB77
    assert named(client, "level").property("quality") == Q.Good


def test_a_cpu_in_stop_makes_values_uncertain(qml, qtbot, simulator):
    client = qml(panel(simulator.port))
    level = named(client, "level")
    client.connectToHost()
    qtbot.waitUntil(lambda: client.property("cpuState") == 8, timeout=TIMEOUT)  # Run
    wait_quality(qtbot, level, Q.Good)
    simulator.set_cpu_state("STOP")  # the next check (every second) says so
    qtbot.waitUntil(lambda: client.property("cpuState") == 4, timeout=TIMEOUT)
    wait_quality(qtbot, level, Q.UncertainLastUsableValue)
    assert level.property("valid") is False and level.property("data") is not None
    simulator.set_cpu_state("RUN")
    qtbot.waitUntil(lambda: client.property("cpuState") == 8, timeout=TIMEOUT)
    wait_quality(qtbot, level, Q.Good)
    client.disconnectFromHost()
    qtbot.waitUntil(lambda: client.property("cpuState") == 0, timeout=TIMEOUT)  # Unknown


def test_the_simulator_command_switches_its_cpu(qml, qtbot):
    command = [sys.executable, "-m", "qml_s7.simulator", "--port", "0", "--stop"]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as proc:
        lines: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None and proc.stdin is not None
        stdout = proc.stdout
        threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True).start()
        first = lines.get(timeout=60)
        assert "CPU in STOP" in first
        port = int(first.split(":")[1].split(",")[0])
        client = qml(panel(port))
        client.connectToHost()
        qtbot.waitUntil(lambda: client.property("cpuState") == 4, timeout=TIMEOUT)
        proc.stdin.write("run\n")
        proc.stdin.flush()
        assert lines.get(timeout=30).strip() == "qml-s7 simulator: CPU in RUN"
        qtbot.waitUntil(lambda: client.property("cpuState") == 8, timeout=TIMEOUT)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=30) == 0


WIDGETS = """
import QtQuick
import QmlS7
import QmlS7.Controls
Window {
    width: 420; height: 160; visible: true
    S7Client {
        id: plc; objectName: "plc"; hostname: "127.0.0.1"; port: %d; pollInterval: 50
        reconnectInterval: 250
        S7Variable { id: level; name: "DB1.DBD2:REAL" }
    }
    Column {
        NumericDisplay { objectName: "display"; label: "Level"; variable: level }
        ConnectionBadge { objectName: "badge"; client: plc }
    }
}
"""


def test_widgets_show_good_uncertain_and_bad_differently(qml, qtbot, simulator):
    from PySide6.QtQuick import QQuickItem

    simulator.write("DB", 2, struct.pack(">f", 42.5), db=1)
    window = qml(WIDGETS % simulator.port)
    display = window.findChild(QQuickItem, "display")
    badge = window.findChild(QQuickItem, "badge")
    mark = display.findChild(QQuickItem, "uncertainMark")
    qtbot.waitUntil(lambda: display.property("displayText") == "42.5", timeout=TIMEOUT)
    assert mark.property("visible") is False and display.property("reason") == ""
    assert badge.property("cpuText") == "RUN"
    simulator.set_cpu_state("STOP")  # uncertain: shown, and marked
    qtbot.waitUntil(lambda: mark.property("visible") is True, timeout=TIMEOUT)
    assert display.property("displayText") == "42.5"
    assert "STOP" in display.property("reason")
    assert badge.property("cpuText") == "STOP"
    simulator.stop()  # bad: greyed, the reason on hover
    qtbot.waitUntil(lambda: display.property("displayText") == "--", timeout=TIMEOUT)
    assert mark.property("visible") is False
    assert display.property("reason") != ""
    assert badge.property("cpuText") == ""
