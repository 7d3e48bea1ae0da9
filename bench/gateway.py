"""The gateway: many panels on one PLC connection through an MQTT broker, against direct panels.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gateway.py [--panels 20] [--variables 1000]
        [--interval 500] [--seconds 20] [--big 10000] [--parts fanout latency big broker]
        [--quick]

Every process is a real one: the PLC (``simproc.py``, qml-s7's Simulator), a Mosquitto on a
free port of 127.0.0.1 (``sys_interval 1``, otherwise its defaults), the gateway and the
panels (``gwproc.py``: QML files as a user writes them, offscreen). CPU is read from
``/proc/<pid>/stat`` of each process, as a share of one core over the window.

- ``fanout``: ``--panels`` panel processes, each with ``--variables`` variables (the mixed set
  of ``common.make_vars``), the simulator switching every value every ``--interval`` ms: once
  through one gateway (an S7Client polling every ``--interval`` ms, an S7Gateway; the panels on
  S7RemoteClients), once with an S7Client of each panel's own polling the PLC. Printed: the
  PLC connections (counted at the simulator), its read requests per second and CPU, the
  broker's messages in and out per second (Mosquitto's ``$SYS/broker/messages/received`` and
  ``.../sent``), the values the panels took per second, and the CPU of the gateway, the broker
  and the panels.
- ``latency``: the simulator's ticker writes a DINT at random moments (1.1 to 2.1 intervals
  apart) and notes CLOCK_MONOTONIC; each panel notes it when its probe variable's
  ``dataChanged`` comes, and so does the gateway's own probe variable (what the broker path
  adds is the panel's note minus the gateway's). One panel on a quiet PLC at poll intervals
  ``--latency-intervals`` (100 and 500 ms), through the gateway and direct; and every panel
  of ``fanout`` during its window.
- ``big``: ``--big`` variables changing every second through one gateway to one panel: the
  messages per second, the gateway's CPU and its event loop's stalls (a 1 ms PreciseTimer in
  the gateway process), the panel's values per second and CPU.
- ``broker``: how far one Mosquitto goes on this machine: a publisher offers messages of a
  tag value's size (QoS 0) at rising rates (doubling from ``--broker-start``) to 20
  subscriber connections (``mqttload.py``: raw sockets that cost next to nothing), until the
  broker delivers less than 95 % of what it should or uses more than 90 % of a core
  (Mosquitto runs on one thread).

``--quick`` (``run_all.py --quick``, about 45 s): 4 panels, 3 s windows, no quiet latency
runs, 2,000 variables for ``big``, the broker from 16,000 messages/s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
import paho.mqtt.client as mqtt
from common import JsonProcess, SimProcess, fmt, table

from qml_s7.cli.demogateway import find_mosquitto

BENCH = Path(__file__).resolve().parent
PARTS = ("fanout", "latency", "big", "broker")
PROBE_DB = 6
WAIT_S = 180.0  # panels and gateways start together on a busy machine: be patient


# -- processes ---------------------------------------------------------------------------------
class Broker:
    """Mosquitto on a free port of 127.0.0.1 with its $SYS topics every second."""

    def __init__(self, program: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="qml-s7-bench-mosquitto-"))
        self.folder.chmod(0o755)  # run as root, Mosquitto reads its file as user mosquitto
        self.port = common.free_port()
        config = self.folder / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nsys_interval 1\n"
            "log_dest stderr\n"
        )
        config.chmod(0o644)
        self.log = (self.folder / "mosquitto.log").open("wb")
        self.process = subprocess.Popen(
            [program, "-c", str(config)], stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 10
        while not self._accepts():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.folder / "mosquitto.log").read_text())
            time.sleep(0.05)

    def _accepts(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class SysCounters:
    """Mosquitto's counters ($SYS, once a second), as a paho client hears them: messages
    received, PUBLISH messages sent (to subscribers) and dropped (queues full). Mosquitto
    publishes a counter when it changed; ``sent`` always does (this client is sent some)."""

    # PUBLISH received is not counted by Mosquitto 2.0 for QoS 1 (it stays 0): every message
    # received, then, which under a gateway's load are its PUBLISH packets.
    TOPICS = (
        "$SYS/broker/messages/received",
        "$SYS/broker/publish/messages/sent",
        "$SYS/broker/publish/messages/dropped",
    )

    def __init__(self, port: int) -> None:
        self._lock = threading.Condition()
        self._latest: dict[str, tuple[int, float]] = {}
        self._reports = 0  # of ``sent``
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-sys")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        for topic in self.TOPICS:
            self.client.subscribe(topic)
        self.client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        with self._lock:
            self._latest[message.topic] = (int(message.payload), common.mono())
            self._reports += message.topic == self.TOPICS[1]
            self._lock.notify_all()

    def fresh(self) -> tuple[int, int, int, float]:
        """(received, sent, dropped, when) from the broker's next report."""
        with self._lock:
            start = self._reports
            if not self._lock.wait_for(lambda: self._reports > start, timeout=10):
                raise TimeoutError("no $SYS report from the broker within 10 s")
        time.sleep(0.05)  # the other counters of the same report
        with self._lock:
            values = [self._latest.get(t, (0, 0.0)) for t in self.TOPICS]
        return values[0][0], values[1][0], values[2][0], values[1][1]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class QtProcess(JsonProcess):
    """``gwproc.py``: a gateway or a panel (see there)."""

    def __init__(self, role: str, **options: Any) -> None:
        argv = [sys.executable, str(BENCH / "gwproc.py"), role]
        for key, value in options.items():
            argv += [f"--{key.replace('_', '-')}", str(value)]
        super().__init__(argv, f"{role} process", timeout=WAIT_S)

    def status(self) -> dict[str, Any]:
        return self.call("status", timeout=WAIT_S)


