"""Latency: from a value change in the simulator's memory to ``dataChanged`` in QML.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/latency.py [--intervals 50 100 500]
        [--changes 40] [--max-seconds 15] [--background 1000]

The simulator (its own process) writes an incrementing DINT into DB6.DBD0 at random moments,
``interval * U(1.1, 2.1)`` apart (so every value is up long enough to be polled once, at a
random phase of the poll cycle), and notes CLOCK_MONOTONIC right after each write. In the
GUI process an ``S7Variable { name: "DB6.DBD0:DINT"; onDataChanged: ... }`` under an
S7Client with ``pollInterval: interval`` notes CLOCK_MONOTONIC in its QML ``onDataChanged``
handler. Latency = the two notes apart, per value. ``--background`` more variables of the
mixed set are polled by the same client while the simulator changes all of their values
every interval (the load of a busy panel).

Expected: uniform over roughly [cycle time, interval + cycle time]; the target is p95 at most
interval + 20 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess, mono, summary, table
from PySide6.QtCore import QObject, Slot
from PySide6.QtQml import QQmlEngine

from qml_s7.session.session import shutdown_all

PROBE_DB = 6


class Recorder(QObject):
    """Called from the probe's QML onDataChanged handler."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[int, float] = {}

    @Slot("QVariant")
    def changed(self, value: Any) -> None:
        now = mono()
        if isinstance(value, int | float):
            self.seen.setdefault(int(value), now)


def run(interval: int, args: argparse.Namespace, sim: SimProcess, variables: list) -> dict:
    recorder = Recorder()
    engine = QQmlEngine()
    engine.rootContext().setContextProperty("recorder", recorder)
    probe = (
        f'  S7Variable {{ name: "DB{PROBE_DB}.DBD0:DINT"; onDataChanged: recorder.changed(data) }}'
    )
    client = common.create_qml(
        engine, common.client_qml(variables, sim.port, poll_interval=interval, extra=probe)
    )
    try:
        common.wait_until(lambda: client.connected, 20, "the client to connect")
        common.spin(3 * interval / 1000 + 0.5)  # first cycles, plans built
        if variables:
            sim.call("churn", period_ms=interval)
        mean_gap = interval * 1.6 / 1000
        count = max(5, min(args.changes, int(args.max_seconds / mean_gap)))
        recorder.seen.clear()
        sim.call(
            "ticker",
            db=PROBE_DB,
            start=0,
            min_ms=interval * 1.1,
            max_ms=interval * 2.1,
            count=count,
        )
        ticks: list = []
        while True:
            common.spin(0.2)
            answer = sim.call("ticks")
            if answer["done"]:
                ticks = answer["ticks"]
                break
        common.spin(2 * interval / 1000 + 0.3)  # the last value's poll
    finally:
        sim.call("churn", period_ms=0)
        common.shutdown_qml(client, engine)
    latencies = [
        (recorder.seen[value] - written) * 1000
        for value, written in ticks
        if value in recorder.seen
    ]
    s = summary(latencies)
    return {
        "interval": interval,
        "changes": len(ticks),
        "missed": len(ticks) - len(latencies),
        "median": s["median"],
        "p95": s["p95"],
        "max": s["max"],
        "min": s["min"],
        "target": interval + 20,
        "pass": "PASS" if s["p95"] <= interval + 20 and len(latencies) == len(ticks) else "FAIL",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intervals", type=int, nargs="+", default=[50, 100, 500])
    parser.add_argument("--changes", type=int, default=40, help="value changes per interval")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=15.0,
        help="fewer changes where they would take longer than this",
    )
    parser.add_argument(
        "--background",
        type=int,
        default=1000,
        help="more variables polled by the same client, all changing",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(common.banner("latency: value change in the PLC to dataChanged in QML"))
    note = common.load_note()
    if note:
        print(note)
    common.qt_app()
    variables = common.make_vars(args.background, args.seed) if args.background else []
    dbs, other = common.area_sizes(variables)
    dbs[PROBE_DB] = 1024
    rows = []
    with SimProcess(dbs, other, args.seed, probe_db=PROBE_DB) as sim:
        try:
            for interval in args.intervals:
                rows.append(run(interval, args, sim, variables))
        finally:
            shutdown_all()
    print(
        f"\n## one probe variable + {args.background:,} background variables (all changing), "
        "one S7Client with pollInterval\n"
    )
    headers = (
        "poll interval ms",
        "changes",
        "missed",
        "min ms",
        "median ms",
        "p95 ms",
        "max ms",
        "target p95 ms",
        "",
    )
    keys = ("interval", "changes", "missed", "min", "median", "p95", "max", "target", "pass")
    print(table(headers, [[r[k] for k in keys] for r in rows], align="rrrrrrrrl"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
