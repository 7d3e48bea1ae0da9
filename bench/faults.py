"""Fault tolerance figures of qml-s7: restarts, silent and hostile PLCs, outages, bad input.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/faults.py [--quick] [--seed 1]
                                                               [--only restarts,hostile,...]

Runs every scenario of tests/test_faults.py at full length against servers on 127.0.0.1
(the simulator, and the hostile fake PLC of qml_s7/testing/hostile.py) and prints one Markdown
table of figures per scenario: the numbers of docs/RELIABILITY.md. ``reloads`` adds what a
panel loaded again and again leaves behind (``tests/test_wrappers.py`` holds its promise).
``--quick`` runs the CI lengths. Everything random is seeded (``--seed``), so a run can be
repeated case for case.

The simulator runs in this process (its write log is the ground truth of the write audit);
it is stopped and started from a helper thread, so the GUI-thread stall measured here is the
client's alone. The hostile PLC, the fuzzer and the audit helpers ship in the package
(``qml_s7.testing.hostile``): no test extras are needed.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import statistics
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shiboken6
from common import SimProcess
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlComponent, QQmlEngine

import qml_s7
from qml_s7.core.codec import decode
from qml_s7.session.session import running_workers
from qml_s7.simulator import Simulator
from qml_s7.testing.hostile import (
    KINDS,
    QUIT_SCRIPT,
    HostilePLC,
    Outages,
    RandomPolicy,
    StallMeter,
    WriteLedger,
    always,
    audit_writes,
    dint_log,
    expected_bytes,
    fuzz_worker,
    must_fail,
    spread_names,
)

CONNECT_MS, REQUEST_MS, RECONNECT_MS = 500, 500, 1000
LINK = (
    f"connectTimeout: {CONNECT_MS}; requestTimeout: {REQUEST_MS}; reconnectInterval: {RECONNECT_MS}"
)
Row = tuple[str, str]


# -- plumbing -------------------------------------------------------------------------------
class Bench:
    def __init__(self) -> None:
        self.app = QGuiApplication.instance() or QGuiApplication(sys.argv)
        self.engine = QQmlEngine()
        qml_s7.install(self.engine)
        self._keep: list[Any] = []

    def load(self, source: str):
        component = QQmlComponent(self.engine)
        component.setData(source.encode(), QUrl("bench.qml"))
        obj = component.create()
        if obj is None:
            raise RuntimeError("; ".join(e.toString() for e in component.errors()))
        self._keep.append(component)
        return obj

    def wait(self, condition: Callable[[], bool], timeout: float, what: str = "") -> float:
        """Process events until ``condition`` holds; the seconds it took.

        An event loop with a 2 ms check timer, not a loop of processEvents() and sleeps: the
        loop's own oversleeping would show up in the GUI-thread stalls measured meanwhile.
        """
        started = time.monotonic()
        expired = []
        loop = QEventLoop()

        def check() -> None:
            if condition():
                loop.quit()
            elif time.monotonic() - started > timeout:
                expired.append(True)
                loop.quit()

        timer = QTimer()
        timer.setInterval(2)
        timer.timeout.connect(check)
        if not condition():
            timer.start()
            loop.exec()
            timer.stop()
        if expired:
            raise TimeoutError(f"waited {timeout} s for {what or condition}")
        return time.monotonic() - started

    def pump(self, seconds: float) -> None:
        """Process events for ``seconds``."""
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def in_thread(self, action: Callable[[], Any]) -> None:
        """Run ``action`` on a helper thread (simulator power cycles) while events flow."""
        done = threading.Event()

        def run() -> None:
            try:
                action()
            finally:
                done.set()

        threading.Thread(target=run, daemon=True).start()
        self.wait(done.is_set, 30, "a helper thread")

    def destroy(self, obj) -> None:
        """Delete ``obj`` now (processEvents alone never runs deferred deletes)."""
        obj.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.pump(0.05)


def panel(port: int, body: str, client: str = "", link: str = LINK) -> str:
    return (
        f'import QtQml\nimport QmlS7\nS7Client {{\n    hostname: "127.0.0.1"; port: {port}\n'
        f"    {link}\n    {client}\n{body}\n}}\n"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {ms(statistics.median(values))}, max {ms(max(values))}"


def rss_mib() -> float:
    """The resident set size of this process in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def table(title: str, rows: list[Row]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n### {title}\n")
    print(f"| {'figure'.ljust(width)} | value |")
    print(f"| {'-' * width} | --- |")
    for key, value in rows:
        print(f"| {key.ljust(width)} | {value} |")
    sys.stdout.flush()


# -- scenarios ------------------------------------------------------------------------------
def restarts(b: Bench, count: int, variables: int, seed: int) -> list[Row]:
    """The PLC runs in a process of its own here, as a real one would: the GUI-thread stall
    measured is the panel's, not that of simulator threads sharing its interpreter."""
    names = spread_names(variables)
    body = "\n".join(f'    S7Variable {{ name: "{n}" }}' for n in names)
    body += '\n    S7Variable { name: "DB3.DBD1000:DINT"; enabled: false }'
    sim = SimProcess({1: 1024, 2: 1024, 3: 1024}, 1024, seed)
    plc_on = [True]  # the bench's own view: off once stop() returned, on from start() on
    client = b.load(panel(sim.port, body, "pollInterval: 100"))
    *polled, writer = client.childObjects()
    ledger = WriteLedger(writer)
    counter = iter(range(1, 10**9))
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ledger.issue(next(counter)))
    lies = []
    client.connectedChanged.connect(
        lambda: lies.append(1) if client.property("connected") and not plc_on[0] else None
    )

    def power(on: bool) -> None:
        if on:
            plc_on[0] = True
            sim.call("start")
        else:
            sim.call("stop")
            plc_on[0] = False

    rng = random.Random(seed)
    noticed, back, resumed, survived = [], [], [], 0
    connected_at = time.monotonic()
    b.wait(lambda: client.property("connected"), 10, "the first connect")
    timer.start()
    with StallMeter() as stall:
        for r in range(count):
            values = [(r * 1000 + i) % 30000 for i in range(len(names))]
            items = [
                [int(n[2]), int(n.split("DBW")[1].split(":")[0]), struct.pack(">h", v).hex()]
                for n, v in zip(names, values, strict=True)
            ]
            b.in_thread(lambda items=items: sim.call("write", items=items))
            b.wait(
                lambda values=values: all(
                    v.property("valid") and v.property("data") == value
                    for v, value in zip(polled, values, strict=True)
                ),
                10,
                "polling",
            )
            if r:
                resumed.append(time.monotonic() - connected_at)
            b.pump(rng.uniform(0.5, 1.5))  # the PLC runs a while, polled and written
            lost = time.monotonic()
            b.in_thread(lambda: power(False))  # events flow meanwhile: the client may notice
            b.wait(lambda: not client.property("connected"), 10, "the loss")
            noticed.append(time.monotonic() - lost)
            b.pump(rng.uniform(0.1, 0.8))
            started = time.monotonic()
            b.in_thread(lambda: power(True))
            b.wait(lambda: client.property("connected"), 10, "the reconnect")
            connected_at = time.monotonic()
            back.append(connected_at - started)
            survived += 1
        b.wait(
            lambda: all(v.property("valid") for v in polled), 10, "polling after the last restart"
        )
        resumed.append(time.monotonic() - connected_at)
        timer.stop()
        b.wait(lambda: ledger.settled, 10, "the writes")
    audit = audit_writes(ledger, sim.call("dint_log", db=3, start=1000)["values"])
    b.destroy(client)
    sim.close()
    bad = sum(list(audit.values())[3:])
    return [
        ("PLC restarts survived (no action from the panel)", f"{survived} / {count}"),
        ("variables polled (every 100 ms), writes (every 50 ms)", f"{variables}, 1"),
        ("link loss noticed after the PLC went off", spread(noticed)),
        ("reconnected after the PLC came back", spread(back)),
        ("bound: reconnectInterval + connectTimeout", ms((RECONNECT_MS + CONNECT_MS) / 1000)),
        ("all variables fresh again after the reconnect", spread(resumed)),
        ("`connected` true while the PLC was off", str(len(lies))),
        (
            "writes issued / confirmed / failed / lost",
            f"{audit['issued']} / {audit['confirmed']} / {audit['failed']} / {audit['lost']}",
        ),
        ("writes confirmed but not in the PLC, or landed unreported", str(bad)),
        ("largest GUI-thread stall", ms(stall.worst)),
    ]


