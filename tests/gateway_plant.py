"""A plant of real processes for the gateway's system tests and bench/gateway_faults.py.

- the PLC: qml-s7's Simulator, in this process (its write log and its count of connections
  are the ground truth);
- the broker: a real Mosquitto (tests/mqtt_support.py);
- one ``qml-s7 gateway FILE.qml`` process, which alone talks to the PLC;
- panel processes (tests/panel_proc.py), each an S7RemoteClient with the same S7Variables,
  observed through the JSON lines they print and commanded through their standard input;
- :class:`StateWatch`, a plain paho subscriber of the gateway's ``state`` that notes when each
  message arrives (the moment the will fired, as a subscriber sees it).

Time stamps are ``time.monotonic()`` everywhere (CLOCK_MONOTONIC, the same clock in every
process of the machine), so a panel's report can be set against the will's arrival here.
Every wait is bounded: a condition, or polling with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from mqtt_support import Broker

from qml_s7.core.quality import Quality
from qml_s7.gateway.topics import Topics
from qml_s7.simulator import Simulator

HERE = Path(__file__).resolve().parent
GATEWAY = "line1"
GOOD = int(Quality.Good)
WAIT_S = 20.0  # the bound of every wait: generous, for two cores shared with others


@dataclass(frozen=True)
class Tag:
    """A variable of the plant: its objectName, address, PLC memory and the value it starts at."""

    var: str
    name: str
    start: int  # byte offset in DB1
    size: int
    fmt: str  # struct format of the value in memory, "" for a bit, "s" for a STRING
    writable: bool
    initial: Any

    def pack(self, value: Any) -> bytes:
        if self.fmt == "s":
            raw = value.encode("latin-1")
            return bytes([self.size - 2, len(raw)]) + raw.ljust(self.size - 2, b"\0")
        return struct.pack(self.fmt, value)

    def unpack(self, raw: bytes) -> Any:
        if self.fmt == "s":
            return raw[2 : 2 + raw[1]].decode("latin-1")
        return struct.unpack(self.fmt, raw)[0]


DB = 1
FLAG_BYTE, FLAG_BIT = 8, 0
TAGS = (
    Tag("level", "DB1.DBD0:REAL", 0, 4, ">f", False, 42.5),
    Tag("count", "DB1.DBD4:DINT", 4, 4, ">i", False, 1000),
    Tag("flag", f"DB1.DBX{FLAG_BYTE}.{FLAG_BIT}", FLAG_BYTE, 1, "", False, True),
    Tag("label", "DB1.DBB10:STRING[16]", 10, 18, "s", False, "tank 1"),
    Tag("setpoint", "DB1.DBW30:INT", 30, 2, ">h", True, 7),
    Tag("wa", "DB1.DBD40:DINT", 40, 4, ">i", True, 0),
    Tag("wb", "DB1.DBD44:DINT", 44, 4, ">i", True, 0),
    Tag("wc", "DB1.DBD48:DINT", 48, 4, ">i", True, 0),
)
BY_VAR = {tag.var: tag for tag in TAGS}

GATEWAY_QML = """import QmlS7
Object {{
    S7Client {{
        hostname: "127.0.0.1"; port: {plc}; pollInterval: {poll}
        connectTimeout: 500; requestTimeout: 1000; reconnectInterval: 500
{variables}
    }}
    S7Gateway {{ broker: "{broker}"; name: "{gateway}"; writable: [{writable}] }}
}}
"""

PANEL_QML = """import QmlS7
S7RemoteClient {{
    broker: "{broker}"; gateway: "{gateway}"; reconnectInterval: 1000; requestTimeout: 3000
{variables}
}}
"""


def _declarations(with_ids: bool) -> str:
    lines = []
    for tag in TAGS:
        ident = f"id: {tag.var}; " if with_ids else ""
        lines.append(f'        S7Variable {{ {ident}objectName: "{tag.var}"; name: "{tag.name}" }}')
    return "\n".join(lines)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll ``predicate`` (every 10 ms) until it holds; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class Lines:
    """A child process's standard output, read on a thread: JSON lines to ``handle``, the rest
    kept as text."""

    def __init__(self, process: subprocess.Popen[str], handle: Callable[[dict], None]) -> None:
        self.text: list[str] = []
        self._process = process
        self._handle = handle
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    self._handle(json.loads(line))
                    continue
            self.text.append(line)

    def join(self) -> None:
        """Once the process ended: the rest of its output, then its pipes closed."""
        self._thread.join(timeout=WAIT_S)
        for stream in (self._process.stdout, self._process.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@dataclass
class Outcome:
    """How a panel's write ended, and what the PLC held as the test heard of it."""

    id: str
    var: str
    value: Any
    outcome: str
    text: str
    t: float
    in_plc: Any = None  # the variable's value in the PLC's memory when the line arrived


