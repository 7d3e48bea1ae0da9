"""Where a qml-s7 poll cycle spends its time: CPU per thread and cProfile of each thread.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/profile_poll.py [--variables 10000]
        [--cycles 20] [--top 25] [--static] [--bound]

S7Variables declared in QML under one S7Client, the simulator in its own process, the memory
image switched before every cycle (most values change; ``--static`` keeps them); ``--bound``
binds every variable's data in QML, as a widget would (``common.BOUND``). Prints the CPU time
per cycle of the GUI thread and of the client's worker thread (``time.thread_time``), the
phases of a cycle (median ms after the tick: the first reply decoded, every reply in, every
value decoded, the first and the last part of the result in the GUI thread, the last value
applied), then the ``--top``
functions by own time of each thread (cProfile: the GUI thread around the cycles, the worker
thread inside ``Worker._read``, which runs ``Executor.read`` and hands the result over; both in
``qml_s7/link/``). cProfile slows Python code down by a factor of about two, so the CPU
figures and phases are taken in a run without it first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Slot
from PySide6.QtQml import QQmlEngine

from qml_s7.link import executor as executor_module
from qml_s7.link.worker import Worker
from qml_s7.session.session import Session, shutdown_all

HUGE_INTERVAL = 24 * 3600 * 1000


class _Probe(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.loop: QEventLoop | None = None

    @Slot(object)
    def on_read(self, result: Any) -> None:
        if result.final and self.loop is not None:  # the cycle's read is one job
            self.loop.quit()


class WorkerMeter:
    """Wraps Worker._read: CPU seconds of the worker thread, optionally under cProfile."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.profile: cProfile.Profile | None = None
        # Instrumentation: the worker's read has no public hook; wrap it on the class.
        self._original = Worker._read
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

        Worker._read = _read

    def restore(self) -> None:
        Worker._read = self._original


class PhaseMeter:
    """Marks when a cycle reaches each phase (wraps the executor's decoding and the slot of the
    client's session that takes results in: ``Session._on_result``).

    Install before the client is created: its session connects that slot when it is built.
    """

    PHASES = (
        "first reply decoded",
        "every reply in",
        "every value decoded",
        "first part in the GUI thread",
        "last part in the GUI thread",
        "last value applied",
    )

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self.rows: list[list[float]] = []
        self._started = 0.0
        # Instrumentation: these phases have no public hooks; wrap them on the classes.
        decoding = executor_module._Decoding
        self._originals = (decoding.ready, decoding.reply, decoding.finish, Session._on_result)
        ready, reply, finish, on_result = self._originals
        mark = self._mark

        def ready_marked(self: Any, results: list, indices: Any) -> None:
            ready(self, results, indices)
            mark("first reply decoded")

        def reply_marked(self: Any, layout: Any, data: bytes) -> None:
            reply(self, layout, data)
            mark("first reply decoded")

        def finish_marked(self: Any, raw: list) -> Any:
            mark("every reply in")
            final = finish(self, raw)
            mark("every value decoded")
            return final

        @Slot(object)  # a slot like the original: Qt drops its connection when a session dies
        def on_result_marked(self: Any, result: Any) -> None:
            mark("first part in the GUI thread")
            if getattr(result, "final", True):
                mark("last part in the GUI thread")
            on_result(self, result)

        decoding.ready, decoding.reply = ready_marked, reply_marked
        decoding.finish = finish_marked
        Session._on_result = on_result_marked

    def _mark(self, phase: str) -> None:
        self.marks.setdefault(phase, time.perf_counter())

    def start(self) -> None:
        self.marks.clear()
        self._started = time.perf_counter()

    def stop(self) -> None:
        self._mark("last value applied")
        row = [(self.marks.get(p, math.nan) - self._started) * 1000 for p in self.PHASES]
        self.rows.append(row)

    def table(self) -> str:
        columns = zip(*self.rows, strict=True)
        medians = [(p, statistics.median(c)) for p, c in zip(self.PHASES, columns, strict=True)]
        return common.table(("phase", "ms after the tick"), medians)

    def restore(self) -> None:
        decoding = executor_module._Decoding
        decoding.ready, decoding.reply, decoding.finish, Session._on_result = self._originals


def run_cycles(
    client: Any,
    probe: _Probe,
    sim: SimProcess,
    cycles: int,
    static: bool,
    phases: PhaseMeter | None = None,
) -> float:
    """Run ``cycles`` poll cycles; returns the GUI thread's CPU seconds spent in them."""
    cpu = 0.0
    image = 0
    for _ in range(cycles):
        if not static:
            image ^= 1
            sim.image(image)
        loop = QEventLoop()
        probe.loop = loop
        started = time.thread_time()
        if phases is not None:
            phases.start()
        client.session.tick(HUGE_INTERVAL)  # what the group's poll timer does
        loop.exec()
        while client.session.applying:  # results are handed over in slices: let it finish
            QCoreApplication.processEvents()
        if phases is not None:
            phases.stop()
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
    phases = PhaseMeter()
    with SimProcess(dbs, other, args.seed) as sim:
        engine = QQmlEngine()
        props = common.BOUND if args.bound else ""
        source = common.client_qml(variables, sim.port, HUGE_INTERVAL, variable_props=props)
        client = common.create_qml(engine, source)
        probe = _Probe()
        client.session.thread.readDone.connect(probe.on_read)
        try:
            common.wait_until(lambda: client.connected, 20, "the client to connect")
            run_cycles(client, probe, sim, 2, args.static)  # warm-up: plans, caches
            meter.cpu = 0.0
            wall = time.perf_counter()
            gui_cpu = run_cycles(client, probe, sim, args.cycles, args.static, phases)
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
            print(f"\n## Phases of a cycle (median of {n})\n")
            print(phases.table())
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
            phases.restore()
            common.shutdown_qml(client, engine)
            shutdown_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
