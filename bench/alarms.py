"""Alarms: GUI stalls and CPU of 1,000 S7Alarms on 1,000 polled variables, against the same
panel without alarms, side by side in one run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/alarms.py [--variables 1000]
        [--interval 100] [--seconds 5] [--scenarios panel alarms flip widgets]

The simulator runs in its own process (``simproc.py``) and switches every value between two
memory images every ``--interval`` ms (``churn``): every variable changes every poll cycle.
Every variable has its ``data`` bound, as a widget showing it would. Scenarios, each with a
fresh QML engine:

- ``panel``: the S7Client polling ``--variables`` S7Variables every ``--interval`` ms.
- ``alarms``: the same panel with one S7Alarm per variable (a BOOL: a Bit alarm; a number:
  a High alarm with its limit out of reach, the text showing the value) and an S7AlarmModel
  of all of them. Every text changes every cycle, no alarm comes: a Bit alarm's condition
  flickers inside its onDelay of an hour.
- ``flip``: the worst case: every limit lies between the variable's two values and no delay
  holds, so every alarm whose value changes comes or goes every cycle (and re-sorts).
- ``widgets``: ``flip`` with an AlarmBanner and an AlarmTable in an 800x480 window. Offscreen,
  Qt Quick renders with its software backend on the GUI thread, so this one's stalls include
  painting the window (on a screen, a render thread does that).

The GUI stall is the gap between two firings of a 1 ms PreciseTimer on the GUI thread (see
``gui_stall.py``); CPU is this process's (all threads; the simulator's is not counted) per
second of the window, as a share of one core.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
from common import SimProcess, Var, table
from gui_stall import GcPauses, Ticker
from PySide6.QtQml import QQmlEngine

from qml_s7 import S7Alarm
from qml_s7.session.session import shutdown_all

SCENARIOS = ("panel", "alarms", "flip", "widgets")


def alarm_qml(index: int, var: Var, values: tuple[Any, Any], flip: bool) -> str:
    """One S7Alarm on variable ``v<index>`` (whose two values are ``values``)."""
    common_props = f'text: "{var.name}: %1"; priority: {index % 4 + 1}; group: "G{index % 8}"'
    if var.kind == "BOOL":
        delay = "" if flip else "; onDelay: 3600000"
        return f"S7Alarm {{ source: v{index}; {common_props}{delay} }}"
    low, high = sorted(values)
    limit = (low + high) / 2 if flip and low != high else math.inf
    if math.isnan(limit) or (math.isinf(limit) and flip):
        limit = math.inf  # a NaN or unbounded REAL: no limit in between
    text = "Infinity" if math.isinf(limit) else repr(limit)
    return f"S7Alarm {{ source: v{index}; kind: S7Alarm.High; limit: {text}; {common_props} }}"


def panel_qml(
    variables: list[Var], values: list[tuple[Any, Any]], port: int, interval: int, scenario: str
) -> str:
    declared = "\n".join(
        f'    S7Variable {{ id: v{i}; name: "{v.name}"; {common.BOUND} }}'
        for i, v in enumerate(variables)
    )
    alarms = ""
    if scenario != "panel":
        flip = scenario in ("flip", "widgets")
        pairs = enumerate(zip(variables, values, strict=True))
        alarms = "\n".join(alarm_qml(i, v, pair, flip) for i, (v, pair) in pairs)
        alarms += "\nS7AlarmModel { id: alarmModel }"
    widgets = ""
    if scenario == "widgets":
        widgets = """
Column {
    anchors.fill: parent
    AlarmBanner { width: parent.width; model: alarmModel }
    AlarmTable { width: parent.width; height: parent.height - 60; model: alarmModel }
}"""
    return f"""
import QtQuick
import QmlS7
import QmlS7.Controls
Window {{
  width: 800; height: 480; visible: {"true" if widgets else "false"}
  property S7Client client: plc
  S7Client {{
    id: plc
    hostname: "127.0.0.1"; port: {port}; pollInterval: {interval}
{declared}
  }}
{alarms}
{widgets}
}}"""


def scenario(name: str, args: argparse.Namespace, sim: SimProcess, variables: list) -> dict:
    values = list(
        zip(sim.images.expected(variables, 0), sim.images.expected(variables, 1), strict=True)
    )
    engine = QQmlEngine()
    common.qt_app()
    import qml_s7

    qml_s7.install(engine)
    window = common.create_qml(engine, panel_qml(variables, values, sim.port, args.interval, name))
    client = window.property("client")
    cycles = [0]
    client.session.batchApplied.connect(lambda _job: cycles.__setitem__(0, cycles[0] + 1))
    row: dict[str, Any] = {"scenario": name}
    try:
        common.wait_until(lambda: client.connected, 20, "the client to connect")
        common.wait_until(lambda: cycles[0] >= 2, 20, "two poll cycles")
        sim.call("churn", period_ms=args.interval)
        common.spin(2 * args.interval / 1000)
        alarms = window.findChildren(S7Alarm)
        came_before = [a.cameAt for a in alarms]
        cycles[0] = 0
        cpu = common.process_cpu_seconds()
        with GcPauses() as pauses:
            gaps = Ticker().run(args.seconds)
        cpu = common.process_cpu_seconds() - cpu
        came = sum(a.cameAt != b for a, b in zip(alarms, came_before, strict=True))
        stalls = common.summary(gaps)
        row.update(
            alarms=len(alarms),
            ticks=len(gaps),
            median=stalls["median"],
            p99=stalls["p99"],
            max=stalls["max"],
            over16=sum(g > 16 for g in gaps),
            cpu=100 * cpu / args.seconds,
            cycles=cycles[0],
            came=came,
            gc=pauses.longest,
        )
    finally:
        sim.call("churn", period_ms=0)
        common.shutdown_qml(window, engine)
    return row


def measure(args: argparse.Namespace) -> list[dict]:
    """Every scenario of ``args``, one after the other, on one simulator process."""
    common.qt_app()
    variables = common.make_vars(args.variables, args.seed)
    with SimProcess(*common.area_sizes(variables), seed=args.seed) as sim:
        try:
            return [scenario(name, args, sim, variables) for name in args.scenarios]
        finally:
            shutdown_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=100, help="poll interval, ms")
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring window")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    title = common.banner("Alarms: GUI stalls and CPU with and without 1,000 S7Alarms")
    print("\n".join(line for line in (title, common.load_note()) if line))
    # A REAL of random bytes can be NaN: its alarm says so once per change, not of interest.
    logging.getLogger("qml_s7.qmltypes.alarm").setLevel(logging.ERROR)
    rows = measure(args)
    print(
        f"\n## {args.variables:,} variables, every value changing, poll interval "
        f"{args.interval} ms, {args.seconds:g} s per scenario\n"
    )
    headers = ("scenario", "alarms", "timer ticks", "median ms", "p99 ms", "max ms")
    headers += ("gaps > 16 ms", "CPU % of a core", "poll cycles", "alarms that came")
    headers += ("longest GC ms",)
    keys = ("scenario", "alarms", "ticks", "median", "p99", "max", "over16", "cpu", "cycles")
    keys += ("came", "gc")
    print(table(headers, [[r.get(k) for k in keys] for r in rows]))
    print("\nTarget: max under 16 ms (one frame at 60 Hz) with the alarms as without them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
