"""Shared pieces of the benchmarks: processes, the variable set, the proxy, statistics, tables.

Nothing here is timed. The simulator (``simproc.py``) and the counting/delay proxy
(``proxy.py``) run as processes of their own so that they never share a GIL with the client
under test; both speak JSON lines on stdin/stdout for control (never during a timed window).

Time stamps that cross processes use ``CLOCK_MONOTONIC`` (:func:`mono`), which is one clock
for the whole machine on Linux.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NODES7_DIR = BENCH / "nodes7"
SNAP7C_VENV = BENCH / ".snap7c-venv"
SNAP7C_VERSION = "1.4.1"  # the last python-snap7 line that wraps the original C library

AREA_I, AREA_Q, AREA_M, AREA_DB = 0x81, 0x82, 0x83, 0x84
AREA_LETTER = {AREA_I: "I", AREA_Q: "Q", AREA_M: "M"}


def mono() -> float:
    """Seconds on CLOCK_MONOTONIC: comparable between processes of this machine."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


# -- the machine -------------------------------------------------------------------------------
def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "n/a"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "n/a"
    try:
        return subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "n/a"


def banner(title: str) -> str:
    """The machine and software the figures come from (printed at the top of every run)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    pyside = _version("PySide6-Essentials")
    if pyside == "n/a":
        pyside = _version("PySide6")
    lines = [
        f"# {title}",
        f"# date     {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"# machine  {cpu_model()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, load average {load}",
        f"# python   {platform.python_implementation()} {platform.python_version()}; "
        f"PySide6 {pyside}; python-snap7 {_version('python-snap7')}; "
        f"node {node_version()}",
        f"# command  {' '.join([Path(sys.executable).name, *sys.argv])}",
    ]
    return "\n".join(lines)


def load_note() -> str:
    """A warning when other processes load the machine (figures will be noisy)."""
    one = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if one > 0.5 * cores:
        return f"# note     load average {one:.2f} on {cores} cores: figures are noisy"
    return ""


# -- statistics --------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    """median, p95, p99, max, min and count of ``values``."""
    return {
        "n": len(values),
        "median": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else math.nan,
        "min": min(values) if values else math.nan,
    }


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: numbers with ``digits`` decimals and thousands separators."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 1, align: str = ""
) -> str:
    """A Markdown table (it reads as plain text too).

    ``align`` has one letter per column, ``l`` or ``r``; by default the first column is
    left-aligned and the others right-aligned.
    """
    cells = [[fmt(c, digits) for c in row] for row in rows]
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(3, len(h)) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(row: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(row, widths, align, strict=True)
        ]
        return "| " + " | ".join(parts) + " |"

    rule = [
        (":" + "-" * (w - 1)) if a == "l" else ("-" * (w - 1) + ":")
        for w, a in zip(widths, align, strict=True)
    ]
    return "\n".join(
        [line(list(headers)), "| " + " | ".join(rule) + " |", *(line(r) for r in cells)]
    )


# -- the variable set --------------------------------------------------------------------------
KINDS = ("BOOL", "BYTE", "WORD", "INT", "DWORD", "DINT", "REAL")
KIND_WEIGHTS = (25, 10, 10, 20, 5, 10, 20)
SIZE = {"BOOL": 1, "BYTE": 1, "WORD": 2, "INT": 2, "DWORD": 4, "DINT": 4, "REAL": 4}
DB_NUMBERS = (1, 2, 3, 4, 5)


@dataclass(frozen=True, slots=True)
class Var:
    """One benchmark variable: its names in each client's syntax and its byte range."""

    name: str  # qml-s7 (Siemens absolute / PLC4X typed)
    nodes7: str  # nodeS7 syntax
    area: int  # 0x81 I, 0x82 Q, 0x83 M, 0x84 DB
    db: int  # 0 for I, Q, M
    start: int  # byte offset
    bit: int  # 0..7 for BOOL
    kind: str  # one of KINDS
    size: int  # bytes read for it


