"""History: what logging every value to SQLite costs a panel, side by side in one run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/history.py [--variables 10000]
        [--interval 1000] [--seconds 60] [--scenarios panel history] [--no-demo]

The simulator runs in its own process (``simproc.py``) and switches every value between two
memory images every ``--interval`` ms: every value (but the BOOLs that the two images happen
to agree on) changes every poll cycle. Every variable has its ``data`` bound, as a widget
showing it would. Scenarios, each with a fresh QML engine:

- ``panel``: the S7Client polling ``--variables`` S7Variables every ``--interval`` ms.
- ``history``: the same panel with an S7History (a new file in a temporary folder) and every
  variable logged on change (``logging.mode: S7Logging.OnChange``, deadband 0).

Printed per scenario: the GUI stall (gaps of a 1 ms PreciseTimer on the GUI thread, see
``gui_stall.py``), this process's CPU (all threads, the store's included; the simulator's
not), rows committed per second over the window, and the file's size per million samples,
measured once the store closed (a small run overstates it: the WAL's pages are checkpointed
into the file, and partly empty). Then the demo panel opening with an hour of history of its
level (3,600 rows): the time from loading the panel to the level trend holding its past, and
to its first paint with it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess, Var, table
from gui_stall import GcPauses, Ticker
from PySide6.QtCore import QObject, QUrl
from PySide6.QtQml import QQmlApplicationEngine, QQmlEngine

from qml_s7.history.store import Store
from qml_s7.session.session import shutdown_all

SCENARIOS = ("panel", "history")
LOGGED = "logging.mode: S7Logging.OnChange"


def panel_qml(variables: list[Var], port: int, interval: int, file: str | None) -> str:
    logged = f"; {LOGGED}" if file else ""
    declared = "\n".join(
        f'    S7Variable {{ name: "{v.name}"; {common.BOUND}{logged} }}' for v in variables
    )
    history = f'  S7History {{ id: store; file: "{file}" }}' if file else ""
    return f"""
import QtQuick
import QmlS7
Window {{
  width: 800; height: 480; visible: false
  property S7Client client: plc
  property var store: {"store" if file else "null"}
  S7Client {{
    id: plc
    hostname: "127.0.0.1"; port: {port}; pollInterval: {interval}
{declared}
  }}
{history}
}}"""


def file_bytes(path: Path) -> int:
    """The database and its write-ahead log."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def scenario(name: str, args: argparse.Namespace, sim: SimProcess, variables: list, folder: str):
    file = str(Path(folder) / f"{name}.sqlite") if name == "history" else None
    engine = QQmlEngine()
    common.qt_app()
    import qml_s7

    qml_s7.install(engine)
    window = common.create_qml(engine, panel_qml(variables, sim.port, args.interval, file))
    client, store = window.property("client"), window.property("store")
    cycles = [0]
    client.session.batchApplied.connect(lambda _job: cycles.__setitem__(0, cycles[0] + 1))
    row: dict[str, Any] = {"scenario": name, "variables": len(variables)}
    try:
        common.wait_until(lambda: client.connected, 30, "the client to connect")
        common.wait_until(lambda: cycles[0] >= 2, 30, "two poll cycles")
        sim.call("churn", period_ms=args.interval)
        common.spin(2 * args.interval / 1000)
        rows_before = store.property("rowsWritten") if store else 0
        cycles[0] = 0
        cpu = common.process_cpu_seconds()
        with GcPauses() as pauses:
            gaps = Ticker().run(args.seconds)
        cpu = common.process_cpu_seconds() - cpu
        stalls = common.summary(gaps)
        row.update(
            ticks=len(gaps),
            median=stalls["median"],
            p99=stalls["p99"],
            max=stalls["max"],
            over16=sum(g > 16 for g in gaps),
            cpu=100 * cpu / args.seconds,
            cycles=cycles[0],
            gc=pauses.longest,
        )
        if store is not None:
            rows = store.property("rowsWritten") - rows_before
            sim.call("churn", period_ms=0)
            common.wait_until(lambda: store.property("pendingRows") == 0, 60, "the rows pending")
            row.update(
                rows_per_s=rows / args.seconds,
                total=store.property("rowsWritten"),
                pending=store.property("pendingRows"),
                error=store.property("errorString") or "none",
            )
    finally:
        sim.call("churn", period_ms=0)
        common.shutdown_qml(window, engine)
    if file is not None and row.get("total"):
        # Closed: the WAL is checkpointed into the file, which holds what it will hold.
        row["mb_per_million"] = file_bytes(Path(file)) / row["total"] * 1e6 / 2**20
    return row


