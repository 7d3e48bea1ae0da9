"""The ``qml-s7`` command: the demo panel on the embedded simulator, and a runner for panels."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine, QQmlError
from PySide6.QtQuick import QQuickWindow

from . import install
from .client import shutdown_all


def _print_errors(errors: Sequence[QQmlError]) -> None:
    for error in errors:
        print(error.toString(), file=sys.stderr)


def show(path: Path, properties: dict[str, Any], screenshot: str | None, delay: float) -> int:
    """Load the QML file ``path`` into a window and run until it closes.

    With ``screenshot``, save the window as PNG after ``delay`` seconds and exit.
    Returns the exit code: non-zero when the file does not load.
    """
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    engine = QQmlApplicationEngine()
    install(engine)
    engine.warnings.connect(_print_errors)
    engine.setInitialProperties(properties)
    engine.load(QUrl.fromLocalFile(str(path.resolve())))
    roots = engine.rootObjects()
    if not roots:
        print(f"qml-s7: could not load {path}", file=sys.stderr)
        return 1
    if screenshot:
        window = roots[0]
        if not isinstance(window, QQuickWindow):
            print(f"qml-s7: {path} has no Window at its root to screenshot", file=sys.stderr)
            return 1

        def grab() -> None:
            image = window.grabWindow()
            if image.isNull() or not image.save(screenshot):
                print(f"qml-s7: could not save the screenshot to {screenshot}", file=sys.stderr)
                app.exit(1)
                return
            print(f"qml-s7: saved {screenshot}")
            app.quit()

        QTimer.singleShot(int(delay * 1000), grab)
    app.aboutToQuit.connect(shutdown_all)
    return app.exec()


def _demo(args: argparse.Namespace) -> int:
    from .demo import PANEL
    from .process import TankProcess
    from .simulator import Simulator

    simulator = process = None
    host, port = args.host, args.port
    if host is None:
        simulator = Simulator(port=args.port or 0)
        simulator.start()
        process = TankProcess(simulator)
        process.reset()
        if not args.idle:  # something to watch from the first second: fill, drain and heat
            for bit in (0, 1, 2):  # pump, drain valve, heater (DB1.DBX0.0 .. 0.2)
                simulator.write_bit("DB", 0, bit, True, db=1)
        process.start()
        host, port = simulator.host, simulator.port
        print(f"qml-s7: embedded PLC simulator with a tank process on {host}:{port}")
    properties = {
        "plcHost": host,
        "plcPort": port or 102,
        "plcRack": args.rack,
        "plcSlot": args.slot,
    }
    try:
        return show(PANEL, properties, args.screenshot, args.delay)
    finally:
        if process is not None:
            process.stop()
        if simulator is not None:
            simulator.stop()


def _run(args: argparse.Namespace) -> int:
    path = Path(args.panel)
    if not path.is_file():
        print(f"qml-s7: no such file: {path}", file=sys.stderr)
        return 2
    return show(path, {}, args.screenshot, args.delay)


def _typeinfo(args: argparse.Namespace) -> int:
    from .typeinfo import write

    print(f"qml-s7: wrote {write(args.folder)}")
    return 0


def _lint(args: argparse.Namespace) -> int:
    """Run qmllint on panels with QmlS7's type information and QmlS7.Controls importable."""
    import shutil
    import subprocess
    import tempfile

    from . import qml_import_path
    from .typeinfo import write

    qmllint = shutil.which("pyside6-qmllint", path=str(Path(sys.executable).parent))
    qmllint = qmllint or shutil.which("pyside6-qmllint")
    if qmllint is None:
        print("qml-s7: pyside6-qmllint not found (it comes with PySide6)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        write(folder)
        command = [qmllint, "-I", folder, "-I", qml_import_path(), *args.panels]
        result = subprocess.run(command, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if output:
        print(output)
    warned = "Warning:" in output or "Error:" in output
    return 1 if result.returncode or warned else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``qml-s7``."""
    parser = argparse.ArgumentParser(prog="qml-s7", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="open the demo panel (on the embedded simulator by default)")
    demo.add_argument("--host", help="a real PLC's address instead of the embedded simulator")
    demo.add_argument("--port", type=int, default=None, help="PLC port (default 102)")
    demo.add_argument("--rack", type=int, default=0)
    demo.add_argument("--slot", type=int, default=1)
    demo.add_argument(
        "--idle", action="store_true", help="start the simulated tank with pump, valve, heater off"
    )
    demo.set_defaults(func=_demo)

    run = sub.add_parser("run", help="run your own QML panel with QmlS7 importable")
    run.add_argument("panel", help="the .qml file to load")
    run.set_defaults(func=_run)

    typeinfo = sub.add_parser("typeinfo", help="write QmlS7's .qmltypes for qmllint and qmlls")
    typeinfo.add_argument(
        "folder", help="import path to write QmlS7/qmldir and QmlS7.qmltypes into"
    )
    typeinfo.set_defaults(func=_typeinfo)

    lint = sub.add_parser("lint", help="qmllint your panels, knowing QmlS7 and QmlS7.Controls")
    lint.add_argument("panels", nargs="+", help=".qml files")
    lint.set_defaults(func=_lint)

    for command in (demo, run):
        command.add_argument("--screenshot", metavar="FILE", help="save the window as PNG and exit")
        command.add_argument(
            "--delay", type=float, default=3.0, help="seconds before the screenshot (default 3)"
        )
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