def _names(area: int, db: int, start: int, bit: int, kind: str) -> tuple[str, str]:
    if area == AREA_DB:
        prefix = f"DB{db}."
        qml = {
            "BOOL": f"DBX{start}.{bit}",
            "BYTE": f"DBB{start}",
            "WORD": f"DBW{start}",
            "INT": f"DBW{start}:INT",
            "DWORD": f"DBD{start}",
            "DINT": f"DBD{start}:DINT",
            "REAL": f"DBD{start}:REAL",
        }[kind]
        node = {"BOOL": f"X{start}.{bit}"}.get(kind, f"{kind}{start}")
        return prefix + qml, f"DB{db},{node}"
    a = AREA_LETTER[area]
    qml = {
        "BOOL": f"{a}{start}.{bit}",
        "BYTE": f"{a}B{start}",
        "WORD": f"{a}W{start}",
        "INT": f"{a}W{start}:INT",
        "DWORD": f"{a}D{start}",
        "DINT": f"{a}D{start}:DINT",
        "REAL": f"{a}D{start}:REAL",
    }[kind]
    node = {
        "BOOL": f"{a}{start}.{bit}",
        "BYTE": f"{a}B{start}",
        "WORD": f"{a}W{start}",
        "INT": f"{a}I{start}",
        "DWORD": f"{a}D{start}",
        "DINT": f"{a}DI{start}",
        "REAL": f"{a}R{start}",
    }[kind]
    return qml, node


LAYOUTS = ("clustered", "scattered")


def make_vars(count: int, seed: int = 7, layout: str = "clustered") -> list[Var]:
    """``count`` variables of mixed types as an HMI declares them (fixed ``seed``).

    ``clustered``: structures of 1..16 adjacent variables (BOOLs share bytes, words on even
    offsets), 80 % of them in DB1..DB5 and 20 % in I, Q and M. Between two structures of one
    area lies a gap of 0..4 bytes (read as one block with python-snap7's merge step) or of
    8..200 bytes (read apart), half and half. ``scattered``: every variable on its own, 6..40
    bytes from the next (nothing merges; the 20-item limit decides the request count). The
    list is in declaration order, shuffled by structure.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    scattered = layout == "scattered"
    rng = random.Random(f"qml-s7 bench {seed} {count}" + (" scattered" if scattered else ""))
    cursor: dict[tuple[int, int], int] = {}
    groups: list[list[Var]] = []
    total = 0
    while total < count:
        if rng.random() < 0.8:
            key = (AREA_DB, rng.choice(DB_NUMBERS))
        else:
            key = (rng.choice((AREA_I, AREA_Q, AREA_M)), 0)
        offset = cursor.get(key, 0)
        if offset and scattered:
            offset += rng.randint(6, 40)
        elif offset:
            offset += rng.randint(0, 4) if rng.random() < 0.5 else rng.randint(8, 200)
        group: list[Var] = []
        bit = 8  # no open BOOL byte
        for _ in range(1 if scattered else min(rng.randint(1, 16), count - total)):
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            if kind == "BOOL":
                if bit >= 8:
                    bit = 0
                    start = offset
                    offset += 1
                else:
                    start = offset - 1
                b = bit
                bit += 1
            else:
                bit = 8
                b = 0
                if SIZE[kind] > 1 and offset % 2:
                    offset += 1
                start = offset
                offset += SIZE[kind]
            qml, node = _names(key[0], key[1], start, b, kind)
            group.append(Var(qml, node, key[0], key[1], start, b, kind, SIZE[kind]))
        cursor[key] = offset
        groups.append(group)
        total += len(group)
    rng.shuffle(groups)
    return [v for g in groups for v in g]


def area_sizes(variables: Iterable[Var]) -> tuple[dict[int, int], int]:
    """DB sizes and the I/Q/M size a simulator needs for ``variables`` (whole KiB, padded)."""
    ends: dict[tuple[int, int], int] = {}
    for v in variables:
        key = (v.area, v.db)
        ends[key] = max(ends.get(key, 0), v.start + v.size)

    def kib(n: int) -> int:
        return max(1024, (n + 64 + 1023) // 1024 * 1024)

    dbs = {db: kib(ends.get((AREA_DB, db), 0)) for db in DB_NUMBERS}
    other = kib(max((e for (a, _), e in ends.items() if a != AREA_DB), default=0))
    return dbs, other


def image_bytes(seed: int, image: int, area: int, db: int, size: int) -> bytes:
    """Memory image ``image`` of one area: seeded random bytes (same in every process)."""
    return random.Random(f"image {seed} {image} {area} {db}").randbytes(size)


def expected_value(var: Var, memory: bytes) -> Any:
    """What ``var`` holds in an area whose bytes are ``memory`` (plain struct decoding)."""
    raw = memory[var.start : var.start + var.size]
    if var.kind == "BOOL":
        return bool(raw[0] >> var.bit & 1)
    fmt_ = {"BYTE": ">B", "WORD": ">H", "INT": ">h", "DWORD": ">I", "DINT": ">i", "REAL": ">f"}
    return struct.unpack(fmt_[var.kind], raw)[0]


def same_value(kind: str, got: Any, want: Any) -> bool:
    """Whether a client's value equals the expected one (REALs compared as float32)."""
    if kind == "REAL":
        if not isinstance(got, float | int):
            return False
        if math.isnan(want):
            return math.isnan(got)
        return struct.pack(">f", float(got)) == struct.pack(">f", want)
    if kind == "BOOL":
        return got is not None and bool(got) == want
    return got == want


