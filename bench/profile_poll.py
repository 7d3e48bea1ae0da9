"""Where a qml-s7 poll cycle spends its time: CPU per thread and cProfile of each thread.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/profile_poll.py [--variables 10000]
        [--cycles 20] [--top 25] [--static] [--bound]

S7Variables declared in QML under one S7Client, the simulator in its own process, the memory
image switched before every cycle (most values change; ``--static`` keeps them); ``--bound``
binds every variable's data in QML, as a widget would (``common.BOUND``). Prints the
CPU time per cycle of the GUI thread and of the client's worker thread (``time.thread_time``),
then the ``--top`` functions by own time of each thread (cProfile: the GUI thread around the
cycles, the worker thread inside ``Worker._read``). cProfile slows Python code down by a
factor of about two, so the CPU figures are taken in a run without it first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Slot
from PySide6.QtQml import QQmlEngine

import qml_s7
from qml_s7 import worker as worker_module

HUGE_INTERVAL = 24 * 3600 * 1000


class _Probe(QObject):
    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.received = 0
        self.loop: QEventLoop | None = None

    @Slot(object)
    def on_read(self, result: Any) -> None:
        self.received += len(result.values)
        if self.received >= self.expected and self.loop is not None:
            self.loop.quit()


class WorkerMeter:
    """Wraps Worker._read: CPU seconds of the worker thread, optionally under cProfile."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.profile: cProfile.Profile | None = None
        self._original = worker_module.Worker._read
        meter = self

        def _read(worker: Any, job: Any) -> None:
            started = time.thread_time()
            if meter.profile is not None:
                meter.profile.enable()
            try:
                meter._original(worker, job)
            finally:
                if meter.profile is not None:
                    meter.profile.disable()
                meter.cpu += time.thread_time() - started

        worker_module.Worker._read = _read

    def restore(self) -> None:
        worker_module.Worker._read = self._original


def run_cycles(client: Any, probe: _Probe, sim: SimProcess, cycles: int, static: bool) -> float:
    """Run ``cycles`` poll cycles; returns the GUI thread's CPU seconds spent in them."""
    cpu = 0.0
    image = 0
    for _ in range(cycles):
        if not static:
            image ^= 1
            sim.image(image)
        probe.received = 0
        loop = QEventLoop()
        probe.loop = loop
        started = time.thread_time()
        scheduler = client._scheduler
        scheduler._tick(scheduler._groups[HUGE_INTERVAL])
        loop.exec()
        while client._inbox:  # the client hands results over in slices: let it finish
            QCoreApplication.processEvents()
        cpu += time.thread_time() - started
        probe.loop = None
    return cpu


def _top(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return "\n".join(lines[start - 2 :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=int, default=10000)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--static", action="store_true", help="values do not change")
    parser.add_argument("--bound", action="store_true", help="bind every variable's data")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(common.banner("profile of a qml-s7 poll cycle"))
    common.qt_app()
    variables = common.make_vars(args.variables, args.seed)
    dbs, other = common.area_sizes(variables)
    meter = WorkerMeter()
    with SimProcess(dbs, other, args.seed) as sim:
        engine = QQmlEngine()
        props = common.BOUND if args.bound else ""
        source = common.client_qml(variables, sim.port, HUGE_INTERVAL, variable_props=props)
        client = common.create_qml(engine, source)
        probe = _Probe(len(variables))
        client._worker.readDone.connect(probe.on_read)
        try:
            common.wait_until(lambda: client.connected, 20, "the client to connect")
            run_cycles(client, probe, sim, 2, args.static)  # warm-up: plans, caches
            meter.cpu = 0.0
            wall = time.perf_counter()
            gui_cpu = run_cycles(client, probe, sim, args.cycles, args.static)
            wall = time.perf_counter() - wall
            n = args.cycles
            print(
                f"\n## {args.variables:,} variables, {n} cycles, values "
                f"{'static' if args.static else 'changing every cycle'}"
                f"{', data bound' if args.bound else ''}, no profiler\n"
            )
            print(
                common.table(
                    ("per cycle", "ms"),
                    [
                        ("wall time (tick to last value in the GUI thread)", wall / n * 1000),
                        ("GUI thread CPU (batch, results, dataChanged)", gui_cpu / n * 1000),
                        ("worker thread CPU (plan, exchanges, decoding)", meter.cpu / n * 1000),
                    ],
                )
            )
            gui = cProfile.Profile()
            meter.profile = cProfile.Profile()
            gui.enable()
            run_cycles(client, probe, sim, n, args.static)
            gui.disable()
            print(f"\n## GUI thread under cProfile, {n} cycles, top {args.top} by own time\n")
            print(_top(gui, args.top))
            print(
                f"\n## worker thread (Worker._read) under cProfile, {n} cycles, "
                f"top {args.top} by own time\n"
            )
            print(_top(meter.profile, args.top))
        finally:
            meter.restore()
            common.shutdown_qml(client, engine)
            qml_s7.client.shutdown_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
