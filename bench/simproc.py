"""qml-s7's Simulator in a process of its own, steered through JSON lines on stdin/stdout.

    python bench/simproc.py --db 1:16384 --db 2:16384 --area-size 4096 [--max-items 20]

Prints ``{"port": P, "pid": N}`` once listening on 127.0.0.1, then answers one JSON line per
command line; exits when stdin closes.

Commands: ``image`` (k): fill every area with memory image k of ``common.image_bytes``;
``churn`` (period_ms, 0 stops): switch between images 0 and 1 every period on a thread;
``ticker`` (db, start, min_ms, max_ms, count): write an incrementing DINT to DB``db`` at
``start`` at random intervals, noting CLOCK_MONOTONIC right after each write; ``ticks``:
those notes as [value, time] pairs once the ticker is done (``done`` false before);
``stats``: the simulator's request counters; ``connections``: the client connections it has
now; ``cpu``: this process's CPU seconds; ``stop`` and
``start``: a power cycle (connections dropped, then listening again on the same port);
``write`` (items: [db, start, hex] each): write bytes into DBs; ``dint_log`` (db, start): the
DINTs clients wrote there, in the order they landed.
``--probe-db N`` keeps DB N out of the images (for the ticker).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import struct
import sys
import threading
from typing import Any

from common import AREA_DB, AREA_I, AREA_M, AREA_Q, image_bytes, mono

from qml_s7.simulator import Simulator

_AREA_NAME = {AREA_I: "I", AREA_Q: "Q", AREA_M: "M", AREA_DB: "DB"}


class Control:
    def __init__(
        self, sim: Simulator, seed: int, dbs: dict[int, int], other: int, probe_db: int = 0
    ) -> None:
        self.sim = sim
        self.seed = seed
        self.areas = [(AREA_DB, db, size) for db, size in dbs.items() if db != probe_db]
        self.areas += [(a, 0, other) for a in (AREA_I, AREA_Q, AREA_M)]
        self.images: dict[int, list[bytes]] = {}
        self._stop_churn = threading.Event()
        self._churn: threading.Thread | None = None
        self._ticks: list[tuple[int, float]] = []
        self._ticker: threading.Thread | None = None

    def image(self, k: int) -> dict[str, Any]:
        data = self.images.get(k)
        if data is None:
            data = [image_bytes(self.seed, k, a, db, size) for a, db, size in self.areas]
            self.images[k] = data
        for (area, db, _), chunk in zip(self.areas, data, strict=True):
            self.sim.write(_AREA_NAME[area], 0, chunk, db=db)
        return {"ok": True}

    def churn(self, period_ms: float) -> dict[str, Any]:
        if self._churn is not None:
            self._stop_churn.set()
            self._churn.join()
            self._churn = None
        if period_ms > 0:
            self._stop_churn = threading.Event()
            stop = self._stop_churn

            def run() -> None:
                k = 0
                while not stop.wait(period_ms / 1000):
                    k ^= 1
                    self.image(k)

            self._churn = threading.Thread(target=run, daemon=True)
            self._churn.start()
        return {"ok": True}

    def ticker(self, db: int, start: int, min_ms: float, max_ms: float, count: int) -> dict:
        self._ticks = []
        rng = random.Random(f"ticker {self.seed} {db} {start} {min_ms} {max_ms}")

        def run() -> None:
            value = struct.unpack(">i", self.sim.read("DB", start, 4, db=db))[0]
            for _ in range(count):
                threading.Event().wait(rng.uniform(min_ms, max_ms) / 1000)
                value = (value + 1) & 0x7FFFFFFF
                self.sim.write("DB", start, struct.pack(">i", value), db=db)
                self._ticks.append((value, mono()))

        self._ticker = threading.Thread(target=run, daemon=True)
        self._ticker.start()
        return {"ok": True}

    def ticks(self) -> dict[str, Any]:
        done = self._ticker is None or not self._ticker.is_alive()
        return {"done": done, "ticks": self._ticks if done else []}

    def stats(self) -> dict[str, Any]:
        stats = self.sim.stats
        return {"read_requests": stats.read_requests, "read_items": stats.read_items}

    def connections(self) -> dict[str, Any]:
        return {"connections": self.sim.connection_count}

    def write(self, items: list[list[Any]]) -> dict[str, Any]:
        for db, start, data in items:
            self.sim.write("DB", start, bytes.fromhex(data), db=db)
        return {"ok": True}

    def dint_log(self, db: int, start: int) -> dict[str, Any]:
        values = [
            struct.unpack(">i", w.data)[0]
            for w in self.sim.stats.writes
            if w.ok and w.area == "DB" and w.db == db and w.start == start
        ]
        return {"values": values}

    def stop(self) -> dict[str, Any]:
        self.sim.stop()
        return {"ok": True}

    def start(self) -> dict[str, Any]:
        self.sim.start()
        return {"ok": True}

    def cpu(self) -> dict[str, Any]:
        t = os.times()
        return {"cpu": t.user + t.system}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", default=[], metavar="N:SIZE")
    parser.add_argument("--area-size", type=int, default=1024)
    parser.add_argument("--max-items", type=int, default=20)
    parser.add_argument("--pdu-length", type=int, default=480)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--probe-db", type=int, default=0, help="a DB that images leave alone")
    args = parser.parse_args()
    dbs = {int(n): int(s) for n, s in (d.split(":") for d in args.db)} or {1: 1024}
    sim = Simulator(
        dbs=dbs, area_size=args.area_size, max_items=args.max_items, pdu_length=args.pdu_length
    )
    sim.start()
    control = Control(sim, args.seed, dbs, args.area_size, args.probe_db)
    control.image(0)
    print(json.dumps({"port": sim.port, "pid": os.getpid()}), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            cmd = request.pop("cmd")
            try:
                answer = getattr(control, cmd)(**request)
            except Exception as exc:  # report, keep serving
                answer = {"error": f"{cmd}: {exc!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        control.churn(0)
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
