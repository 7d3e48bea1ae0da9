"""``qml-s7 demo --gateway``: the demo panel through a broker, with real processes.

The tank on the simulator, the demo's gateway (``qml-s7 gateway demo/Gateway.qml``, a process
of its own, as the command starts it), a Mosquitto, and the panel of the demo with ``broker``
set: its variables use an S7RemoteClient, and the simulator sees the gateway's connection
only. Then the command itself: with a Mosquitto of its own or a given broker, and where
Mosquitto is missing.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest
from mqtt_support import accepts
from PySide6.QtCore import QObject, QPointF, Qt, QUrl
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from qml_s7.demo import PANEL
from qml_s7.demo.switch import ModeSwitch
from qtitems import child
from support import run_qml_s7

import qml_s7
from qml_s7.cli.demogateway import GATEWAY, NAME, GatewayProcess

REMOTE_PANEL = Path(__file__).resolve().parent.parent / "docs" / "remote-panel.qml"
TIMEOUT = 20_000  # the gateway is a Python process of its own: it takes a moment to start


@pytest.fixture
def gateway(simulator, tank, broker):
    """The demo's gateway process on the simulator with the tank, publishing to ``broker``."""
    process = GatewayProcess.for_demo(("127.0.0.1", simulator.port, 0, 1), broker.url)
    yield process
    assert process.stop() == 143  # SIGTERM: it ended as told, saying offline


@pytest.fixture
def remote_panel(qapp, qtbot, simulator, broker, gateway, tmp_path):
    """The demo's window as `qml-s7 demo --gateway` opens it."""
    engine = QQmlApplicationEngine()
    qml_s7.install(engine)
    switch = ModeSwitch(simulator)  # kept here: the window refers to it
    engine.setInitialProperties(
        {
            "plcHost": "127.0.0.1",
            "plcPort": simulator.port,
            "simulator": switch,
            "historyFile": str(tmp_path / "history.sqlite"),
            "broker": broker.url,
            "gateway": NAME,
        }
    )
    engine.load(QUrl.fromLocalFile(str(PANEL)))
    (window,) = engine.rootObjects()
    qtbot.waitUntil(window.isExposed, timeout=TIMEOUT)
    yield window
    del window
    del engine
    del switch


def real_of(simulator, start: int) -> float:
    return struct.unpack(">f", simulator.read("DB", start, 4, db=1))[0]


def test_the_panel_shows_the_tank_through_the_broker_on_the_gateways_one_link(
    remote_panel, qtbot, simulator, broker
):
    badge, level = child(remote_panel, "badge"), child(remote_panel, "levelDisplay")
    temperature = child(remote_panel, "temperatureDisplay")
    qtbot.waitUntil(lambda: badge.property("stateText") == "connected", timeout=TIMEOUT)
    assert badge.property("address") == f"127.0.0.1:{broker.port}"
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: temperature.property("valid") is True, timeout=TIMEOUT)
    # the tank at rest (pump, valve and heater off): the PLC's values, through the broker
    assert level.property("displayText") == f"{real_of(simulator, 2):.1f}" == "40.0"
    assert temperature.property("displayText") == f"{real_of(simulator, 6):.1f}"
    remote = remote_panel.findChild(QObject, "remote")
    assert type(remote).__name__ == "S7RemoteClient"
    for name in ("level", "temperature", "pump", "heartbeat"):
        variable = remote_panel.findChild(qml_s7.S7Variable, name)
        assert variable.property("client") is remote, name
    # The panel's own S7Client stays idle: the PLC sees one connection, the gateway's.
    assert remote_panel.findChild(QObject, "plc").property("connected") is False
    assert simulator.connection_count == 1
    assert remote_panel.property("title").endswith(
        f"on the gateway demo at 127.0.0.1:{broker.port}"
    )


