"""The qml-s7 command as a user runs it: real subprocesses, offscreen, against a simulator."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from support import Running, run_qml_s7

from qml_s7 import __version__
from qml_s7.cli.display import debian_package

PANEL = """
import QtQuick
import QmlS7
Window {
    width: 320; height: 200; visible: true
    property string plcHost: "127.0.0.1"
    property int plcPort: 102
    S7Client {
        id: plc; hostname: plcHost; port: plcPort; pollInterval: 50
        S7Variable { name: "DB1.DBD2:REAL" }
        %s
    }
    Text { text: plc.connected ? "connected" : "waiting" }
}
"""


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "qml_s7", *args]


def offscreen(**extra: str) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", **extra}


def write(tmp_path: Path, source: str, name: str = "panel.qml") -> Path:
    path = tmp_path / name
    path.write_text(source)
    return path


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_demo_cleanly(signum, status):
    demo = Running("demo")
    demo.wait_for("connected")
    assert demo.stop(signum) == status
    text = "".join(demo.output)
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "QThread: Destroyed while thread is still running" not in text


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_a_running_panel_cleanly(tmp_path, simulator, signum, status):
    panel = write(tmp_path, PANEL % "")
    run = Running("run", str(panel), "--set", f"plcPort={simulator.port}")
    run.wait_for("connected")
    assert run.stop(signum) == status
    text = "".join(run.output)
    assert "Traceback" not in text and "QThread: Destroyed" not in text


def test_set_gives_root_properties_and_size_sets_the_window(tmp_path, simulator):
    panel = write(tmp_path, PANEL % "")
    shot = tmp_path / "shot.png"
    result = run_qml_s7(
        "run",
        str(panel),
        "--set",
        "plcHost=127.0.0.1",
        "--set",
        f"plcPort={simulator.port}",
        "--size",
        "640x360",
        "--screenshot",
        str(shot),
        "--delay",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert f"127.0.0.1:{simulator.port}: connected" in result.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (640, 360)


def test_set_of_a_property_the_panel_lacks_is_refused(tmp_path):
    panel = write(tmp_path, PANEL % "")
    result = run_qml_s7("run", str(panel), "--set", "plcHots=127.0.0.1")
    assert result.returncode == 2
    assert "has no root property plcHots" in result.stderr


@pytest.mark.parametrize("bad", ["--size=800", "--size=0x480", "--set=novalue"])
def test_malformed_options_are_usage_errors(tmp_path, bad):
    result = run_qml_s7("run", str(write(tmp_path, PANEL % "")), bad)
    assert result.returncode == 2
    assert "expected" in result.stderr


def test_a_root_item_is_shown_in_a_window_of_its_size(tmp_path):
    item = write(tmp_path, "import QtQuick\nRectangle { width: 300; height: 150; color: 'red' }")
    shot = tmp_path / "item.png"
    result = run_qml_s7("run", str(item), "--screenshot", str(shot), "--delay", "0.3")
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (300, 150)
    assert image.pixelColor(150, 75).name() == "#ff0000"


def test_a_window_without_visible_is_shown_with_a_note(tmp_path):
    window = write(tmp_path, "import QtQuick\nWindow { width: 200; height: 100; color: 'blue' }")
    shot = tmp_path / "window.png"
    result = run_qml_s7("run", str(window), "--screenshot", str(shot), "--delay", "0.3")
    assert result.returncode == 0, result.stderr
    assert "has no 'visible: true'; showing it anyway" in result.stderr
    assert QImage(str(shot)).pixelColor(100, 50).name() == "#0000ff"


def test_a_root_that_shows_nothing_is_refused(tmp_path):
    plain = write(tmp_path, "import QtQml\nQtObject {}")
    result = run_qml_s7("run", str(plain))
    assert result.returncode == 1
    assert "not a Window or an Item: nothing to show" in result.stderr


ENUM_TYPO = """
import QtQuick
import QmlS7
Window {
    width: 100; height: 100; visible: true
    S7Client { autoConnect: false; byteOrder: S7Client.LittleEndiann }
}
"""


def test_a_misspelled_enum_is_named_once_and_strict_fails_on_it(tmp_path):
    panel = write(tmp_path, ENUM_TYPO)
    shot = tmp_path / "typo.png"
    lenient = run_qml_s7("run", str(panel), "--screenshot", str(shot), "--delay", "0.2")
    assert lenient.returncode == 0, lenient.stderr
    hint = "S7Client has no enum value LittleEndiann; did you mean S7Client.LittleEndian?"
    assert lenient.stderr.count(hint) == 1
    assert lenient.stderr.count("Unable to assign") == 1  # Qt's own copy is not printed too
    strict = run_qml_s7("run", str(panel), "--strict", "--screenshot", str(shot))
    assert strict.returncode == 1
    assert "--strict: 1 warning(s) while loading panel.qml" in strict.stderr
    assert f"{panel.name}:6" in strict.stderr


def test_strict_accepts_a_clean_panel(tmp_path):
    panel = write(tmp_path, ENUM_TYPO.replace("LittleEndiann", "LittleEndian"))
    shot = tmp_path / "clean.png"
    result = run_qml_s7("run", str(panel), "--strict", "--screenshot", str(shot), "--delay", "0.2")
    assert result.returncode == 0, result.stderr


def test_variable_errors_reach_the_console_once_each(tmp_path, simulator):
    extra = (
        'S7Variable { name: "DB1.DBX0.9" }\n'
        '        S7Variable { objectName: "missing"; name: "DB77.DBW0:INT" }'
    )
    panel = write(tmp_path, PANEL % extra)
    shot = tmp_path / "errors.png"
    result = run_qml_s7(
        "run",
        str(panel),
        "--set",
        f"plcPort={simulator.port}",
        "--screenshot",
        str(shot),
        "--delay",
        "1.5",  # some 30 polls of the missing DB
    )
    assert result.returncode == 0, result.stderr
    parse = 'S7Variable "DB1.DBX0.9": Cannot parse address "DB1.DBX0.9": bit number 9'
    assert result.stderr.count(parse) == 1, result.stderr
    assert result.stderr.count('S7Variable "DB77.DBW0:INT" (missing): Reading') == 1, result.stderr


def test_lint_checks_the_address_names_it_can_see(tmp_path):
    panel = write(
        tmp_path,
        """import QtQuick
