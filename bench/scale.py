"""Scale: time and memory to create many S7Variables from QML; CPU use idle and polling.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/scale.py [--sizes 1000 10000]
        [--modes literal polling instantiator] [--seconds 5]

Each size and mode runs in a fresh child process (so memory figures do not mix), against the
simulator in its own process. Modes: ``literal``, one QML file declaring every S7Variable
inside the S7Client; ``polling``, the same with ``Polling on data { interval: 100 }`` in every
variable; ``instantiator``, an ``Instantiator`` creating them from a list of names
(``client: plc``). Figures: QML compile time (``QQmlComponent.setData``), create time
(``create()``, componentComplete included), resident memory added per variable, time from
connection until the first value of every variable arrived (polling every 100 ms). For
``literal`` then: CPU use of the GUI process (all threads) and of the simulator process while
connected and idle (``pollInterval: 0``: only the 1 s keep-alive), polling every 1000 ms and
every 100 ms with static values, and every 100 ms with every value changing; and the memory
growth over those windows. CPU is a share of one core.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess, table

MODES = ("literal", "polling", "instantiator")


def _source(variables: list, port: int, mode: str) -> str:
    if mode == "instantiator":
        names = json.dumps([v.name for v in variables])
        return f"""
import QtQml
import QmlS7
S7Client {{
  id: plc
  hostname: "127.0.0.1"; port: {port}; pollInterval: 0
  property var names: {names}
  property Instantiator vars: Instantiator {{
    model: plc.names
    delegate: S7Variable {{ client: plc; name: modelData }}
  }}
}}"""
    return common.client_qml(variables, port, polling_objects=100 if mode == "polling" else 0)


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One size and mode, in this (fresh) process."""
    from PySide6.QtCore import QUrl
    from PySide6.QtQml import QQmlComponent, QQmlEngine

    from qml_s7 import S7Variable
    from qml_s7.session.session import shutdown_all

    common.qt_app()
    variables = common.make_vars(args.child, args.seed)
    engine = QQmlEngine()
    source = _source(variables, args.port, args.mode)
    gc.collect()
    rss0 = common.rss_bytes()
    component = QQmlComponent(engine)
    started = time.perf_counter()
    component.setData(source.encode(), QUrl("scale.qml"))
    compiled = time.perf_counter()
    client = component.create()
    created = time.perf_counter()
    if client is None:
        raise RuntimeError("; ".join(e.toString() for e in component.errors()))
    gc.collect()
    rss1 = common.rss_bytes()
    # The S7Variables declared inside the client, or made by its Instantiator (they are the
    # Instantiator's QObject children, and it is the client's). That each of them joined the
    # client's session shows below: every one of them gets its first value.
    if args.mode == "instantiator":
        objects = client.findChildren(S7Variable)
    else:
        objects = client.childObjects()
    if len(objects) != len(variables):
        raise RuntimeError(f"{len(objects)} variables created, {len(variables)} declared")
    result: dict[str, Any] = {
        "compile_s": compiled - started,
        "create_s": created - compiled,
        "rss_per_var": (rss1 - rss0) / len(variables),
        "rss_mb": rss1 / 2**20,
    }
    common.wait_until(lambda: client.connected, 30, "the client to connect")
    if args.mode == "polling":
        first = time.perf_counter()
        common.wait_until(lambda: all(o.valid for o in objects), 60, "every first value")
    else:
        first = time.perf_counter()
        client.pollInterval = 100
        common.wait_until(lambda: all(o.valid for o in objects), 60, "every first value")
        client.pollInterval = 0
    result["first_s"] = time.perf_counter() - first
    if args.mode == "literal":
        windows = []
        rss_before = common.rss_bytes()
        for label, interval, churn in (
            ("idle, connected", 0, 0),
            ("polling every 1000 ms", 1000, 0),
            ("polling every 100 ms", 100, 0),
            ("polling every 100 ms, all values changing", 100, 100),
        ):
            client.pollInterval = interval
            if churn:
                _sim_call(args, "churn", period_ms=churn)
            common.spin(0.5)
            cpu0, sim0, wall0 = common.process_cpu_seconds(), _sim_cpu(args), time.perf_counter()
            common.spin(args.seconds)
            wall = time.perf_counter() - wall0
            cpu = (common.process_cpu_seconds() - cpu0) / wall * 100
            sim = (_sim_cpu(args) - sim0) / wall * 100
            if churn:
                _sim_call(args, "churn", period_ms=0)
            windows.append({"window": label, "cpu": cpu, "sim_cpu": sim})
        client.pollInterval = 0
        gc.collect()
        result["windows"] = windows
        result["rss_growth_mb"] = (common.rss_bytes() - rss_before) / 2**20
    client.deleteLater()
    engine.deleteLater()
    shutdown_all()
    return result