def test_a_setpoint_written_on_the_panel_lands_in_the_plc(remote_panel, qtbot, simulator):
    control = child(remote_panel, "tempSetpointControl")
    setpoint = remote_panel.findChild(qml_s7.S7Variable, "tempSetpoint")
    qtbot.waitUntil(lambda: control.property("interactive") is True, timeout=TIMEOUT)
    before = control.property("value")
    assert before == real_of(simulator, 14) == 60.0
    spin = control.findChild(QQuickItem, "spinBox")
    # one step up (the + at the spin box's right end): a write request to the gateway
    point = spin.mapToScene(QPointF(spin.width() - 10, spin.height() / 2)).toPoint()
    with qtbot.waitSignal(setpoint.written, timeout=TIMEOUT):  # the gateway's answer: confirmed
        QTest.mouseClick(
            remote_panel, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
        )
    assert real_of(simulator, 14) == before + 1  # in the PLC before the panel was told
    assert setpoint.property("error") == 0
    assert simulator.connection_count == 1


@pytest.mark.parametrize("path", [GATEWAY, REMOTE_PANEL], ids=lambda p: p.name)
def test_the_gateway_files_and_the_remote_panel_lint_clean(path):
    result = run_qml_s7("lint", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr


# -- the command -----------------------------------------------------------------------------


def ended(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_command_runs_its_own_mosquitto_and_gateway_and_ends_both(tmp_path):
    shot = tmp_path / "demo.png"
    result = run_qml_s7(
        "demo", "--gateway", "--history", str(tmp_path / "h.sqlite"),
        "--screenshot", str(shot), "--delay", "1",
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert shot.is_file()
    port = int(re.search(r"Mosquitto \(\S+\) on mqtt://127\.0\.0\.1:(\d+)", out)[1])
    gateway_pid = int(re.search(r"gateway demo \(Gateway\.qml, process (\d+)\)", out)[1])
    assert "qml-s7 gateway: Gateway.qml: gateway demo, 1 PLC connection(s)" in out
    assert ended(gateway_pid)  # waited for: not a zombie of ours either
    assert not accepts(port)  # the demo's Mosquitto is gone with it


def test_the_command_uses_a_given_broker(tmp_path, broker):
    result = run_qml_s7(
        "demo", "--broker", broker.url, "--history", str(tmp_path / "h.sqlite"),
        "--screenshot", str(tmp_path / "demo.png"), "--delay", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mosquitto (" not in result.stdout  # none of its own
    assert "gateway demo (Gateway.qml" in result.stdout
    assert broker.running and accepts(broker.port)  # not ours to stop


def test_a_broker_url_that_is_none_is_refused():
    result = run_qml_s7("demo", "--broker", "http://127.0.0.1:1883")
    assert result.returncode == 2
    assert result.stderr.startswith("qml-s7: --broker: ")


def test_missing_mosquitto_says_how_to_install_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    # no mosquitto on PATH, nor in the folders searched beside it (/usr/sbin, /usr/local/sbin)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PATH": str(empty),
        "QML_S7_MOSQUITTO_DIRS": str(empty),
    }
    result = run_qml_s7("demo", "--gateway", env=env)
    assert result.returncode == 1
    assert "Mosquitto is not installed" in result.stderr
    assert "sudo apt-get install mosquitto" in result.stderr
    assert "--broker mqtt://HOST:PORT" in result.stderr
    assert "simulator" not in result.stdout  # said before anything started


def test_mosquitto_is_found_beside_path(tmp_path, monkeypatch):
    from qml_s7.cli.demogateway import find_mosquitto

    sbin = tmp_path / "sbin"
    sbin.mkdir()
    program = sbin / "mosquitto"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("QML_S7_MOSQUITTO_DIRS", f"{tmp_path / 'nowhere'}{os.pathsep}{sbin}")
    assert find_mosquitto() == str(program)
    monkeypatch.setenv("PATH", str(sbin))
    assert find_mosquitto() == str(program)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("QML_S7_MOSQUITTO_DIRS", "")
    assert find_mosquitto() is None