def cpu(pid: int) -> float:
    try:
        return common.process_cpu_seconds(pid)
    except OSError:
        return float("nan")


def wait_for(what: str, done: Any, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)


# -- one run: panels through a gateway, or direct ---------------------------------------------
def run_panels(
    mode: str,
    count: int,
    interval: int,
    churn: bool,
    args: argparse.Namespace,
    sim: SimProcess,
    broker: Broker,
    counters: SysCounters,
    variables: int,
) -> dict[str, Any]:
    """``count`` panels through one gateway (``mode`` "gateway") or direct; the window's figures."""
    options = {"variables": variables, "interval": interval, "seed": args.seed}
    options["probe_db"] = PROBE_DB
    expected = variables + 1  # and the probe
    gateway = None
    panels: list[QtProcess] = []
    row: dict[str, Any] = {"mode": mode, "panels": count, "interval": interval}
    try:
        if mode == "gateway":
            gateway = QtProcess("gateway", sim_port=sim.port, broker=broker.url, **options)
            wait_for(
                "the gateway",
                lambda: (s := gateway.status())["connected"] and s["valid"] == expected,
            )
            where = {"broker": broker.url}
        else:
            where = {"sim_port": sim.port}
        panels = [QtProcess("panel", **where, **options) for _ in range(count)]
        wait_for(
            "every panel's values", lambda: all(p.status()["valid"] == expected for p in panels)
        )
        if churn:
            sim.call("churn", period_ms=interval)
        time.sleep(2 * interval / 1000 + 0.5)  # into the rhythm
        received0, sent0, dropped0, t0 = counters.fresh()  # (waits for the broker's next report)
        for panel in panels:
            panel.call("clear")
        pids = {"gateway": gateway.pid if gateway else None, "broker": broker.pid}
        pids["plc"] = sim.pid
        before = {k: cpu(p) for k, p in pids.items() if p}
        panels_before = sum(cpu(p.pid) for p in panels)
        stats0, started = sim.call("stats"), common.mono()
        changes = max(5, int(args.seconds / (1.6 * interval / 1000)))
        sim.call(
            "ticker", db=PROBE_DB, start=0, min_ms=1.1 * interval, max_ms=2.1 * interval,
            count=changes,
        )  # fmt: skip
        while not (answer := sim.call("ticks"))["done"]:
            time.sleep(0.2)
        time.sleep(2 * interval / 1000 + 0.5)  # the last value's way to every panel
        values = sum(p.status()["changes"] for p in panels)
        elapsed = common.mono() - started
        for key, pid in pids.items():
            if pid:
                row[f"cpu_{key}"] = 100 * (cpu(pid) - before[key]) / elapsed
        row["cpu_panels"] = 100 * (sum(cpu(p.pid) for p in panels) - panels_before) / elapsed
        stats1 = sim.call("stats")
        row["plc_requests"] = (stats1["read_requests"] - stats0["read_requests"]) / elapsed
        row["values"] = values / elapsed
        row["connections"] = sim.call("connections")["connections"]
        received1, sent1, dropped1, t1 = counters.fresh()
        if mode == "gateway":
            row["broker_in"] = (received1 - received0) / (t1 - t0)
            row["broker_out"] = (sent1 - sent0) / (t1 - t0)
            row["dropped"] = dropped1 - dropped0
        ticks = answer["ticks"]
        # the gateway's probe notes when the gateway read each value: the hop from there on
        # is what the broker path adds, without the poll's phase (the same for a direct panel)
        read = {}
        if gateway is not None:
            read = {int(k): v for k, v in gateway.call("seen")["seen"].items()}
        latencies: list[float] = []
        hops: list[float] = []
        missed = 0
        for panel in panels:
            seen = {int(k): v for k, v in panel.call("seen")["seen"].items()}
            for value, written in ticks:
                if value in seen:
                    latencies.append((seen[value] - written) * 1000)
                    if value in read:
                        hops.append((seen[value] - read[value]) * 1000)
                else:
                    missed += 1
        row.update(common.summary(latencies))
        hop = common.summary(hops)
        row.update(hop_median=hop["median"], hop_p95=hop["p95"], hop_max=hop["max"])
        row["changes"], row["missed"] = len(ticks) * len(panels), missed
    finally:
        sim.call("churn", period_ms=0)
        for process in [*panels, gateway]:
            if process is not None:
                process.close()
    return row


