"""The qml-s7 command: the demo panel, your own panels, and tools for writing them."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

EXAMPLES = """\
examples:
  qml-s7 demo                                  the demo on the embedded PLC simulator
  qml-s7 demo --size 800x480                   ... at the size of a 7-inch panel
  qml-s7 demo --gateway                        ... through a gateway and a local MQTT broker
  qml-s7 run panel.qml --set plcHost=10.0.0.5  your panel, its root property plcHost set
  qml-s7 lint panel.qml                        check a panel without running it
  qml-s7 gateway line1.qml                     share the PLC connections of a file through MQTT
  qml-s7 tags --db Tank=1 Tank.db tags.xlsx    the tags of TIA Portal exports and their addresses
  qml-s7 history export --tag Level --from 2026-12-05T07:00 --to 2026-12-05T08:00 history.sqlite
                                               a logged tag's values as CSV
"""


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        size = (0, 0)
    if not sep or min(size) < 1:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 800x480, not {text!r}")
    return size


def _assignment(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE such as plcPort=102, not {text!r}")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value  # plain text: a host name, a path
    return name.strip(), parsed


def _options(args: argparse.Namespace) -> Any:
    from .runner import WindowOptions

    return WindowOptions(
        size=args.size,
        fullscreen=args.fullscreen,
        screenshot=args.screenshot,
        delay=args.delay,
        strict=args.strict,
    )


def _demo(args: argparse.Namespace) -> int:
    from ..demo import PANEL
    from ..demo.switch import ModeSwitch
    from ..simulator import Simulator
    from ..simulator.process import TankProcess
    from .runner import show

    gateway = args.gateway or args.broker is not None
    mosquitto = None
    if args.broker is not None:
        from ..gateway.broker import BrokerAddress

        try:
            BrokerAddress.parse(args.broker)
        except ValueError as exc:
            print(f"qml-s7: --broker: {exc}", file=sys.stderr)
            return 2
    elif gateway:
        from .demogateway import MISSING, find_mosquitto

        mosquitto = find_mosquitto()
        if mosquitto is None:
            print(f"qml-s7: {MISSING}", file=sys.stderr)
            return 1
    simulator = process = None
    host, port = args.host, args.port
    if host is None:
        logging.getLogger("qml_s7.simulator").setLevel(logging.WARNING)  # said once below
        simulator = Simulator(port=args.port or 0)
        simulator.start()
        process = TankProcess(simulator)
        process.reset()
        if not args.idle:  # the level falls and the water heats until someone presses Pump
            for bit in (1, 2):  # drain valve, heater (DB1.DBX0.1, DB1.DBX0.2)
                simulator.write_bit("DB", 0, bit, True, db=1)
        process.start()
        host, port = simulator.host, simulator.port
        print(f"qml-s7: embedded PLC simulator with a tank process on {host}:{port}", flush=True)
    properties: dict[str, Any] = {
        "plcHost": host,
        "plcPort": port or 102,
        "plcRack": args.rack,
        "plcSlot": args.slot,
        "historyFile": args.history,
    }
    if simulator is not None:  # its CPU can be switched from the panel's PLC page
        properties["simulator"] = ModeSwitch(simulator)
    try:
        if not gateway:
            return show(PANEL, properties, _options(args))
        from .demogateway import NAME, BrokerFailed, through_gateway

        plc = (host, port or 102, args.rack, args.slot)
        try:
            with through_gateway(plc, args.broker, mosquitto) as broker:
                properties.update(broker=broker, gateway=NAME)
                return show(PANEL, properties, _options(args))
        except BrokerFailed as exc:
            print(f"qml-s7: {exc}", file=sys.stderr)
            return 1
    finally:
        if process is not None:
            process.stop()
        if simulator is not None:
            simulator.stop()


def _run(args: argparse.Namespace) -> int:
    from .runner import show

    path = Path(args.panel)
    if not path.is_file():
        print(f"qml-s7: no such file: {path}", file=sys.stderr)
        return 2
    return show(path, dict(args.set or ()), _options(args))


def _gateway(args: argparse.Namespace) -> int:
    from .gateway import run

    return run(Path(args.file), dict(args.set or ()))


def _typeinfo(args: argparse.Namespace) -> int:
    from .. import qml_import_path
    from .typeinfo import write

    module = write(args.folder)
    folder = Path(args.folder).resolve()
    print(f"qml-s7: wrote {module / 'QmlS7.qmltypes'} and {module / 'qmldir'}")
    print(f"qml-s7: give qmllint or qmlls both import paths: -I {folder} -I {qml_import_path()}")
    return 0


def _lint(args: argparse.Namespace) -> int:
    from .lint import lint

    return lint(args.panels, args.tags or (), dict(args.db or ()))


def _tags(args: argparse.Namespace) -> int:
    from .tags import run

    return run(args.files, dict(args.db or ()), as_csv=args.csv)


def _version() -> str:
    from importlib.metadata import version

    import PySide6
    from PySide6.QtCore import qVersion

    from .. import __version__

    return (
        f"qml-s7 {__version__} (PySide6 {PySide6.__version__}, Qt {qVersion()}, "
        f"python-snap7 {version('python-snap7')}, Python {sys.version.split()[0]})"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qml-s7",
        description="Siemens S7 PLCs in Qt Quick: run the demo or your own QML panels, "
        "check panels, and write type information for QML tools.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="open the demo panel (on the embedded PLC simulator unless --host is given)",
        description="Open the demo panel of a heated tank. Without --host it runs on an "
        "embedded PLC simulator with the tank process, so no PLC is needed.",
    )
    demo.add_argument("--host", help="a real PLC's address instead of the embedded simulator")
    demo.add_argument(
        "--port",
        type=int,
        default=None,
        help="the PLC's port (default: 102 with --host, a free port for the simulator)",
    )
    demo.add_argument("--rack", type=int, default=0, help="the CPU's rack (default 0)")
    demo.add_argument("--slot", type=int, default=1, help="the CPU's slot (default 1)")
    demo.add_argument(
        "--history",
        metavar="FILE",
        default="",
        help="the SQLite file of the demo's history and audit trail (default: history.sqlite "
        "in the application's data folder, e.g. ~/.local/share/qml-s7)",
    )
    demo.add_argument(
        "--idle", action="store_true", help="start the simulated tank with pump, valve, heater off"
    )
    demo.add_argument(
        "--gateway",
        action="store_true",
        help="through an MQTT broker: a gateway process holds the PLC link, the panel reads it "
        "with an S7RemoteClient; starts Mosquitto on a free port of 127.0.0.1",
    )
    demo.add_argument(
        "--broker",
        metavar="URL",
        help="--gateway on an existing broker (mqtt://host:port) instead of a Mosquitto of the "
        "demo's own",
    )
    demo.set_defaults(func=_demo)

    run = sub.add_parser(
        "run",
        help="run your own QML panel with QmlS7 and QmlS7.Controls importable",
        description="Run a QML panel. Its root is a Window or an Item (shown in a window). "
        "Errors are printed with file:line; the command exits non-zero when the panel "
        "does not load.",
    )
    run.add_argument("panel", help="the .qml file to load")
    run.set_defaults(func=_run)

    for command in (demo, run):
        command.add_argument("--size", type=_size, metavar="WxH", help="window size, e.g. 800x480")
        command.add_argument(
            "--fullscreen", action="store_true", help="full screen, as on an operator panel"
        )
        command.add_argument(
            "--strict", action="store_true", help="exit with status 1 on any warning while loading"
        )
        command.add_argument("--screenshot", metavar="FILE", help="save the window as PNG and exit")
        command.add_argument(
            "--delay",
            type=float,
            default=3.0,
            help="seconds before the screenshot (default 3)",
        )

    gateway = sub.add_parser(
        "gateway",
        help="run a QML file with an S7Gateway without a window: its PLC data through MQTT",
        description="Run a QML file that declares S7Clients and an S7Gateway, without a window "
        "(offscreen), until Ctrl+C or SIGTERM (exit status 130 or 143, after saying offline). "
        "The gateway publishes the variables to an MQTT broker and writes what panels ask.",
    )
    gateway.add_argument("file", help="the .qml file with the S7Gateway")
    gateway.set_defaults(func=_gateway)

    for command in (run, gateway):
        command.add_argument(
            "--set",
            type=_assignment,
            action="append",
            metavar="NAME=VALUE",
            help="set the root object's property NAME before loading (repeatable); VALUE is "
            'read as JSON when it parses (102, true, "text"), else as text',
        )

    typeinfo = sub.add_parser(
        "typeinfo",
        help="write QmlS7's .qmltypes for qmllint and qmlls",
        description="Write DIR/QmlS7/qmldir and DIR/QmlS7/QmlS7.qmltypes, for editors and "
        "tools: add DIR and the printed QmlS7.Controls folder to their import paths.",
    )
    typeinfo.add_argument(
        "folder",
        nargs="?",
        default="qmltypes",
        metavar="DIR",
        help="the import path to write into (default ./qmltypes)",
    )
    typeinfo.set_defaults(func=_typeinfo)

    lint = sub.add_parser(
        "lint",
        help="check panels: qmllint knowing QmlS7, and every S7Variable address name",
        description="Run Qt's qmllint on panels with QmlS7's type information, and parse every "
        "S7Variable name written as a plain string. Exits 1 on any finding.",
    )
    from .tags import db_number

    lint.add_argument("panels", nargs="+", metavar="PANEL", help=".qml files")
    lint.add_argument(
        "--tags",
        action="append",
        metavar="FILE",
        help="a tag file the panel's S7TagTable loads (TIA source, tag table, CSV); repeatable",
    )
    lint.add_argument(
        "--db",
        type=db_number,
        action="append",
        metavar="NAME=NUMBER",
        help="the number of a DB of the tag files (TIA sources carry none); repeatable",
    )
    lint.set_defaults(func=_lint)

    tags = sub.add_parser(
        "tags",
        help="list the tags of TIA Portal sources and tag tables with their absolute addresses",
        description="Read TIA Portal sources (.db, .udt, .scl from 'Generate source from "
        "blocks'), PLC tag tables (.xlsx, .csv) and plain CSV files (name,address[,comment]), "
        "compute the standard-access offsets, and print one row per value. Errors are printed "
        "with file:line (exit status 1).",
    )
    tags.add_argument("files", nargs="+", metavar="FILE", help="the files, all loaded together")
    tags.add_argument(
        "--db",
        type=db_number,
        action="append",
        metavar="NAME=NUMBER",
        help="the number of the DB NAME (TIA Portal sources carry none); repeatable",
    )
    tags.add_argument(
        "--csv", action="store_true", help="print CSV (name,address,type,comment) instead"
    )
    tags.set_defaults(func=_tags)

    from .history import add_parser as add_history

    add_history(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``qml-s7``."""
    args = _parser().parse_args(argv)
    # Our own log (variable and client errors, once per change) reads as the command's output.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("qml-s7: %(message)s"))
    ours = logging.getLogger("qml_s7")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(levelname)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
