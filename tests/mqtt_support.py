"""A real Mosquitto for the tests: started on a free port of 127.0.0.1, stopped, restarted, killed.

``Broker()`` runs ``mosquitto -p PORT``: Mosquitto 2.x without a configuration file listens on
the loopback interface only and lets anonymous clients in. ``Broker(config=TEXT)`` writes a
configuration file with ``listener PORT 127.0.0.1`` followed by TEXT (users, an ACL, ...), or
TEXT alone when it has listeners of its own; TEXT may name ``{port}`` and ``{folder}``, the
broker's own folder (password, ACL and certificate files go there: Mosquitto reads them as its
own user). ``Broker(port, config=PATH)`` uses a file of the caller's as it
is. The broker's log (its stderr) goes to a file of its own; ``log()`` reads it.

The ``broker`` fixture (registered in conftest.py) yields a started one and stops it; it skips
the test, saying how to install it, where Mosquitto is missing (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import pytest

TIMEOUT = 10.0
MISSING = (
    "Mosquitto is not installed: apt-get install mosquitto (Debian, Ubuntu), "
    "or see https://mosquitto.org/download/"
)
_IN_USE = "Address already in use"


def mosquitto_path() -> str | None:
    """The mosquitto binary: on PATH, or where Debian puts it (/usr/sbin, not on a user's PATH)."""
    found = shutil.which("mosquitto")
    if found:
        return found
    for candidate in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    """A port of 127.0.0.1 that nobody listened on a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port right now."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Inbox:
    """Records a Connection's callbacks (called on paho's thread); the waits block on a
    condition until what they wait for was recorded, or fail after a bounded time."""

    def __init__(self) -> None:
        self.states: list[tuple[bool, str]] = []
        self.messages: list[tuple[str, bytes]] = []
        self._changed = threading.Condition()

    def on_state(self, connected: bool, text: str) -> None:
        with self._changed:
            self.states.append((connected, text))
            self._changed.notify_all()

    def on_message(self, topic: str, payload: bytes) -> None:
        with self._changed:
            self.messages.append((topic, payload))
            self._changed.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        with self._changed:
            assert self._changed.wait_for(predicate, timeout), (
                f"timed out waiting for {what}; states {self.states[-5:]}, "
                f"messages {self.messages[-5:]}"
            )

    def wait_state(self, connected: bool, since: int = 0, timeout: float = TIMEOUT) -> str:
        """The text of the first state report ``connected`` from the ``since``-th report on."""
        found: list[str] = []

        def seen() -> bool:
            found[:] = [t for c, t in self.states[since:] if c == connected]
            return bool(found)

        self.wait(seen, "connected" if connected else "not connected", timeout)
        return found[0]

    def wait_message(
        self, topic: str, payload: bytes | None = None, since: int = 0, timeout: float = TIMEOUT
    ) -> bytes:
        """The payload of the first message on ``topic`` (with ``payload``, if given) from
        the ``since``-th message on."""
        found: list[bytes] = []

        def seen() -> bool:
            found[:] = [
                p
                for t, p in self.messages[since:]
                if t == topic and (payload is None or p == payload)
            ]
            return bool(found)

        self.wait(seen, f"a message on {topic!r}", timeout)
        return found[0]

    def until(self, topic: str, send: Callable[[], object], timeout: float = TIMEOUT) -> bytes:
        """Call ``send`` (again every half second) until a message on ``topic`` comes; its
        payload. For a subscription just made: paho does not report the broker's SUBACK, a
        message through the broker shows the subscription is in place."""
        deadline = time.monotonic() + timeout
        since = len(self.messages)
        while True:
            send()
            try:
                return self.wait_message(topic, since=since, timeout=0.5)
            except AssertionError:
                if time.monotonic() > deadline:
                    raise


class Broker:
    """One Mosquitto process on 127.0.0.1; ``start()`` returns once it accepts connections.

    ``port``: None picks a free one (and another one should a race take it first).
    ``config``: None (``-p PORT``); configuration text (a ``str``: ``{folder}`` in it is the
    broker's folder, ``{port}`` its port; without a ``listener`` line of its own it comes
    after ``listener PORT 127.0.0.1``, and anonymous clients are let in unless it says
    ``allow_anonymous``; with one, the first listener should be ``listener {port} 127.0.0.1``:
    that is the port waited on); or the ``Path`` of a complete file (then ``port`` is
    required: the port that file's first listener uses).
    ``persistent``: retained messages survive ``restart()`` (a persistence file in the
    broker's folder); without it a restarted broker starts empty, as Mosquitto does by default.
    """

    def __init__(
        self,
        port: int | None = None,
        config: str | Path | None = None,
        *,
        persistent: bool = False,
        verbose: bool = False,
    ) -> None:
        if isinstance(config, Path) and port is None:
            raise ValueError("a configuration file of the caller's needs the port it listens on")
        self._fixed_port = port is not None
        self.port: int = port if port is not None else free_port()
        self._config = config
        self._persistent = persistent
        self._verbose = verbose
        self.folder = Path(tempfile.mkdtemp(prefix="qml-s7-mosquitto-"))
        if os.geteuid() == 0:
            # run as root, Mosquitto drops to the user "mosquitto", which must still read the
            # password and ACL files a test writes here and write its persistence file
            self.folder.chmod(0o755)
            with contextlib.suppress(LookupError, OSError):
                shutil.chown(self.folder, user="mosquitto")
        self.log_path = self.folder / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        binary = mosquitto_path()
        if binary is None:
            raise RuntimeError(MISSING)
        if isinstance(self._config, Path):
            return [binary, "-c", str(self._config)]
        if self._config is None and not self._persistent:
            return [binary, "-p", str(self.port), *(["-v"] if self._verbose else [])]
        return [binary, "-c", str(self._write_config())]

    def _write_config(self) -> Path:
        text = self._config if isinstance(self._config, str) else ""
        text = text.replace("{folder}", str(self.folder)).replace("{port}", str(self.port))
        lines = []
        if not re.search(r"^\s*listener\s", text, re.MULTILINE):
            lines.append(f"listener {self.port} 127.0.0.1")
            if "allow_anonymous" not in text:
                lines.append("allow_anonymous true")
        if self._persistent:
            lines += ["persistence true", f"persistence_location {self.folder}/"]
        if self._verbose:
            lines.append("log_type all")
        lines.append("log_dest stderr")
        path = self.folder / "mosquitto.conf"
        path.write_text("\n".join([*lines, text, ""]))
        path.chmod(0o644)
        return path

    def start(self, timeout: float = TIMEOUT) -> Broker:
        """Start it and wait until it accepts connections (another port if a race took ours)."""
        for _attempt in range(5):
            self._spawn()
            try:
                self.wait_ready(timeout)
                return self
            except RuntimeError:
                if self._fixed_port or _IN_USE not in self.log():
                    raise
                self.port = free_port()
        raise RuntimeError(f"Mosquitto found no free port:\n{self.log()}")

    def _spawn(self) -> None:
        if self.running:
            raise RuntimeError("this Mosquitto is already running")
        with self.log_path.open("ab") as log:
            log.write(f"=== {' '.join(self.command())}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )

    def wait_ready(self, timeout: float = TIMEOUT, port: int | None = None) -> None:
        """Until the port (or another listener's ``port``) accepts a TCP connection;
        RuntimeError (with the log) if the process ended or ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise RuntimeError(f"Mosquitto ended before it accepted connections:\n{self.log()}")
            if accepts(self.port if port is None else port):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Mosquitto did not accept within {timeout} s:\n{self.log()}")

    def stop(self, timeout: float = TIMEOUT) -> None:
        """End it as a service manager would (SIGTERM: clients see their connection close)."""
        self._end(signal.SIGTERM, timeout)

    def kill(self, timeout: float = TIMEOUT) -> None:
        """End it at once (SIGKILL: nothing written, nothing said to the clients)."""
        self._end(signal.SIGKILL, timeout)

    def _end(self, how: signal.Signals, timeout: float) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(how)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def restart(self, timeout: float = TIMEOUT) -> None:
        """Stop it and start it again on the same port."""
        self.stop(timeout)
        self._fixed_port = True  # the clients know this port: it must not move
        self.start(timeout)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def close(self) -> None:
        """Stop it and remove its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Broker:
        return self.start() if not self.running else self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@pytest.fixture
def broker() -> Iterator[Broker]:
    """A Mosquitto of the test's own on a free port of 127.0.0.1 (``mosquitto -p PORT``)."""
    if mosquitto_path() is None:
        if os.environ.get("CI"):  # .ci/run installs it: a missing broker there is a failure
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    running = Broker().start()
    try:
        yield running
    finally:
        log = running.log()
        running.close()
        # shown by pytest only when the test failed
        with contextlib.suppress(Exception):
            print(f"--- the broker's log ---\n{log[-20_000:]}")
