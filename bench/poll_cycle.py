"""Poll-cycle cost of qml-s7 beside the baselines a user would otherwise pick.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/poll_cycle.py
        [--sizes 100 1000 10000] [--layout clustered|scattered] [--cycles 20] [--budget 3]
        [--delay-ms 1]
        [--methods qml-s7 qml-s7-bound plan naive rmv20 rmv-merged snap7-opt nodes7]
        [--no-snap7c] [--compat-scattered 1000] [-v]

Per size (mixed types over DB1..DB5 and I, Q, M; see ``common.make_vars``) and per network
(plain loopback, and a proxy that adds a round trip of ``--delay-ms`` per request), every
method reads all variables once per cycle and decodes them. The memory image changes before
every cycle (so most values change: qml-s7's worst case), and the values of the last cycle are
checked against the simulator's memory. Methods:

- ``qml-s7``: S7Variables declared in QML under one S7Client, one poll cycle = the client's
  poll tick (``pollInterval``) until the last value has been handed to the variables in the
  GUI thread. Nothing listens to them, so no dataChanged is emitted (qml-s7 skips signals
  nobody hears).
- ``qml-s7-bound``: the same with every variable's ``data`` bound in QML (``property var
  shown: data``), as a widget showing it would: dataChanged for every changed value, into the
  QML engine's bindings.
- ``plan``: qml-s7's ReadPlan and codec on a plain snap7.Client (through
  ``qml_s7.link.snap7_client.ClientTransport``), no Qt and no thread (qml-s7's I/O core).
- ``naive``: python-snap7 ``read_area`` once per variable.
- ``rmv20``: python-snap7's public ``read_multi_vars`` on the items as given, 20 a call (its
  limit). With the default ``use_optimizer=True`` it merges the items of each call and packs
  them itself (``use_optimizer=False`` would send one ``read_area`` per item: ``naive``).
- ``rmv-merged``: python-snap7's own merge step (``snap7.optimizer.merge_items`` with its gap
  and block size) over all items, then ``read_multi_vars`` on the merged blocks, 20 a call:
  the best use of its public API that keeps to 20 items (its optimizer still keeps up to 4
  requests in flight where one was negotiated). This is ``raw`` in the ratios.
- ``snap7-opt``: python-snap7's private ``_read_multi_vars_optimized`` on all items at once
  (what ``read_multi_vars`` would do without its 20-item refusal).
- ``nodes7``: nodes7 0.3.18 (npm; Node-RED's S7 client) reading the same items, its own
  optimizer; ``n/a`` without node/npm.

Exchanges and bytes are counted by a proxy per method (on loopback through a proxy without
delay for one cycle; the timed cycles go direct). The methods of one size and network are timed
side by side: one cycle of each in turn, round after round, so that the drift of a shared
machine's speed hits them alike. Cycle times are median and p95 over the timed cycles.
A last table checks every method against both 20-item servers: qml-s7's Simulator and the
original Snap7 server (the C library, from python-snap7 1.4.1 in ``bench/.snap7c-venv``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common
import snap7
from common import (
    AREA_DB,
    JsonProcess,
    ProxyProcess,
    SimProcess,
    Snap7CProcess,
    Var,
    summary,
    table,
)
from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot
from PySide6.QtQml import QQmlEngine
from snap7.optimizer import ReadItem, merge_items, sort_items
from snap7.type import Area
from snap7.util import get_bool, get_byte, get_dint, get_dword, get_int, get_real, get_word

import qml_s7
from qml_s7.core.address import parse_address
from qml_s7.core.codec import ByteOrder, decode
from qml_s7.core.errors import Failure
from qml_s7.core.readplan import ReadPlan, ReadSpec
from qml_s7.link.snap7_client import ClientTransport
from qml_s7.session.session import shutdown_all

METHODS = ("qml-s7", "qml-s7-bound", "plan", "naive", "rmv20", "rmv-merged", "snap7-opt", "nodes7")
HUGE_INTERVAL = 24 * 3600 * 1000  # qml-s7's own poll timer never fires; the bench ticks it

_GETTERS: dict[str, Callable[[bytearray, int, Var], Any]] = {
    "BOOL": lambda b, o, v: get_bool(b, o, v.bit),
    "BYTE": lambda b, o, v: get_byte(b, o),
    "WORD": lambda b, o, v: get_word(b, o),
    "INT": lambda b, o, v: get_int(b, o),
    "DWORD": lambda b, o, v: get_dword(b, o),
    "DINT": lambda b, o, v: get_dint(b, o),
    "REAL": lambda b, o, v: get_real(b, o),
}


class MethodFailed(Exception):
    """The method cannot read these variables from this server (reported, not raised)."""


class Method:
    """One way to read every variable once per cycle."""

    name = ""
    warm_up = True  # a first cycle builds plans and caches before anything is counted

    def __init__(self, variables: Sequence[Var]) -> None:
        self.vars = variables

    def connect(self, port: int) -> None:
        raise NotImplementedError

    def cycle(self, values: bool) -> tuple[float, list[Any] | None]:
        """Read everything once: (seconds, the values in variable order if asked)."""
        raise NotImplementedError

    def disconnect(self) -> None:
        pass

    def close(self) -> None:
        self.disconnect()


class Snap7Method(Method):
    """Base of the python-snap7 columns: a plain snap7.Client, values decoded by snap7.util."""

    def __init__(self, variables: Sequence[Var]) -> None:
        super().__init__(variables)
        self.client: snap7.Client | None = None

    def connect(self, port: int) -> None:
        self.disconnect()
        client = snap7.Client()
        client.connect("127.0.0.1", 0, 1, port)
        self.client = client
        self.prepare(client)

    def prepare(self, client: snap7.Client) -> None:
        pass

    def disconnect(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client = None

    def cycle(self, values: bool) -> tuple[float, list[Any] | None]:
        started = time.perf_counter()
        try:
            result = self.read(self.client)
        except Exception as exc:
            raise MethodFailed(f"{type(exc).__name__}: {exc}") from exc
        return time.perf_counter() - started, result if values else None

    def read(self, client: snap7.Client) -> list[Any]:
        raise NotImplementedError


def _dict_item(area: int, db: int, start: int, size: int) -> dict[str, Any]:
    return {
        "area": Area(area),
        "db_number": db if area == AREA_DB else 0,
        "start": start,
        "size": size,
    }


class Naive(Snap7Method):
    name = "naive"
    warm_up = False  # nothing to build; its cycles are long

    def read(self, client: snap7.Client) -> list[Any]:
        out = []
        for v in self.vars:
            buf = client.read_area(Area(v.area), v.db, v.start, v.size)
            out.append(_GETTERS[v.kind](buf, 0, v))
        return out


class Rmv20(Snap7Method):
    name = "rmv20"

    def prepare(self, client: snap7.Client) -> None:
        items = [_dict_item(v.area, v.db, v.start, v.size) for v in self.vars]
        self.chunks = [items[i : i + 20] for i in range(0, len(items), 20)]

    def read(self, client: snap7.Client) -> list[Any]:
        buffers: list[bytearray] = []
        for chunk in self.chunks:
            buffers.extend(client.read_multi_vars(chunk)[1])
        return [_GETTERS[v.kind](b, 0, v) for v, b in zip(self.vars, buffers, strict=True)]


class RmvNoOptimizer(Rmv20):
    name = "rmv20, use_optimizer=False"

    def prepare(self, client: snap7.Client) -> None:
        client.use_optimizer = False
        super().prepare(client)


class RmvMerged(Snap7Method):
    name = "rmv-merged"

    def prepare(self, client: snap7.Client) -> None:
        items = [
            ReadItem(v.area, v.db if v.area == AREA_DB else 0, v.start, 0, v.size, i)
            for i, v in enumerate(self.vars)
        ]
        self.blocks = merge_items(
            sort_items(items),
            max_gap=client.multi_read_max_gap,
            max_block_size=client._max_read_size(),
        )
        dicts = [
            _dict_item(b.area, b.db_number, b.start_offset, b.byte_length) for b in self.blocks
        ]
        self.chunks = [dicts[i : i + 20] for i in range(0, len(dicts), 20)]

    def read(self, client: snap7.Client) -> list[Any]:
        buffers: list[bytearray] = []
        for chunk in self.chunks:
            buffers.extend(client.read_multi_vars(chunk)[1])
        out: list[Any] = [None] * len(self.vars)
        for block, buf in zip(self.blocks, buffers, strict=True):
            for item in block.items:
                v = self.vars[item.index]
                out[item.index] = _GETTERS[v.kind](buf, item.byte_offset - block.start_offset, v)
        return out


class Snap7Opt(Snap7Method):
    name = "snap7-opt"

    def prepare(self, client: snap7.Client) -> None:
        self.items = [_dict_item(v.area, v.db, v.start, v.size) for v in self.vars]

    def read(self, client: snap7.Client) -> list[Any]:
        buffers = client._read_multi_vars_optimized(self.items)[1]
        return [_GETTERS[v.kind](b, 0, v) for v, b in zip(self.vars, buffers, strict=True)]


class Plan(Snap7Method):
    name = "plan"

    def prepare(self, client: snap7.Client) -> None:
        self.addresses = [parse_address(v.name) for v in self.vars]
        specs = [ReadSpec(int(a.area), a.db, a.start, a.size) for a in self.addresses]
        self.plan = ReadPlan(specs, client.get_pdu_length())
        self.transport = ClientTransport(client)

    def read(self, client: snap7.Client) -> list[Any]:
        raw = self.plan.execute(self.transport)
        big = ByteOrder.BigEndian
        return [decode(a, d, big) for a, d in zip(self.addresses, raw, strict=True)]


class _Probe(QObject):
    """Lives in the GUI thread; counts the values of the I/O thread's readDone (a batch comes in
    parts) and ends the cycle once the session has applied its last part (batchApplied)."""

    def __init__(self) -> None:
        super().__init__()
        self.received = 0
        self.failures = 0
        self.expected = 0
        self.applied = False  # the session applied a batch's last part in this cycle
        self.loop: QEventLoop | None = None

    def start(self, expected: int, loop: QEventLoop) -> None:
        self.received = self.failures = 0
        self.expected, self.loop, self.applied = expected, loop, False

    @Slot(object)
    def on_read(self, result: Any) -> None:
        self.received += len(result.keys)  # a part of a batch, or (older trees) all of it
        failures = getattr(result, "failures", None)
        if failures is None:
            failures = [v for v in result.values if isinstance(v, Failure)]
        self.failures += len(failures)
        self._done()

    @Slot(int)
    def on_applied(self, _job: int) -> None:
        # the session hears readDone first: the batch's last part may reach on_read after this
        self.applied = True
        self._done()

    def _done(self) -> None:
        if self.applied and self.received >= self.expected and self.loop is not None:
            self.loop.quit()


class QmlS7(Method):
    """S7Variables declared in QML; a cycle is one tick of the client's poll timer."""

    name = "qml-s7"
    variable_props = ""

    def __init__(self, variables: Sequence[Var]) -> None:
        super().__init__(variables)
        self.engine: QQmlEngine | None = None
        self.client: Any = None
        self.probe = _Probe()
        self.create_s = math.nan

    def connect(self, port: int) -> None:
        if self.client is None:
            self.engine = QQmlEngine()
            qml_s7.install(self.engine)  # as a host program does
            started = time.perf_counter()
            self.client = common.create_qml(
                self.engine,
                common.client_qml(
                    self.vars, port, HUGE_INTERVAL, variable_props=self.variable_props
                ),
            )
            self.create_s = time.perf_counter() - started
            by_name = {o.name: o for o in self.client.childObjects()}
            self.objects = [by_name[v.name] for v in self.vars]
            self.client.session.thread.readDone.connect(self.probe.on_read)
            self.client.session.batchApplied.connect(self.probe.on_applied)
        else:
            self.client.disconnectFromHost()
            common.wait_until(lambda: not self.client.connected, 10, "qml-s7 to disconnect")
            self.client.port = port
            self.client.connectToHost()
        common.wait_until(lambda: self.client.connected, 20, "qml-s7 to connect")

    def cycle(self, values: bool) -> tuple[float, list[Any] | None]:
        probe = self.probe
        loop = QEventLoop()
        probe.start(len(self.vars), loop)
        guard = QTimer()
        guard.setSingleShot(True)
        guard.timeout.connect(loop.quit)
        guard.start(120_000)
        started = time.perf_counter()
        self.client.session.tick(HUGE_INTERVAL)  # what the group's poll timer does
        loop.exec()
        elapsed = time.perf_counter() - started
        probe.loop = None
        if probe.received < probe.expected:
            raise MethodFailed(f"only {probe.received} of {probe.expected} values arrived")
        if probe.failures:
            raise MethodFailed(
                f"{probe.failures} variables failed: {self.objects[0].errorString}"
                if self.objects[0].errorString
                else f"{probe.failures} variables failed"
            )
        return elapsed, [o.data for o in self.objects] if values else None

    def disconnect(self) -> None:
        if self.client is not None:
            self.client.disconnectFromHost()

    def close(self) -> None:
        if self.client is not None:
            common.shutdown_qml(self.client, self.engine)
            self.client = self.engine = None