def silent_connect(b: Bench, attempts: int) -> list[Row]:
    silent = HostilePLC()
    silent.policy = always("silence", ("cr",))
    port = silent.port
    client = b.load(panel(port, '    S7Variable { name: "DB1.DBW0" }', "pollInterval: 100"))
    (var,) = client.childObjects()
    starts, ends = [], []
    client.connectingChanged.connect(
        lambda: starts.append(time.monotonic()) if client.property("connecting") else None
    )
    client.errorOccurred.connect(
        lambda: ends.append((time.monotonic(), client.property("errorString")))
    )
    with StallMeter() as stall:
        b.wait(lambda: len(ends) >= attempts, 60, "connect timeouts")
    took = [end - start for start, (end, _) in zip(starts, ends, strict=False)]
    honoured = sum(
        1
        for t, (_, text) in zip(took, ends, strict=False)
        if f"no answer within {CONNECT_MS} ms" in text
    )
    b.in_thread(silent.close)
    sim = Simulator(port=port)
    b.in_thread(sim.start)
    sim.write("DB", 0, b"\x00\x2a", db=1)
    with StallMeter() as stall2:
        recovered = b.wait(lambda: var.property("data") == 42, 10, "a real PLC")
    b.destroy(client)
    sim.stop()
    return [
        ("connection attempts to a PLC that accepts and never answers", str(len(took))),
        (f"ended in a timeout error (connectTimeout {CONNECT_MS} ms)", f"{honoured} / {len(took)}"),
        ("attempt duration", spread(took)),
        ("a real PLC on that address: first value after", ms(recovered)),
        ("largest GUI-thread stall", ms(max(stall.worst, stall2.worst))),
    ]