@dataclass
class Seen:
    """A variable as a panel shows it: value, quality, when; and every change, in order."""

    v: Any = None
    q: int = 0
    t: float = 0.0
    history: list[tuple[Any, int, float]] = field(default_factory=list)


class PanelProcess:
    """One tests/panel_proc.py process and everything it reported."""

    def __init__(self, label: str, qml: Path, plc: Simulator) -> None:
        self.label = label
        self.plc = plc
        self._cond = threading.Condition()
        self.vars: dict[str, str] = {}
        self.seen: dict[str, Seen] = {}
        self.links: list[tuple[bool, float]] = []
        self.outcomes: dict[str, Outcome] = {}
        self.repeated: list[str] = []  # ids that ended twice (there must be none)
        self.issued: dict[str, int] = {}
        self.errors: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "panel_proc.py"), str(qml)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        self.lines = Lines(self.process, self._event)

    # -- what it says (the reader thread) -----------------------------------------------------
    def _event(self, event: dict) -> None:
        kind = event.get("e")
        outcome = None
        if kind == "write":
            tag = BY_VAR.get(event["var"])
            outcome = Outcome(
                event["id"],
                event["var"],
                event["value"],
                event["outcome"],
                event["text"],
                event["t"],
            )
            if tag is not None:  # at once: "confirmed only once it is in the PLC"
                outcome.in_plc = read_tag(self.plc, tag)
        with self._cond:
            if kind == "ready":
                self.vars = event["vars"]
            elif kind == "link":
                self.links.append((event["up"], event["t"]))
            elif kind == "value":
                seen = self.seen.setdefault(event["var"], Seen())
                seen.v, seen.q, seen.t = event["v"], event["q"], event["t"]
                seen.history.append((event["v"], event["q"], event["t"]))
            elif outcome is not None:
                if outcome.id in self.outcomes:
                    self.repeated.append(outcome.id)
                self.outcomes[outcome.id] = outcome
            elif kind == "issued":
                self.issued[event["burst"]] = event["count"]
            elif kind == "error":
                self.errors.append(event["text"])
            self._cond.notify_all()

    # -- asking -------------------------------------------------------------------------------
    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        """Until ``predicate`` (called under the lock) holds; AssertionError with the panel's
        output after ``timeout`` s."""
        with self._cond:
            if self._cond.wait_for(predicate, timeout):
                return
            raise AssertionError(
                f"panel {self.label}: timed out after {timeout} s waiting for {what}; "
                f"seen {self.values()}, links {self.links[-3:]}, output {self.lines.text[-20:]}"
            )

    @property
    def connected(self) -> bool:
        with self._cond:
            return bool(self.links) and self.links[-1][0]

    def values(self) -> dict[str, tuple[Any, int]]:
        with self._cond:
            return {name: (s.v, s.q) for name, s in self.seen.items()}

    def shows(self, expected: dict[str, Any], good: bool = True) -> bool:
        """Whether every variable named shows that value (with a good quality, or not good)."""
        with self._cond:
            for name, value in expected.items():
                seen = self.seen.get(name)
                if seen is None or not same(seen.v, value) or (seen.q >= GOOD) != good:
                    return False
            return True

    def ended(self, prefix: str) -> list[Outcome]:
        """The outcomes of the writes whose ids start with ``prefix``."""
        with self._cond:
            return [o for ident, o in self.outcomes.items() if ident.startswith(prefix)]

    def outcome(self, ident: str) -> Outcome | None:
        with self._cond:
            return self.outcomes.get(ident)

    def first_shown(self, var: str, value: Any, since: float) -> float | None:
        """When ``var`` first showed ``value`` with a good quality, from ``since`` on."""
        with self._cond:
            seen = self.seen.get(var)
            for v, q, t in seen.history if seen is not None else ():
                if t >= since and q >= GOOD and same(v, value):
                    return t
            return None

    def link_after(self, up: bool, since: float) -> float | None:
        """When ``connected`` first turned ``up`` from ``since`` on."""
        with self._cond:
            return next((t for u, t in self.links if u == up and t >= since), None)

    def first_not_good_after(self, since: float) -> float | None:
        """When every variable showed a quality that is not good, from ``since`` on (the
        latest of their first such reports), or None while one still shows good."""
        with self._cond:
            latest = 0.0
            for seen in self.seen.values():
                times = [t for _v, q, t in seen.history if t >= since and q < GOOD]
                if not times:
                    return None
                latest = max(latest, min(times))
            return latest

    # -- telling ------------------------------------------------------------------------------
    def send(self, **command: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def write(self, ident: str, var: str, value: Any) -> None:
        self.send(c="write", id=ident, var=var, value=value)

    def burst(self, var: str, prefix: str, first: int, count: int, every_ms: int) -> None:
        self.send(c="burst", var=var, prefix=prefix, first=first, count=count, every_ms=every_ms)

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.send(c="quit")
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT_S)
        self.lines.join()