class _NodeProcess(JsonProcess):
    """nodes7's script reads plain command lines, not JSON."""

    def call(self, cmd: str, timeout: float = 30.0, **_: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self._read(timeout)


class Nodes7(Method):
    name = "nodes7"

    def __init__(self, variables: Sequence[Var]) -> None:
        super().__init__(variables)
        self.proc: _NodeProcess | None = None
        self.config = tempfile.NamedTemporaryFile(  # noqa: SIM115 (lives as long as we do)
            "w", suffix=".json", prefix="nodes7-", delete=False
        )

    def connect(self, port: int) -> None:
        self.disconnect()
        with open(self.config.name, "w") as f:
            json.dump(
                {"host": "127.0.0.1", "port": port, "items": [v.nodes7 for v in self.vars]}, f
            )
        script = common.NODES7_DIR / "cycle.js"
        self.proc = _NodeProcess(["node", str(script), self.config.name], "nodes7", timeout=30)
        if "error" in self.proc.ready:
            raise MethodFailed(f"nodes7 cannot connect: {self.proc.ready['error']}")

    def cycle(self, values: bool) -> tuple[float, list[Any] | None]:
        assert self.proc is not None
        answer = self.proc.call("values" if values else "cycle", timeout=120)
        if answer.get("bad"):
            raise MethodFailed(f"{answer['bad']} items came back with bad quality")
        vals = None
        if values:
            vals = [float(x) if isinstance(x, str) else x for x in answer["values"]]
        return answer["ms"] / 1000, vals

    def disconnect(self) -> None:
        if self.proc is not None:
            self.proc.close()
            self.proc = None

    def close(self) -> None:
        self.disconnect()
        os.unlink(self.config.name)


class QmlS7Bound(QmlS7):
    """``qml-s7`` with every variable's data bound in QML, as a widget showing it would."""

    name = "qml-s7-bound"
    variable_props = common.BOUND


def _make(name: str, variables: Sequence[Var]) -> Method:
    cls = {
        "qml-s7": QmlS7,
        "qml-s7-bound": QmlS7Bound,
        "plan": Plan,
        "naive": Naive,
        "rmv20": Rmv20,
        "rmv20-noopt": RmvNoOptimizer,
        "rmv-merged": RmvMerged,
        "snap7-opt": Snap7Opt,
        "nodes7": Nodes7,
    }[name]
    return cls(variables)


# -- one measurement -------------------------------------------------------------------------
class Server:
    """A PLC process, and a counting proxy in front of it for the checks."""

    def __init__(self, label: str, proc: SimProcess | Snap7CProcess) -> None:
        self.label = label
        self.proc = proc
        self.counter = ProxyProcess(proc.port, 0.0)  # measure() gives each method its own
        self.image = 0

    def next_image(self) -> int:
        self.image ^= 1
        self.proc.image(self.image)
        return self.image

    def close(self) -> None:
        self.counter.close()
        self.proc.close()


def _counted(stats: dict[str, int], cycles: int) -> dict[str, float]:
    return {
        "reads": stats["reads"] / max(1, cycles),
        "bytes": stats["read_bytes"] / max(1, cycles),
        "max_items": stats["max_items"],
        "max_in_flight": stats["max_in_flight"],
        "errors": stats["error_replies"] + stats["bad_items"],
    }


def _failure(exc: BaseException) -> str:
    if isinstance(exc, MethodFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _Timed:
    """One method's part in a side-by-side measurement: its proxy, row and cycle times."""

    def __init__(self, method: Method, proxy: ProxyProcess) -> None:
        self.method = method
        self.proxy = proxy
        self.row: dict[str, Any] = {"method": method.name}
        self.times: list[float] = []
        self.spent = 0.0  # seconds of its timed cycles, image switches included
        self.least = 0  # fewest timed cycles, set once its first cycles are known
        self.counted = False

    def fail(self, exc: BaseException, verbose: bool) -> None:
        self.row["failed"] = _failure(exc)
        if verbose and not isinstance(exc, MethodFailed):
            traceback.print_exc()
        if not self.counted:
            self.row.update(_counted(self.proxy.stats(reset=True), max(1, len(self.times))))
            self.counted = True


def _prepare(t: _Timed, server: Server, delayed: bool, args: argparse.Namespace) -> None:
    """Warm ``t``'s method up, count one cycle's exchanges and check its values.

    Loopback: the counted cycle goes through the method's proxy without delay, the timed
    cycles direct. Delayed: every cycle goes through its delaying proxy and all are counted.
    """
    method, proxy = t.method, t.proxy
    method.connect(proxy.port)
    warm = 0.0
    if method.warm_up:
        server.next_image()
        warm, _ = method.cycle(False)  # builds plans and caches
    proxy.stats(reset=True)
    image = server.next_image()
    first, vals = method.cycle(True)
    t.row["wrong"] = server.proc.images.mismatches(method.vars, vals, image)
    if delayed:
        t.times.append(first)
    else:
        t.row.update(_counted(proxy.stats(reset=True), 1))
        t.counted = True
        method.connect(server.proc.port)  # timed cycles go direct
        if method.warm_up:
            server.next_image()
            method.cycle(False)
    t.least = 2 if max(warm, first) > args.budget / 3 else args.min_cycles


def measure(
    methods: Sequence[Method], server: Server, delayed: bool, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Time the cycles of ``methods`` side by side: a row per method.

    Each method is prepared first (``_prepare``), then their cycles run in rounds, one cycle
    of each due method per round in an order that turns every round. A method is due until it
    has ``--cycles``, or has spent ``--budget`` seconds on its cycles (and has its fewest). So
    every median comes from the same stretch of time: the speed of this shared machine drifts
    by up to 2x over seconds, and methods timed one after the other compared its phases more
    than the methods.
    """
    delay = args.delay_ms if delayed else 0.0
    timed: list[_Timed] = []
    try:
        for method in methods:
            t = _Timed(method, ProxyProcess(server.proc.port, delay))
            timed.append(t)
            try:
                _prepare(t, server, delayed, args)
            except Exception as exc:
                t.fail(exc, args.verbose)
        for turn in itertools.count():
            due = [
                t
                for t in timed
                if "failed" not in t.row
                and len(t.times) < args.cycles
                and (len(t.times) < t.least or t.spent < args.budget)
            ]
            if not due:
                break
            shift = turn % len(due)
            for t in due[shift:] + due[:shift]:
                started = time.monotonic()
                server.next_image()
                try:
                    elapsed, _ = t.method.cycle(False)
                except Exception as exc:
                    t.fail(exc, args.verbose)
                    continue
                t.times.append(elapsed)
                t.spent += time.monotonic() - started
        for t in timed:
            if "failed" in t.row:
                continue
            if not t.counted:
                t.row.update(_counted(t.proxy.stats(reset=True), len(t.times)))
            s = summary(t.times)
            t.row.update(median=s["median"] * 1000, p95=s["p95"] * 1000, n=len(t.times))
    finally:
        for t in timed:
            t.method.disconnect()
            t.proxy.close()
    return [t.row for t in timed]


def check(method: Method, server: Server) -> dict[str, Any]:
    """One counted, checked cycle through ``server``'s counting proxy."""
    row: dict[str, Any] = {"method": method.name}
    try:
        method.connect(server.counter.port)
        server.next_image()
        server.counter.stats(reset=True)
        image = server.next_image()
        _, vals = method.cycle(True)
        row["wrong"] = server.proc.images.mismatches(method.vars, vals, image)
    except Exception as exc:
        row["failed"] = _failure(exc)
    finally:
        row.update(_counted(server.counter.stats(reset=True), 1))
        method.disconnect()
    return row


def _status(row: dict[str, Any]) -> str:
    if "failed" in row:
        text = row["failed"].replace("|", "/")
        return "FAILS: " + (text if len(text) < 90 else text[:87] + "...")
    if row.get("wrong"):
        return f"WRONG: {row['wrong']} values"
    if row.get("errors"):
        return f"{row['errors']} errors"
    return "ok"


# -- the run -------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument(
        "--layout",
        choices=common.LAYOUTS,
        default="clustered",
        help="variable layout of the timed tables (see common.make_vars)",
    )
    parser.add_argument("--cycles", type=int, default=20, help="most timed cycles per figure")
    parser.add_argument("--min-cycles", type=int, default=5, help="fewest timed cycles")
    parser.add_argument(
        "--budget",
        type=float,
        default=3.0,
        help="seconds of timed cycles per figure (beyond --min-cycles)",
    )
    parser.add_argument(
        "--delay-ms",
        type=float,
        default=1.0,
        help="round trip the proxy adds per request (0: loopback only)",
    )
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-snap7c", action="store_true", help="skip the check against the original Snap7 server"
    )
    parser.add_argument(
        "--compat-scattered",
        type=int,
        default=1000,
        metavar="N",
        help="variables of the scattered set in the limits check (0: none)",
    )
    parser.add_argument("--no-loopback", action="store_true", help="only the delayed network")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    print(common.banner("poll cycle: qml-s7 and its baselines"))
    note = common.load_note()
    if note:
        print(note)
    common.qt_app()
    nodes7_why = common.ensure_nodes7() if "nodes7" in args.methods else "not asked for"
    snap7c_why = "skipped (--no-snap7c)" if args.no_snap7c else common.ensure_snap7c()
    sets = {n: common.make_vars(n, args.seed, args.layout) for n in args.sizes}
    scattered = (
        common.make_vars(args.compat_scattered, args.seed, "scattered")
        if args.compat_scattered
        else []
    )
    dbs, other = common.area_sizes(v for vs in [*sets.values(), scattered] for v in vs)
    print(
        f"# simulator: qml-s7's Simulator in its own process (20 items, PDU 480, 3 parallel "
        f"jobs granted when asked); DB1..DB5 of {'/'.join(str(s) for s in dbs.values())} bytes, "
        f"I/Q/M of {other}; variables {args.layout} (seed {args.seed})"
    )
    n7 = "0.3.18" if nodes7_why is None else f"n/a ({nodes7_why})"
    c7 = (
        f"python-snap7 {common.SNAP7C_VERSION} with libsnap7"
        if snap7c_why is None
        else f"n/a ({snap7c_why})"
    )
    print(f"# nodes7 {n7}; original Snap7 server {c7}")
    print(
        "# timed cycles: loopback direct, delayed through the proxy, the methods side by side "
        "(a cycle of each in turn); exchanges, bytes, items and jobs in flight counted by the "
        "proxy (Read Var requests and their replies)"
    )
    print()

    sim = Server("qml-s7 Simulator", SimProcess(dbs, other, args.seed))
    servers = [sim]
    snap7c: Server | None = None
    if snap7c_why is None:
        snap7c = Server("original Snap7 server", Snap7CProcess(dbs, other, args.seed))
        servers.append(snap7c)
    methods = [m for m in args.methods if m != "nodes7" or nodes7_why is None]
    networks = ([] if args.no_loopback else [False]) + ([True] if args.delay_ms > 0 else [])
    results: dict[tuple[int, bool], list[dict[str, Any]]] = {}
    compat: list[tuple[str, int, str, dict[str, Any]]] = []  # layout, size, server, row
    try:
        for size, variables in sets.items():
            made = [_make(name, variables) for name in methods]
            try:
                for delayed in networks:
                    for method, row in zip(made, measure(made, sim, delayed, args), strict=True):
                        if isinstance(method, QmlS7):
                            row["create_s"] = method.create_s
                        results.setdefault((size, delayed), []).append(row)
                        if args.verbose:
                            print(
                                f"# {size} {'delayed' if delayed else 'loopback'} {row}", flush=True
                            )
                if snap7c is not None:
                    for method in made:
                        if method.name != "naive":
                            compat.append((args.layout, size, "Snap7", check(method, snap7c)))
            finally:
                for method in made:
                    method.close()
            _print_size(size, variables, results, args)
        if scattered:
            for name in [*methods, "rmv20-noopt"]:
                if name == "naive":
                    continue
                for server in servers:
                    method = _make(name, scattered)
                    try:
                        tag = "Snap7" if server is snap7c else "Simulator"
                        compat.append(("scattered", len(scattered), tag, check(method, server)))
                    finally:
                        method.close()
    finally:
        for s in servers:
            s.close()
        shutdown_all()
    _print_summary(results, args)
    _print_compat(compat, args, scattered, snap7c_why)
    _print_targets(results, compat, sets, args)
    print(f"\n# done; load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def _network(delayed: bool, args: argparse.Namespace) -> str:
    return f"+{args.delay_ms:g} ms round trip per request (proxy)" if delayed else "loopback"


def _fewest(variables: Sequence[Var]) -> int:
    specs = [ReadSpec(v.area, v.db, v.start, v.size) for v in variables]
    return ReadPlan(specs, 480).lower_bound


def _print_size(
    size: int, variables: Sequence[Var], results: dict, args: argparse.Namespace
) -> None:
    print(
        f"## {size:,} variables: fewest Read Var exchanges the limits allow "
        f"(20 items, PDU 480, blocks merged): {_fewest(variables)}"
    )
    for delayed in (False, True):
        rows = results.get((size, delayed))
        if not rows:
            continue
        print(f"\n### {size:,} variables, {_network(delayed, args)}\n")
        headers = (
            "method",
            "exchanges/cycle",
            "bytes/cycle",
            "max items",
            "in flight",
            "median ms",
            "p95 ms",
            "cycles",
            "status",
        )
        body = [
            (
                r["method"],
                _num(r.get("reads")),
                _num(r.get("bytes")),
                r.get("max_items"),
                r.get("max_in_flight"),
                r.get("median"),
                r.get("p95"),
                r.get("n"),
                _status(r),
            )
            for r in rows
        ]
        print(table(headers, body, align="lrrrrrrrl"))
        qml = next((r for r in rows if r["method"] == "qml-s7" and "create_s" in r), None)
        if qml is not None and not delayed:
            print(
                f"\n(qml-s7: creating the {size:,} S7Variables from QML took "
                f"{qml['create_s']:.2f} s, not part of any cycle)"
            )
    print(flush=True)


def _num(value: float | None) -> Any:
    if value is None:
        return None
    return round(value) if abs(value - round(value)) < 1e-9 else value


def _median(rows: list[dict[str, Any]], name: str) -> float:
    r = next((r for r in rows if r["method"] == name), None)
    if r is None or "failed" in r or r.get("wrong"):
        return math.nan
    return r["median"]


def _ratio(a: float, b: float, digits: int) -> str:
    return "n/a" if math.isnan(a) or math.isnan(b) or b == 0 else f"{a / b:.{digits}f}x"


def _print_summary(results: dict, args: argparse.Namespace) -> None:
    print("## Summary: median cycle times and ratios (raw = rmv-merged)\n")
    headers = (
        "variables",
        "network",
        "qml-s7 ms",
        "bound ms",
        "plan ms",
        "raw ms",
        "rmv20 ms",
        "naive ms",
        "nodes7 ms",
        "qml-s7/raw",
        "bound/raw",
        "qml-s7/rmv20",
        "naive/qml-s7",
    )
    body = []
    for (size, delayed), rows in sorted(results.items()):
        q, bound = _median(rows, "qml-s7"), _median(rows, "qml-s7-bound")
        raw, rmv20, naive = (_median(rows, n) for n in ("rmv-merged", "rmv20", "naive"))
        body.append(
            (
                size,
                f"+{args.delay_ms:g} ms" if delayed else "loopback",
                q,
                bound,
                _median(rows, "plan"),
                raw,
                rmv20,
                naive,
                _median(rows, "nodes7"),
                _ratio(q, raw, 2),
                _ratio(bound, raw, 2),
                _ratio(q, rmv20, 2),
                _ratio(naive, q, 1),
            )
        )
    print(table(headers, body, align="ll" + "r" * 11))


def _print_compat(
    compat: list, args: argparse.Namespace, scattered: list, snap7c_why: str | None
) -> None:
    if not compat:
        return
    print("\n## Protocol limits: every method against 20-item servers (one checked cycle)\n")
    print(
        "Snap7 = the original Snap7 server (C library): it cuts a request of more than 20 "
        "items to 20.\nSimulator = qml-s7's Simulator: it refuses such a request (0x8500)."
    )
    if snap7c_why:
        print(f"The original Snap7 server is n/a here ({snap7c_why}).")
    print()
    headers = (
        "variables",
        "layout",
        "server",
        "method",
        "exchanges/cycle",
        "max items",
        "in flight",
        "status",
    )
    body = [
        (
            size,
            layout,
            server,
            r["method"],
            _num(r.get("reads")),
            r.get("max_items"),
            r.get("max_in_flight"),
            _status(r),
        )
        for layout, size, server, r in compat
    ]
    print(table(headers, body, align="lllrrrrl".replace("r", "l", 1)))


# Every value bound: the most a cycle may cost against rmv-merged, per number of variables.
BOUND_LIMITS = {1000: 1.3, 10000: 1.5}


def _print_targets(results: dict, compat: list, sets: dict, args: argparse.Namespace) -> None:
    print("\n## Targets\n")
    rows = []
    for size, variables in sets.items():
        for delayed in (False, True):
            r = next((r for r in results.get((size, delayed), []) if r["method"] == "qml-s7"), None)
            if r is not None and "reads" in r:
                fewest = _fewest(variables)
                rows.append(
                    (
                        f"qml-s7 exchanges = fewest, {size:,} variables, "
                        f"{'delayed' if delayed else 'loopback'}",
                        f"{_num(r['reads'])} vs {fewest}",
                        "PASS" if r["reads"] == fewest and "failed" not in r else "FAIL",
                    )
                )
    for layout, size, server, r in compat:
        if r["method"] == "qml-s7" and server == "Snap7":
            rows.append(
                (
                    f"qml-s7 green against the original Snap7 server, {size:,} {layout}",
                    _status(r),
                    "PASS" if _status(r) == "ok" else "FAIL",
                )
            )
    for size in sets:
        for delayed in (False, True):
            rs = results.get((size, delayed), [])
            net = f"+{args.delay_ms:g} ms" if delayed else "loopback"
            q, nodes7 = _median(rs, "qml-s7"), _median(rs, "nodes7")
            if not math.isnan(q / nodes7):
                rows.append(
                    (
                        f"{size:,} variables, {net}: qml-s7 faster than nodes7",
                        _ratio(q, nodes7, 2),
                        "PASS" if q < nodes7 else "FAIL",
                    )
                )
    # every value bound and changing, against python-snap7's best loop (which shows nothing)
    for size, limit in BOUND_LIMITS.items():
        rs = results.get((size, False), [])
        bound, raw = _median(rs, "qml-s7-bound"), _median(rs, "rmv-merged")
        if not math.isnan(bound / raw):
            rows.append(
                (
                    f"{size:,} variables, loopback: qml-s7-bound <= {limit}x rmv-merged",
                    _ratio(bound, raw, 2),
                    "PASS" if bound <= limit * raw else "FAIL",
                )
            )
    for delayed in (False, True):
        rs = results.get((1000, delayed))
        if not rs:
            continue
        net = f"+{args.delay_ms:g} ms" if delayed else "loopback"
        q, raw, rmv20, naive = (_median(rs, n) for n in ("qml-s7", "rmv-merged", "rmv20", "naive"))
        if not math.isnan(q / raw):
            rows.append(
                (
                    f"1,000 variables, {net}: qml-s7 <= 1.3x rmv-merged",
                    _ratio(q, raw, 2),
                    "PASS" if q <= 1.3 * raw else "FAIL",
                )
            )
        if not math.isnan(q / rmv20):
            rows.append(
                (
                    f"1,000 variables, {net}: qml-s7 faster than rmv20",
                    _ratio(q, rmv20, 2),
                    "PASS" if q < rmv20 else "FAIL",
                )
            )
        if delayed and not math.isnan(naive / q):
            rows.append(
                (
                    f"1,000 variables, {net}: naive/qml-s7 >= 20x",
                    _ratio(naive, q, 1),
                    "PASS" if naive >= 20 * q else "FAIL",
                )
            )
    print(table(("target", "measured", ""), rows, align="lrl"))


if __name__ == "__main__":
    sys.exit(main())
