"""History store: sustained logging of 10,000 tags and a 24-hour trend query, without Qt.

    .venv/bin/python bench/history_store.py [--tags 10000] [--seconds 60] [--quick]
        [--batch 1000] [--runs 20] [--other-tags 9] [--folder DIR]

1. Logging: a feeder thread gives the ``Store`` one sample of each of ``--tags`` tags every
   second (every value changes), for ``--seconds`` (``--quick``: 10); the store commits every
   ``--batch`` ms on its own thread, as in a panel. Printed: rows per second offered and
   committed (the window's rows over the window, if the last round was written within a
   batch interval and a second; n/a if the store fell behind), how long after it was handed
   over the last round was written, the most rows ever waiting, the commits' duration (median,
   p99, max: BEGIN to COMMIT, each a WAL append with an fsync and now and then a
   checkpoint), what ``add_sample`` costs the producer (that is the GUI thread in a panel),
   the process's CPU, and the file's size per million samples once closed. Then the
   headroom: ``--capacity-rounds`` samples of every tag waiting when the store starts (as
   after a fault), and how fast it writes them (100,000 rows per transaction at most).
2. Query: a file with one tag logged every second for 24 hours (86,400 rows) among
   ``--other-tags`` tags logged alike, written through a Store; ``Store.query`` of the day
   downsampled to 1,000 points, from the call to the callback, ``--runs`` times (the first
   run on its own: a cold page cache of this process). For comparison, every row fetched
   into Python with one SELECT.

The file goes into a temporary folder under ``--folder`` (default: the system's); its file
system is printed, as fsync costs depend on it.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import common
from common import percentile, table

sys.path.insert(0, str(common.ROOT))

from qml_s7.history import CommitInfo, Store

DAY_S = 86_400
MB = 1_000_000


def tag_names(count: int) -> list[str]:
    """Absolute names as panels log them (``DB7.DBD1996:REAL``): about 16 characters."""
    return [f"DB{1 + i // 2000}.DBD{(i % 2000) * 4}:REAL" for i in range(count)]


def file_system(folder: str) -> str:
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            mount = fields[1]
            if folder.startswith(mount) and len(mount) > len(best):
                best, kind = mount, f"{fields[2]} ({fields[0]} on {mount})"
    except OSError:
        pass
    return kind


class Commits:
    """The store's on_commit: every CommitInfo, and when it came (time.monotonic)."""

    def __init__(self) -> None:
        self.infos: list[CommitInfo] = []
        self.times: list[float] = []
        self.changed = threading.Condition()

    def __call__(self, info: CommitInfo) -> None:
        with self.changed:
            self.infos.append(info)
            self.times.append(time.monotonic())
            self.changed.notify_all()

    def total(self) -> int:
        with self.changed:
            return self.infos[-1].total_rows if self.infos else 0

    def reached(self, rows: int, timeout: float) -> float:
        """When the store had committed ``rows`` rows (waits for it, bounded)."""
        with self.changed:
            self.changed.wait_for(lambda: self.total_unlocked() >= rows, timeout)
            pairs = zip(self.times, self.infos, strict=True)
            return next(t for t, i in pairs if i.total_rows >= rows)

    def total_unlocked(self) -> int:
        return self.infos[-1].total_rows if self.infos else 0


def file_bytes(path: Path) -> int:
    return sum(
        os.path.getsize(f"{path}{suffix}")
        for suffix in ("", "-wal")
        if os.path.exists(f"{path}{suffix}")
    )