# -- the broker alone ---------------------------------------------------------------------------
def broker_limit(args: argparse.Namespace, program: str) -> list[dict[str, Any]]:
    """Rising offered rates, 1 publisher to 20 subscriber connections, until saturation."""
    rows = []
    broker = Broker(program)
    load = [sys.executable, str(BENCH / "mqttload.py")]
    try:
        with (
            JsonProcess([*load, "sub", "--port", str(broker.port)], "subscribers") as sub,
            JsonProcess([*load, "pub", "--port", str(broker.port)], "publisher") as pub,
        ):
            fanout = 20
            rate = args.broker_start
            while True:
                pub.call("rate", per_s=rate)
                time.sleep(1.0)  # into the rhythm
                sent0, got0 = pub.call("sent")["sent"], sub.call("count")["messages"]
                cpu0, t0 = cpu(broker.pid), common.mono()
                time.sleep(args.broker_seconds)
                sent1, got1 = pub.call("sent")["sent"], sub.call("count")["messages"]
                cpu1, t1 = cpu(broker.pid), common.mono()
                elapsed = t1 - t0
                published = (sent1 - sent0) / elapsed
                delivered = (got1 - got0) / elapsed
                share = 100 * (cpu1 - cpu0) / elapsed
                rows.append(
                    {
                        "offered": rate,
                        "published": published,
                        "delivered": delivered,
                        "expected": published * fanout,
                        "cpu": share,
                        "us": 1e6 * (cpu1 - cpu0) / max(1.0, got1 - got0),
                        "packet": pub.ready["packet"],
                    }
                )
                saturated = delivered < 0.95 * published * fanout or share > 90
                if saturated or rate >= args.broker_max:
                    break
                rate *= 2
            pub.call("rate", per_s=0)
    finally:
        broker.close()
    return rows


