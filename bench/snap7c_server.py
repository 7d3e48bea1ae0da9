"""The original Snap7 server (the C library) on 127.0.0.1, for the protocol-limits check.

Runs in ``bench/.snap7c-venv`` (python-snap7 1.4.1, whose wheel bundles libsnap7.so; see
``common.ensure_snap7c``), never in the project's venv:

    bench/.snap7c-venv/bin/python bench/snap7c_server.py --db 1:16384 --area-size 4096

Prints ``{"port": P, "pid": N}`` once listening, answers JSON-line commands on stdin
(``image`` k: fill every area with memory image k) and exits when stdin closes.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import socket
import sys

from common import AREA_DB, AREA_I, AREA_M, AREA_Q, image_bytes


def main() -> int:
    import snap7
    from snap7.server import Server
    from snap7.types import srvAreaDB, srvAreaMK, srvAreaPA, srvAreaPE

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", default=[], metavar="N:SIZE")
    parser.add_argument("--area-size", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    dbs = {int(n): int(s) for n, s in (d.split(":") for d in args.db)} or {1: 1024}

    server = Server(log=False)
    areas = []  # (area code of the benchmark, db, ctypes buffer)
    for db, size in dbs.items():
        buf = (ctypes.c_uint8 * size)()
        server.register_area(srvAreaDB, db, buf)
        areas.append((AREA_DB, db, buf))
    for code, srv_area in ((AREA_I, srvAreaPE), (AREA_Q, srvAreaPA), (AREA_M, srvAreaMK)):
        buf = (ctypes.c_uint8 * args.area_size)()
        server.register_area(srv_area, 0, buf)
        areas.append((code, 0, buf))

    def image(k: int) -> None:
        for area, db, buf in areas:
            data = image_bytes(args.seed, k, area, db, ctypes.sizeof(buf))
            ctypes.memmove(buf, data, len(data))

    with socket.socket() as probe:  # a free port (the C server cannot report port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server.start_to("127.0.0.1", port)
    image(0)
    print(json.dumps({"port": port, "pid": os.getpid(), "snap7": snap7.__name__}), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("cmd") == "image":
                image(int(request["k"]))
                print(json.dumps({"ok": True}), flush=True)
            else:
                print(json.dumps({"error": f"unknown command {request.get('cmd')}"}), flush=True)
    finally:
        server.stop()
        server.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