def logging_run(folder: Path, tags: list[str], seconds: float, batch_ms: int) -> dict:
    """A feeder thread gives the store one sample per tag every second for ``seconds``."""
    path = folder / "paced.sqlite"
    commits = Commits()
    errors: list[str] = []
    store = Store(path, batch_interval_ms=batch_ms, on_commit=commits,
                  on_error=lambda code, text: errors.append(f"{code.name}: {text}"))  # fmt: skip
    store.start()
    add_ns: list[float] = []  # per call, averaged over each round of all tags
    pending_max = 0
    offered = 0
    stop = threading.Event()
    rounds = max(1, round(seconds))
    last_round = [0.0]  # when the last round was handed over

    def feed() -> None:  # a round of every tag at 0, 1, ... seconds - 1 s into the window
        nonlocal offered, pending_max
        start = time.monotonic()
        for second in range(rounds):
            if stop.wait(max(0.0, start + second - time.monotonic())):
                return
            now_ms = int(time.time() * 1000)
            began = time.perf_counter_ns()
            for i, tag in enumerate(tags):
                store.add_sample(tag, now_ms, second + i / 1000, 0x80)
            add_ns.append((time.perf_counter_ns() - began) / len(tags))
            offered += len(tags)
            last_round[0] = time.monotonic()
            pending_max = max(pending_max, store.pending_rows)

    cpu0, wall0 = time.process_time(), time.monotonic()
    feeder = threading.Thread(target=feed, name="feeder")
    feeder.start()
    time.sleep(rounds)  # the measuring window (a bench, not a test: nothing to wait for)
    stop.set()
    feeder.join()
    wall = time.monotonic() - wall0  # the last round was offered a second before its end
    # every row offered in the window written, and how long after the last round was offered
    lag = (commits.reached(offered, 60) - last_round[0]) * 1000
    cpu = time.process_time() - cpu0
    store.close(timeout=120)
    total = commits.total()
    size = file_bytes(path)
    durations = [c.duration_ms for c in commits.infos]
    return {
        "run": f"{len(tags):,} tags at 1 Hz, {seconds:g} s",
        "offered": offered / wall,
        "committed": offered / wall if lag <= batch_ms + 1000 else math.nan,
        "lag": lag,
        "pending": pending_max,
        "commits": len(durations),
        "median": statistics.median(durations) if durations else math.nan,
        "p99": percentile(durations, 99),
        "max": max(durations) if durations else math.nan,
        "add_ns": statistics.median(add_ns) if add_ns else math.nan,
        "cpu": 100 * cpu / wall,
        "mb_per_million": size / total * 1e6 / MB if total else math.nan,
        "rows": total,
        "size_mb": size / MB,
        "errors": errors,
    }


def capacity_run(folder: Path, tags: list[str], rounds: int, batch_ms: int) -> dict:
    """``rounds`` samples of every tag offered at once: how fast the store writes them all."""
    path = folder / "capacity.sqlite"
    commits = Commits()
    done = threading.Event()
    goal = rounds * len(tags)

    def committed(info: CommitInfo) -> None:
        commits(info)
        if info.total_rows >= goal:
            done.set()

    store = Store(path, batch_interval_ms=batch_ms, on_commit=committed, max_pending=goal)
    now_ms = int(time.time() * 1000)
    began = time.perf_counter()
    for second in range(rounds):
        for i, tag in enumerate(tags):
            store.add_sample(tag, now_ms + second * 1000, second + i / 1000, 0x80)
    offered = time.perf_counter() - began
    began = time.perf_counter()
    store.start()
    if not done.wait(600):
        raise TimeoutError("the store did not write the backlog within 10 minutes")
    wall = time.perf_counter() - began
    store.close(timeout=120)
    durations = [c.duration_ms for c in commits.infos]
    return {
        "run": f"{goal:,} rows waiting at start",
        "offered": goal / offered,
        "committed": goal / wall,
        "lag": wall * 1000,
        "pending": goal,
        "commits": len(durations),
        "median": statistics.median(durations),
        "p99": percentile(durations, 99),
        "max": max(durations),
        "add_ns": offered / goal * 1e9,
        "cpu": math.nan,
        "mb_per_million": file_bytes(path) / goal * 1e6 / MB,
        "rows": goal,
        "size_mb": file_bytes(path) / MB,
        "errors": [],
    }


def query_file(folder: Path, other_tags: int) -> tuple[Path, str, int, int]:
    """A day of one tag at 1 Hz among ``other_tags`` alike, in time order, through a Store."""
    path = folder / "day.sqlite"
    tag = "DB1.DBD0:REAL"
    others = [f"DB2.DBD{4 * i}:REAL" for i in range(other_tags)]
    t0 = (int(time.time()) - DAY_S - 60) * 1000
    spike = DAY_S // 3
    store = Store(path, batch_interval_ms=200, retention_days=0, max_pending=100_000_000)
    store.start()
    for s in range(DAY_S):
        ts = t0 + s * 1000
        value = 50 + 20 * math.sin(s / 3600) + (s % 7) / 10
        store.add_sample(tag, ts, 500.0 if s == spike else value, 0x80)
        for other in others:
            store.add_sample(other, ts, value, 0x80)
    store.close(timeout=300)
    return path, tag, t0, t0 + spike * 1000


