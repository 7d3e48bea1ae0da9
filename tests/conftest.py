"""Shared fixtures: a real simulator on 127.0.0.1, local misbehaving peers, a QML engine."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Whatever a test saves where an application keeps its data (QStandardPaths: S7History's
# default file) lands in a folder of this run, never in the user's home.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="qml-s7-tests-data-")

import pytest
import shiboken6
from mqtt_support import broker  # noqa: F401  (the fixture: a Mosquitto of the test's own)
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QUrl
from PySide6.QtQml import QQmlApplicationEngine, QQmlComponent, QQmlEngine
from qml_s7.demo import PANEL
from qml_s7.demo.switch import ModeSwitch

import qml_s7
from qml_s7.simulator import Simulator
from qml_s7.simulator.process import TankProcess


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """A running PLC simulator on 127.0.0.1 and a free port."""
    sim = Simulator()
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def tank(simulator):
    """The simulator of ``qml-s7-sim --process``: the tank at its initial state, running."""
    process = TankProcess(simulator)
    process.reset()
    process.start()
    yield process
    process.stop()


@pytest.fixture
def demo_panel(qapp, qtbot, simulator, tank, tmp_path):
    """The demo's window, on the simulator with the tank (and its CPU's mode switch), its
    history in a file of its own."""
    engine = QQmlApplicationEngine()
    qml_s7.install(engine)
    switch = ModeSwitch(simulator)  # as `qml-s7 demo` gives it, for the PLC page
    engine.setInitialProperties(
        {
            "plcHost": "127.0.0.1",
            "plcPort": simulator.port,
            "simulator": switch,
            "historyFile": str(tmp_path / "history.sqlite"),
        }
    )
    engine.load(QUrl.fromLocalFile(str(PANEL)))
    (window,) = engine.rootObjects()
    qtbot.waitUntil(window.isExposed, timeout=10_000)
    yield window
    del window
    del engine  # as the application does at exit: the engine takes its objects with it


class SilentPeer:
    """A local socket that accepts connections and never answers (a hanging PLC)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.received = bytearray()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn: socket.socket) -> None:
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.received += data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self._listener.close()
        for conn in self.accepted:
            conn.close()
        self._thread.join(timeout=5)


@pytest.fixture
def silent_peer() -> Iterator[SilentPeer]:
    peer = SilentPeer()
    yield peer
    peer.close()


@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def qml(qapp, qtbot):
    """Build a QML object from source text; fails the test on any QML error."""
    engine = QQmlEngine()
    qml_s7.install(engine)
    created: list[QObject] = []
    components: list[QQmlComponent] = []

    def load(source: str) -> QObject:
        component = QQmlComponent(engine)
        component.setData(source.encode(), QUrl("inline.qml"))
        obj = component.create()
        errors = [error.toString() for error in component.errors()]
        assert obj is not None and not errors, errors
        QQmlEngine.setObjectOwnership(obj, QQmlEngine.ObjectOwnership.CppOwnership)
        created.append(obj)
        components.append(component)
        return obj

    yield load
    for obj in created:
        if shiboken6.isValid(obj):
            obj.deleteLater()
    del created[:]
    engine.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["XDG_DATA_HOME"], ignore_errors=True)