def silent_requests(b: Bench, timeouts: int) -> list[Row]:
    plc = HostilePLC(timeout=REQUEST_MS / 1000)
    plc.policy = always("silence", ("read", "write"))
    body = (
        '    S7Variable { name: "DB1.DBW2:INT" }\n'
        '    S7Variable { name: "DB4.DBD0:DINT"; enabled: false }'
    )
    client = b.load(panel(plc.port, body, "pollInterval: 100"))
    var, writer = client.childObjects()
    ledger = WriteLedger(writer)
    client.connectedChanged.connect(
        lambda: ledger.issue(1) if client.property("connected") and not ledger.issued else None
    )
    ends = []

    def on_error() -> None:
        text = var.property("errorString")
        if text.startswith("Reading from") and "no answer within" in text:
            ends.append(time.monotonic())

    var.errorOccurred.connect(on_error)
    with StallMeter() as stall:
        b.wait(lambda: len(ends) >= timeouts and ledger.settled, 120, "request timeouts")
        reads = [t for t, r in plc.received if r.kind == "read"]
        waited = [end - max((t for t in reads if t < end), default=end) for end in ends]
        sent = sum(1 for t in reads if t < ends[-1])
        plc.policy = None
        want = decode(var.plcAddress, expected_bytes(0x84, 1, 2, 2))
        recovered = b.wait(lambda: var.property("data") == want, 10, "recovery")
    unknown = len(ledger.values("failed", "outcome is unknown"))
    b.destroy(client)
    b.in_thread(plc.close)
    return [
        ("reads sent after a good connect, never answered", str(len(waited))),
        (f"ended in a timeout error (requestTimeout {REQUEST_MS} ms)", f"{len(ends)} / {sent}"),
        ("from the request to the error in the GUI thread", spread(waited)),
        ("write never answered: reported 'outcome is unknown'", f"{unknown} / 1"),
        ("PLC answers again: first good value after", ms(recovered)),
        ("largest GUI-thread stall", ms(stall.worst)),
    ]