def fill_hour(path: Path, tag: str, end_ms: int) -> int:
    """An hour of one sample a second of ``tag`` up to ``end_ms``, through the store."""
    store = Store(path, batch_interval_ms=100)
    store.start()
    for i in range(3600):
        store.add_sample(tag, end_ms - (3600 - i) * 1000, 50 + 40 * ((i % 600) / 600), 0x80)
    store.close()
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM samples WHERE tag = ?", (tag,)).fetchone()[0]


def demo_trend(folder: str) -> dict:
    """Load the demo panel on a file holding an hour of its level; time the trend's past."""
    from qml_s7.demo import PANEL

    import qml_s7
    from qml_s7.simulator import Simulator

    path = Path(folder) / "demo.sqlite"
    rows = fill_hour(path, '"Tank".Level', int(time.time() * 1000))
    common.qt_app()
    with Simulator() as simulator:
        engine = QQmlApplicationEngine()
        qml_s7.install(engine)
        engine.setInitialProperties(
            {"plcHost": "127.0.0.1", "plcPort": simulator.port, "historyFile": str(path)}
        )
        start = time.perf_counter()
        engine.load(QUrl.fromLocalFile(str(PANEL)))
        loaded = time.perf_counter()
        (window,) = engine.rootObjects()
        trend = window.findChild(QObject, "levelTrend")

        def past() -> int:
            return len(trend.property("historyPoints").toVariant())

        common.wait_until(lambda: past() > 0, 30, "the trend's past")
        filled = time.perf_counter()
        common.wait_until(lambda: trend.property("paintedPoints") > 0, 30, "the trend's paint")
        painted = time.perf_counter()
        points = past()
        trend = window = None
        del engine  # as the application does at exit: the engine takes its objects with it
    shutdown_all()
    return {
        "rows": rows,
        "points": points,
        "load": 1000 * (loaded - start),
        "filled": 1000 * (filled - start),
        "painted": 1000 * (painted - start),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=int, default=10000)
    parser.add_argument("--interval", type=int, default=1000, help="poll interval, ms")
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring window")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo's trend")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    title = common.banner("History: logging every value to SQLite, against the same panel")
    print("\n".join(line for line in (title, common.load_note()) if line))
    common.qt_app()
    variables = common.make_vars(args.variables, args.seed)
    with tempfile.TemporaryDirectory(prefix="qml-s7-bench-history-") as folder:
        with SimProcess(*common.area_sizes(variables), seed=args.seed) as sim:
            try:
                rows = [scenario(n, args, sim, variables, folder) for n in args.scenarios]
            finally:
                shutdown_all()
        demo = None if args.no_demo else demo_trend(folder)
    print(
        f"\n## {args.variables:,} variables, every value changing, poll interval "
        f"{args.interval} ms, {args.seconds:g} s per scenario\n"
    )
    headers = ("scenario", "timer ticks", "median ms", "p99 ms", "max ms", "gaps > 16 ms")
    headers += ("CPU % of a core", "poll cycles", "longest GC ms", "rows/s committed")
    headers += ("MiB per million samples", "pending at the end", "store error")
    keys = ("scenario", "ticks", "median", "p99", "max", "over16", "cpu", "cycles", "gc")
    keys += ("rows_per_s", "mb_per_million", "pending", "error")
    print(table(headers, [[r.get(k) for k in keys] for r in rows]))
    print("\nTarget: max under 16 ms (one frame at 60 Hz) with the history as without it.")
    if demo is not None:
        print("\n## The demo's level trend opening with an hour of history\n")
        headers = ("rows in the file", "points drawn", "panel loaded ms", "past in ms")
        headers += ("painted with it ms",)
        keys = ("rows", "points", "load", "filled", "painted")
        print(table(headers, [[demo[k] for k in keys]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
