"""GUI responsiveness: how late a 1 ms main-thread timer fires while qml-s7 works.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_stall.py [--variables 5000]
        [--interval 100] [--seconds 5] [--scenarios idle static changing polling silent]

A ``QTimer`` of 1 ms (PreciseTimer) on the GUI thread notes when it fires; a stall is the time
between two consecutive firings (1 ms when nothing is in the way). Scenarios, each with the
simulator in its own process and a fresh QML engine:

- ``idle``: no client at all (the timer's own floor on this machine).
- ``static``: ``--variables`` S7Variables in one S7Client with ``pollInterval: --interval``;
  the PLC's values do not change (each cycle only moves timestamps).
- ``changing``: the same, while the simulator switches every value every ``--interval`` ms
  (each cycle changes most values: dataChanged for most variables, the worst case).
- ``changing-nogc``: ``changing`` with Python's cyclic garbage collector disabled during the
  window (what the stalls are without its pauses).
- ``polling``: values changing, every variable with its own
  ``Polling on data { interval: --interval }`` instead of the client-wide interval.
- ``silent``: the same client and variables connecting to a silent PLC (a local socket that
  accepts and never answers), ``connectTimeout: 1000`` so that several attempts and their
  timeouts fall in the window.
- ``restart``: values changing; the PLC is switched off at 15 % of the window and on again at
  40 %: every variable goes invalid, the client reconnects and reads them all again.
- ``plant``: ``changing`` with what a plant's panel adds to the poll path: one S7Alarm on
  every 10th variable but REALs (a Bit alarm on a BOOL, which the churn raises and clears
  every cycle; a High alarm on an integer) listed by an S7AlarmModel, and every 5th
  variable logged on change into an S7History (a new SQLite file).

Every S7Variable has its ``data`` bound (``property var shown: data``), as a widget showing
it would: each change is heard and emits dataChanged into the QML engine.

Measuring starts once the client is connected and has completed two cycles (object creation
is ``scale.py``'s business). Also printed: poll cycles completed in the window, the longest
pause of Python's cyclic garbage collector and how many full (generation 2) collections ran,
and the longest run of the client's GUI-thread handlers, all in its session
(``qml_s7/session/session.py``): ``Session._send_reads``, hand a poll batch to the I/O thread;
``_drain``, hand a slice of its results to the variables; ``_on_state``, a change of the link
state (the S7Client's own handler and every variable's ``link_down`` included).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess, Var, summary, table
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtQml import QQmlEngine

import qml_s7
from qml_s7.session.session import Session, shutdown_all

SCENARIOS = (
    "idle",
    "static",
    "changing",
    "changing-nogc",
    "polling",
    "silent",
    "restart",
    "plant",
)


class GuiWork:
    """The longest run of the session's GUI-thread handlers of poll batches and link states.

    Wraps ``Session._send_reads`` (builds a batch and hands it to the I/O thread),
    ``Session._drain`` (hands one slice of a batch of results to the variables) and
    ``Session._on_state`` (a link state change) on the class before any client exists, so the
    sessions bind the wrappers; one perf_counter pair per call.
    """

    def __init__(self) -> None:
        self.send = self.results = self.state = 0.0
        # Instrumentation: no public hook times these handlers, so wrap them on the class.
        original_send, original_drain = Session._send_reads, Session._drain
        original_on_state = Session._on_state
        work = self

        def _send_reads(session: Any, *batch: Any) -> None:
            started = time.perf_counter()
            original_send(session, *batch)
            work.send = max(work.send, time.perf_counter() - started)

        # Slots like the originals: Qt then drops their connections when a session dies.
        @Slot()
        def _drain(session: Any) -> None:
            started = time.perf_counter()
            original_drain(session)
            work.results = max(work.results, time.perf_counter() - started)

        @Slot(int)
        def _on_state(session: Any, state: int) -> None:
            started = time.perf_counter()
            original_on_state(session, state)
            work.state = max(work.state, time.perf_counter() - started)

        Session._send_reads = _send_reads
        Session._drain = _drain
        Session._on_state = _on_state

    def reset(self) -> None:
        self.send = self.results = self.state = 0.0


WORK = GuiWork()


class Ticker(QObject):
    """A 1 ms PreciseTimer on the GUI thread that notes when it fires."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.tick)

    @Slot()
    def tick(self) -> None:
        self.stamps.append(time.perf_counter())

    def start(self) -> None:
        self.stamps = []
        self.timer.start()

    def stop(self) -> list[float]:
        """The gaps (ms) between the firings since start()."""
        self.timer.stop()
        return [(b - a) * 1000 for a, b in itertools.pairwise(self.stamps)]

    def run(self, seconds: float) -> list[float]:
        """The gaps (ms) between the firings over ``seconds`` of the event loop spinning."""
        self.start()
        common.spin(seconds)
        return self.stop()


class Cycles(QObject):
    """Counts the poll results that reach the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @Slot(object)
    def on_read(self, result: Any) -> None:
        self.count += getattr(result, "final", True)  # a batch comes in parts, the last final


class GcPauses:
    """The longest pause of the cyclic garbage collector while installed."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.full = 0  # collections of the oldest generation
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.longest = max(self.longest, (time.perf_counter() - self._start) * 1000)
            self.full += info.get("generation") == 2

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