def hostile_worker(cases: int, seed: int) -> list[Row]:
    rss: list[float] = []

    def progress(i: int, total: int) -> None:
        if i % max(1, total // 4) == 0 or i == total - 1:
            rss.append(rss_mib())

    started = time.monotonic()
    report = fuzz_worker(cases, seed, timeout_ms=300, slow_share=0.05, progress=progress)
    seconds = time.monotonic() - started
    outcomes = report.by_outcome
    by_kind = Counter(c.kind for c in report.cases)
    harmless = sum(1 for c in report.cases if not must_fail(c.kind, c.mutation))
    slow = [c.seconds for c in report.cases]
    return [
        ("cases (a sweep of every mutation x request kind, then seeded random)", str(cases)),
        ("spoilt frames the worker received", str(report.frames)),
        ("per request kind", ", ".join(f"{k} {by_kind[k]}" for k in KINDS)),
        (
            "outcomes: error / link survived / harmless accepted",
            f"{outcomes['error']} / {outcomes['value'] + outcomes['connected']} / "
            f"{outcomes['confirmed'] + outcomes['wrong value']}",
        ),
        (
            "cases allowed to pass (keep-alive, identity, harmless; qml_s7/testing/hostile.py)",
            str(harmless),
        ),
        (
            "broken promises (hang, crash, spoilt answer accepted, wrong value)",
            str(len(report.problems)),
        ),
        ("slowest case (request timeout 300 ms)", ms(max(slow))),
        ("worker reconnects", str(report.reconnects)),
        ("largest frame (a TPKT length is 16 bits)", "65,535 bytes"),
        (
            "RSS at 0 / 25 / 50 / 75 / 100 % of the cases",
            " / ".join(f"{r:.0f}" for r in rss) + " MiB",
        ),
        ("run time", f"{seconds:.0f} s"),
    ] + [("problem", p) for p in report.problems[:5]]


HOSTILE_PANEL = """
    S7Variable { name: "DB1.DBW2:INT" }
    S7Variable { name: "DB1.DBD8:REAL" }
    S7Variable { name: "MB5" }
    S7Variable { name: "DB2.DBX3.4" }
    S7Variable { name: "QW6" }
    S7Variable { name: "DB3.DBB20:STRING[6]" }
    S7Variable { name: "DB4.DBD0:DINT"; enabled: false }
"""


def hostile_qml(b: Bench, spoilt: int, seed: int) -> list[Row]:
    plc = HostilePLC(timeout=0.3)
    plc.policy = RandomPolicy(seed=seed, share=0.3, kinds=("read", "write"))
    link = "connectTimeout: 300; requestTimeout: 300; reconnectInterval: 1000"
    client = b.load(panel(plc.port, HOSTILE_PANEL, "pollInterval: 30", link))
    *polled, writer = client.childObjects()
    ledger = WriteLedger(writer)
    timer = QTimer()
    timer.setInterval(40)
    timer.timeout.connect(lambda: ledger.issue(len(ledger.issued) + 1))
    errors = Counter()
    for v in polled:
        v.errorOccurred.connect(lambda v=v: errors.update([v.property("error")]))
    before = rss_mib()
    started = time.monotonic()
    with StallMeter() as stall:
        timer.start()
        b.wait(lambda: plc.spoilt >= spoilt, 3600, "spoilt frames")
        timer.stop()
        plc.policy = None
        b.wait(lambda: ledger.settled, 30, "the writes")
        wrong = 0
        for v in polled:
            a = v.plcAddress
            want = decode(a, expected_bytes(int(a.area), a.db, a.start, a.size))
            b.wait(lambda v=v, want=want: v.property("valid") and v.property("data") == want, 30)
    seconds = time.monotonic() - started
    answered = {struct.unpack(">i", data)[0]: name for data, name in plc.writes}
    wrong = sum(1 for v in ledger.values("confirmed") if must_fail("write", answered[v]))
    alive = client.session.thread.isRunning()
    b.destroy(client)
    b.in_thread(plc.close)
    return [
        ("spoilt answers to a QML S7Client (30 % of reads and writes)", str(plc.spoilt)),
        ("variable errors reported (errorOccurred)", str(sum(errors.values()))),
        (
            "writes issued / confirmed / failed",
            f"{len(ledger.issued)} / "
            f"{len(ledger.values('confirmed'))} / {len(ledger.values('failed'))}",
        ),
        ("writes confirmed on an answer that had to fail", str(wrong)),
        ("writes without an outcome", str(len(ledger.issued) - len(ledger.outcomes))),
        ("worker thread alive, every value right once the PLC is honest", str(alive)),
        ("largest GUI-thread stall", ms(stall.worst)),
        ("RSS before / after", f"{before:.0f} MiB / {rss_mib():.0f} MiB"),
        ("run time", f"{seconds:.0f} s"),
    ]


def outage(b: Bench, total: int, seed: int) -> list[Row]:
    sim = Simulator(dbs={1: 1024})
    sim.start()
    body = "\n".join(
        f'    S7Variable {{ name: "DB1.DBD{4 * j}:DINT"; enabled: false }}' for j in range(50)
    )
    client = b.load(panel(sim.port, body))
    ledgers = [WriteLedger(v) for v in client.childObjects()]
    b.wait(lambda: client.property("connected"), 10, "connect")
    issued = iter(range(total))

    def tick() -> None:
        i = next(issued, None)
        if i is None:
            timer.stop()
        else:
            ledgers[i % len(ledgers)].issue(i + 1)

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    outages = Outages(sim, seed=seed, up=(0.5, 1.5), down=(0.2, 0.5))
    started = time.monotonic()
    outages.start()
    timer.start()
    b.wait(lambda: not timer.isActive(), 600, "issuing")
    issuing = time.monotonic() - started
    b.in_thread(outages.finish)
    b.wait(lambda: all(ledger.settled for ledger in ledgers), 120, "outcomes")
    totals: Counter[str] = Counter()
    memory_ok = 0
    for j, ledger in enumerate(ledgers):
        landed = dint_log(sim, 1, 4 * j)
        totals.update(audit_writes(ledger, landed))
        totals["unknown"] += len(ledger.values("failed", "outcome is unknown"))
        totals["landed, outcome unknown"] += len(
            set(landed) & set(ledger.values("failed", "outcome is unknown"))
        )
        held = struct.unpack(">i", sim.read("DB", 4 * j, 4, db=1))[0]
        memory_ok += held == (landed[-1] if landed else 0)
    b.destroy(client)
    sim.stop()
    bad = sum(
        totals[k]
        for k in (
            "reported twice",
            "confirmed, not in the PLC",
            "landed twice",
            "out of order",
            "in the PLC, reported not written",
        )
    )
    return [
        ("writes issued (50 variables, unique values)", str(totals["issued"])),
        ("PLC power cycles while issuing", f"{outages.count} in {issuing:.1f} s"),
        ("confirmed (each found in the PLC's write log)", str(totals["confirmed"])),
        ("reported failed", str(totals["failed"])),
        ("  of which 'outcome is unknown' (cut off in flight)", str(totals["unknown"])),
        ("  of those, landed in the PLC after all", str(totals["landed, outcome unknown"])),
        ("lost (no outcome)", str(totals["lost"])),
        ("confirmed-not-landed, landed-unreported, twice, out of order", str(bad)),
        ("variables whose PLC memory holds the last write that landed", f"{memory_ok} / 50"),
    ]


BAD_NAMES = [
    "DB1.DBX0.8", "DB0.DBW0", "MW", "XYZ", "DB1.DBW-1", "DB70000.DBW0", "DB1.DBW4:FOO",
    "I0.9", "DB1.DBD99999999", "%%MW4", "DB1.DBB0:STRING[300]", "", "  ", "DB1.DBX0.-1",
]  # fmt: skip
BAD_VALUES = [
    ("DB1.DBB0", 300), ("DB1.DBB0", -1), ("DB1.DBW0:INT", 40000), ("DB1.DBW0:INT", 1.5),
    ("DB1.DBW0:INT", True), ("DB1.DBW0:INT", "abc"), ("DB1.DBD0:DINT", 2**31),
    ("DB1.DBD0:REAL", "abc"), ("DB1.DBD0:REAL", 1e39), ("DB1.DBX0.0", "maybe"),
    ("DB1.DBX0.0", 2), ("DB1.DBB20:STRING[4]", "too long"), ("DB1.DBB26:CHAR", "ab"),
    ("DB1.DBW0:INT", None), ("DB1.DBW0", [1, 2]),
]  # fmt: skip
BAD_PARAMS = [
    "port: -1", "port: 65536", "slot: -1", "slot: 32", "rack: 8", "remoteTsap: -1",
    "localTsap: 65536", "connectTimeout: 0", "requestTimeout: -5", "connectionType: 9",
]  # fmt: skip


def bad_input(b: Bench) -> list[Row]:
    sim = Simulator()
    sim.start()
    memory = bytes(range(1, 17)) + bytes(4) + b"\x04\x02ab\x00\x00x"
    sim.write("DB", 0, memory, db=1)
    body = "\n".join(f"    S7Variable {{ name: {json.dumps(n)} }}" for n in BAD_NAMES)
    body += "\n" + "\n".join(f'    S7Variable {{ name: "{n}" }}' for n, _ in BAD_VALUES)
    client = b.load(panel(sim.port, body))
    vs = client.childObjects()
    names, values = vs[: len(BAD_NAMES)], vs[len(BAD_NAMES) :]
    b.wait(lambda: client.property("connected"), 10)
    for v in values:
        v.pollData()
    b.wait(lambda: all(v.property("valid") for v in values), 10)
    sim.stats.reset()
    for v in names:
        v.pollData()
        v.setProperty("data", 1)
    for v, (_, value) in zip(values, BAD_VALUES, strict=True):
        v.setProperty("data", value)
    b.pump(0.3)
    parse = sum(1 for v in names if v.property("error") == 2)
    refused = sum(1 for v in values if v.property("error") == 6 and v.property("valid"))
    sent = sim.stats.read_requests + sim.stats.write_requests
    kept = sim.read("DB", 0, len(memory), db=1) == memory
    b.destroy(client)
    plc = HostilePLC()
    invalid = 0
    for props in BAD_PARAMS:
        port = "" if props.startswith("port") else f"port: {plc.port}; "
        c = b.load(
            f'import QmlS7\nS7Client {{ autoConnect: false; hostname: "127.0.0.1"; {port}{props} }}'
        )
        c.connectToHost()
        b.pump(0.05)
        invalid += c.property("error") == -1
        b.destroy(c)
    b.pump(0.2)
    connections = plc.connections
    b.in_thread(plc.close)
    # writes the PLC refuses: a missing DB, past the end of a DB, a write-protected DB
    sim.protect_db(2)
    body = "\n".join(
        f'    S7Variable {{ name: "{n}"; enabled: false }}'
        for n in ("DB77.DBW0", "DB1.DBD1022", "DB2.DBW0")
    )
    client = b.load(panel(sim.port, body))
    b.wait(lambda: client.property("connected"), 10)
    before = [sim.read("DB", 0, 1024, db=n) for n in (1, 2)]
    refusals = 0
    for v in client.childObjects():
        v.setProperty("data", 5)
        b.wait(lambda v=v: v.property("error") != 0, 10)
        refusals += v.property("error") == 5 and "refused" in v.property("errorString")
    unchanged = before == [sim.read("DB", 0, 1024, db=n) for n in (1, 2)]
    b.destroy(client)
    sim.stop()
    return [
        ("malformed names: NameParseError (name quoted)", f"{parse} / {len(BAD_NAMES)}"),
        ("values that do not fit: InvalidValueError, data kept", f"{refused} / {len(BAD_VALUES)}"),
        ("requests sent for them", str(sent)),
        ("PLC memory unchanged", str(kept)),
        ("out-of-range client parameters: InvalidParam", f"{invalid} / {len(BAD_PARAMS)}"),
        ("connections opened for them", str(connections)),
        ("writes refused by the PLC (missing DB, past the end, protected)", f"{refusals} / 3"),
        ("PLC memory unchanged by the refused writes", str(unchanged)),
    ]


def reloads(b: Bench, loads: int, variables: int, seed: int) -> list[Row]:
    """A screen loaded again and again (as a Loader does): what each load leaves behind."""
    names = spread_names(variables)
    body = "\n".join(f'    S7Variable {{ name: "{n}"; property var shown: data }}' for n in names)
    sim = SimProcess({1: 4096, 2: 4096, 3: 4096}, 1024, seed)
    rss, tracked = [], []
    component = QQmlComponent(b.engine)  # compiled once, as a Loader's source file is
    component.setData(panel(sim.port, body, "pollInterval: 100").encode(), QUrl("screen.qml"))
    try:
        for _ in range(loads):
            client = component.create()
            if client is None:
                raise RuntimeError("; ".join(e.toString() for e in component.errors()))
            polled = client.childObjects()
            b.wait(lambda polled=polled: all(v.property("valid") for v in polled), 20, "values")
            b.destroy(client)
            del client, polled
            gc.collect()
            rss.append(rss_mib())
            tracked.append(len(gc.get_objects()))
        started = time.perf_counter()
        gc.collect()
        full = time.perf_counter() - started
    finally:
        sim.close()
    kept = sum(
        isinstance(o, qml_s7.Object) and not shiboken6.isValid(o) and bool(vars(o))
        for o in gc.get_objects()
    )
    per_load = (loads - 1) or 1
    return [
        (
            "loads of a panel of bound variables, each polled, then destroyed",
            f"{loads}, {variables:,}",
        ),
        ("resident memory after the first / last load", f"{rss[0]:.0f} / {rss[-1]:.0f} MiB"),
        ("growth per load", f"{(rss[-1] - rss[0]) / per_load:.2f} MiB"),
        (
            "Python objects left per load (tracked by the collector)",
            f"{(tracked[-1] - tracked[0]) / per_load:,.0f}",
        ),
        ("a full garbage collection after the last load", ms(full)),
        ("destroyed qml-s7 objects that still hold attributes", str(kept)),
    ]


def teardown(b: Bench, rounds: int) -> list[Row]:
    stops: list[float] = []
    for _ in range(rounds):
        for scenario in ("restart", "silence", "hostile", "outage"):
            sim = Simulator()
            sim.start()
            plc = HostilePLC(timeout=60)
            port, link, extra = sim.port, LINK, "pollInterval: 20"
            if scenario == "silence":
                plc.policy = always("silence", ("cr",))
                port, link = plc.port, "connectTimeout: 60000"
            elif scenario == "hostile":
                plc.policy = always("endless_trickle", ("read",))
                port, link = plc.port, "requestTimeout: 60000"
            body = "\n".join(f'    S7Variable {{ name: "DB1.DBD{4 * j}:DINT" }}' for j in range(20))
            client = b.load(panel(port, body, extra, link))
            vs = client.childObjects()
            if scenario in ("silence", "hostile"):
                kind = "cr" if scenario == "silence" else "read"
                b.wait(lambda plc=plc, kind=kind: plc.requests[kind] > 0, 10)
                b.pump(0.1)
            else:
                b.wait(lambda client=client: client.property("connected"), 10)
                if scenario == "outage":
                    for i in range(2000):
                        vs[i % 20].setProperty("data", i)
                b.in_thread(sim.stop)
                b.pump(0.1)
            worker = client.session.thread
            started = time.monotonic()
            client.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            b.wait(worker.isFinished, 10, "the worker")
            stops.append(time.monotonic() - started)
            b.pump(0.05)
            sim.stop()
            b.in_thread(plc.close)
    leaked = running_workers()
    script = QUIT_SCRIPT.format()
    clean = total = 0
    for _ in range(rounds):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, s],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for s in ("restart", "silence", "hostile", "outage")
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            total += 1
            leaks = [x for x in out.splitlines() if x.startswith("LEAKS ")]
            clean += (
                proc.returncode == 0
                and "QThread" not in err
                and "Traceback" not in err
                and leaks == ['LEAKS {"workers": 0, "threads": []}']
            )
    return [
        ("clients destroyed mid-fault (restart, silence, hostile, outage)", str(len(stops))),
        ("destroy to worker thread finished (the GUI thread waits)", spread(stops)),
        ("worker threads left over", str(leaked)),
        ("applications quit mid-fault: clean exit, no thread left", f"{clean} / {total}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the shortened CI lengths")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()
    logging.getLogger("snap7").setLevel(logging.CRITICAL)  # spoilt frames make it chatty
    logging.getLogger("qml_s7").setLevel(logging.ERROR)  # each outage logs its errors
    quick = args.quick
    b = Bench()
    scenarios: dict[str, tuple[str, Callable[[], list[Row]]]] = {
        "restarts": (
            "PLC restarts",
            lambda: restarts(b, 4 if quick else 20, 200, args.seed),
        ),
        "silent-connect": (
            "Silent PLC while connecting",
            lambda: silent_connect(b, 3 if quick else 10),
        ),
        "silent-requests": (
            "Silent PLC after a good connect",
            lambda: silent_requests(b, 3 if quick else 10),
        ),
        "hostile": (
            "Hostile PLC, worker level",
            lambda: hostile_worker(600 if quick else 5000, args.seed),
        ),
        "hostile-qml": (
            "Hostile PLC under a QML S7Client",
            lambda: hostile_qml(b, 60 if quick else 500, args.seed),
        ),
        "outage": (
            "Writes through outages",
            lambda: outage(b, 2000 if quick else 10_000, args.seed),
        ),
        "bad-input": ("Bad input", lambda: bad_input(b)),
        "teardown": ("Teardown in the middle of faults", lambda: teardown(b, 1 if quick else 3)),
        "reloads": (
            "A panel loaded again and again",
            lambda: reloads(b, 5 if quick else 20, 1000, args.seed),
        ),
    }
    chosen = [s for s in args.only.split(",") if s] or list(scenarios)
    print(f"# qml-s7 fault tolerance (seed {args.seed}{', quick' if quick else ''})")
    print(
        f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, servers on 127.0.0.1; "
        f"connectTimeout {CONNECT_MS} ms, requestTimeout {REQUEST_MS} ms, "
        f"reconnectInterval {RECONNECT_MS} ms unless a table says otherwise."
    )
    for name in chosen:
        title, run = scenarios[name]
        table(title, run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
