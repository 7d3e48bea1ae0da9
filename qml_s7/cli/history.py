"""``qml-s7 history export``: one tag's logged values from a history file, as CSV.

Exit status: 0 with rows written; 1 when the range holds no row of the tag (the header is
still written; stderr says whether the tag is unknown, listing some the file has, or where
its rows are); 2 for a missing or foreign file, a bad time or an empty range.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

DESCRIPTION = """\
Write the logged values of one tag (an S7Variable's name, as S7History logs it) between two
times as CSV: ts_iso,ts_ms,value,quality (ts_iso in local time with its offset, ts_ms in
milliseconds since the epoch, quality the quality byte: 128 good, below 64 bad). The file is
read, never changed: it can be exported while a panel logs into it."""

EPILOG = """\
times:
  ISO 8601 with or without a zone: 2026-12-05T07:00, 2026-12-05 07:00:30, 2026-12-05 (midnight),
  2026-12-05T07:00Z, 2026-12-05T07:00+01:00; without a zone they are local time.
  Or milliseconds since the epoch. --from defaults to the tag's first row, --to to now.

exit status:
  0  rows were written
  1  no row of the tag in the range (stderr says whether the file knows the tag)
  2  a missing or foreign file, a bad time, --to before --from

example:
  qml-s7 history export --tag Level --from 2026-12-05T07:00 --to 2026-12-05T08:00 \\
      --csv level.csv ~/.local/share/qml-s7/history.sqlite
"""


def add_parser(sub: Any) -> None:
    """``history`` and its ``export`` command, on the parser of ``qml-s7``."""
    history = sub.add_parser(
        "history",
        help="read a history file written by S7History (export a tag as CSV)",
        description="Read a history file written by S7History.",
    )
    commands = history.add_subparsers(dest="history_command", required=True, metavar="COMMAND")
    export = commands.add_parser(
        "export",
        help="one tag's values between two times as CSV",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("database", metavar="DBFILE", help="the history file (.sqlite)")
    export.add_argument("--tag", required=True, metavar="NAME", help="the tag (variable name)")
    export.add_argument(
        "--from", dest="start", metavar="TIME", help="from this time (default: the first row)"
    )
    export.add_argument("--to", dest="end", metavar="TIME", help="up to this time (default: now)")
    export.add_argument(
        "--csv", metavar="FILE", help="write to FILE instead of standard output ('-': stdout)"
    )
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    return run(args.database, args.tag, args.start, args.end, args.csv)


def run(
    database: str,
    tag: str,
    start: str | None = None,
    end: str | None = None,
    csv_file: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Export; return the exit status (see the module's doc)."""
    import time

    from ..history.export import ExportError, export_csv, iso, parse_time, some_tags, tag_span

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        span = tag_span(database, tag)
        from_ms = parse_time(start) if start else (span[0] if span else 0)
        to_ms = parse_time(end) if end else int(time.time() * 1000)
        if to_ms < from_ms:
            raise ExportError(f"--to ({iso(to_ms)}) is before --from ({iso(from_ms)})")
        if csv_file and csv_file != "-":
            with open(csv_file, "w", newline="", encoding="utf-8") as target:
                rows = export_csv(database, tag, from_ms, to_ms, target)
        else:
            rows = export_csv(database, tag, from_ms, to_ms, out)
    except (ExportError, OSError) as error:
        print(f"qml-s7: {error}", file=err)
        return 2
    if rows:
        return 0
    if span is None:
        known = some_tags(database)
        listed = ", ".join(known) if known else "none"
        print(
            f"qml-s7: the file has no rows of the tag {tag!r}; some tags it has: {listed}", file=err
        )
    else:
        print(
            f"qml-s7: no rows of {tag!r} between {iso(from_ms)} and {iso(to_ms)}; "
            f"its rows are from {iso(span[0])} to {iso(span[1])}",
            file=err,
        )
    return 1