class SilentPeer:
    """A local socket that accepts connections and never answers (a hanging PLC)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)  # never read, never answered

    def close(self) -> None:
        self.listener.close()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()


def scenario(name: str, args: argparse.Namespace, sim: SimProcess, variables: list) -> dict:
    ticker = Ticker()
    row: dict[str, Any] = {"scenario": name}
    if name == "idle":
        with GcPauses() as pauses:
            gaps = ticker.run(args.seconds)
        row.update(_gaps(gaps), cycles=None, gc=pauses.longest)
        return row

    peer = SilentPeer() if name == "silent" else None
    port = peer.port if peer is not None else sim.port
    engine = QQmlEngine()
    qml_s7.install(engine)  # as a host program does
    polling = args.interval if name.startswith("polling") else 0
    folder = tempfile.TemporaryDirectory(prefix="gui-stall-")
    if name == "plant":
        source = plant_qml(variables, port, args.interval, Path(folder.name) / "history.db")
    else:
        source = common.client_qml(
            variables,
            port,
            poll_interval=0 if polling else args.interval,
            polling_objects=polling,
            client_props="connectTimeout: 1000" if peer is not None else "",
            variable_props=common.BOUND,
        )
    client = common.create_qml(engine, source)
    cycles = Cycles()
    client.session.thread.readDone.connect(cycles.on_read)
    try:
        if peer is None:
            common.wait_until(lambda: client.connected, 20, "the client to connect")
            common.wait_until(lambda: cycles.count >= 2, 20, "two poll cycles")
            sim.call("churn", period_ms=args.interval if name != "static" else 0)
            common.spin(2 * args.interval / 1000)
        else:
            common.wait_until(lambda: client.connecting, 20, "the client to start connecting")
        cycles.count = 0
        WORK.reset()
        if name == "restart":  # on helper threads: stopping takes the simulator up to 0.1 s
            for at, command in ((0.15, "stop"), (0.4, "start")):
                QTimer.singleShot(
                    int(args.seconds * at * 1000), lambda c=command: _in_thread(sim, c)
                )
        if name.endswith("-nogc"):
            gc.disable()
        try:
            with GcPauses() as pauses:
                gaps = ticker.run(args.seconds)
        finally:
            gc.enable()
        row.update(_gaps(gaps), cycles=cycles.count, gc=pauses.longest, full_gc=pauses.full)
        row.update(send=WORK.send * 1000, results=WORK.results * 1000, state=WORK.state * 1000)
        if peer is not None:
            row["note"] = f"{len(peer.conns)} connection attempts, connected: {client.connected}"
        elif name == "restart":
            valid = sum(bool(v.property("valid")) for v in client.childObjects())
            row["note"] = f"reconnected: {client.connected}, {valid:,} valid at the end"
        else:
            due = args.seconds * 1000 / args.interval
            row["note"] = f"{cycles.count / due:.0%} of the {due:.0f} due cycles ran"
    finally:
        sim.call("churn", period_ms=0)
        common.shutdown_qml(client, engine)
        if peer is not None:
            peer.close()
        folder.cleanup()
    return row


def plant_qml(variables: list[Var], port: int, interval: int, history: Path) -> str:
    """The client of ``changing`` with alarms and history on (see the ``plant`` scenario)."""
    lines = []
    for i, v in enumerate(variables):
        logged = "; logging.mode: S7Logging.OnChange" if i % 5 == 0 else ""
        lines.append(f'  S7Variable {{ id: v{i}; name: "{v.name}"; {common.BOUND}{logged} }}')
        if i % 10 == 0 and v.kind not in ("REAL", "LREAL"):  # the churn makes NaNs of those
            kind = "" if v.kind == "BOOL" else "kind: S7Alarm.High; limit: Infinity; "
            lines.append(f'  S7Alarm {{ source: v{i}; {kind}text: "{v.name}: %1" }}')
    declared = "\n".join(lines)
    return f"""
import QtQml
import QmlS7
S7Client {{
  hostname: "127.0.0.1"; port: {port}; pollInterval: {interval}
  property S7AlarmModel alarms: S7AlarmModel {{}}
  property S7History history: S7History {{ file: "{history}" }}
{declared}
}}"""


def _in_thread(sim: SimProcess, command: str) -> None:
    threading.Thread(target=sim.call, args=(command,), daemon=True).start()


def _gaps(gaps: list[float]) -> dict[str, Any]:
    s = summary(gaps)
    return {
        "ticks": len(gaps),
        "median": s["median"],
        "p99": s["p99"],
        "max": s["max"],
        "over16": sum(g > 16 for g in gaps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=int, default=5000)
    parser.add_argument("--interval", type=int, default=100, help="poll interval, ms")
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring window")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(common.banner("GUI responsiveness: stalls of a 1 ms main-thread timer"))
    note = common.load_note()
    if note:
        print(note)
    common.qt_app()
    variables = common.make_vars(args.variables, args.seed)
    dbs, other = common.area_sizes(variables)
    rows = []
    with SimProcess(dbs, other, args.seed) as sim:
        try:
            for name in args.scenarios:
                rows.append(scenario(name, args, sim, variables))
        finally:
            shutdown_all()
    print(
        f"\n## {args.variables:,} variables, poll interval {args.interval} ms, "
        f"{args.seconds:g} s per scenario\n"
    )
    headers = ("scenario", "timer ticks", "median ms", "p99 ms", "max ms", "gaps > 16 ms")
    headers += ("poll cycles", "longest GC ms", "full GCs", "longest _send_reads ms")
    headers += ("longest _drain ms", "longest _on_state ms", "note")
    keys = ("scenario", "ticks", "median", "p99", "max", "over16", "cycles", "gc", "full_gc")
    keys += ("send", "results", "state")
    body = [[r.get(k) for k in keys] + [r.get("note", "")] for r in rows]
    print(table(headers, body, align="lrrrrrrrrrrrl"))
    print(
        "\nTarget: max under 16 ms (one frame at 60 Hz) while polling "
        f"{args.variables:,} variables."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
