"""Helpers that several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
