"""Helpers that several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import qml_s7

ROOT = Path(__file__).resolve().parent.parent


def widget_names() -> tuple[str, ...]:
    """The public widgets of QmlS7.Controls, as its qmldir lists them."""
    qmldir = Path(qml_s7.qml_import_path()) / "QmlS7" / "Controls" / "qmldir"
    names = []
    for line in qmldir.read_text().splitlines():
        words = line.split()
        if len(words) == 3 and words[1][0].isdigit():  # "Name 1.0 File.qml", not internal
            names.append(words[0])
    return tuple(names)


WIDGETS = widget_names()


def run_qml_s7(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the qml-s7 command as a user would (offscreen unless ``env`` says otherwise)."""
    return subprocess.run(
        [sys.executable, "-m", "qml_s7", *args],
        capture_output=True,
        text=True,
        env=env if env is not None else {**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=cwd,
        timeout=timeout,
    )


class Running:
    """A ``qml-s7`` process (offscreen) whose output is read line by line as it comes."""

    TIMEOUT_S = 60

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qml_s7", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str) -> None:
        """Read output until a line contains ``text`` (bounded by TIMEOUT_S)."""
        while True:
            try:
                line = self.lines.get(timeout=self.TIMEOUT_S)
            except queue.Empty:
                pytest.fail(f"no line with {text!r} within {self.TIMEOUT_S} s: {self.output}")
            self.output.append(line)
            if text in line:
                return

    def stop(self, signum: int) -> int:
        """Send ``signum``, wait for the end; the exit status (the rest of the output read)."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=self.TIMEOUT_S)
        self._reader.join(timeout=self.TIMEOUT_S)  # the output ends with the process
        assert self.process.stdout is not None
        self.process.stdout.close()
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code

    def text(self) -> str:
        """Everything read so far."""
        return "".join(self.output)