import QmlS7
Item {
    S7Client {
        autoConnect: false
        S7Variable { name: "DB1.DBD2:REAL" }
        S7Variable { name: "DB1.DBX0.9" }
        // S7Variable { name: "XYZ" } is a comment
    }
    Text { text: "name: 'XYZ'" }
}
""",
    )
    result = run_qml_s7("lint", str(panel))
    assert result.returncode == 1
    assert f"{panel}:7:29: S7Variable name: Cannot parse address" in result.stdout
    assert "bit number 9 is out of range 0..7 [s7-address]" in result.stdout
    assert "XYZ" not in result.stdout
    fixed = write(tmp_path, panel.read_text().replace("DBX0.9", "DBX0.7"), "fixed.qml")
    assert run_qml_s7("lint", str(fixed)).returncode == 0


def test_version_and_help_read_as_plain_text():
    version = run_qml_s7("--version")
    assert version.returncode == 0
    assert version.stdout.startswith(f"qml-s7 {__version__} (PySide6 ")
    for args in (["--help"], ["demo", "--help"], ["run", "--help"]):
        result = run_qml_s7(*args)
        assert result.returncode == 0
        assert "``" not in result.stdout
    assert "a free port for the simulator" in " ".join(run_qml_s7("demo", "--help").stdout.split())


def test_simulator_help_gives_its_defaults():
    result = subprocess.run(
        [sys.executable, "-m", "qml_s7.simulator", "--help"], capture_output=True, text=True
    )
    text = " ".join(result.stdout.split())
    for default in ("(default 1102)", "(default 1024)", "(default 480)", "(default 127.0.0.1)"):
        assert default in text


def test_typeinfo_writes_an_import_path_into_the_current_folder_by_default(tmp_path):
    result = run_qml_s7("typeinfo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "qmltypes" / "QmlS7" / "QmlS7.qmltypes").is_file()
    assert f"-I {tmp_path / 'qmltypes'}" in result.stdout


def test_a_missing_window_library_is_named_with_its_package(tmp_path):
    # ldd is how the check finds missing libraries: this one reports two of them.
    fake = tmp_path / "bin"
    fake.mkdir()
    ldd = fake / "ldd"
    ldd.write_text(
        "#!/bin/sh\n"
        "echo '\tlibxcb-icccm.so.4 => not found'\n"
        "echo '\tlibxkbcommon-x11.so.0 => not found'\n"
        "echo '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x0)'\n"
    )
    ldd.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "DISPLAY": ":99"}
    env.pop("QT_QPA_PLATFORM", None)
    result = run_qml_s7("run", str(write(tmp_path, PANEL % "")), env=env)
    assert result.returncode == 1
    assert "libxcb-icccm.so.4, libxkbcommon-x11.so.0" in result.stderr
    assert "sudo apt-get install libxcb-icccm4 libxkbcommon-x11-0" in result.stderr


def test_no_display_says_how_to_work_without_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = run_qml_s7("run", str(write(tmp_path, PANEL % "")), env=env)
    assert result.returncode == 1
    assert "DISPLAY is not set" in result.stderr and "QT_QPA_PLATFORM=offscreen" in result.stderr


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libEGL.so.1", "libegl1"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libgthread-2.0.so.0", "libglib2.0-0"),
    ],
)
def test_missing_libraries_are_named_by_their_debian_package(soname, package):
    assert debian_package(soname) == package


def test_the_demo_keeps_its_history_where_history_says(tmp_path):
    file, shot = tmp_path / "demo.sqlite", tmp_path / "demo.png"
    result = run_qml_s7("demo", "--history", str(file), "--screenshot", str(shot), "--delay", "2")
    assert result.returncode == 0, result.stderr
    with contextlib.closing(sqlite3.connect(file)) as db:
        tags = {tag for (tag,) in db.execute("SELECT DISTINCT tag FROM samples")}
    assert {'"Tank".Level', '"Tank".Temperature'} <= tags
