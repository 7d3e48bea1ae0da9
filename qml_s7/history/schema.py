"""The history file's schema: tables, indexes, the value encoding. A contract (docs/HISTORY.md).

People query the file with any SQLite tool, so what is here changes only with a new
``SCHEMA_VERSION`` and a migration. Time stamps are milliseconds since the epoch (UTC).
"""

from __future__ import annotations

import datetime
import json
import math
import sqlite3
from typing import Any

SCHEMA_VERSION = 1
APPLICATION = "qml-s7"

EVENTS = ("came", "went", "acknowledged", "shelved", "unshelved")
"""``alarm_events.event``."""
OUTCOMES = ("confirmed", "refused", "unknown", "not_sent", "invalid")
"""``writes.outcome``; NULL while the write is in flight (after a crash: never known)."""

TABLES = ("meta", "samples", "alarm_events", "writes")

DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)",
    "CREATE TABLE IF NOT EXISTS samples ("
    "tag TEXT NOT NULL, ts INTEGER NOT NULL, value, quality INTEGER NOT NULL)",
    # value and quality ride in the index so that a trend reads one contiguous run of it,
    # however many other tags were logged in between (no lookup into the table per row)
    "CREATE INDEX IF NOT EXISTS samples_tag_ts ON samples (tag, ts, value, quality)",
    "CREATE TABLE IF NOT EXISTS alarm_events ("
    "alarm TEXT NOT NULL, ts INTEGER NOT NULL, event TEXT NOT NULL, value, "
    "user TEXT NOT NULL DEFAULT '', text TEXT NOT NULL DEFAULT '', "
    "priority INTEGER NOT NULL DEFAULT 0, grp TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS alarm_events_ts ON alarm_events (ts)",
    "CREATE TABLE IF NOT EXISTS writes ("
    "id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, tag TEXT NOT NULL, old, new, outcome TEXT, "
    "user TEXT NOT NULL DEFAULT '', client TEXT NOT NULL DEFAULT '', "
    "detail TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS writes_ts ON writes (ts)",
)

INSERT_SAMPLE = "INSERT INTO samples (tag, ts, value, quality) VALUES (?, ?, ?, ?)"
INSERT_ALARM_EVENT = (
    "INSERT INTO alarm_events (alarm, ts, event, value, user, text, priority, grp) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_WRITE = (
    "INSERT INTO writes (id, ts, tag, old, new, outcome, user, client, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# only a write still in flight gets its outcome: a late or repeated answer changes nothing
FINISH_WRITE = "UPDATE writes SET outcome = ?, detail = ? WHERE id = ? AND outcome IS NULL"

_INT64 = (-(2**63), 2**63 - 1)


class SchemaError(Exception):
    """The file is an SQLite database, but not one this version of qml-s7 may write to."""


def create(conn: sqlite3.Connection, now_ms: int) -> None:
    """Create what is missing (one transaction); refuse a foreign or newer file."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        names = ", ".join(sorted(tables)[:5])
        raise SchemaError(f"it is no qml-s7 history file (it has the tables {names})")
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = row[0] if row else None
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise SchemaError(
                f"its schema version is {version!r}; this qml-s7 writes version {SCHEMA_VERSION}"
            )
        if tables.issuperset(TABLES):
            return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in DDL:
            conn.execute(statement)
        conn.executemany(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
            [
                ("schema_version", SCHEMA_VERSION),
                ("application", APPLICATION),
                ("created_ms", now_ms),
            ],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise


def to_column(value: Any) -> int | float | str | None:
    """A value as SQLite stores it: numbers as numbers, everything else as text.

    bool -> 0/1; int as is (beyond 64 bits: decimal text); float as is, NaN -> NULL;
    str as is; datetime, date, time -> ISO 8601 text; bytes -> hex text; list/tuple -> JSON
    text; None -> NULL; anything else -> ``str(value)``.
    """
    kind = type(value)  # exact types first: this runs for every logged sample
    if kind is float:
        return None if value != value else value
    if kind is int:
        return value if _INT64[0] <= value <= _INT64[1] else str(value)
    if kind is str or value is None:
        return value
    if kind is bool:
        return int(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):  # IntEnum and friends
        return to_column(int(value))
    if isinstance(value, float):
        return to_column(float(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return json.dumps(_plain(value), separators=(",", ":"), default=str)
    return str(value)


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it (NaN and infinities are not JSON: null)."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return to_column(value)
