"""A panel process for the gateway's system tests: ``python tests/panel_proc.py PANEL.qml``.

Loads a QML file whose root is an S7RemoteClient with S7Variables (each with an
``objectName``) under the offscreen platform and reports on standard output, one JSON object
a line, every time stamp a ``time.monotonic()`` (CLOCK_MONOTONIC: comparable between the
processes of one machine):

- ``{"e": "ready", "vars": {objectName: tag name}}`` once loaded;
- ``{"e": "link", "up": bool, "t": ...}`` as the client's ``connected`` changes;
- ``{"e": "value", "var": ..., "v": ..., "q": quality byte, "t": ...}`` as a variable's data
  or quality changes;
- ``{"e": "write", "id": ..., "var": ..., "value": ..., "outcome": ..., "text": ..., "t": ...}``
  as a write ends: ``confirmed``, or the failure's outcome (``refused``, ``unknown``,
  ``not_sent``, ``invalid``); every write gets exactly one such line;
- ``{"e": "issued", "burst": ..., "count": n}`` when a burst has made all its writes.

Commands, one JSON object a line on standard input:

- ``{"c": "write", "id": ..., "var": ..., "value": ...}``: assign the value to ``data``;
- ``{"c": "burst", "var": ..., "prefix": ..., "first": v, "count": n, "every_ms": k}``: ``n``
  writes of ``v``, ``v + 1``, ... one every ``k`` ms, with the ids ``prefix-0``, ...;
- ``{"c": "quit"}`` (or the end of standard input): quit.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine

import qml_s7
from qml_s7 import S7RemoteClient, S7Variable


def say(**event: Any) -> None:
    print(json.dumps(event, default=str), flush=True)


class Commands(QObject):
    """Standard input, read on a thread of its own, handed to the GUI thread line by line."""

    line = Signal(str)

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for text in sys.stdin:
            self.line.emit(text)
        self.line.emit('{"c": "quit"}')


class Panel(QObject):
    """The loaded client, its variables' changes out, commands in."""

    def __init__(self, client: S7RemoteClient) -> None:
        super().__init__()
        self.client = client
        self.variables: dict[str, S7Variable] = {
            v.objectName(): v for v in client.findChildren(S7Variable) if v.objectName()
        }
        self._current: str | None = None  # the id whose setData() runs
        self._started = False
        self._tickets: dict[tuple[str, int], tuple[str, Any]] = {}  # (var, ticket) -> id, value
        self._value: Any = None
        self._bursts: list[QTimer] = []
        client.connectedChanged.connect(self._link)
        for name, variable in self.variables.items():
            report = partial(self._changed, name)
            variable.dataChanged.connect(report)
            variable.qualityChanged.connect(report)
            variable.writeStarted.connect(partial(self._write_started, name))
            variable.writeFinished.connect(partial(self._write_finished, name))

    def ready(self) -> None:
        say(e="ready", vars={n: v.property("name") for n, v in self.variables.items()})
        self._link()
        for name in self.variables:
            self._changed(name)

    def _link(self) -> None:
        say(e="link", up=bool(self.client.property("connected")), t=time.monotonic())

    def _changed(self, name: str) -> None:
        variable = self.variables[name]
        say(
            e="value",
            var=name,
            v=variable.property("data"),
            q=variable.property("quality"),
            t=time.monotonic(),
        )

    # -- writes --------------------------------------------------------------------------------
    def write(self, ident: str, name: str, value: Any) -> None:
        variable = self.variables.get(name)
        if variable is None:
            self._outcome(ident, name, value, "no_such_variable", name)
            return
        self._current, self._value, self._started = ident, value, False
        finished = [False]

        def ended(*_: object) -> None:
            finished[0] = True

        variable.writeFinished.connect(ended)
        try:
            variable.setProperty("data", value)
        finally:
            variable.writeFinished.disconnect(ended)
            self._current = None
        if not self._started and not finished[0]:
            self._outcome(ident, name, value, "none", "setData started no write")

    def _write_started(self, name: str, ticket: int) -> None:
        if self._current is not None:
            self._started = True
            self._tickets[(name, ticket)] = (self._current, self._value)

    def _write_finished(self, name: str, ticket: int, outcome: str, text: str) -> None:
        if ticket == 0:  # ended before it was sent, inside setData()
            if self._current is not None:
                self._outcome(self._current, name, self._value, outcome, text)
            return
        found = self._tickets.pop((name, ticket), None)
        if found is not None:
            self._outcome(found[0], name, found[1], outcome, text)

    @staticmethod
    def _outcome(ident: str, name: str, value: Any, outcome: str, text: str) -> None:
        say(e="write", id=ident, var=name, value=value, outcome=outcome, text=text,
            t=time.monotonic())  # fmt: skip

    def burst(self, name: str, prefix: str, first: int, count: int, every_ms: int) -> None:
        timer = QTimer(self)
        timer.setInterval(max(0, every_ms))
        made = [0]

        def next_write() -> None:
            i = made[0]
            if i >= count:
                timer.stop()
                say(e="issued", burst=prefix, count=count, t=time.monotonic())
                return
            made[0] += 1
            self.write(f"{prefix}-{i}", name, first + i)

        timer.timeout.connect(next_write)
        timer.start()
        self._bursts.append(timer)

    @Slot(str)
    def command(self, text: str) -> None:
        try:
            command = json.loads(text)
        except ValueError:
            say(e="error", text=f"not JSON: {text!r}")
            return
        kind = command.get("c")
        if kind == "write":
            self.write(command["id"], command["var"], command["value"])
        elif kind == "burst":
            self.burst(
                command["var"],
                command["prefix"],
                command["first"],
                command["count"],
                command.get("every_ms", 0),
            )
        elif kind == "quit":
            QGuiApplication.quit()
        else:
            say(e="error", text=f"unknown command: {text!r}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: panel_proc.py PANEL.qml", file=sys.stderr)
        return 2
    app = QGuiApplication(argv[:1])
    engine = QQmlEngine()
    qml_s7.install(engine)
    component = QQmlComponent(engine, QUrl.fromLocalFile(str(Path(argv[1]).resolve())))
    client = component.create()
    if client is None or not isinstance(client, S7RemoteClient):
        errors = [e.toString() for e in component.errors()]
        print(f"panel_proc: {argv[1]} is no S7RemoteClient: {errors}", file=sys.stderr)
        return 1
    panel = Panel(client)
    commands = Commands()
    commands.line.connect(panel.command)  # queued: emitted on the reading thread
    panel.ready()
    commands.start()
    status = app.exec()
    del panel, client, component, engine
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