def query_runs(path: Path, tag: str, t0: int, spike_ts: int, runs: int) -> dict:
    store = Store(path, retention_days=0)
    store.start()
    times: list[float] = []
    points_seen: list[int] = []
    spike_kept = True
    try:
        for _ in range(runs + 1):
            done = threading.Event()
            result: list = []

            def callback(points: list, result: list = result, done: threading.Event = done):
                result.append(points)
                done.set()

            began = time.perf_counter()
            store.query(tag, t0, t0 + DAY_S * 1000 - 1, 1000, callback)
            if not done.wait(60):
                raise TimeoutError("the query was not answered within 60 s")
            times.append((time.perf_counter() - began) * 1000)
            points_seen.append(len(result[0]))
            spike_kept = spike_kept and any(
                p.ts == spike_ts and p.value == 500.0 for p in result[0]
            )
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        began = time.perf_counter()
        rows = conn.execute(
            "SELECT ts, value, quality FROM samples WHERE tag = ? AND ts >= ? AND ts < ? "
            "ORDER BY ts",
            (tag, t0, t0 + DAY_S * 1000),
        ).fetchall()
        fetch_all = (time.perf_counter() - began) * 1000
        total = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
    finally:
        conn.close()
    warm = times[1:]
    return {
        "first": times[0],
        "median": statistics.median(warm),
        "max": max(warm),
        "points": max(points_seen),
        "spike": spike_kept,
        "rows": len(rows),
        "fetch_all": fetch_all,
        "file_rows": total,
        "size_mb": file_bytes(path) / MB,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="the logging window")
    parser.add_argument("--quick", action="store_true", help="a 10 s logging window")
    parser.add_argument("--batch", type=int, default=1000, help="batch interval, ms")
    parser.add_argument("--runs", type=int, default=20, help="query runs")
    parser.add_argument(
        "--capacity-rounds", type=int, default=50, help="samples per tag of the capacity run"
    )
    parser.add_argument("--other-tags", type=int, default=9, help="tags beside the queried one")
    parser.add_argument("--folder", help="where the temporary files go")
    args = parser.parse_args()
    seconds = 10.0 if args.quick else args.seconds

    title = common.banner("History store: 10,000 tags logged at 1 Hz; a 24-hour trend query")
    print("\n".join(line for line in (title, common.load_note()) if line))
    folder = Path(tempfile.mkdtemp(prefix="qml-s7-history-", dir=args.folder))
    print(f"# files    {folder}: {file_system(str(folder))}; SQLite {sqlite3.sqlite_version}")
    try:
        tags = tag_names(args.tags)
        paced = logging_run(folder, tags, seconds, args.batch)
        flat = capacity_run(folder, tags, args.capacity_rounds, args.batch)
        print(
            f"\n## Logging: {args.tags:,} tags, every value changing, batch every "
            f"{args.batch} ms (WAL, synchronous=FULL)\n"
        )
        headers = ("run", "rows/s offered", "rows/s committed", "last written after ms",
                   "most waiting", "commits", "commit median ms", "commit p99 ms",
                   "commit max ms", "add_sample ns", "CPU % of a core",
                   "MB per million samples")  # fmt: skip
        keys = ("run", "offered", "committed", "lag", "pending", "commits", "median", "p99",
                "max", "add_ns", "cpu", "mb_per_million")  # fmt: skip
        print(table(headers, [[r[k] for k in keys] for r in (paced, flat)]))
        for run in (paced, flat):
            print(f"\n{run['run']}: {run['rows']:,} rows, {run['size_mb']:.1f} MB once closed"
                  + (f"; errors: {run['errors']}" if run["errors"] else ""))  # fmt: skip

        path, tag, t0, spike_ts = query_file(folder, args.other_tags)
        result = query_runs(path, tag, t0, spike_ts, args.runs)
        print(
            f"\n## Query: one tag's day ({result['rows']:,} rows) in a file of "
            f"{result['file_rows']:,} rows ({result['size_mb']:.0f} MB), downsampled to "
            f"1,000 points, {args.runs} runs\n"
        )
        headers = ("query", "first run ms", "median ms", "max ms", "points", "spike kept",
                   "every row into Python ms")  # fmt: skip
        row = ("Store.query, 24 h -> 1,000 points", result["first"], result["median"],
               result["max"], result["points"], result["spike"], result["fetch_all"])  # fmt: skip
        print(table(headers, [row]))
        print("\nTarget: the query under 100 ms; rows/s committed equal to rows/s offered.")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
