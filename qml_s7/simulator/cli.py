"""``qml-s7-sim``: a simulated PLC (optionally with the demo's tank process) until Ctrl-C.

While it runs, its CPU goes into STOP and back to RUN by a line on its standard input
(``stop``, ``run``, ``status``) or by a signal (SIGUSR1: STOP, SIGUSR2: RUN).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

from snap7.error import S7ConnectionError

from .plc import Simulator
from .process import TankProcess

DEFAULT_CLI_PORT = 1102


def _db_spec(text: str) -> tuple[int, int]:
    try:
        number, size = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N:SIZE such as 1:1024, not {text!r}") from None
    if not 1 <= number <= 65535 or size < 1:
        raise argparse.ArgumentTypeError(f"invalid DB{number} of {size} bytes")
    return number, size


def main(argv: list[str] | None = None) -> int:
    """The ``qml-s7-sim`` command: run a simulated PLC until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="qml-s7-sim", description="Simulated Siemens S7 PLC for qml-s7 (python-snap7)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_CLI_PORT,
        help=f"TCP port; 0 picks a free one (default {DEFAULT_CLI_PORT})",
    )
    parser.add_argument(
        "--db",
        type=_db_spec,
        action="append",
        metavar="N:SIZE",
        help="a data block and its size in bytes; repeatable (default 1:1024 2:1024 3:1024)",
    )
    parser.add_argument(
        "--area-size", type=int, default=1024, help="bytes of I, Q and M (default 1024)"
    )
    parser.add_argument(
        "--pdu-length", type=int, default=480, help="largest PDU, 240..960 (default 480)"
    )
    parser.add_argument(
        "--process",
        action="store_true",
        help="run the demo tank process on DB1, QB0, IB0, MW0 and M2.0",
    )
    parser.add_argument(
        "--stop", action="store_true", help="start with the CPU in STOP (default RUN)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        sim = Simulator(
            args.host,
            args.port,
            dbs=dict(args.db) if args.db else None,
            area_size=args.area_size,
            pdu_length=args.pdu_length,
        )
        sim.start()
    except (ValueError, S7ConnectionError) as e:
        print(f"qml-s7-sim: {e}", file=sys.stderr)
        return 1
    process = None
    if args.process:
        try:
            process = TankProcess(sim)
        except ValueError as e:
            sim.stop()
            print(f"qml-s7-sim: {e}", file=sys.stderr)
            return 1
        process.reset()

    if args.stop:
        sim.set_cpu_state("STOP")
    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
        for signum, mode in ((signal.SIGUSR1, "STOP"), (signal.SIGUSR2, "RUN")):
            previous[signum] = signal.signal(signum, lambda *_, m=mode: _switch(sim, m))
    threading.Thread(target=_console, args=(sim, stop), daemon=True).start()
    try:
        print(
            f"qml-s7 simulator listening on {sim.host}:{sim.port}, CPU in {sim.cpu_state} "
            "(type stop, run or status)",
            flush=True,
        )
        if process is not None:
            process.start()
            names = ", ".join(f"{name} {address}" for name, address in process.MAP.items())
            print(f"qml-s7 tank process running: {names}", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if process is not None:
            process.stop()
        sim.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("qml-s7 simulator stopped", flush=True)
    return 0


def _switch(sim: Simulator, mode: str) -> None:
    sim.set_cpu_state(mode)
    print(f"qml-s7 simulator: CPU in {sim.cpu_state}", flush=True)


def _console(sim: Simulator, stop: threading.Event) -> None:
    """Commands typed on standard input: stop, run, status (and quit)."""
    for line in sys.stdin:
        command = line.strip().lower()
        if command in ("stop", "run"):
            _switch(sim, command)
        elif command == "status":
            print(f"qml-s7 simulator: CPU in {sim.cpu_state}", flush=True)
        elif command in ("quit", "exit"):
            stop.set()
            return
        elif command:
            print("qml-s7 simulator: commands are stop, run, status, quit", flush=True)
