"""Poll-cycle time of qml-s7 for many variables, the simulator in its own process.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/poll_cycle.py [--sizes 100 1000] [--cycles 30]

Per size it prints the read requests one cycle takes (and the fewest the protocol's limits
allow), and the cycle time (median, p95) from pollData() of every variable in one turn until
the last value arrived in the GUI thread.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine

import qml_s7
from qml_s7.readplan import ReadPlan, ReadSpec

DB_SIZE = 16384


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(port: int) -> subprocess.Popen:
    dbs = [arg for n in range(1, 6) for arg in ("--db", f"{n}:{DB_SIZE}")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "qml_s7.simulator", "--port", str(port), *dbs],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # "listening on ..."
    return proc


def mixed_names(count: int) -> list[str]:
    """Mixed types over five DBs and the I, Q, M areas, some adjacent, some apart."""
    kinds = ["DBX{o}.1", "DBB{o}", "DBW{o}:INT", "DBD{o}:REAL", "DBD{o}:DINT"]
    names = []
    for i in range(count):
        offset = (i // 8) * 12 + (i % 2) * 4
        if i % 8 == 7:
            names.append(f"{'IQM'[i % 3]}W{offset % 1000}")
        else:
            kind = kinds[i % len(kinds)].format(o=offset)
            names.append(f"DB{1 + i % 5}.{kind}")
    return names


def wait(app: QCoreApplication, done, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("no answer from the simulator")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)


def bench(app: QCoreApplication, port: int, count: int, cycles: int) -> dict[str, float]:
    names = mixed_names(count)
    body = "\n".join(f'  S7Variable {{ name: "{n}" }}' for n in names)
    source = f"""
import QtQml
import QmlS7
S7Client {{
  hostname: "127.0.0.1"; port: {port}
  property int arrived: 0
  function pollAll() {{ for (let i = 0; i < objects.length; ++i) objects[i].pollData() }}
{body}
}}"""
    engine = QQmlEngine()
    component = QQmlComponent(engine)
    component.setData(source.encode(), QUrl("bench.qml"))
    client = component.create()
    assert client is not None, component.errors()
    wait(app, lambda: client.property("connected"))
    variables = client.childObjects()
    arrived = [0]
    for v in variables:
        v.timestampChanged.connect(lambda: arrived.__setitem__(0, arrived[0] + 1))
    specs = [
        ReadSpec(int(a.area), a.db, a.start, a.size) for a in (v.plcAddress for v in variables)
    ]
    plan = ReadPlan(specs, client.property("pduLength"))
    times = []
    for _ in range(cycles):
        arrived[0] = 0
        started = time.perf_counter()
        client.pollAll()
        wait(app, lambda: arrived[0] >= count)
        times.append(time.perf_counter() - started)
    client.deleteLater()
    engine.deleteLater()
    app.processEvents()
    times.sort()
    return {
        "requests": plan.request_count,
        "fewest": plan.lower_bound,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--cycles", type=int, default=30)
    args = parser.parse_args()
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    port = free_port()
    sim = start_simulator(port)
    try:
        header = ("variables", "requests/cycle", "fewest", "median ms", "p95 ms")
        print("{:>10} {:>15} {:>7} {:>10} {:>8}".format(*header))
        for size in args.sizes:
            row = bench(app, port, size, args.cycles)
            print(
                f"{size:>10} {row['requests']:>15} {row['fewest']:>7} "
                f"{row['median_ms']:>10.1f} {row['p95_ms']:>8.1f}"
            )
    finally:
        sim.terminate()
        sim.wait(10)
        qml_s7.client.shutdown_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
