"""``qml-s7 demo --gateway``: the tank demo through an MQTT broker.

The path of every value: the embedded simulator (in this process) → ``qml-s7 gateway
Gateway.qml`` (a process of its own) → Mosquitto (started here on a free port of 127.0.0.1,
or the one ``--broker`` names) → the demo panel, whose variables then use an S7RemoteClient.

The gateway runs as a process of its own, as it would on a plant: its PLC link, its event
loop and its interpreter lock are not the panel's, and one S7History serves a process, so the
panel's audit trail holds each write once (a gateway in this process would audit it again).
The children stay in the demo's process group, so that whatever ends the demo from its
terminal (Ctrl+C, closing the terminal) ends them too; the demo also ends them itself when it
ends (SIGTERM: the gateway says offline), the gateway before the broker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..demo import PANEL

GATEWAY = PANEL.with_name("Gateway.qml")
NAME = "demo"  # the gateway's name, as Panel.qml's `gateway` says by default
# Where Debian puts mosquitto (not on a user's PATH); QML_S7_MOSQUITTO_DIRS replaces the list.
SBIN = ("/usr/sbin", "/usr/local/sbin")
DIRS_VARIABLE = "QML_S7_MOSQUITTO_DIRS"
MISSING = (
    "Mosquitto is not installed: `qml-s7 demo --gateway` runs a broker of its own. Install "
    "it with `sudo apt-get install mosquitto` (Debian, Ubuntu; other systems: "
    "https://mosquitto.org/download/), or give a running broker with "
    "--broker mqtt://HOST:PORT."
)
READY_S = 10.0  # how long Mosquitto may take to accept connections
END_S = 10.0  # how long a child may take to end after SIGTERM


def _say(text: str) -> None:
    print(f"qml-s7: {text}", flush=True)


def find_mosquitto() -> str | None:
    """The mosquitto program: on PATH, else in /usr/sbin or /usr/local/sbin (or the folders
    of QML_S7_MOSQUITTO_DIRS, separated like PATH); None when there is none."""
    found = shutil.which("mosquitto")
    if found:
        return found
    listed = os.environ.get(DIRS_VARIABLE)
    folders = SBIN if listed is None else [f for f in listed.split(os.pathsep) if f]
    for folder in folders:
        candidate = Path(folder) / "mosquitto"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _end(process: subprocess.Popen, how: int = signal.SIGTERM) -> int | None:
    """End a child (SIGTERM, then SIGKILL if it takes longer than END_S); its exit status."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(END_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(END_S)
    return process.returncode


class BrokerFailed(RuntimeError):
    """Mosquitto did not start (its log says why)."""


class Mosquitto:
    """``mosquitto -p PORT`` on a free port: Mosquitto 2 then listens on the loopback
    interface only and lets anonymous clients in (nothing leaves this machine)."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def start(self) -> None:
        """Start it; returns once it accepts connections. BrokerFailed with its log if not."""
        for _attempt in range(5):  # another program may take a free port before Mosquitto
            self.port = _free_port()
            self._process = subprocess.Popen(
                [self.program, "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
            )
            deadline = time.monotonic() + READY_S
            while self._process.poll() is None and not _accepts(self.port):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)  # a poll of a child's port, not a synchronisation of ours
            if self._process.poll() is None and _accepts(self.port):
                return
            _end(self._process)
            if "Address already in use" not in self.log():
                break
        raise BrokerFailed(f"Mosquitto did not start:\n{self.log().strip()}")

    def stop(self) -> None:
        if self._process is not None:
            _end(self._process)
        self._log.close()


class GatewayProcess:
    """``qml-s7 gateway FILE --set NAME=VALUE...`` (offscreen); its output is printed with
    ``qml-s7 gateway:`` in front."""

    def __init__(self, file: Path, settings: dict[str, object]) -> None:
        command = [sys.executable, "-m", "qml_s7", "gateway", str(file)]
        for key, value in settings.items():
            command += ["--set", f"{key}={value}"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        self._relay = threading.Thread(target=self._print, name="gateway output", daemon=True)
        self._relay.start()

    @classmethod
    def for_demo(cls, plc: tuple[str, int, int, int], broker: str) -> GatewayProcess:
        """The demo's gateway (Gateway.qml) for ``plc`` (host, port, rack, slot) on ``broker``."""
        host, port, rack, slot = plc
        settings = {"plcHost": host, "plcPort": port, "plcRack": rack, "plcSlot": slot}
        return cls(GATEWAY, {**settings, "broker": broker, "name": NAME})

    @property
    def pid(self) -> int:
        return self.process.pid

    def _print(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            text = line.rstrip("\n").removeprefix("qml-s7: ")
            print(f"qml-s7 gateway: {text}", flush=True)

    def stop(self) -> int | None:
        """End it (SIGTERM: it says offline and disconnects); its exit status."""
        code = _end(self.process)
        self._relay.join(END_S)  # the output ends with the process
        if not self._relay.is_alive() and self.process.stdout is not None:
            self.process.stdout.close()
        return code


@contextlib.contextmanager
def through_gateway(
    plc: tuple[str, int, int, int], broker: str | None, program: str | None
) -> Iterator[str]:
    """Run the demo's gateway for ``plc`` (host, port, rack, slot) on ``broker`` (a URL), or
    on a Mosquitto of its own started from ``program``; yields the broker's URL."""
    with contextlib.ExitStack() as stack:
        if broker is None:
            assert program is not None
            mosquitto = Mosquitto(program)
            stack.callback(mosquitto.stop)  # last: the gateway says offline on it first
            mosquitto.start()
            broker = mosquitto.url
            _say(f"Mosquitto ({program}) on {broker}, for the demo only")
        gateway = GatewayProcess.for_demo(plc, broker)
        stack.callback(gateway.stop)
        _say(f"gateway {NAME} ({GATEWAY.name}, process {gateway.pid}) shares the PLC link")
        yield broker