class GatewayProcess:
    """One ``qml-s7 gateway FILE.qml`` process, its output kept."""

    def __init__(self, qml: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qml_s7", "gateway", str(qml)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        self.lines = Lines(self.process, lambda _event: None)

    def kill(self) -> None:
        """kill -9: nothing said, the broker fires the will."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT_S)
        self.lines.join()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT_S)
        self.lines.join()
        return self.process.returncode

    def output(self) -> str:
        return "".join(self.lines.text)


class StateWatch:
    """A paho subscriber of the gateway's ``state``: each message and when it arrived."""

    def __init__(self, port: int, gateway: str = GATEWAY) -> None:
        self.topic = Topics(gateway).state
        self.heard: list[tuple[bytes, float]] = []
        self._cond = threading.Condition()
        client = self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"test-watch-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        client.on_connect = lambda c, *_: c.subscribe(self.topic, 1)
        client.on_message = self._message
        client.reconnect_delay_set(0.1, 0.5)
        client.connect_async("127.0.0.1", port, keepalive=5)
        client.loop_start()

    def _message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        now = time.monotonic()
        with self._cond:
            self.heard.append((message.payload, now))
            self._cond.notify_all()

    def wait_for(self, payload: bytes, since: float, timeout: float = WAIT_S) -> float:
        """When ``payload`` first arrived at ``since`` or later."""
        found: list[float] = []

        def seen() -> bool:
            found[:] = [t for p, t in self.heard if p == payload and t >= since]
            return bool(found)

        with self._cond:
            if not self._cond.wait_for(seen, timeout):
                raise AssertionError(f"no {payload!r} on {self.topic} within {timeout} s")
        return found[0]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def read_tag(plc: Simulator, tag: Tag) -> Any:
    """What the PLC's memory holds for ``tag`` now."""
    if not tag.fmt:
        return plc.read_bit("DB", tag.start, FLAG_BIT, db=DB)
    return tag.unpack(plc.read("DB", tag.start, tag.size, db=DB))


def write_tag(plc: Simulator, tag: Tag, value: Any) -> None:
    """Put ``value`` into the PLC's memory, as its program would."""
    if not tag.fmt:
        plc.write_bit("DB", tag.start, FLAG_BIT, bool(value), db=DB)
    else:
        plc.write("DB", tag.start, tag.pack(value), db=DB)


def same(shown: Any, value: Any) -> bool:
    if isinstance(value, float) and isinstance(shown, int | float):
        return abs(shown - value) <= 1e-6 * max(1.0, abs(value))
    return shown == value and type(shown) is type(value)


def dint_writes(plc: Simulator, tag: Tag) -> list[int]:
    """The DINTs clients wrote to ``tag``, in the order they landed (the PLC's write log)."""
    return [
        struct.unpack(">i", w.data)[0]
        for w in plc.stats.writes
        if w.ok and w.area == "DB" and w.db == DB and w.start == tag.start
    ]


class Plant:
    """The PLC, the broker, one gateway process and ``panels`` panel processes (module doc)."""

    def __init__(self, panels: int = 3, poll_ms: int = 100) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="qml-s7-plant-"))
        self.plc = Simulator()
        self.plc.start()
        self.values: dict[str, Any] = {}
        for tag in TAGS:
            self.set(tag.var, tag.initial)
        self.broker = Broker().start()
        self.watch = StateWatch(self.broker.port)
        self.gateway_qml = self.folder / "gateway.qml"
        self.gateway_qml.write_text(
            GATEWAY_QML.format(
                plc=self.plc.port,
                poll=poll_ms,
                variables=_declarations(with_ids=True),
                broker=self.broker.url,
                gateway=GATEWAY,
                writable=", ".join(tag.var for tag in TAGS if tag.writable),
            )
        )
        panel_qml = self.folder / "panel.qml"
        panel_qml.write_text(
            PANEL_QML.format(
                broker=self.broker.url, gateway=GATEWAY, variables=_declarations(with_ids=False)
            )
        )
        self.gateway = GatewayProcess(self.gateway_qml)
        self.panels = [PanelProcess("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i], panel_qml, self.plc)
                       for i in range(panels)]  # fmt: skip
        self.max_plc_connections = 0
        self._sampling = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        """The most connections the PLC had at once, looked at every 2 ms."""
        while not self._sampling.wait(0.002):
            self.max_plc_connections = max(self.max_plc_connections, self.plc.connection_count)

    # -- the PLC's memory ---------------------------------------------------------------------
    def set(self, var: str, value: Any) -> None:
        write_tag(self.plc, BY_VAR[var], value)
        self.values[var] = value

    def plc_value(self, var: str) -> Any:
        return read_tag(self.plc, BY_VAR[var])

    # -- waits --------------------------------------------------------------------------------
    def all_show(self, expected: dict[str, Any] | None = None, timeout: float = WAIT_S) -> None:
        """Until every panel shows ``expected`` (default: every value of the PLC), good."""
        expected = dict(self.values if expected is None else expected)
        for panel in self.panels:
            panel.wait(lambda p=panel: p.shows(expected), f"good values {expected}", timeout)

    def healthy(self, timeout: float = WAIT_S) -> None:
        """Until the gateway runs, every panel is connected and shows the PLC's values."""
        assert self.gateway.process.poll() is None, self.gateway.output()
        for panel in self.panels:
            panel.wait(lambda p=panel: bool(p.links) and p.links[-1][0], "connected", timeout)
        self.all_show(timeout=timeout)

    def restart_gateway(self) -> None:
        self.gateway = GatewayProcess(self.gateway_qml)

    def close(self) -> None:
        self._sampling.set()
        for panel in self.panels:
            panel.close()
        self.gateway.stop()
        self.watch.close()
        self.broker.close()
        self.plc.stop()
