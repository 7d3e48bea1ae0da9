"""``qml-s7 gateway FILE.qml``: run a gateway's QML file without a window until told to stop.

The file declares S7Clients with their variables and at least one S7Gateway. It runs under
the offscreen platform (no display needed; a root Item is never shown) until Ctrl+C or
SIGTERM, which end it cleanly with status 130 or 143: the gateways say ``offline`` and
disconnect, the clients' I/O threads stop. Each PLC link going up or down is printed as it
happens; the gateways say themselves when they connect to the broker, lose it, or go
offline (the qml_s7 log, which the command prints).
"""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from ..qmltypes.client import S7Client
from ..qmltypes.gateway import S7Gateway
from ..session.session import shutdown_all
from .runner import ExitOnSignals, load


def _say(text: str) -> None:
    print(f"qml-s7: {text}", flush=True)


def _found(root: QObject, cls: type[QObject]) -> list[Any]:
    return ([root] if isinstance(root, cls) else []) + root.findChildren(cls)


def _link(client: S7Client) -> None:
    where = f"{client.hostname}:{client.port}"
    _say(f"PLC {where}: link {'up' if client.connected else 'down'}")


def run(path: Path, properties: dict[str, Any]) -> int:
    """Run the gateway file ``path``; the exit status (2: no S7Gateway in it)."""
    if not path.is_file():
        print(f"qml-s7: no such file: {path}", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the QML may import QtQuick
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    signals = ExitOnSignals(app)
    try:
        loaded = load(path, properties)
        if isinstance(loaded, int):
            return loaded
        engine, root, _printer = loaded
        gateways = _found(root, S7Gateway)
        if not gateways:
            print(
                f"qml-s7: {path.name} declares no S7Gateway: add one, e.g. "
                'S7Gateway { broker: "mqtt://127.0.0.1:1883"; name: "line1" }',
                file=sys.stderr,
            )
            return 2
        clients = _found(root, S7Client)
        for client in clients:
            client.connectedChanged.connect(partial(_link, client))
        names = ", ".join(g.name or "(no name)" for g in gateways)
        _say(f"{path.name}: gateway {names}, {len(clients)} PLC connection(s); Ctrl+C ends it")
        app.aboutToQuit.connect(shutdown_all)
        status = app.exec()  # each gateway says offline as the application quits
        del engine
        return signals.code if signals.code is not None else status
    finally:
        signals.restore()