# -- main ---------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--variables", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=500, help="poll interval, ms")
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window")
    parser.add_argument("--big", type=int, default=10000, help="variables of the big gateway")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--broker-start", type=float, default=2000.0, help="msg/s offered first")
    parser.add_argument("--broker-max", type=float, default=256000.0)
    parser.add_argument("--broker-seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--latency-intervals", type=int, nargs="+", default=[100, 500], metavar="MS",
        help="poll intervals of the quiet latency runs",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true",
        help="4 panels, 3 s windows, no quiet latency runs, 2,000 big variables",
    )  # fmt: skip
    args = parser.parse_args()
    if args.quick:
        args.panels, args.seconds, args.big = 4, 3.0, 2000
        args.latency_intervals = []
        args.broker_seconds, args.broker_start = 1.0, 16000.0

    title = common.banner("Gateway: panels through one gateway and an MQTT broker, and direct")
    print("\n".join(line for line in (title, common.load_note()) if line), flush=True)
    program = find_mosquitto()
    if program is None:
        print("# Mosquitto is not installed (sudo apt-get install mosquitto): nothing to measure")
        return 1
    version = subprocess.run([program, "-h"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"# broker   {version} ({program})", flush=True)

    variables = common.make_vars(args.variables, args.seed)
    dbs, other = common.area_sizes(variables)
    dbs[PROBE_DB] = 1024
    fanout: list[dict[str, Any]] = []
    quiet: list[dict[str, Any]] = []
    if "fanout" in args.parts or "latency" in args.parts:
        broker = Broker(program)
        counters = SysCounters(broker.port)
        try:
            with SimProcess(dbs, other, args.seed, probe_db=PROBE_DB) as sim:
                if "fanout" in args.parts:
                    for mode in ("gateway", "direct"):
                        fanout.append(
                            run_panels(mode, args.panels, args.interval, True, args, sim,
                                       broker, counters, args.variables)
                        )  # fmt: skip
                if "latency" in args.parts:
                    for interval in args.latency_intervals:
                        for mode in ("gateway", "direct"):
                            quiet.append(
                                run_panels(mode, 1, interval, False, args, sim, broker,
                                           counters, args.variables)
                            )  # fmt: skip
        finally:
            counters.close()
            broker.close()
        print_fanout(args, fanout)
        print_latency(args, quiet, fanout)
    if "big" in args.parts:
        print_big(args, big(args, program))
    if "broker" in args.parts:
        print_broker(broker_limit(args, program))
    return 0


def big(args: argparse.Namespace, program: str) -> dict[str, Any]:
    """``--big`` variables changing every second through one gateway to one panel."""
    variables = common.make_vars(args.big, args.seed)
    dbs, other = common.area_sizes(variables)
    dbs[PROBE_DB] = 1024
    options = {"variables": args.big, "interval": 1000, "seed": args.seed, "probe_db": PROBE_DB}
    expected = args.big + 1
    broker = Broker(program)
    counters = SysCounters(broker.port)
    row: dict[str, Any] = {"variables": args.big}
    try:
        with SimProcess(dbs, other, args.seed, probe_db=PROBE_DB) as sim:
            with QtProcess("gateway", sim_port=sim.port, broker=broker.url, **options) as gateway:
                wait_for(
                    "the gateway",
                    lambda: (s := gateway.status())["connected"] and s["valid"] == expected,
                )
                with QtProcess("panel", broker=broker.url, **options) as panel:
                    wait_for("the panel's values", lambda: panel.status()["valid"] == expected)
                    sim.call("churn", period_ms=1000)
                    time.sleep(1.5)  # into the rhythm
                    received0, sent0, dropped0, t0 = counters.fresh()
                    pids = {"gateway": gateway.pid, "broker": broker.pid, "panel": panel.pid}
                    pids["plc"] = sim.pid
                    panel.call("clear")
                    before = {key: cpu(pid) for key, pid in pids.items()}
                    published0 = gateway.status()["published"]
                    gateway.call("stall_start")
                    started = common.mono()
                    time.sleep(args.seconds)
                    stalls = gateway.call("stall_stop")
                    values = panel.status()["changes"]
                    published = gateway.status()["published"] - published0
                    elapsed = common.mono() - started
                    for key, pid in pids.items():
                        row[f"cpu_{key}"] = 100 * (cpu(pid) - before[key]) / elapsed
                    row["published"], row["values"] = published / elapsed, values / elapsed
                    received1, sent1, dropped1, t1 = counters.fresh()
                    sim.call("churn", period_ms=0)
            row["broker_in"] = (received1 - received0) / (t1 - t0)
            row["broker_out"] = (sent1 - sent0) / (t1 - t0)
            row["dropped"] = dropped1 - dropped0
            row.update({f"stall_{k}": v for k, v in stalls.items()})
    finally:
        counters.close()
        broker.close()
    return row


# -- tables -------------------------------------------------------------------------------------
def print_fanout(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    print(
        f"\n## {args.panels} panels x {args.variables:,} variables, polled every "
        f"{args.interval} ms, every value changing every {args.interval} ms\n"
    )
    headers = ("panels", "PLC connections", "PLC requests/s", "broker msg/s in",
               "broker msg/s out", "dropped", "values/s in the panels", "CPU % gateway",
               "CPU % broker", "CPU % PLC", "CPU % panels (all)")  # fmt: skip
    keys = ("label", "connections", "plc_requests", "broker_in", "broker_out", "dropped",
            "values", "cpu_gateway", "cpu_broker", "cpu_plc", "cpu_panels")  # fmt: skip
    for row in rows:
        row["label"] = (
            "through one gateway" if row["mode"] == "gateway" else "each its own S7Client"
        )
        if row["mode"] == "direct":
            row["cpu_broker"] = None
    print(table(headers, [[r.get(k) for k in keys] for r in rows]))
    print(
        f"\nExpected values/s in the panels: {args.panels} x {args.variables:,} / "
        f"{args.interval / 1000:g} s = {args.panels * args.variables * 1000 / args.interval:,.0f} "
        "(fewer: BOOLs the two memory images agree on do not change)."
    )


def print_latency(
    args: argparse.Namespace, quiet: list[dict[str, Any]], fanout: list[dict[str, Any]]
) -> None:
    rows = []
    for r in quiet:
        rows.append({**r, "load": f"1 panel, {args.variables:,} quiet variables"})
    for r in fanout:
        rows.append({**r, "load": f"{r['panels']} panels, {args.variables:,} changing variables"})
    if not rows:
        return
    print("\n## Latency: a value changed in the PLC to dataChanged in a panel\n")
    headers = ("path", "poll interval ms", "load", "changes seen", "missed", "median ms",
               "p95 ms", "max ms", "gateway to panel: median ms", "p95 ms", "max ms")  # fmt: skip
    keys = ("path", "interval", "load", "changes", "missed", "median", "p95", "max",
            "hop_median", "hop_p95", "hop_max")  # fmt: skip
    for r in rows:
        r["path"] = "gateway + broker" if r["mode"] == "gateway" else "direct S7Client"
    print(table(headers, [[r.get(k) for k in keys] for r in rows], align="lrlrrrrrrrr"))
    print(
        "\nFrom the PLC to the gateway's variable is what a direct S7Client takes (the poll); "
        "`gateway to panel` is what the broker path adds: from the gateway's dataChanged to "
        "the panel's (both processes note CLOCK_MONOTONIC). The probe is the last variable "
        "of each file: in a cycle where every value changed it comes after all of them."
    )


def print_big(args: argparse.Namespace, row: dict[str, Any]) -> None:
    print(f"\n## {row['variables']:,} variables changing every second through one gateway\n")
    headers = ("messages/s published by the gateway", "broker msg/s in", "broker msg/s out",
               "dropped", "values/s in the panel", "CPU % gateway", "CPU % broker",
               "CPU % panel", "CPU % PLC")  # fmt: skip
    keys = ("published", "broker_in", "broker_out", "dropped", "values", "cpu_gateway",
            "cpu_broker", "cpu_panel", "cpu_plc")  # fmt: skip
    print(table(headers, [[row.get(k) for k in keys]], align="r" * len(keys)))
    print("\nThe gateway's event loop (a 1 ms PreciseTimer in its process):\n")
    headers = ("timer ticks", "median ms", "p99 ms", "max ms", "gaps > 16 ms")
    keys = ("stall_ticks", "stall_median", "stall_p99", "stall_max", "stall_over16")
    print(table(headers, [[row.get(k) for k in keys]], align="r" * len(keys)))


def print_broker(rows: list[dict[str, Any]]) -> None:
    size = rows[0]["packet"]
    print(
        f"\n## One Mosquitto: 1 publisher to 20 subscriber connections, QoS 0, "
        f"{size}-byte packets\n"
    )
    headers = ("offered msg/s", "published msg/s", "delivered msg/s", "expected (x20)",
               "CPU % broker", "broker µs per delivered message")  # fmt: skip
    keys = ("offered", "published", "delivered", "expected", "cpu", "us")
    print(table(headers, [[r.get(k) for k in keys] for r in rows], align="r" * len(keys)))
    top = max(rows, key=lambda r: r["delivered"])
    print(f"\nMost delivered: {fmt(top['delivered'], 0)} msg/s at {fmt(top['cpu'])} % of a core.")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
