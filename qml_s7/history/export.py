"""A tag's rows as CSV, for reports (``qml-s7 history export``), and the times it takes.

The file is opened read-only: exporting never creates, changes or locks it, and works while
a panel logs into it.
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import sqlite3
from pathlib import Path
from typing import TextIO

HEADER = ("ts_iso", "ts_ms", "value", "quality")


class ExportError(Exception):
    """The file or a time given cannot be used (the message says why)."""


def parse_time(text: str) -> int:
    """ISO 8601 (``2026-12-05T07:00``, ``2026-12-05 07:00:30``, ``2026-12-05``, with or
    without a zone: ``Z``, ``+01:00``; none = local time) or ms since the epoch -> ms."""
    value = text.strip()
    if re.fullmatch(r"-?\d{10,}", value):  # ms since the epoch (a date has separators)
        return int(value)
    if value[-1:] in ("Z", "z"):  # Python before 3.11 does not take "Z"
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ExportError(
            f"not a date and time: {text!r} (expected e.g. 2026-12-05T07:00, "
            "2026-12-05T07:00+01:00 or 2026-12-05)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time
    return round(moment.timestamp() * 1000)


def iso(ts_ms: int) -> str:
    """``ts_ms`` as local time with its offset, to the millisecond."""
    moment = datetime.datetime.fromtimestamp(ts_ms / 1000, datetime.timezone.utc).astimezone()
    return moment.isoformat(timespec="milliseconds")


def open_read_only(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    """The history file, read-only; ExportError if it is missing or no history file."""
    path = Path(db_path)
    if not path.is_file():
        raise ExportError(f"no such file: {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("SELECT tag, ts, value, quality FROM samples LIMIT 0")
    except sqlite3.Error as error:
        conn.close()
        raise ExportError(f"{path} is no qml-s7 history file ({error})") from None
    return conn


def export_csv(
    db_path: str | os.PathLike[str], tag: str, from_ms: int, to_ms: int, out: TextIO
) -> int:
    """Write ``tag``'s rows in [from_ms, to_ms] to ``out`` as CSV, time order, with the
    header ``ts_iso,ts_ms,value,quality``; return how many rows. Every row as it was logged
    (a bad quality's value too); NULL is an empty cell."""
    conn = open_read_only(db_path)
    try:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        count = 0
        rows = conn.execute(
            "SELECT ts, value, quality FROM samples WHERE tag = ? AND ts >= ? AND ts <= ? "
            "ORDER BY ts",
            (tag, int(from_ms), int(to_ms)),
        )
        for ts, value, quality in rows:
            writer.writerow((iso(ts), ts, "" if value is None else value, quality))
            count += 1
        return count
    except sqlite3.Error as error:
        raise ExportError(f"reading {db_path}: {error}") from None
    finally:
        conn.close()


def tag_span(db_path: str | os.PathLike[str], tag: str) -> tuple[int, int] | None:
    """The first and the last time stamp of ``tag``; None when the file has no row of it."""
    conn = open_read_only(db_path)
    try:
        first = conn.execute("SELECT min(ts) FROM samples WHERE tag = ?", (tag,)).fetchone()[0]
        if first is None:
            return None
        last = conn.execute("SELECT max(ts) FROM samples WHERE tag = ?", (tag,)).fetchone()[0]
        return first, last
    finally:
        conn.close()


def some_tags(db_path: str | os.PathLike[str], limit: int = 10) -> list[str]:
    """Up to ``limit`` tags of the file, in order (each found through the index)."""
    conn = open_read_only(db_path)
    try:
        tags: list[str] = []
        while len(tags) < limit:
            after = tags[-1] if tags else None
            row = conn.execute(
                "SELECT min(tag) FROM samples" + (" WHERE tag > ?" if tags else ""),
                (after,) if tags else (),
            ).fetchone()
            if row[0] is None:
                break
            tags.append(row[0])
        return tags
    finally:
        conn.close()
