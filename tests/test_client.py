"""S7Client through the QML engine against the simulator and local misbehaving peers."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import time

import pytest
from PySide6.QtCore import QTimer

from qml_s7 import S7Client
from qml_s7.core.errors import ClientError
from qml_s7.link.machine import LinkParams

TIMEOUT = 10_000
# The identity the simulator reports by default (SZL 0x001C).
MODULE = MODULE_TYPE = "CPU 1516-3 PN/DP"
SERIAL = "S QS-SIM00001"


def client_qml(port: int, extra: str = "") -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{ hostname: "127.0.0.1"; port: {port}; {extra} }}
"""


def wait_connected(qtbot, client, value: bool = True) -> None:
    qtbot.waitUntil(lambda: client.property("connected") is value, timeout=TIMEOUT)


def test_documented_defaults_hold_before_connecting(qapp):
    client = S7Client()  # not complete: it has not tried to connect yet
    expected = {
        "autoConnect": True,
        "byteOrder": 0,
        "connected": False,
        "connectionType": 1,
        "error": 0,
        "errorString": "",
        "hostname": "",
        "localTsap": 256,
        "moduleName": "",
        "moduleTypeName": "",
        "port": 102,
        "rack": 0,
        "remoteTsap": 0,
        "serialNumber": "",
        "slot": 0,
        "objectId": "",
    }
    assert {name: client.property(name) for name in expected} == expected
    client.deleteLater()


def test_an_empty_hostname_is_an_invalid_parameter_once_complete(qml, qtbot, simulator):
    client = qml("import QmlS7\nS7Client {}")  # autoConnect, no hostname
    assert client.property("error") == ClientError.InvalidParam
    assert "hostname is empty" in client.property("errorString")
    assert client.property("connected") is False
    client.setProperty("port", simulator.port)  # still no hostname: nothing to try
    assert client.property("connecting") is False
    client.setProperty("hostname", "127.0.0.1")  # now it has one: it connects
    wait_connected(qtbot, client)
    assert client.property("error") == ClientError.NoError


def test_every_enum_value_reads_from_qml(qml):
    names = [e.name for e in ClientError] + ["BigEndian", "LittleEndian", "PG", "OP", "Basic"]
    body = "\n".join(f"    property int v_{n}: S7Client.{n}" for n in names)
    obj = qml(f"import QtQml\nimport QmlS7\nQtObject {{\n{body}\n}}")
    values = {n: obj.property(f"v_{n}") for n in names}
    assert values == {
        **{e.name: e.value for e in ClientError},
        "BigEndian": 0,
        "LittleEndian": 1,
        "PG": 1,
        "OP": 2,
        "Basic": 3,
    }
    assert len(ClientError) == 52
    assert values["CannotChangeParam"] == 39845888 and values["InvalidObject"] == -2


def test_connects_to_the_simulator_and_shows_cpu_identity(qml, qtbot, simulator):
    client = qml(client_qml(simulator.port))
    wait_connected(qtbot, client)
    assert client.property("moduleName") == MODULE
    assert client.property("moduleTypeName") == MODULE_TYPE
    assert client.property("serialNumber") == SERIAL
    assert client.property("error") == ClientError.NoError
    assert client.property("pduLength") > 0


def test_identity_clears_on_disconnect_and_connected_is_writable(qml, qtbot, simulator):
    client = qml(client_qml(simulator.port))
    wait_connected(qtbot, client)
    with qtbot.waitSignal(client.connectedChanged, timeout=TIMEOUT):
        client.setProperty("connected", False)
    assert client.property("moduleName") == ""
    assert client.property("serialNumber") == ""
    # autoConnect does not undo an explicit disconnect.
    with qtbot.assertNotEmitted(client.connectedChanged, wait=1500):
        pass
    client.setProperty("connected", True)
    wait_connected(qtbot, client)
    assert client.property("moduleName") == MODULE


def test_without_auto_connect_nothing_happens_until_asked(qml, qtbot, simulator):
    client = qml(client_qml(simulator.port, "autoConnect: false"))
    with qtbot.assertNotEmitted(client.connectedChanged, wait=500):
        pass
    client.connectToHost()
    wait_connected(qtbot, client)


def test_refused_connection_gives_connect_error(qml, qtbot, closed_port):
    client = qml(client_qml(closed_port, "autoConnect: false"))
    with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
        client.connectToHost()
    assert client.property("error") == ClientError.ConnectError
    assert f"127.0.0.1:{closed_port}" in client.property("errorString")
    assert "rack 0, slot 0" in client.property("errorString")
    assert client.property("connected") is False


def test_errors_repeat_through_error_occurred(qml, qtbot, closed_port):
    client = qml(client_qml(closed_port, "autoConnect: true; reconnectInterval: 250"))
    errors: list[int] = []
    client.errorOccurred.connect(lambda: errors.append(client.property("error")))
    changes: list[int] = []
    client.errorChanged.connect(lambda: changes.append(client.property("error")))
    qtbot.waitUntil(lambda: len(errors) >= 3, timeout=TIMEOUT)
    assert set(errors) == {ClientError.ConnectError}
    assert changes == [ClientError.ConnectError]  # error changes once, occurs every time