class Images:
    """The memory images the simulator switches between, seen from the benchmark's side."""

    def __init__(self, seed: int, dbs: dict[int, int], other: int) -> None:
        self.seed = seed
        self.dbs = dbs
        self.other = other
        self._cache: dict[tuple[int, int, int], bytes] = {}

    def memory(self, image: int, area: int, db: int) -> bytes:
        key = (image, area, db)
        if key not in self._cache:
            size = self.dbs[db] if area == AREA_DB else self.other
            self._cache[key] = image_bytes(self.seed, image, area, db, size)
        return self._cache[key]

    def expected(self, variables: Sequence[Var], image: int) -> list[Any]:
        return [expected_value(v, self.memory(image, v.area, v.db)) for v in variables]

    def mismatches(self, variables: Sequence[Var], values: Sequence[Any], image: int) -> int:
        """How many ``values`` differ from what ``variables`` hold in ``image``."""
        want = self.expected(variables, image)
        return sum(
            not same_value(v.kind, g, w) for v, g, w in zip(variables, values, want, strict=True)
        )


# -- helper processes ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JsonProcess:
    """A child process that prints one JSON line when ready and answers JSON-line commands."""

    def __init__(self, argv: list[str], what: str, timeout: float = 30.0) -> None:
        self.what = what
        self.stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )
        self.ready = self._read(timeout)

    def last_error(self) -> str:
        """The last line of the process's stderr that says something."""
        self.stderr.seek(0)
        lines = [line.strip() for line in self.stderr.read().splitlines() if line.strip()]
        errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b", line)]
        errors = errors or lines
        return errors[-1] if errors else ""

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        import selectors

        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                self.close()
                raise TimeoutError(f"{self.what} did not answer within {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(5)
            raise RuntimeError(f"{self.what} exited with {code}: {self.last_error()}")
        return json.loads(line)

    def call(self, cmd: str, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        answer = self._read(timeout)
        if "error" in answer:
            raise RuntimeError(f"{self.what}: {answer['error']}")
        return answer

    @property
    def pid(self) -> int:
        return self.proc.pid

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
        self.stderr.close()

    def __enter__(self) -> JsonProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimProcess(JsonProcess):
    """``simproc.py``: qml-s7's Simulator in a process of its own (see that file)."""

    def __init__(
        self,
        dbs: dict[int, int],
        other: int,
        seed: int = 7,
        max_items: int = 20,
        pdu_length: int = 480,
        probe_db: int = 0,
    ) -> None:
        argv = [sys.executable, str(BENCH / "simproc.py"), "--seed", str(seed)]
        argv += ["--probe-db", str(probe_db)]
        argv += ["--area-size", str(other), "--max-items", str(max_items)]
        argv += ["--pdu-length", str(pdu_length)]
        for db, size in dbs.items():
            argv += ["--db", f"{db}:{size}"]
        super().__init__(argv, "simulator process")
        self.port: int = self.ready["port"]
        self.images = Images(seed, dbs, other)

    def image(self, k: int) -> None:
        """Fill every area with memory image ``k``."""
        self.call("image", k=k)


class Snap7CProcess(JsonProcess):
    """The original Snap7 server (C library of python-snap7 1.x) in its own venv and process."""

    def __init__(self, dbs: dict[int, int], other: int, seed: int = 7) -> None:
        python = SNAP7C_VENV / "bin" / "python"
        argv = [str(python), str(BENCH / "snap7c_server.py"), "--seed", str(seed)]
        argv += ["--area-size", str(other)]
        for db, size in dbs.items():
            argv += ["--db", f"{db}:{size}"]
        super().__init__(argv, "Snap7 C server")
        self.port = self.ready["port"]
        self.images = Images(seed, dbs, other)

    def image(self, k: int) -> None:
        self.call("image", k=k)


def ensure_snap7c(log: Callable[[str], None] = print) -> str | None:
    """Create ``bench/.snap7c-venv`` with python-snap7 1.4.1 (bundles libsnap7) if missing.

    Returns None when ready, else why it is not available.
    """
    python = SNAP7C_VENV / "bin" / "python"
    probe = [str(python), "-c", "import snap7.server; snap7.server.Server(log=False)"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return None
    log(f"# setting up {SNAP7C_VENV.relative_to(ROOT)} (python-snap7=={SNAP7C_VERSION})")
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(SNAP7C_VENV)], check=True, capture_output=True
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"python-snap7=={SNAP7C_VERSION}"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot install python-snap7=={SNAP7C_VERSION}: {exc}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return "libsnap7 does not load on this machine"
    return None


def ensure_nodes7(log: Callable[[str], None] = print) -> str | None:
    """``npm install`` nodes7 into bench/nodes7 if missing; None when ready, else why not."""
    if shutil.which("node") is None:
        return "node is not installed"
    if (NODES7_DIR / "node_modules" / "nodes7" / "package.json").exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    log("# installing nodes7 into bench/nodes7 (npm ci)")
    try:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=NODES7_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"npm ci failed: {exc}"
    return None


class ProxyProcess(JsonProcess):
    """``proxy.py``: forwards TPKT frames to ``target_port``, counts them, delays requests."""

    def __init__(self, target_port: int, delay_ms: float = 0.0) -> None:
        argv = [sys.executable, str(BENCH / "proxy.py"), "--target-port", str(target_port)]
        argv += ["--delay-ms", str(delay_ms)]
        super().__init__(argv, "proxy process")
        self.port: int = self.ready["port"]
        self.delay_ms = delay_ms

    def stats(self, reset: bool = False) -> dict[str, int]:
        """Counters since the last reset (see proxy.py)."""
        return self.call("stats", reset=reset)


# -- CPU use of a process -----------------------------------------------------------------------
def process_cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of process ``pid`` (default: this one, all threads)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_bytes() -> int:
    """Resident set size of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# -- QML -----------------------------------------------------------------------------------------
# What a widget showing a variable does to it: a binding on its data (dataChanged is heard).
BOUND = "property var shown: data"


def client_qml(
    variables: Sequence[Var],
    port: int,
    poll_interval: int = 0,
    polling_objects: int = 0,
    extra: str = "",
    client_props: str = "",
    variable_props: str = "",
) -> str:
    """An S7Client with one S7Variable per variable declared literally in QML.

    ``poll_interval`` sets the client-wide ``pollInterval``; ``polling_objects`` > 0 gives
    every variable its own ``Polling on data { interval: polling_objects }`` instead.
    ``variable_props`` goes into every S7Variable (a binding on its ``data``, say).
    """
    inside = f"; {variable_props}" if variable_props else ""
    if polling_objects:
        inside += f"; Polling on data {{ interval: {polling_objects} }}"
    body = "\n".join(f'  S7Variable {{ name: "{v.name}"{inside} }}' for v in variables)
    return f"""
import QtQml
import QmlS7
S7Client {{
  hostname: "127.0.0.1"; port: {port}; pollInterval: {poll_interval}
  {client_props}
{extra}
{body}
}}"""


def create_qml(engine: Any, source: str, name: str = "bench.qml") -> Any:
    """Compile and create ``source``; raises with the QML errors when it fails."""
    from PySide6.QtCore import QUrl
    from PySide6.QtQml import QQmlComponent

    component = QQmlComponent(engine)
    component.setData(source.encode(), QUrl(name))
    obj = component.create()
    if obj is None:
        raise RuntimeError("QML errors: " + "; ".join(e.toString() for e in component.errors()))
    obj._component = component  # keep it alive with the object
    return obj


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Run the Qt event loop until ``predicate()`` holds (bounded)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    app = QCoreApplication.instance()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)


def spin(seconds: float) -> None:
    """Run the Qt event loop for ``seconds``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def qt_app() -> Any:
    """The QGuiApplication (offscreen unless QT_QPA_PLATFORM says otherwise)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def shutdown_qml(obj: Any, engine: Any) -> None:
    """Destroy a created object and its engine, letting the client's worker stop."""
    from PySide6.QtCore import QCoreApplication, QEvent

    obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    engine.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