def _sim_cpu(args: argparse.Namespace) -> float:
    return common.process_cpu_seconds(args.sim_pid)


def _sim_call(args: argparse.Namespace, cmd: str, **kwargs: Any) -> None:
    """Ask the parent (which owns the simulator's stdin) to pass a command on."""
    print(json.dumps({"sim": cmd, **kwargs}), flush=True)
    answer = sys.stdin.readline()
    if not answer:
        raise RuntimeError("the parent went away")


def run_child(size: int, mode: str, sim: SimProcess, args: argparse.Namespace) -> dict:
    argv = [sys.executable, __file__, "--child", str(size), "--mode", mode]
    argv += ["--port", str(sim.port), "--sim-pid", str(sim.pid), "--seed", str(args.seed)]
    argv += ["--seconds", str(args.seconds)]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for line in proc.stdout:
            message = json.loads(line)
            if "sim" in message:  # a command for the simulator
                cmd = message.pop("sim")
                sim.call(cmd, **message)
                proc.stdin.write("ok\n")
                proc.stdin.flush()
            else:
                return message
        raise RuntimeError(f"child {size} {mode} exited with {proc.wait()}")
    finally:
        proc.stdin.close()
        proc.wait(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--seconds", type=float, default=5.0, help="each CPU window")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="literal", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sim-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)), flush=True)
        return 0

    print(common.banner("scale: creating S7Variables from QML, memory, CPU use"))
    note = common.load_note()
    if note:
        print(note)
    dbs, other = common.area_sizes(v for n in args.sizes for v in common.make_vars(n, args.seed))
    results: dict[tuple[int, str], dict] = {}
    with SimProcess(dbs, other, args.seed) as sim:
        for size in args.sizes:
            for mode in args.modes:
                results[size, mode] = run_child(size, mode, sim, args)
    print("\n## Creating S7Variables from QML (each row a fresh process)\n")
    headers = (
        "variables",
        "mode",
        "compile s",
        "create s",
        "µs per variable",
        "KiB per variable",
        "process RSS MiB",
        "first values s",
    )
    body = []
    for (size, mode), r in results.items():
        body.append(
            (
                size,
                mode,
                f"{r['compile_s']:.2f}",
                f"{r['create_s']:.2f}",
                (r["compile_s"] + r["create_s"]) / size * 1e6,
                r["rss_per_var"] / 1024,
                r["rss_mb"],
                f"{r['first_s']:.2f}",
            )
        )
    print(table(headers, body, align="llrrrrrr"))
    windows = [(size, r) for (size, mode), r in results.items() if "windows" in r]
    if windows:
        print(f"\n## CPU use (% of one core, {args.seconds:g} s windows; literal mode)\n")
        headers = ("variables", "window", "GUI process %", "simulator %")
        body = [
            (size, w["window"], w["cpu"], w["sim_cpu"]) for size, r in windows for w in r["windows"]
        ]
        print(table(headers, body, align="llrr"))
        growth = ", ".join(f"{size:,}: {r['rss_growth_mb']:+.1f} MiB" for size, r in windows)
        print(f"\nResident memory growth over the four windows: {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
