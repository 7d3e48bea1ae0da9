"""Run every benchmark one after the other and print (and optionally save) all tables.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/run_all.py [--quick] [--output FILE]

Default: the figures of docs/PERFORMANCE.md (about 16 minutes on 2 cores, 6 of them the
gateway's). ``--quick``: smaller sizes and shorter windows (about 3 minutes).
``--only poll_cycle latency`` runs a subset. Each script also runs on its own; ``--help`` on
any of them lists its options.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = {
    "poll_cycle": ([], ["--sizes", "100", "1000", "--budget", "1.5"]),
    "gui_stall": ([], ["--seconds", "2"]),
    "latency": ([], ["--changes", "15", "--max-seconds", "6"]),
    "scale": ([], ["--sizes", "1000", "--seconds", "2"]),
    "profile_poll": (["--variables", "5000", "--cycles", "10"], ["--variables", "1000"]),
    "alarms": ([], ["--seconds", "2", "--scenarios", "panel", "alarms", "flip"]),
    "history_store": ([], ["--quick"]),
    "history": ([], ["--variables", "1000", "--seconds", "5"]),
    "gateway": ([], ["--quick"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller, shorter runs")
    parser.add_argument("--only", nargs="+", choices=list(SCRIPTS), default=list(SCRIPTS))
    parser.add_argument("--output", type=Path, help="also write everything to this file")
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    out = args.output.open("w") if args.output else None
    failed = []
    started = time.monotonic()
    try:
        for name in args.only:
            default, quick = SCRIPTS[name]
            argv = [sys.executable, str(BENCH / f"{name}.py"), *(quick if args.quick else default)]
            header = f"\n{'=' * 100}\n$ {' '.join(argv[1:])}\n"
            print(header, flush=True)
            if out:
                out.write(header)
            proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                if out:
                    out.write(line)
            if proc.wait() != 0:
                failed.append(name)
    finally:
        if out:
            out.close()
    minutes = (time.monotonic() - started) / 60
    print(
        f"\n# all done in {minutes:.1f} min" + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
