"""The Qt processes of ``bench/gateway.py``: a gateway and a panel, steered by JSON lines.

    python bench/gwproc.py gateway --sim-port P --broker URL [--variables 1000] [--interval 500]
    python bench/gwproc.py panel (--broker URL | --sim-port P) [--variables 1000] [--interval 500]

Both declare the variables of ``common.make_vars(--variables, --seed)`` and the probe
``DB<--probe-db>.DBD0:DINT`` (the simulator's ticker writes it) in a QML file of the kind a
user writes:

- ``gateway``: an S7Client polling them every ``--interval`` ms and an ``S7Gateway { name:
  "bench" }`` publishing them, as ``qml-s7 gateway`` runs it (offscreen, QGuiApplication);
- ``panel``: the same variables under an ``S7RemoteClient { gateway: "bench" }`` (with
  ``--broker``) or under an S7Client of its own polling the simulator (with ``--sim-port``).
  Every variable counts its changes (``onDataChanged: root.changes++``, what a binding of a
  widget costs); the probe notes CLOCK_MONOTONIC in Python when its value changes.

Prints ``{"pid": N}`` once loaded, then one JSON answer per command line; exits when stdin
closes. Commands: ``status`` (``connected``, ``valid`` variables, ``changes`` heard; the
gateway's ``published`` messages), ``seen`` (probe value -> CLOCK_MONOTONIC of its change),
``clear`` (forget both), ``stall_start`` / ``stall_stop`` (a 1 ms PreciseTimer on the event
loop; ``stall_stop`` answers its gaps: ``ticks``, ``median``, ``p99``, ``max`` ms and
``over16``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from gui_stall import Ticker
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlEngine

import qml_s7
from qml_s7.session.session import shutdown_all

NAME = "bench"  # the gateway's name


def variables_qml(args: argparse.Namespace, counted: bool) -> str:
    handler = "; onDataChanged: root.changes++" if counted else ""
    lines = [
        f'        S7Variable {{ name: "{v.name}"{handler} }}'
        for v in common.make_vars(args.variables, args.seed)
    ]
    probe = f"DB{args.probe_db}.DBD0:DINT"
    lines.append(
        f'        S7Variable {{ objectName: "probe"; name: "{probe}"; '
        "onDataChanged: recorder.changed(data) }"
    )
    return "\n".join(lines)


def gateway_qml(args: argparse.Namespace) -> str:
    return f"""
import QtQml
import QmlS7
Object {{
    id: root
    property int changes: 0
    S7Client {{
        hostname: "127.0.0.1"; port: {args.sim_port}; pollInterval: {args.interval}
        connectionType: S7Client.OP
{variables_qml(args, counted=False)}
    }}
    S7Gateway {{ objectName: "gateway"; broker: "{args.broker}"; name: "{NAME}" }}
}}"""


def panel_qml(args: argparse.Namespace) -> str:
    if args.broker:
        client = (
            f'S7RemoteClient {{ objectName: "client"; broker: "{args.broker}"; gateway: "{NAME}"'
        )
    else:
        client = (
            f'S7Client {{ objectName: "client"; hostname: "127.0.0.1"; port: {args.sim_port}; '
            f"pollInterval: {args.interval}; connectionType: S7Client.OP"
        )
    return f"""
import QtQml
import QmlS7
Object {{
    id: root
    property int changes: 0
    {client}
{variables_qml(args, counted=True)}
    }}
}}"""


class Recorder(QObject):
    """The probe's changes: value -> CLOCK_MONOTONIC (first time each value is seen)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[int, float] = {}

    @Slot("QVariant")
    def changed(self, value: Any) -> None:
        now = common.mono()
        if isinstance(value, int | float):
            self.seen.setdefault(int(value), now)


def stalls(gaps: list[float]) -> dict[str, Any]:
    """The figures of a Ticker's gaps between its 1 ms firings."""
    s = common.summary(gaps)
    return {
        "ticks": len(gaps),
        "median": s["median"],
        "p99": s["p99"],
        "max": s["max"],
        "over16": sum(g > 16 for g in gaps),
    }


class Control(QObject):
    """Answers the command lines a thread reads from stdin, on the event loop's thread."""

    line = Signal(str)

    def __init__(self, app: QGuiApplication, root: QObject, recorder: Recorder) -> None:
        super().__init__()
        self.app = app
        self.root = root
        self.recorder = recorder
        self.stalls = Ticker()
        self.variables = root.findChildren(qml_s7.S7Variable)
        self.client = root.findChild(QObject, "client")
        self.gateway = root.findChild(QObject, "gateway")
        self.line.connect(self.handle, Qt.ConnectionType.QueuedConnection)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for text in sys.stdin:
            if text.strip():
                self.line.emit(text)
        self.line.emit("")  # stdin closed: end

    @Slot(str)
    def handle(self, text: str) -> None:
        if not text:
            self.app.quit()
            return
        request = json.loads(text)
        try:
            answer = getattr(self, "cmd_" + request.pop("cmd"))(**request)
        except Exception as exc:  # report, keep serving
            answer = {"error": repr(exc)}
        print(json.dumps(answer), flush=True)

    def cmd_status(self) -> dict[str, Any]:
        valid = sum(1 for v in self.variables if v.valid)
        answer = {"valid": valid, "changes": self.root.property("changes")}
        if self.gateway is not None:
            answer["connected"] = bool(self.gateway.property("connected"))
            answer["published"] = int(self.gateway.property("published"))
        else:
            answer["connected"] = bool(self.client.property("connected"))
        return answer

    def cmd_seen(self) -> dict[str, Any]:
        return {"seen": {str(k): v for k, v in self.recorder.seen.items()}}

    def cmd_clear(self) -> dict[str, Any]:
        self.recorder.seen.clear()
        self.root.setProperty("changes", 0)
        return {"ok": True}

    def cmd_stall_start(self) -> dict[str, Any]:
        self.stalls.start()
        return {"ok": True}

    def cmd_stall_stop(self) -> dict[str, Any]:
        return stalls(self.stalls.stop())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("gateway", "panel"))
    parser.add_argument("--broker", default="", help="mqtt://127.0.0.1:PORT")
    parser.add_argument("--sim-port", type=int, default=0)
    parser.add_argument("--variables", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=500, help="poll interval, ms")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--probe-db", type=int, default=6)
    args = parser.parse_args()
    app = QGuiApplication(sys.argv[:1])
    engine = QQmlEngine()
    recorder = Recorder()
    engine.rootContext().setContextProperty("recorder", recorder)
    source = gateway_qml(args) if args.role == "gateway" else panel_qml(args)
    root = common.create_qml(engine, source, f"{args.role}.qml")
    control = Control(app, root, recorder)
    print(json.dumps({"pid": os.getpid()}), flush=True)
    app.aboutToQuit.connect(shutdown_all)
    code = app.exec()
    del control
    root.deleteLater()
    return code


if __name__ == "__main__":
    sys.exit(main())