@pytest.mark.parametrize(
    ("props", "reason"),
    [
        ("port: 0", "port 0 is outside 1..65535"),
        ("port: 70000", "port 70000 is outside 1..65535"),
        ("rack: 8", "rack 8 is outside 0..7"),
        ("rack: -1", "rack -1 is outside 0..7"),
        ("slot: 32", "slot 32 is outside 0..31"),
        ("hostname: ''", "hostname is empty"),
        ("localTsap: 70000", "localTsap 70000 is outside 0..65535"),
        ("connectionType: 7", "connectionType 7 is not PG, OP or Basic"),
    ],
)
def test_bad_parameters_give_invalid_param(qml, qtbot, props, reason):
    defaults = {"hostname": '"127.0.0.1"', "port": "1102"}
    key = props.split(":")[0]
    rest = "; ".join(f"{k}: {v}" for k, v in defaults.items() if k != key)
    client = qml(f"import QmlS7\nS7Client {{ autoConnect: false; {rest}; {props} }}")
    with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
        client.connectToHost()
    assert client.property("error") == ClientError.InvalidParam
    assert reason in client.property("errorString")
    assert client.property("connected") is False


def test_silent_plc_times_out_while_the_gui_keeps_running(qml, qtbot, silent_peer):
    client = qml(client_qml(silent_peer.port, "autoConnect: false; connectTimeout: 1000"))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
        client.connectToHost()
        qtbot.waitUntil(lambda: client.property("connecting"), timeout=TIMEOUT)
    timer.stop()
    assert client.property("error") == ClientError.JobTimeout
    assert "no answer within 1000 ms" in client.property("errorString")
    assert client.property("connected") is False
    assert client.property("connecting") is False
    assert silent_peer.accepted, "the client never reached the silent peer"
    # The main-thread timer kept firing through the whole blocked connect.
    during = [t for t in ticks if t - started < 0.9]
    assert len(during) >= 10
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.5


def test_simulator_stop_disconnects_and_auto_connect_reconnects(qml, qtbot, simulator):
    client = qml(client_qml(simulator.port))
    wait_connected(qtbot, client)
    with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
        simulator.stop()
    wait_connected(qtbot, client, False)
    assert client.property("error") != ClientError.NoError
    assert client.property("moduleName") == ""
    simulator.start()
    wait_connected(qtbot, client)
    assert client.property("error") == ClientError.NoError


def test_without_auto_connect_a_lost_link_stays_down(qml, qtbot, simulator):
    client = qml(
        client_qml(simulator.port, "autoConnect: false; Component.onCompleted: connectToHost()")
    )
    wait_connected(qtbot, client)
    with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
        simulator.stop()
    wait_connected(qtbot, client, False)
    simulator.start()
    with qtbot.assertNotEmitted(client.connectedChanged, wait=2000):
        pass
    assert client.property("connected") is False


def test_destroying_a_client_during_connect_stops_its_thread(qml, qtbot, silent_peer):
    client = qml(client_qml(silent_peer.port, "connectTimeout: 30000"))
    qtbot.waitUntil(lambda: bool(silent_peer.accepted), timeout=TIMEOUT)
    worker = client.session.thread
    assert worker.isRunning()
    client.deleteLater()
    qtbot.waitUntil(lambda: worker.isFinished(), timeout=TIMEOUT)


QUIT_DURING_CONNECT = textwrap.dedent(
    """
    import os, socket, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer, QUrl
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtQml import QQmlApplicationEngine
    import qml_s7
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    port = listener.getsockname()[1]
    app = QGuiApplication(sys.argv)
    engine = QQmlApplicationEngine()
    engine.loadData(
        b'import QtQml\\nimport QmlS7\\nS7Client { hostname: "127.0.0.1"; port: %d;'
        b' connectTimeout: 60000; onConnectingChanged: if (connecting) Qt.quit() }' % port
    )
    assert engine.rootObjects()
    sys.exit(app.exec())
    """
)


def test_quitting_the_application_during_connect_exits_cleanly():
    result = subprocess.run(
        [sys.executable, "-c", QUIT_DURING_CONNECT],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "QThread" not in result.stderr
    assert "Traceback" not in result.stderr


def test_remote_tsap_is_derived_unless_set():
    assert LinkParams("h", connection_type=1, rack=0, slot=1).derived_remote_tsap == 0x0101
    assert LinkParams("h", connection_type=2, rack=0, slot=2).derived_remote_tsap == 0x0202
    assert LinkParams("h", connection_type=3, rack=1, slot=3).derived_remote_tsap == 0x0323
    assert LinkParams("h", remote_tsap=0x4D57, rack=1, slot=3).derived_remote_tsap == 0x4D57


@pytest.mark.parametrize(
    ("props", "local", "remote"),
    [
        ("rack: 0; slot: 2", 0x0100, 0x0102),
        ("connectionType: S7Client.OP; rack: 1; slot: 3", 0x0100, 0x0223),
        ("localTsap: 0x1000; remoteTsap: 0x4D57", 0x1000, 0x4D57),
    ],
)
def test_tsaps_on_the_wire(qml, qtbot, silent_peer, props, local, remote):
    """The COTP connection request carries the TSAPs the properties say."""
    qml(client_qml(silent_peer.port, f"connectTimeout: 30000; {props}"))
    qtbot.waitUntil(lambda: len(silent_peer.received) >= 22, timeout=TIMEOUT)
    frame = bytes(silent_peer.received)
    assert frame[5] == 0xE0  # COTP connection request
    assert bytes([0xC1, 2]) + local.to_bytes(2, "big") in frame
    assert bytes([0xC2, 2]) + remote.to_bytes(2, "big") in frame


@pytest.mark.parametrize("granted", [1, 2, 8])
def test_parallel_jobs_are_what_the_plc_granted(qml, qtbot, granted):
    from qml_s7.simulator import Simulator

    with Simulator(parallel_jobs=granted) as sim:
        client = qml(client_qml(sim.port))
        wait_connected(qtbot, client)
        assert client.property("parallelJobs") == granted
        with qtbot.waitSignal(client.connectedChanged, timeout=TIMEOUT):
            client.disconnectFromHost()
        assert client.property("parallelJobs") == 0
